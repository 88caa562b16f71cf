//! The programme as the API, the pages and the exports see it: filtering, reports on
//! tasks, and the CSV and XLSX exports (loading and the review are `motcua_app::programme`).

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
pub(crate) use motcua_app::programme::Loaded;
use motcua_domain::programme::{self as rules, TaskStatus};
use motcua_domain::text::csv_cell;
use motcua_store::TaskRecord;

/// Readers are staff; anyone else gets 403.
pub(crate) fn require_reader(user: &AuthUser) -> ApiResult<()> {
    if rules::may_read_programme(user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Which tasks to show.
#[derive(Debug, Default, Clone)]
pub(crate) struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub agency: Option<String>,
    pub overdue: bool,
}

impl TaskFilter {
    /// Reads the query parameters; empty values mean "any".
    pub fn parse(
        status: Option<&str>,
        agency: Option<&str>,
        overdue: Option<&str>,
    ) -> ApiResult<TaskFilter> {
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Some(
                raw.parse::<TaskStatus>()
                    .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?,
            ),
            None => None,
        };
        let agency = agency
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let overdue = matches!(overdue.map(str::trim), Some("1" | "true" | "on" | "yes"));
        Ok(TaskFilter {
            status,
            agency,
            overdue,
        })
    }

    pub fn matches(&self, task: &TaskRecord, today: NaiveDate) -> bool {
        self.status.is_none_or(|s| s == task.status)
            && self.agency.as_deref().is_none_or(|a| {
                task.agency_code == a || task.cooperators.iter().any(|(c, _)| c == a)
            })
            && (!self.overdue || rules::is_overdue(task.deadline, task.status, today))
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.agency.is_none() && !self.overdue
    }
}

pub(crate) use motcua_app::capitalise;

pub(crate) fn dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// An instant as a Vietnamese reader expects it (UTC+7).
pub(crate) fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

const EXPORT_HEADERS: [&str; 13] = [
    "Mã",
    "Nhóm nhiệm vụ",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Mã cơ quan",
    "Người chịu trách nhiệm",
    "Cơ quan phối hợp",
    "Hạn hoàn thành",
    "Trạng thái",
    "Tiến độ (%)",
    "Quá hạn",
    "Số ngày quá hạn",
    "Cập nhật lần cuối",
];

/// One export row per task, in programme order.
fn export_rows(loaded: &Loaded, today: NaiveDate) -> Vec<[String; 13]> {
    loaded
        .tasks
        .iter()
        .map(|t| {
            let group = loaded
                .groups
                .iter()
                .find(|g| g.id == t.group_id)
                .map_or_else(String::new, |g| g.title.clone());
            let late = rules::is_overdue(t.deadline, t.status, today);
            [
                t.code(),
                group,
                t.title.clone(),
                t.agency_name.clone(),
                t.agency_code.clone(),
                t.person.clone(),
                t.cooperators
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                t.deadline.to_string(),
                t.status.label_vi().to_owned(),
                t.progress.percent().to_string(),
                if late { "Có" } else { "Không" }.to_owned(),
                if late {
                    rules::days_late(t.deadline, today).to_string()
                } else {
                    String::new()
                },
                local(t.updated_at),
            ]
        })
        .collect()
}

/// CSV in UTF-8 with a byte-order mark, so spreadsheet programs read the diacritics.
pub(crate) fn export_csv(loaded: &Loaded, today: NaiveDate) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(EXPORT_HEADERS)?;
        for row in export_rows(loaded, today) {
            writer.write_record(row.iter().map(|c| csv_cell(c).into_owned()))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// An XLSX workbook with one sheet, "Nhiệm vụ": numbers as numbers, dates as dates.
pub(crate) fn export_xlsx(
    loaded: &Loaded,
    today: NaiveDate,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Nhiệm vụ")?;
    sheet.write_string(0, 0, loaded.programme.title.as_str())?;
    for (c, header) in EXPORT_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *header, &bold)?;
    }
    for (i, (row, task)) in export_rows(loaded, today)
        .into_iter()
        .zip(&loaded.tasks)
        .enumerate()
    {
        let r = i as u32 + 3;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match c {
                7 => {
                    let d = task.deadline;
                    use chrono::Datelike;
                    let date =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &date, &date_format)?;
                }
                9 => {
                    sheet.write_number(r, c, f64::from(task.progress.percent()))?;
                }
                11 if !cell.is_empty() => {
                    sheet.write_number(r, c, cell.parse::<f64>().unwrap_or_default())?;
                }
                _ => {
                    sheet.write_string(r, c, cell.as_str())?;
                }
            }
        }
    }
    sheet.set_column_width(2, 60)?;
    sheet.set_column_width(3, 40)?;
    sheet.set_column_width(5, 30)?;
    sheet.set_freeze_panes(3, 0)?;
    workbook.save_to_buffer()
}

//! `motcua calendar …`: lunar dates, holidays and due dates from the command line,
//! reading arrangements and working hours from the same database as the server.

use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::calendar::{self as cal, DueQuestion, InputError};
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{HolidayCalendar, LunarDate, WorkingHours};

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// The lunar date of a solar date (YYYY-MM-DD).
    Lunar {
        /// A solar date, e.g. 2026-02-17.
        date: String,
        /// Print JSON: {"year","month","day","leap"}.
        #[arg(long)]
        json: bool,
    },
    /// The solar date of a lunar date.
    Solar {
        /// The lunar year (the Gregorian year of its Tết).
        #[arg(long, allow_negative_numbers = true)]
        year: i64,
        #[arg(long, allow_negative_numbers = true)]
        month: i64,
        #[arg(long, allow_negative_numbers = true)]
        day: i64,
        /// The leap month of that number.
        #[arg(long)]
        leap: bool,
        /// Print JSON: {"date"}.
        #[arg(long)]
        json: bool,
    },
    /// The year's days off on weekdays (defaults and the stored arrangement).
    Holidays {
        /// 1900 to 2100.
        #[arg(allow_negative_numbers = true)]
        year: String,
        /// Print JSON: [{"date","name","kind"}].
        #[arg(long)]
        json: bool,
    },
    /// When a time limit of working days or hours ends.
    Due {
        /// When the dossier was received, RFC 3339, e.g. 2026-04-24T16:00:00+07:00.
        #[arg(long)]
        from: String,
        /// The time limit in working days of 8 hours.
        #[arg(long, allow_negative_numbers = true)]
        working_days: Option<i64>,
        /// The time limit in working hours.
        #[arg(long, allow_negative_numbers = true)]
        working_hours: Option<i64>,
        /// paper, online or postal: apply that channel's receipt rule first.
        #[arg(long)]
        channel: Option<String>,
        /// An agency's identifier: use its working hours.
        #[arg(long)]
        agency: Option<String>,
        /// Print JSON: {"due_at","counting_from",…}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the command; bad input is reported in Vietnamese with its code and exit status 2.
pub async fn run(command: CalendarCommand, location: &DataLocation) -> anyhow::Result<()> {
    match answer(command, location).await? {
        Ok(text) => {
            println!("{text}");
            Ok(())
        }
        Err(err) => {
            eprintln!("Lỗi: {} (mã lỗi: {})", err.detail, err.code);
            std::process::exit(2);
        }
    }
}

/// The text to print, or the input's mistake; other failures (the database) are errors.
async fn answer(
    command: CalendarCommand,
    location: &DataLocation,
) -> anyhow::Result<Result<String, InputError>> {
    Ok(match command {
        CalendarCommand::Lunar { date, json } => lunar(&date, json),
        CalendarCommand::Solar {
            year,
            month,
            day,
            leap,
            json,
        } => solar(year, month, day, leap, json),
        CalendarCommand::Holidays { year, json } => {
            let year = match cal::parse_year(&year) {
                Ok(year) => year,
                Err(err) => return Ok(Err(err)),
            };
            let holidays = load_holidays(location).await?;
            holidays_text(&holidays, year, json)
        }
        CalendarCommand::Due {
            from,
            working_days,
            working_hours,
            channel,
            agency,
            json,
        } => {
            let question = match due_question(&from, working_days, working_hours, channel) {
                Ok(question) => question,
                Err(err) => return Ok(Err(err)),
            };
            let agency = match agency.as_deref().map(AgencyCode::parse).transpose() {
                Ok(agency) => agency,
                Err(err) => return Ok(Err(InputError::new(err.code(), err.to_string()))),
            };
            let (store, _) = location.open_and_migrate().await?;
            let hours = match &agency {
                Some(code) => cal::agency_hours(&store, code.as_str()).await,
                None => Ok(Some(WorkingHours::default())),
            };
            let holidays = cal::load_holidays(&store).await;
            store.close().await;
            let Some(hours) = hours? else {
                let code = agency.map(|c| c.as_str().to_owned()).unwrap_or_default();
                return Ok(Err(InputError::new(
                    "not_found",
                    format!("Không tìm thấy cơ quan {code}."),
                )));
            };
            let (_, holidays) = holidays?;
            let agency = agency.map(|c| c.as_str().to_owned());
            cal::compute_due(question, &hours, &holidays, agency).map(|answer| {
                if json {
                    serde_json::to_string(&answer).expect("serialisable")
                } else {
                    format!(
                        "Bắt đầu tính: {}\nHạn giải quyết: {} ({})",
                        when(answer.counting_from),
                        when(answer.due_at),
                        answer.due_at.to_rfc3339()
                    )
                }
            })
        }
    })
}

async fn load_holidays(location: &DataLocation) -> anyhow::Result<HolidayCalendar> {
    let (store, _) = location.open_and_migrate().await?;
    let loaded = cal::load_holidays(&store).await;
    store.close().await;
    Ok(loaded?.1)
}

fn dmy(date: chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn when(instant: chrono::DateTime<chrono::FixedOffset>) -> String {
    let date = instant.date_naive();
    format!(
        "{}, {} lúc {}",
        cal::weekday_vi(date),
        dmy(date),
        instant.format("%H:%M")
    )
}

fn lunar_vi(lunar: &LunarDate) -> String {
    let leap = if lunar.leap { " nhuận" } else { "" };
    format!(
        "ngày {}/{}{leap} năm {} ({}) âm lịch",
        lunar.day,
        lunar.month,
        lunar.year_name(),
        lunar.year
    )
}

fn lunar(date: &str, json: bool) -> Result<String, InputError> {
    let date = cal::parse_date(date)?;
    let lunar = cal::lunar_of(date)?;
    Ok(if json {
        serde_json::to_string(&lunar).expect("serialisable")
    } else {
        format!(
            "{}, {} dương lịch là {}.",
            cal::weekday_vi(date),
            dmy(date),
            lunar_vi(&lunar)
        )
    })
}

fn solar(year: i64, month: i64, day: i64, leap: bool, json: bool) -> Result<String, InputError> {
    let date = cal::solar_of(year, month, day, leap)?;
    Ok(if json {
        serde_json::json!({ "date": date }).to_string()
    } else {
        let lunar = cal::lunar_of(date)?;
        format!(
            "{} là {}, {} dương lịch.",
            motcua_app::capitalise(&lunar_vi(&lunar)),
            cal::weekday_vi(date),
            dmy(date)
        )
    })
}

fn holidays_text(holidays: &HolidayCalendar, year: i32, json: bool) -> Result<String, InputError> {
    let days = cal::weekday_days_off(holidays, year);
    if json {
        let list: Vec<_> = days
            .iter()
            .map(|h| serde_json::json!({ "date": h.date, "name": h.name, "kind": h.kind }))
            .collect();
        return Ok(serde_json::Value::from(list).to_string());
    }
    let mut text = format!("Ngày nghỉ năm {year} (không kể thứ Bảy, Chủ Nhật):\n");
    if let Some(a) = holidays.arrangement(year) {
        text.push_str(&format!(
            "Theo thông báo số {} ngày {}.\n",
            a.notice_number,
            dmy(a.notice_date)
        ));
    }
    for h in &days {
        text.push_str(&format!(
            "  {:<9} {}  {} ({})\n",
            cal::weekday_vi(h.date),
            dmy(h.date),
            h.name,
            cal::holiday_kind_vi(h.kind)
        ));
    }
    text.push_str(&format!("Tổng cộng {} ngày nghỉ.", days.len()));
    Ok(text)
}

fn due_question(
    from: &str,
    working_days: Option<i64>,
    working_hours: Option<i64>,
    channel: Option<String>,
) -> Result<DueQuestion, InputError> {
    Ok(DueQuestion {
        from: cal::parse_instant(from)?,
        budget_minutes: cal::budget_minutes(working_days, working_hours)?,
        channel: channel.as_deref().map(cal::parse_channel).transpose()?,
    })
}

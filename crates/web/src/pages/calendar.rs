//! The calendar pages: a year of solar and lunar dates with the days off, a due-date
//! form, and the yearly arrangement that province administrators keep.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::calendar::{self as cal, ArrangementInput, DayOffInput, DueQuestion, InputError};
use crate::error::{logged, status_of};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use motcua_app::AppError;
use motcua_domain::account::Role;
use motcua_domain::calendar::{HolidayCalendar, default_holidays, solar_to_lunar};
use serde::Deserialize;

const WEEKDAY_HEADERS: [(&str, &str); 7] = [
    ("T2", "Thứ Hai"),
    ("T3", "Thứ Ba"),
    ("T4", "Thứ Tư"),
    ("T5", "Thứ Năm"),
    ("T6", "Thứ Sáu"),
    ("T7", "Thứ Bảy"),
    ("CN", "Chủ Nhật"),
];

/// One day in a month grid.
struct DayCell {
    day: u32,
    /// The lunar day, as "d/m" at the start of a lunar month (and on the 1st of
    /// the solar month), else just the day.
    lunar: String,
    lunar_month_start: bool,
    /// Space-separated classes: `weekend`, `holiday`, `made-working`, `today`.
    classes: String,
    /// Said to screen readers and shown as a tooltip: the holiday, or a day worked in return.
    note: Option<String>,
}

struct MonthGrid {
    number: u32,
    weeks: Vec<Vec<Option<DayCell>>>,
}

struct HolidayRow {
    date: String,
    weekday: &'static str,
    name: String,
    kind: &'static str,
    on_weekend: bool,
}

/// What the due-date form shows back.
#[derive(Default)]
struct DueForm {
    from_date: String,
    from_time: String,
    amount: String,
    unit: String,
    channel: String,
    agency: String,
}

struct DueResult {
    due_at: String,
    counting_from: String,
    budget: String,
    hours_of: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    year: i32,
    prev_year: Option<i32>,
    next_year: Option<i32>,
    year_name: String,
    months: Vec<MonthGrid>,
    weekday_headers: [(&'static str, &'static str); 7],
    holidays: Vec<HolidayRow>,
    worked_days: Vec<String>,
    notice: Option<String>,
    can_edit: bool,
    agencies: Vec<(String, String)>,
    form: DueForm,
    due: Option<DueResult>,
    due_error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct CalendarQuery {
    year: Option<String>,
    from_date: Option<String>,
    from_time: Option<String>,
    amount: Option<String>,
    unit: Option<String>,
    channel: Option<String>,
    agency: Option<String>,
}

fn dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn lunar_label(date: NaiveDate) -> (String, bool) {
    match solar_to_lunar(date) {
        Ok(lunar) => {
            let leap = if lunar.leap { "N" } else { "" };
            if lunar.day == 1 || date.day() == 1 {
                (
                    format!("{}/{}{leap}", lunar.day, lunar.month),
                    lunar.day == 1,
                )
            } else {
                (lunar.day.to_string(), false)
            }
        }
        Err(_) => (String::new(), false),
    }
}

fn month_grid(year: i32, month: u32, holidays: &HolidayCalendar, today: NaiveDate) -> MonthGrid {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let mut weeks = Vec::new();
    let mut week: Vec<Option<DayCell>> = (0..first.weekday().num_days_from_monday())
        .map(|_| None)
        .collect();
    let mut date = first;
    while date.month() == month && date.year() == year {
        let (lunar, lunar_month_start) = lunar_label(date);
        let mut classes = Vec::new();
        let mut note = None;
        if cal::is_weekend(date) {
            classes.push("weekend");
        }
        if holidays.is_made_working_day(date) {
            classes.push("made-working");
            note = Some("Ngày làm việc (làm bù)".to_owned());
        } else if let Some(holiday) = holidays.holiday(date) {
            classes.push("holiday");
            note = Some(format!("Nghỉ: {}", holiday.name));
        }
        if date == today {
            classes.push("today");
        }
        week.push(Some(DayCell {
            day: date.day(),
            lunar,
            lunar_month_start,
            classes: classes.join(" "),
            note,
        }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        date = date + Days::new(1);
    }
    if !week.is_empty() {
        week.resize_with(7, || None);
        weeks.push(week);
    }
    MonthGrid {
        number: month,
        weeks,
    }
}

fn bad_request(chrome: Chrome, err: &InputError) -> PageError {
    PageError(Box::new(error_page_with(
        chrome,
        StatusCode::BAD_REQUEST,
        &err.detail,
    )))
}

/// Reads the due-date form; `Ok(None)` when it was not submitted.
fn due_question(form: &DueForm) -> Result<Option<DueQuestion>, InputError> {
    if form.from_date.is_empty() {
        return Ok(None);
    }
    let date = cal::parse_date(&form.from_date)?;
    let time = if form.from_time.is_empty() {
        NaiveTime::from_hms_opt(7, 0, 0).expect("valid time")
    } else {
        NaiveTime::parse_from_str(&form.from_time, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&form.from_time, "%H:%M:%S"))
            .map_err(|_| {
                InputError::new(
                    "invalid_date",
                    format!("Giờ không hợp lệ: \"{}\" (dạng 16:00).", form.from_time),
                )
            })?
    };
    let amount = form.amount.trim().parse::<i64>().map_err(|_| {
        InputError::new(
            "invalid_working_time",
            "Thời hạn phải là một số nguyên không âm.",
        )
    })?;
    let budget = if form.unit == "hours" {
        cal::budget_minutes(None, Some(amount))?
    } else {
        cal::budget_minutes(Some(amount), None)?
    };
    let channel = match form.channel.as_str() {
        "" => None,
        other => Some(cal::parse_channel(other)?),
    };
    Ok(Some(DueQuestion {
        from: date.and_time(time),
        budget_minutes: budget,
        channel,
    }))
}

fn when(instant: chrono::DateTime<chrono::FixedOffset>) -> String {
    format!(
        "{}, {} lúc {}",
        cal::weekday_vi(instant.date_naive()),
        dmy(instant.date_naive()),
        instant.format("%H:%M")
    )
}

async fn answer_due(
    state: &AppState,
    form: &DueForm,
    holidays: &HolidayCalendar,
) -> Result<Option<DueResult>, InputError> {
    let Some(question) = due_question(form)? else {
        return Ok(None);
    };
    let agency = (!form.agency.is_empty()).then_some(form.agency.as_str());
    let (hours, agency_code) = cal::hours_for(&state.app, agency).await.map_err(|e| {
        let e = logged(e);
        InputError::new(e.code(), e.detail())
    })?;
    let answer = cal::compute_due(question, &hours, holidays, agency_code)?;
    let budget = if form.unit == "hours" {
        format!("{} giờ làm việc", answer.budget_minutes / 60)
    } else {
        format!("{} ngày làm việc", answer.budget_minutes / 480)
    };
    let hours_of = match &answer.agency_code {
        Some(code) => {
            let name = motcua_app::register::agency(&state.app, code)
                .await
                .map_or_else(|_| code.clone(), |a| a.name);
            format!("giờ làm việc của {name}")
        }
        None => "giờ làm việc mặc định (07:00–11:30, 13:30–17:00, thứ Hai đến thứ Sáu)".into(),
    };
    Ok(Some(DueResult {
        due_at: when(answer.due_at),
        counting_from: when(answer.counting_from),
        budget,
        hours_of,
    }))
}

pub(super) async fn year_view(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let today = crate::today_vn();
    let year = match q.year.as_deref().filter(|y| !y.trim().is_empty()) {
        Some(raw) => match cal::parse_year(raw) {
            Ok(year) => year,
            Err(err) => return Err(bad_request(chrome, &err)),
        },
        None => today.year(),
    };
    let holidays = motcua_app::calendar::holidays(&state.app).await?;
    let months = (1..=12)
        .map(|m| month_grid(year, m, &holidays, today))
        .collect();
    let holiday_rows = holidays
        .holidays(year)
        .into_iter()
        .filter(|h| !holidays.is_made_working_day(h.date))
        .map(|h| HolidayRow {
            date: dmy(h.date),
            weekday: cal::weekday_vi(h.date),
            name: h.name,
            kind: cal::holiday_kind_vi(h.kind),
            on_weekend: cal::is_weekend(h.date),
        })
        .collect();
    let worked_days = holidays
        .arrangements()
        .iter()
        .flat_map(|a| a.working_days.iter().copied())
        .filter(|d| d.year() == year)
        .map(|d| format!("{}, {}", cal::weekday_vi(d), dmy(d)))
        .collect();
    let notice = holidays.arrangement(year).map(|a| {
        format!(
            "Theo thông báo số {} ngày {}.",
            a.notice_number,
            dmy(a.notice_date)
        )
    });
    let form = DueForm {
        from_date: q.from_date.unwrap_or_default().trim().to_owned(),
        from_time: q.from_time.unwrap_or_default().trim().to_owned(),
        amount: q.amount.unwrap_or_default().trim().to_owned(),
        unit: q.unit.unwrap_or_default(),
        channel: q.channel.unwrap_or_default(),
        agency: q.agency.unwrap_or_default(),
    };
    let (due, due_error) = match answer_due(&state, &form, &holidays).await {
        Ok(due) => (due, None),
        Err(err) => (None, Some(err.detail)),
    };
    let agencies = motcua_app::register::agencies(&state.app, &Default::default())
        .await?
        .into_iter()
        .map(|a| (a.code.as_str().to_owned(), a.name))
        .collect();
    let status = if due_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = CalendarPage {
        can_edit: chrome
            .user
            .as_ref()
            .is_some_and(|u| u.role == Role::ProvinceAdmin),
        chrome,
        year,
        prev_year: cal::check_year(i64::from(year) - 1).ok(),
        next_year: cal::check_year(i64::from(year) + 1).ok(),
        year_name: motcua_domain::calendar::LunarDate::new(year, 1, 1).year_name(),
        months,
        weekday_headers: WEEKDAY_HEADERS,
        holidays: holiday_rows,
        worked_days,
        notice,
        agencies,
        form,
        due,
        due_error,
    };
    Ok(render(status, &page))
}

/// A default holiday with whether the arrangement removes it.
struct DefaultRow {
    date: String,
    iso: String,
    weekday: &'static str,
    name: String,
    removed: bool,
}

#[derive(Template)]
#[template(path = "calendar_arrangement.html")]
struct ArrangementPage {
    chrome: Chrome,
    year: i32,
    defaults: Vec<DefaultRow>,
    notice_number: String,
    notice_date: String,
    extra_days_off: String,
    working_days: String,
    saved: bool,
    exists: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

fn require_province_admin(
    user: &crate::auth::AuthUser,
    chrome: Chrome,
) -> Result<Chrome, PageError> {
    if user.role == Role::ProvinceAdmin {
        Ok(chrome)
    } else {
        Err(PageError(Box::new(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị cấp tỉnh được sửa phương án nghỉ lễ.",
        ))))
    }
}

/// The year's default holidays, and any of the next January's that the arrangement
/// removes (a notice may reach into it), so saving the form keeps them.
fn defaults_of(year: i32, removed: &[NaiveDate]) -> Vec<DefaultRow> {
    let next_year = default_holidays(year + 1)
        .into_iter()
        .filter(|h| removed.contains(&h.date));
    default_holidays(year)
        .into_iter()
        .chain(next_year)
        .map(|h| DefaultRow {
            date: dmy(h.date),
            iso: h.date.to_string(),
            weekday: cal::weekday_vi(h.date),
            name: h.name,
            removed: removed.contains(&h.date),
        })
        .collect()
}

pub(super) async fn arrangement_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(year): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let chrome = require_province_admin(&user, chrome)?;
    let year = match cal::parse_year(&year) {
        Ok(year) => year,
        Err(err) => return Err(bad_request(chrome, &err)),
    };
    let stored = motcua_app::calendar::arrangement(&state.app, year).await?;
    let page = match stored {
        Some(stored) => {
            let a = stored.arrangement;
            ArrangementPage {
                chrome,
                year,
                defaults: defaults_of(year, &a.removed_defaults),
                notice_number: a.notice_number,
                notice_date: a.notice_date.to_string(),
                extra_days_off: a
                    .extra_days_off
                    .iter()
                    .map(|d| format!("{} {}", d.date, d.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                working_days: a
                    .working_days
                    .iter()
                    .map(NaiveDate::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
                saved: q.saved.is_some(),
                exists: true,
                error: None,
            }
        }
        None => ArrangementPage {
            chrome,
            year,
            defaults: defaults_of(year, &[]),
            notice_number: String::new(),
            notice_date: String::new(),
            extra_days_off: String::new(),
            working_days: String::new(),
            saved: false,
            exists: false,
            error: None,
        },
    };
    Ok(render(StatusCode::OK, &page))
}

/// The arrangement form's fields as typed.
#[derive(Default)]
struct ArrangementFields {
    notice_number: String,
    notice_date: String,
    extra_days_off: String,
    working_days: String,
    removed_defaults: Vec<String>,
}

impl ArrangementFields {
    fn from_pairs(pairs: Vec<(String, String)>) -> ArrangementFields {
        let mut fields = ArrangementFields::default();
        for (key, value) in pairs {
            match key.as_str() {
                "notice_number" => fields.notice_number = value,
                "notice_date" => fields.notice_date = value,
                "extra_days_off" => fields.extra_days_off = value,
                "working_days" => fields.working_days = value,
                "removed_defaults" => fields.removed_defaults.push(value),
                _ => {}
            }
        }
        fields
    }

    /// The arrangement as entered, or the first mistake, naming its line.
    fn to_input(&self) -> Result<ArrangementInput, InputError> {
        let notice_date = if self.notice_date.trim().is_empty() {
            return Err(InputError::new(
                "invalid_date",
                "Cần nhập ngày ban hành văn bản thông báo.",
            ));
        } else {
            cal::parse_date(&self.notice_date)?
        };
        let line_error = |list: &str, n: usize, err: InputError| {
            InputError::new(err.code, format!("{list}, dòng {n}: {}", err.detail))
        };
        let mut extra_days_off = Vec::new();
        for (i, line) in lines(&self.extra_days_off) {
            let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let date = cal::parse_date(date).map_err(|e| line_error("Ngày nghỉ thêm", i, e))?;
            let name = name.trim().trim_start_matches(['-', '–', ':']).trim();
            extra_days_off.push(DayOffInput {
                date,
                name: name.to_owned(),
            });
        }
        let mut working_days = Vec::new();
        for (i, line) in lines(&self.working_days) {
            working_days.push(cal::parse_date(line).map_err(|e| line_error("Ngày làm bù", i, e))?);
        }
        let removed_defaults = self
            .removed_defaults
            .iter()
            .map(|d| cal::parse_date(d))
            .collect::<Result<_, _>>()?;
        Ok(ArrangementInput {
            year: None,
            notice_number: self.notice_number.clone(),
            notice_date,
            extra_days_off,
            working_days,
            removed_defaults,
        })
    }
}

/// Non-blank lines with their 1-based numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 1, l))
}

pub(super) async fn arrangement_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(year): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let chrome = require_province_admin(&user, chrome)?;
    let year = match cal::parse_year(&year) {
        Ok(year) => year,
        Err(err) => return Err(bad_request(chrome, &err)),
    };
    let fields = ArrangementFields::from_pairs(pairs);
    let outcome = match fields.to_input() {
        Ok(input) => {
            match cal::save_arrangement(&state.app, &user.principal(), year, input).await {
                Ok(_) => Ok(()),
                Err(err @ (AppError::Malformed { .. } | AppError::Conflict { .. })) => {
                    Err((status_of(&err), err.detail().into_owned()))
                }
                Err(other) => return Err(PageError::app(chrome, other)),
            }
        }
        Err(err) => Err((StatusCode::BAD_REQUEST, err.detail)),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/calendar/arrangements/{year}?saved=1")).into_response())
        }
        Err((status, message)) => {
            let removed: Vec<NaiveDate> = fields
                .removed_defaults
                .iter()
                .filter_map(|d| cal::parse_date(d).ok())
                .collect();
            let exists = motcua_app::calendar::arrangement(&state.app, year)
                .await?
                .is_some();
            let page = ArrangementPage {
                chrome,
                year,
                defaults: defaults_of(year, &removed),
                notice_number: fields.notice_number,
                notice_date: fields.notice_date,
                extra_days_off: fields.extra_days_off,
                working_days: fields.working_days,
                saved: false,
                exists,
                error: Some(message),
            };
            Ok(render(status, &page))
        }
    }
}

//! The working-day calendar: lunar dates, holidays, due dates, and the data
//! administrators keep (each year's arrangement, each agency's working hours).

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::calendar::{self as cal, DueAnswer, DueQuestion};
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{MonthDay, Season, Session, WorkingHoursConfig};
use motcua_store::{StoredArrangement, StoredWorkingHours};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LunarDateView {
    /// The Gregorian year in which this lunar year's Tết falls.
    pub year: i32,
    pub month: u8,
    pub day: u8,
    /// Whether the month is the year's leap (intercalary) month.
    pub leap: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SolarDateView {
    #[schema(example = "2026-02-17")]
    pub date: NaiveDate,
}

/// A day off on a weekday.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HolidayView {
    pub date: NaiveDate,
    #[schema(example = "Tết Nguyên Đán")]
    pub name: String,
    /// `statutory` (Labour Code Art. 112), `compensatory` (for one on a weekend) or `extra` (by arrangement).
    #[schema(example = "statutory")]
    pub kind: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LunarQuery {
    /// A solar date, `YYYY-MM-DD`, between 1900-01-01 and 2100-12-31.
    #[param(value_type = crate::api::contract::formats::CalendarDate, inline, example = "2026-02-17")]
    date: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SolarQuery {
    /// The lunar year (the Gregorian year of its Tết).
    #[param(minimum = 1900, maximum = 2100)]
    year: i64,
    #[param(minimum = 1, maximum = 12)]
    month: i64,
    #[param(minimum = 1, maximum = 30)]
    day: i64,
    /// The leap month of that number.
    #[serde(default)]
    leap: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct YearQuery {
    /// 1900 to 2100.
    #[param(minimum = 1900, maximum = 2100)]
    year: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DueQuery {
    /// When the dossier was received, RFC 3339 (encode `+` as `%2B`).
    #[param(example = "2026-04-24T16:00:00+07:00")]
    from: String,
    /// The time limit in working days of 8 hours (0 to 1000). Give this or `working_hours`.
    #[param(minimum = 0, maximum = 1000)]
    working_days: Option<i64>,
    /// The time limit in working hours.
    working_hours: Option<i64>,
    /// `paper`, `online` or `postal`: applies that channel's receipt rule first.
    #[param(value_type = Option<crate::api::contract::choices::Channel>, inline)]
    channel: Option<String>,
    /// An agency's identifier: use its working hours instead of the defaults.
    #[param(value_type = Option<crate::api::contract::formats::AgencyCode>, inline)]
    agency: Option<String>,
}

/// Converts a solar date to the lunar calendar (computed at UTC+7).
#[utoipa::path(
    get, path = "/api/v1/calendar/lunar", tag = "calendar", params(LunarQuery),
    responses(
        (status = 200, description = "The lunar date", body = LunarDateView),
        (status = 400, description = "`invalid_date`, `date_out_of_range` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn lunar(ApiQuery(q): ApiQuery<LunarQuery>) -> ApiResult<Json<LunarDateView>> {
    let lunar = cal::lunar_of(cal::parse_date(&q.date)?)?;
    Ok(Json(LunarDateView {
        year: lunar.year,
        month: lunar.month,
        day: lunar.day,
        leap: lunar.leap,
    }))
}

/// Converts a lunar date to the solar calendar.
#[utoipa::path(
    get, path = "/api/v1/calendar/solar", tag = "calendar", params(SolarQuery),
    responses(
        (status = 200, description = "The solar date", body = SolarDateView),
        (status = 400, description = "`invalid_lunar_date`, `no_leap_month`, `date_out_of_range` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn solar(ApiQuery(q): ApiQuery<SolarQuery>) -> ApiResult<Json<SolarDateView>> {
    let date = cal::solar_of(q.year, q.month, q.day, q.leap)?;
    Ok(Json(SolarDateView { date }))
}

/// The year's days off that fall on weekdays: the Labour Code's holidays with their
/// compensatory days, as changed by the year's stored arrangement.
#[utoipa::path(
    get, path = "/api/v1/calendar/holidays", tag = "calendar", params(YearQuery),
    responses(
        (status = 200, description = "Days off by date", body = Vec<HolidayView>),
        (status = 400, description = "`date_out_of_range` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn holidays(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<HolidayView>>> {
    let year = cal::check_year(q.year)?;
    let calendar = motcua_app::calendar::holidays(&state.app).await?;
    let days = cal::weekday_days_off(&calendar, year)
        .into_iter()
        .map(|h| HolidayView {
            date: h.date,
            name: h.name,
            kind: serde_json::to_value(h.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect();
    Ok(Json(days))
}

/// When a time limit of working days or hours ends, skipping weekends, holidays
/// and time outside working hours.
#[utoipa::path(
    get, path = "/api/v1/calendar/due", tag = "calendar", params(DueQuery),
    responses(
        (status = 200, description = "The due time", body = DueAnswer),
        (status = 400, description = "`invalid_date`, `date_out_of_range`, `invalid_working_time`, `invalid_channel`, `invalid_agency_code` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn due(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueAnswer>> {
    let question = DueQuestion {
        from: cal::parse_instant(&q.from)?,
        budget_minutes: cal::budget_minutes(q.working_days, q.working_hours)?,
        channel: q.channel.as_deref().map(cal::parse_channel).transpose()?,
    };
    let (hours, agency_code) = cal::hours_for(&state.app, q.agency.as_deref()).await?;
    let holidays = motcua_app::calendar::holidays(&state.app).await?;
    Ok(Json(cal::compute_due(
        question,
        &hours,
        &holidays,
        agency_code,
    )?))
}

// The bodies are app's inputs, as they are.
pub(crate) use motcua_app::calendar::{
    ArrangementInput as ArrangementBody, DayOffInput as DayOffBody,
};

/// A stored arrangement.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArrangementView {
    pub year: i32,
    pub notice_number: String,
    pub notice_date: NaiveDate,
    pub extra_days_off: Vec<DayOffBody>,
    pub working_days: Vec<NaiveDate>,
    pub removed_defaults: Vec<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredArrangement> for ArrangementView {
    fn from(stored: StoredArrangement) -> ArrangementView {
        let a = stored.arrangement;
        ArrangementView {
            year: a.year,
            notice_number: a.notice_number,
            notice_date: a.notice_date,
            extra_days_off: a
                .extra_days_off
                .into_iter()
                .map(|d| DayOffBody {
                    date: d.date,
                    name: d.name,
                })
                .collect(),
            working_days: a.working_days,
            removed_defaults: a.removed_defaults,
            updated_at: stored.updated_at,
        }
    }
}

/// Every stored arrangement, by year.
#[utoipa::path(
    get, path = "/api/v1/calendar/arrangements", tag = "calendar",
    responses((status = 200, description = "Stored arrangements", body = Vec<ArrangementView>))
)]
pub(crate) async fn arrangements(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<ArrangementView>>> {
    let stored = motcua_app::calendar::arrangements(&state.app).await?;
    Ok(Json(
        stored.into_iter().map(ArrangementView::from).collect(),
    ))
}

/// The stored arrangement of one year.
#[utoipa::path(
    get, path = "/api/v1/calendar/arrangements/{year}", tag = "calendar",
    params(("year" = i64, Path, minimum = 1900, maximum = 2100, description = "1900 to 2100")),
    responses(
        (status = 200, description = "The arrangement", body = ArrangementView),
        (status = 400, description = "`invalid_year` or `date_out_of_range`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "None stored for that year", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn arrangement(
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> ApiResult<Json<ArrangementView>> {
    let year = cal::parse_year(&year)?;
    match motcua_app::calendar::arrangement(&state.app, year).await? {
        Some(stored) => Ok(Json(stored.into())),
        None => Err(ApiError::not_found(format!(
            "Chưa có phương án nghỉ lễ năm {year}."
        ))),
    }
}

/// Creates or replaces a year's arrangement (province administrators only).
#[utoipa::path(
    put, path = "/api/v1/calendar/arrangements/{year}", tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i64, Path, minimum = 1900, maximum = 2100, description = "1900 to 2100")),
    request_body = ArrangementBody,
    responses(
        (status = 200, description = "Stored", body = ArrangementView),
        (status = 400, description = "`invalid_arrangement`, `invalid_year`, `date_out_of_range`, `year_mismatch` or `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`arrangement_conflict`: another change got in first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_json_fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn put_arrangement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<String>,
    ApiJson(body): ApiJson<ArrangementBody>,
) -> ApiResult<Json<ArrangementView>> {
    let who = user.principal();
    // Refused before the year is even read, as ever.
    who.require(&[Role::ProvinceAdmin])?;
    let year = cal::parse_year(&year)?;
    let stored = cal::save_arrangement(&state.app, &who, year, body).await?;
    Ok(Json(stored.into()))
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekdayName {
    const ALL: [WeekdayName; 7] = [
        WeekdayName::Mon,
        WeekdayName::Tue,
        WeekdayName::Wed,
        WeekdayName::Thu,
        WeekdayName::Fri,
        WeekdayName::Sat,
        WeekdayName::Sun,
    ];

    fn to_chrono(self) -> chrono::Weekday {
        use chrono::Weekday;
        match self {
            WeekdayName::Mon => Weekday::Mon,
            WeekdayName::Tue => Weekday::Tue,
            WeekdayName::Wed => Weekday::Wed,
            WeekdayName::Thu => Weekday::Thu,
            WeekdayName::Fri => Weekday::Fri,
            WeekdayName::Sat => Weekday::Sat,
            WeekdayName::Sun => Weekday::Sun,
        }
    }

    fn from_chrono(day: chrono::Weekday) -> WeekdayName {
        WeekdayName::ALL[day.num_days_from_monday() as usize]
    }
}

/// A working session, e.g. 07:00 to 11:30.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SessionBody {
    #[schema(value_type = String, example = "07:00")]
    pub start: NaiveTime,
    #[schema(value_type = String, example = "11:30")]
    pub end: NaiveTime,
}

/// The first day of a season (every year).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct MonthDayBody {
    pub month: u8,
    pub day: u8,
}

/// Sessions in force from `from` until the next season starts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SeasonBody {
    pub from: MonthDayBody,
    pub sessions: Vec<SessionBody>,
}

/// An agency's working hours.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct WorkingHoursBody {
    /// Days normally worked.
    pub weekdays: Vec<WeekdayName>,
    /// Daily sessions (used when there are no seasons).
    #[serde(default)]
    pub sessions: Vec<SessionBody>,
    /// Seasonal sessions (e.g. summer and winter); when given they apply all year.
    #[serde(default)]
    pub seasons: Vec<SeasonBody>,
    /// A paper dossier received after this time counts from the next working day (default 15:00).
    #[schema(value_type = Option<String>, example = "15:00")]
    #[serde(default)]
    pub paper_cutoff: Option<NaiveTime>,
}

fn sessions_to_domain(sessions: Vec<SessionBody>) -> Vec<Session> {
    sessions
        .into_iter()
        .map(|s| Session {
            start: s.start,
            end: s.end,
        })
        .collect()
}

fn sessions_from_domain(sessions: Vec<Session>) -> Vec<SessionBody> {
    sessions
        .into_iter()
        .map(|s| SessionBody {
            start: s.start,
            end: s.end,
        })
        .collect()
}

impl WorkingHoursBody {
    pub(crate) fn into_config(self) -> WorkingHoursConfig {
        let default = WorkingHoursConfig::default();
        WorkingHoursConfig {
            weekdays: self
                .weekdays
                .into_iter()
                .map(WeekdayName::to_chrono)
                .collect(),
            sessions: sessions_to_domain(self.sessions),
            seasons: self
                .seasons
                .into_iter()
                .map(|s| Season {
                    from: MonthDay::new(s.from.month, s.from.day),
                    sessions: sessions_to_domain(s.sessions),
                })
                .collect(),
            paper_cutoff: self.paper_cutoff.unwrap_or(default.paper_cutoff),
        }
    }

    pub(crate) fn from_config(config: WorkingHoursConfig) -> WorkingHoursBody {
        WorkingHoursBody {
            weekdays: config
                .weekdays
                .into_iter()
                .map(WeekdayName::from_chrono)
                .collect(),
            sessions: sessions_from_domain(config.sessions),
            seasons: config
                .seasons
                .into_iter()
                .map(|s| SeasonBody {
                    from: MonthDayBody {
                        month: s.from.month,
                        day: s.from.day,
                    },
                    sessions: sessions_from_domain(s.sessions),
                })
                .collect(),
            paper_cutoff: Some(config.paper_cutoff),
        }
    }
}

/// An agency's working hours as in force.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WorkingHoursView {
    pub agency_code: String,
    /// True when the agency has none of its own and uses the defaults.
    pub is_default: bool,
    pub working_hours: WorkingHoursBody,
    /// When they were last changed; none for the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

fn working_hours_view(code: &AgencyCode, stored: Option<StoredWorkingHours>) -> WorkingHoursView {
    match stored {
        Some(stored) => WorkingHoursView {
            agency_code: code.as_str().to_owned(),
            is_default: false,
            working_hours: WorkingHoursBody::from_config(stored.config),
            updated_at: Some(stored.updated_at),
        },
        None => WorkingHoursView {
            agency_code: code.as_str().to_owned(),
            is_default: true,
            working_hours: WorkingHoursBody::from_config(WorkingHoursConfig::default()),
            updated_at: None,
        },
    }
}

/// An agency's working hours (the defaults until it sets its own).
#[utoipa::path(
    get, path = "/api/v1/agencies/{code}/working-hours", tag = "calendar",
    params(("code" = inline(crate::api::contract::formats::AgencyCode), Path, description = "The agency's identifier", example = "000.00.00.H37")),
    responses(
        (status = 200, description = "Working hours in force", body = WorkingHoursView),
        (status = 400, description = "`invalid_agency_code`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn working_hours(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<WorkingHoursView>> {
    let (code, stored) = cal::hours::working_hours(&state.app, &code).await?;
    Ok(Json(working_hours_view(&code, stored)))
}

/// Sets an agency's working hours (a province administrator, or that agency's unit administrator).
#[utoipa::path(
    put, path = "/api/v1/agencies/{code}/working-hours", tag = "calendar",
    security(("bearer" = [])),
    params(("code" = inline(crate::api::contract::formats::AgencyCode), Path, description = "The agency's identifier", example = "000.00.00.H37")),
    request_body = WorkingHoursBody,
    responses(
        (status = 200, description = "Stored", body = WorkingHoursView),
        (status = 400, description = "`invalid_working_hours`, `invalid_agency_code` or `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_json_fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn put_working_hours(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<WorkingHoursBody>,
) -> ApiResult<Json<WorkingHoursView>> {
    let (code, stored) =
        cal::hours::set_working_hours(&state.app, &user.principal(), &code, body.into_config())
            .await?;
    Ok(Json(working_hours_view(&code, stored)))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lunar))
        .routes(routes!(solar))
        .routes(routes!(holidays))
        .routes(routes!(due))
        .routes(routes!(arrangements))
        .routes(routes!(arrangement, put_arrangement))
        .routes(routes!(working_hours, put_working_hours))
}

//! Each year's official arrangement of days off and days worked in return (the Labour
//! Code, Art. 112, and the ministry's yearly notice): checked and stored by province
//! administrators.

use super::InputError;
use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::calendar::{DayOff, HolidayCalendar, YearArrangement};
use motcua_store::StoredArrangement;
use serde::{Deserialize, Serialize};

/// A day off declared by an arrangement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DayOffBody))]
pub struct DayOffInput {
    #[serde(deserialize_with = "motcua_domain::calendar::strict_date::deserialize")]
    pub date: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(example = "Nghỉ hoán đổi"))]
    pub name: String,
}

/// A year's official arrangement, as an administrator enters it.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ArrangementBody))]
pub struct ArrangementInput {
    /// Optional; must match the year in the path when given.
    pub year: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = "6150/TB-BLĐTBXH"))]
    pub notice_number: String,
    #[serde(deserialize_with = "motcua_domain::calendar::strict_date::deserialize")]
    pub notice_date: NaiveDate,
    /// Days off added to the defaults.
    #[serde(default)]
    pub extra_days_off: Vec<DayOffInput>,
    /// Days worked in return (usually Saturdays), or default holidays that are worked.
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::list"
    )]
    pub working_days: Vec<NaiveDate>,
    /// Default holidays this arrangement cancels.
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::list"
    )]
    pub removed_defaults: Vec<NaiveDate>,
}

/// The arrangement of `year` from what was entered, checked on its own and
/// against the other years' (a `Conflict` from the store catches a race).
pub fn arrangement_from(
    year: i32,
    input: ArrangementInput,
    calendar: &HolidayCalendar,
) -> Result<YearArrangement, InputError> {
    if input.year.is_some_and(|y| y != i64::from(year)) {
        return Err(InputError::new(
            "year_mismatch",
            format!("Năm trong nội dung khác năm {year} trên địa chỉ."),
        ));
    }
    let arrangement = YearArrangement {
        year,
        notice_number: input.notice_number.trim().to_owned(),
        notice_date: input.notice_date,
        extra_days_off: input
            .extra_days_off
            .into_iter()
            .map(|d| DayOff {
                date: d.date,
                name: d.name.trim().to_owned(),
            })
            .collect(),
        working_days: input.working_days,
        removed_defaults: input.removed_defaults,
    };
    arrangement.validate()?;
    let mut all: Vec<YearArrangement> = calendar
        .arrangements()
        .iter()
        .filter(|a| a.year != year)
        .cloned()
        .collect();
    all.push(arrangement.clone());
    HolidayCalendar::new(all)?;
    Ok(arrangement)
}

/// Creates or replaces the arrangement of `year` (province administrators): checked, stored
/// with its audit event, and the cached calendar rebuilt.
pub async fn save_arrangement(
    app: &App,
    who: &Principal,
    year: i32,
    input: ArrangementInput,
) -> AppResult<StoredArrangement> {
    who.require(&[Role::ProvinceAdmin])?;
    let calendar = app.calendar.holidays(&app.store).await?;
    let arrangement = arrangement_from(year, input, &calendar)?;
    let audit = who.audit(
        "calendar.arrangement_saved",
        format!("holiday_arrangement:{}", arrangement.year),
        serde_json::json!({ "arrangement": arrangement }),
    );
    app.store
        .put_holiday_arrangement(&arrangement, crate::now(), &who.username, audit)
        .await?;
    app.calendar.reload(&app.store).await?;
    app.store
        .holiday_arrangement(year)
        .await?
        .ok_or_else(|| AppError::internal(format!("the arrangement of {year} is gone")))
}

/// The stored arrangements of every year (with the calendar's revision).
pub async fn arrangements(app: &App) -> AppResult<Vec<StoredArrangement>> {
    Ok(app.store.holiday_arrangements().await?.1)
}

/// The stored arrangement of a year, if one was saved.
pub async fn arrangement(app: &App, year: i32) -> AppResult<Option<StoredArrangement>> {
    Ok(app.store.holiday_arrangement(year).await?)
}

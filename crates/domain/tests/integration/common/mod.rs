//! Helpers the domain's test modules share.

use chrono::{NaiveDate, NaiveDateTime};

pub fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    ymd(year, month, day).and_hms_opt(hour, minute, 0).unwrap()
}

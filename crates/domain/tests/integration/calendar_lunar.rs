//! Vietnamese lunisolar calendar: published dates, leap months, an
//! independent reference table, and a round trip over every supported day.

use crate::common::ymd;
use chrono::{Datelike, Days, NaiveDate};
use motcua_domain::calendar::{
    CalendarError, LunarDate, MAX_SOLAR_DATE, MIN_SOLAR_DATE, leap_month, lunar_month_length,
    lunar_to_solar, solar_to_lunar, tet,
};

#[test]
fn published_tet_dates() {
    for (year, month, day) in [
        (2020, 1, 25),
        (2021, 2, 12),
        (2023, 1, 22),
        (2024, 2, 10),
        (2025, 1, 29),
        (2026, 2, 17),
    ] {
        let date = ymd(year, month, day);
        assert_eq!(solar_to_lunar(date), Ok(LunarDate::new(year, 1, 1)));
        assert_eq!(tet(year), Ok(date));
    }
}

#[test]
fn tet_where_vietnam_differs_from_china() {
    // New moon before midnight at UTC+7 but after it at UTC+8.
    assert_eq!(tet(2007), Ok(ymd(2007, 2, 17))); // China: 02-18
    assert_eq!(tet(1968), Ok(ymd(1968, 1, 29))); // China: 01-30
    assert_eq!(tet(2030), Ok(ymd(2030, 2, 2))); // China: 02-03
    // The 1984 winter solstice fell on 21/12 at UTC+7 (22/12 in China), so
    // month 11 started a month earlier and Tết came a month earlier.
    assert_eq!(tet(1985), Ok(ymd(1985, 1, 21))); // China: 02-20
    assert_eq!(
        solar_to_lunar(ymd(1984, 11, 23)),
        Ok(LunarDate::new(1984, 11, 1))
    );
}

#[test]
fn a_month_starts_on_the_local_day_of_the_new_moon() {
    // New moon at 23:05 on 2006-06-25, Vietnamese time.
    assert_eq!(
        solar_to_lunar(ymd(2006, 6, 25)),
        Ok(LunarDate::new(2006, 6, 1))
    );
    assert_eq!(
        solar_to_lunar(ymd(2006, 6, 24)),
        Ok(LunarDate::new(2006, 5, 29))
    );
}

#[test]
fn leap_months() {
    assert_eq!(leap_month(2020), Some(4));
    assert_eq!(leap_month(2023), Some(2));
    assert_eq!(leap_month(2025), Some(6));
    assert_eq!(leap_month(2033), Some(11));
    assert_eq!(leap_month(2024), None);
    assert_eq!(leap_month(2026), None);
    // China had leap month 10 in 1984; in Vietnam that month was month 11 and
    // the leap month came in 1985.
    assert_eq!(leap_month(1984), None);
    assert_eq!(leap_month(1985), Some(2));

    // Leap month 6 of 2025 follows month 6 and precedes month 7.
    let leap_six = lunar_to_solar(LunarDate::new_leap(2025, 6, 1)).unwrap();
    assert_eq!(leap_six, ymd(2025, 7, 25));
    assert_eq!(
        lunar_to_solar(LunarDate::new(2025, 6, 1)),
        Ok(ymd(2025, 6, 25))
    );
    assert_eq!(
        lunar_to_solar(LunarDate::new(2025, 7, 1)),
        Ok(ymd(2025, 8, 23))
    );
    assert_eq!(
        solar_to_lunar(ymd(2025, 8, 1)),
        Ok(LunarDate::new_leap(2025, 6, 8))
    );
}

#[test]
fn errors_have_stable_codes_and_vietnamese_messages() {
    let out_of_range = solar_to_lunar(ymd(1899, 12, 31)).unwrap_err();
    assert_eq!(out_of_range.code(), "date_out_of_range");
    assert!(out_of_range.to_string().contains("ngoài phạm vi"));
    assert_eq!(
        solar_to_lunar(ymd(2101, 1, 1)).unwrap_err().code(),
        "date_out_of_range"
    );
    assert_eq!(
        lunar_to_solar(LunarDate::new(2150, 1, 1))
            .unwrap_err()
            .code(),
        "date_out_of_range"
    );

    // Month 12 of lunar 2024 has 29 days.
    assert_eq!(lunar_month_length(2024, 12, false), Ok(29));
    let no_day_30 = lunar_to_solar(LunarDate::new(2024, 12, 30)).unwrap_err();
    assert_eq!(no_day_30.code(), "invalid_lunar_date");
    assert!(no_day_30.to_string().contains("không tồn tại"));
    assert_eq!(
        lunar_to_solar(LunarDate::new(2024, 13, 1))
            .unwrap_err()
            .code(),
        "invalid_lunar_date"
    );
    assert_eq!(
        lunar_to_solar(LunarDate::new(2024, 1, 0))
            .unwrap_err()
            .code(),
        "invalid_lunar_date"
    );

    let not_leap = lunar_to_solar(LunarDate::new_leap(2025, 5, 1)).unwrap_err();
    assert_eq!(
        not_leap,
        CalendarError::NoLeapMonth {
            year: 2025,
            month: 5
        }
    );
    assert_eq!(not_leap.code(), "no_leap_month");
    assert_eq!(
        not_leap.to_string(),
        "Năm âm lịch 2025 không có tháng 5 nhuận"
    );
}

#[test]
fn range_edges() {
    let first = solar_to_lunar(MIN_SOLAR_DATE).unwrap();
    assert_eq!(first.year, 1899);
    assert_eq!(lunar_to_solar(first), Ok(MIN_SOLAR_DATE));
    let last = solar_to_lunar(MAX_SOLAR_DATE).unwrap();
    assert_eq!(last.year, 2100);
    assert_eq!(lunar_to_solar(last), Ok(MAX_SOLAR_DATE));
    // The lunar day after the last supported solar day is out of range.
    let beyond = LunarDate {
        day: last.day + 1,
        ..last
    };
    if lunar_month_length(last.year, last.month, last.leap).unwrap() > last.day {
        assert_eq!(
            lunar_to_solar(beyond).unwrap_err().code(),
            "date_out_of_range"
        );
    }
}

#[test]
fn serde_and_display() {
    let date = LunarDate::new_leap(2020, 4, 1);
    let json = serde_json::to_string(&date).unwrap();
    assert_eq!(json, r#"{"year":2020,"month":4,"day":1,"leap":true}"#);
    assert_eq!(serde_json::from_str::<LunarDate>(&json).unwrap(), date);
    let without_leap: LunarDate =
        serde_json::from_str(r#"{"year":2026,"month":3,"day":10}"#).unwrap();
    assert_eq!(without_leap, LunarDate::new(2026, 3, 10));
    assert_eq!(date.to_string(), "1/4 nhuận năm 2020 (âm lịch)");
    assert_eq!(LunarDate::new(2026, 1, 1).year_name(), "Bính Ngọ");
}

#[test]
fn every_day_round_trips_and_advances_consistently() {
    let mut date = MIN_SOLAR_DATE;
    let mut previous: Option<LunarDate> = None;
    let mut days = 0;
    while date <= MAX_SOLAR_DATE {
        let lunar = solar_to_lunar(date).unwrap();
        assert_eq!(lunar_to_solar(lunar), Ok(date), "{date} -> {lunar:?}");
        if let Some(prev) = previous {
            assert_next_day(prev, lunar, date);
            assert!(prev < lunar, "{date}: lunar dates sort chronologically");
        }
        previous = Some(lunar);
        date = date + Days::new(1);
        days += 1;
    }
    assert_eq!(days, 73_414);
}

fn assert_next_day(prev: LunarDate, next: LunarDate, date: NaiveDate) {
    if next.day != 1 {
        assert_eq!(
            next,
            LunarDate {
                day: prev.day + 1,
                ..prev
            },
            "{date}"
        );
        return;
    }
    assert!(
        prev.day == 29 || prev.day == 30,
        "{date}: month of {} days",
        prev.day
    );
    let expected = if !prev.leap && leap_month(prev.year) == Some(prev.month) {
        LunarDate::new_leap(prev.year, prev.month, 1)
    } else if prev.month == 12 {
        LunarDate::new(prev.year + 1, 1, 1)
    } else {
        LunarDate::new(prev.year, prev.month + 1, 1)
    };
    assert_eq!(next, expected, "{date}");
}

#[test]
fn each_lunar_year_has_twelve_or_thirteen_months() {
    for year in 1900..=2099 {
        let start = tet(year).unwrap();
        let next = tet(year + 1).unwrap();
        let days = (next - start).num_days();
        let months = if leap_month(year).is_some() { 13 } else { 12 };
        assert!(
            (months * 29..=months * 30).contains(&days),
            "{year}: {days} days for {months} months"
        );
        assert!((1..=2).contains(&start.month()), "{year}: Tết {start}");
    }
}

/// Tết and leap months for 1900..=2100 from an independent reference: the
/// same rules applied to JPL DE421 new moons and solar longitudes (to 2052)
/// and to PyEphem's (2053 on), at UTC+7.
#[test]
fn matches_independent_ephemeris_reference() {
    for &(year, month, day) in REFERENCE_TET {
        assert_eq!(tet(year), Ok(ymd(year, month, day)), "Tết {year}");
    }
    for year in 1900..=2100 {
        let expected = REFERENCE_LEAP_MONTHS
            .iter()
            .find(|&&(leap_year, _)| leap_year == year)
            .map(|&(_, month)| month);
        assert_eq!(leap_month(year), expected, "leap month of {year}");
    }
    assert_eq!(REFERENCE_LEAP_MONTHS.len(), 74);
}

const REFERENCE_TET: &[(i32, u32, u32)] = &[
    (1900, 1, 31),
    (1901, 2, 19),
    (1902, 2, 8),
    (1903, 1, 28),
    (1904, 2, 16),
    (1905, 2, 4),
    (1906, 1, 25),
    (1907, 2, 13),
    (1908, 2, 2),
    (1909, 1, 22),
    (1910, 2, 10),
    (1911, 1, 30),
    (1912, 2, 18),
    (1913, 2, 6),
    (1914, 1, 26),
    (1915, 2, 14),
    (1916, 2, 3),
    (1917, 1, 23),
    (1918, 2, 11),
    (1919, 2, 1),
    (1920, 2, 20),
    (1921, 2, 8),
    (1922, 1, 28),
    (1923, 2, 16),
    (1924, 2, 5),
    (1925, 1, 24),
    (1926, 2, 13),
    (1927, 2, 2),
    (1928, 1, 23),
    (1929, 2, 10),
    (1930, 1, 30),
    (1931, 2, 17),
    (1932, 2, 6),
    (1933, 1, 26),
    (1934, 2, 14),
    (1935, 2, 3),
    (1936, 1, 24),
    (1937, 2, 11),
    (1938, 1, 31),
    (1939, 2, 19),
    (1940, 2, 8),
    (1941, 1, 27),
    (1942, 2, 15),
    (1943, 2, 5),
    (1944, 1, 25),
    (1945, 2, 13),
    (1946, 2, 2),
    (1947, 1, 22),
    (1948, 2, 10),
    (1949, 1, 29),
    (1950, 2, 17),
    (1951, 2, 6),
    (1952, 1, 27),
    (1953, 2, 14),
    (1954, 2, 3),
    (1955, 1, 24),
    (1956, 2, 12),
    (1957, 1, 31),
    (1958, 2, 18),
    (1959, 2, 8),
    (1960, 1, 28),
    (1961, 2, 15),
    (1962, 2, 5),
    (1963, 1, 25),
    (1964, 2, 13),
    (1965, 2, 1),
    (1966, 1, 21),
    (1967, 2, 9),
    (1968, 1, 29),
    (1969, 2, 16),
    (1970, 2, 6),
    (1971, 1, 27),
    (1972, 2, 15),
    (1973, 2, 3),
    (1974, 1, 23),
    (1975, 2, 11),
    (1976, 1, 31),
    (1977, 2, 18),
    (1978, 2, 7),
    (1979, 1, 28),
    (1980, 2, 16),
    (1981, 2, 5),
    (1982, 1, 25),
    (1983, 2, 13),
    (1984, 2, 2),
    (1985, 1, 21),
    (1986, 2, 9),
    (1987, 1, 29),
    (1988, 2, 17),
    (1989, 2, 6),
    (1990, 1, 27),
    (1991, 2, 15),
    (1992, 2, 4),
    (1993, 1, 23),
    (1994, 2, 10),
    (1995, 1, 31),
    (1996, 2, 19),
    (1997, 2, 7),
    (1998, 1, 28),
    (1999, 2, 16),
    (2000, 2, 5),
    (2001, 1, 24),
    (2002, 2, 12),
    (2003, 2, 1),
    (2004, 1, 22),
    (2005, 2, 9),
    (2006, 1, 29),
    (2007, 2, 17),
    (2008, 2, 7),
    (2009, 1, 26),
    (2010, 2, 14),
    (2011, 2, 3),
    (2012, 1, 23),
    (2013, 2, 10),
    (2014, 1, 31),
    (2015, 2, 19),
    (2016, 2, 8),
    (2017, 1, 28),
    (2018, 2, 16),
    (2019, 2, 5),
    (2020, 1, 25),
    (2021, 2, 12),
    (2022, 2, 1),
    (2023, 1, 22),
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 2),
    (2031, 1, 23),
    (2032, 2, 11),
    (2033, 1, 31),
    (2034, 2, 19),
    (2035, 2, 8),
    (2036, 1, 28),
    (2037, 2, 15),
    (2038, 2, 4),
    (2039, 1, 24),
    (2040, 2, 12),
    (2041, 2, 1),
    (2042, 1, 22),
    (2043, 2, 10),
    (2044, 1, 30),
    (2045, 2, 17),
    (2046, 2, 6),
    (2047, 1, 26),
    (2048, 2, 14),
    (2049, 2, 2),
    (2050, 1, 23),
    (2051, 2, 11),
    (2052, 2, 1),
    (2053, 2, 18),
    (2054, 2, 8),
    (2055, 1, 28),
    (2056, 2, 15),
    (2057, 2, 4),
    (2058, 1, 24),
    (2059, 2, 12),
    (2060, 2, 2),
    (2061, 1, 21),
    (2062, 2, 9),
    (2063, 1, 29),
    (2064, 2, 17),
    (2065, 2, 5),
    (2066, 1, 26),
    (2067, 2, 14),
    (2068, 2, 3),
    (2069, 1, 23),
    (2070, 2, 11),
    (2071, 1, 31),
    (2072, 2, 19),
    (2073, 2, 7),
    (2074, 1, 27),
    (2075, 2, 15),
    (2076, 2, 5),
    (2077, 1, 24),
    (2078, 2, 12),
    (2079, 2, 2),
    (2080, 1, 22),
    (2081, 2, 9),
    (2082, 1, 29),
    (2083, 2, 17),
    (2084, 2, 6),
    (2085, 1, 26),
    (2086, 2, 14),
    (2087, 2, 3),
    (2088, 1, 24),
    (2089, 2, 10),
    (2090, 1, 30),
    (2091, 2, 18),
    (2092, 2, 7),
    (2093, 1, 27),
    (2094, 2, 15),
    (2095, 2, 5),
    (2096, 1, 25),
    (2097, 2, 12),
    (2098, 2, 1),
    (2099, 1, 21),
    (2100, 2, 9),
];

const REFERENCE_LEAP_MONTHS: &[(i32, u8)] = &[
    (1900, 8),
    (1903, 5),
    (1906, 4),
    (1909, 2),
    (1911, 6),
    (1914, 5),
    (1917, 3),
    (1919, 7),
    (1922, 6),
    (1925, 4),
    (1928, 2),
    (1930, 6),
    (1933, 5),
    (1936, 3),
    (1938, 8),
    (1941, 6),
    (1944, 4),
    (1947, 2),
    (1949, 7),
    (1952, 5),
    (1955, 3),
    (1957, 8),
    (1960, 6),
    (1963, 4),
    (1966, 3),
    (1968, 7),
    (1971, 5),
    (1974, 4),
    (1976, 8),
    (1979, 6),
    (1982, 4),
    (1985, 2),
    (1987, 7),
    (1990, 5),
    (1993, 3),
    (1995, 8),
    (1998, 5),
    (2001, 4),
    (2004, 2),
    (2006, 7),
    (2009, 5),
    (2012, 4),
    (2014, 9),
    (2017, 6),
    (2020, 4),
    (2023, 2),
    (2025, 6),
    (2028, 5),
    (2031, 3),
    (2033, 11),
    (2036, 6),
    (2039, 5),
    (2042, 2),
    (2044, 7),
    (2047, 5),
    (2050, 3),
    (2052, 8),
    (2055, 6),
    (2058, 4),
    (2061, 3),
    (2063, 7),
    (2066, 5),
    (2069, 4),
    (2071, 8),
    (2074, 6),
    (2077, 4),
    (2080, 3),
    (2082, 7),
    (2085, 5),
    (2088, 4),
    (2090, 8),
    (2093, 6),
    (2096, 4),
    (2099, 2),
];

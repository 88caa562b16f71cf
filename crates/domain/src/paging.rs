//! One paging rule for every list, API and pages alike: `page` counts from 1 and
//! `per_page` from 1 to the list's own maximum. Anything else is refused with the same
//! message, never clamped, so a link can never show another page than the one it names.
//! A page past the last one is empty, with the total beside it.

use std::fmt;

/// The furthest page any list serves: far beyond any real list, and small enough that
/// its offset never overflows.
pub const MAX_PAGE: i64 = 1_000_000;

/// A list's page sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    pub default: i64,
    pub max: i64,
}

/// A valid page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

/// A page or a page size out of its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingError {
    pub parameter: &'static str,
    pub min: i64,
    pub max: i64,
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tham số {} phải là số nguyên từ {} đến {}.",
            self.parameter, self.min, self.max
        )
    }
}

impl std::error::Error for PagingError {}

impl Paging {
    /// The first page at the list's default size.
    pub fn first(size: PageSize) -> Paging {
        Paging {
            page: 1,
            per_page: size.default,
        }
    }

    /// `page` and `per_page` as asked (absent: the first page, the default size).
    pub fn new(
        page: Option<i64>,
        per_page: Option<i64>,
        size: PageSize,
    ) -> Result<Paging, PagingError> {
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(PagingError {
                parameter: "page",
                min: 1,
                max: MAX_PAGE,
            });
        }
        let per_page = per_page.unwrap_or(size.default);
        if !(1..=size.max).contains(&per_page) {
            return Err(PagingError {
                parameter: "per_page",
                min: 1,
                max: size.max,
            });
        }
        Ok(Paging { page, per_page })
    }

    /// The same from text as a query string carries it (blank: absent).
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
        size: PageSize,
    ) -> Result<Paging, PagingError> {
        let number = |raw: Option<&str>, parameter: &'static str, max: i64| match raw
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| PagingError {
                parameter,
                min: 1,
                max,
            }),
        };
        Paging::new(
            number(page, "page", MAX_PAGE)?,
            number(per_page, "per_page", size.max)?,
            size,
        )
    }

    /// How many rows come before this page.
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// How many pages `total` rows fill (at least one, so an empty list has page 1).
    pub fn pages(self, total: i64) -> i64 {
        ((total.max(0) + self.per_page - 1) / self.per_page).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: PageSize = PageSize {
        default: 50,
        max: 200,
    };

    #[test]
    fn pages_in_range_are_taken_as_asked() {
        assert_eq!(
            Paging::new(None, None, SIZE),
            Ok(Paging {
                page: 1,
                per_page: 50
            })
        );
        let p = Paging::new(Some(3), Some(200), SIZE).unwrap();
        assert_eq!(p.offset(), 400);
        assert_eq!(
            Paging::new(Some(MAX_PAGE), Some(200), SIZE)
                .unwrap()
                .offset(),
            199_999_800
        );
        assert_eq!(Paging::parse(Some(" 2 "), Some(""), SIZE).unwrap().page, 2);
        assert_eq!(p.pages(0), 1);
        assert_eq!(p.pages(401), 3);
    }

    #[test]
    fn anything_else_is_refused_never_clamped() {
        for (page, per_page, parameter) in [
            (Some(0), None, "page"),
            (Some(-1), None, "page"),
            (Some(i64::MAX), None, "page"),
            (Some(MAX_PAGE + 1), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(201), "per_page"),
            (None, Some(1_000_000_000), "per_page"),
        ] {
            assert_eq!(
                Paging::new(page, per_page, SIZE).unwrap_err().parameter,
                parameter
            );
        }
        for (page, per_page) in [(Some("x"), None), (Some("1.5"), None), (None, Some("-"))] {
            assert!(Paging::parse(page, per_page, SIZE).is_err());
        }
        assert_eq!(
            Paging::new(None, Some(201), SIZE).unwrap_err().to_string(),
            "Tham số per_page phải là số nguyên từ 1 đến 200."
        );
    }
}

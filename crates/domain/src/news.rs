//! Portal news: articles (validated here, rendered from Markdown at the edge), who may
//! edit them, and visitors' star ratings.

use crate::account::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 300;
pub const SUMMARY_MAX_CHARS: usize = 1000;
pub const BODY_MAX_BYTES: usize = 200_000;
pub const SLUG_MAX_BYTES: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewsError {
    #[error("{field} không được để trống")]
    Required { field: &'static str },
    #[error("{field} dài quá {max} ký tự")]
    TooLong { field: &'static str, max: usize },
    #[error(
        "đường dẫn bài viết chỉ gồm chữ thường không dấu, số và dấu gạch ngang, dài 1–120 ký tự"
    )]
    InvalidSlug,
    #[error("số sao đánh giá phải từ 1 đến 5")]
    StarsOutOfRange,
}

impl NewsError {
    pub fn code(&self) -> &'static str {
        match self {
            NewsError::Required { .. } => "required_field",
            NewsError::TooLong { .. } => "field_too_long",
            NewsError::InvalidSlug => "invalid_slug",
            NewsError::StarsOutOfRange => "invalid_stars",
        }
    }
}

/// An article as its editor submits it, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleDraft {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The body in Markdown; it is rendered and sanitised when shown.
    pub body_md: String,
    pub agency_code: String,
    pub published_on: NaiveDate,
    pub featured: bool,
}

impl ArticleDraft {
    /// Trims and checks each field. An empty slug is made from the title.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        slug: &str,
        title: &str,
        summary: &str,
        body_md: &str,
        agency_code: &str,
        published_on: NaiveDate,
        featured: bool,
    ) -> Result<ArticleDraft, NewsError> {
        let title = title.trim();
        let summary = summary.trim();
        let body_md = body_md.trim();
        required("Tiêu đề", title)?;
        too_long("Tiêu đề", title, TITLE_MAX_CHARS)?;
        required("Tóm tắt", summary)?;
        too_long("Tóm tắt", summary, SUMMARY_MAX_CHARS)?;
        required("Nội dung", body_md)?;
        if body_md.len() > BODY_MAX_BYTES {
            return Err(NewsError::TooLong {
                field: "Nội dung",
                max: BODY_MAX_BYTES,
            });
        }
        required("Cơ quan", agency_code.trim())?;
        let slug = match slug.trim() {
            "" => slugify(title),
            given => check_slug(given)?,
        };
        if slug.is_empty() {
            return Err(NewsError::InvalidSlug);
        }
        Ok(ArticleDraft {
            slug,
            title: title.to_owned(),
            summary: summary.to_owned(),
            body_md: body_md.to_owned(),
            agency_code: agency_code.trim().to_owned(),
            published_on,
            featured,
        })
    }
}

fn required(field: &'static str, value: &str) -> Result<(), NewsError> {
    if value.is_empty() {
        Err(NewsError::Required { field })
    } else {
        Ok(())
    }
}

fn too_long(field: &'static str, value: &str, max: usize) -> Result<(), NewsError> {
    if value.chars().count() > max {
        Err(NewsError::TooLong { field, max })
    } else {
        Ok(())
    }
}

/// A slug as typed: lowercase ASCII letters, digits and single hyphens inside.
pub fn check_slug(raw: &str) -> Result<String, NewsError> {
    let slug = raw.trim();
    let ok = !slug.is_empty()
        && slug.len() <= SLUG_MAX_BYTES
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        // `/news/new` is the form for a new article.
        && slug != "new";
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(NewsError::InvalidSlug)
    }
}

/// Folds a Vietnamese letter to its base ASCII letter (đ → d, ặ → a); others unchanged.
pub fn fold_vietnamese(c: char) -> char {
    const GROUPS: [(&str, char); 14] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'I'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map_or(c, |(_, base)| *base)
}

/// A URL slug from a Vietnamese title: "Lạng Sơn vận hành" → "lang-son-van-hanh".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().map(fold_vietnamese) {
        if c.is_ascii_alphanumeric() {
            if slug.len() >= SLUG_MAX_BYTES {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Who may write and edit articles: province administrators any article, unit
/// administrators their own agency's.
pub fn may_edit_article(role: Role, user_agency: Option<&str>, article_agency: &str) -> bool {
    match role {
        Role::ProvinceAdmin => true,
        Role::UnitAdmin => user_agency == Some(article_agency),
        _ => false,
    }
}

/// Whether the role may write articles at all.
pub fn may_write_news(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin | Role::UnitAdmin)
}

/// A visitor's rating of an article: 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Stars(u8);

impl Stars {
    pub fn new(n: i64) -> Result<Stars, NewsError> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=5).contains(n))
            .map(Stars)
            .ok_or(NewsError::StarsOutOfRange)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// An article's ratings: the sum of stars and how many visitors rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RatingTotals {
    pub sum: i64,
    pub count: i64,
}

impl RatingTotals {
    /// Mean stars, or None before the first rating.
    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The portal's line under each article.
    pub fn sentence_vi(&self) -> String {
        format!(
            "Tổng số điểm của bài viết là: {} trong {} đánh giá",
            self.sum, self.count
        )
    }

    /// The mean with one decimal and a decimal comma, e.g. "4,5"; empty without ratings.
    pub fn average_vi(&self) -> String {
        self.average()
            .map(|a| format!("{a:.1}").replace('.', ","))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
    }

    #[test]
    fn slugs_fold_vietnamese_and_collapse_separators() {
        assert_eq!(
            slugify("Lạng Sơn: chính quyền 2 cấp đi vào hoạt động!"),
            "lang-son-chinh-quyen-2-cap-di-vao-hoat-dong"
        );
        assert_eq!(slugify("  ĐỒNG ĐĂNG -- Kỳ Lừa  "), "dong-dang-ky-lua");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify(&"ấ".repeat(500)).len() <= SLUG_MAX_BYTES);
        assert_eq!(check_slug("tin-moi-2025").unwrap(), "tin-moi-2025");
        for bad in [
            "", "Tin", "tin moi", "-tin", "tin-", "tin--moi", "tin/moi", "tín",
        ] {
            assert_eq!(check_slug(bad), Err(NewsError::InvalidSlug), "{bad}");
        }
    }

    #[test]
    fn drafts_are_trimmed_and_checked() {
        let a = ArticleDraft::new(
            "",
            " Tin nổi bật ",
            "Tóm tắt",
            "Nội *dung*",
            "000.00.00.H37",
            date(),
            true,
        )
        .unwrap();
        assert_eq!(
            (a.slug.as_str(), a.title.as_str()),
            ("tin-noi-bat", "Tin nổi bật")
        );
        let err = ArticleDraft::new("", " ", "x", "x", "a", date(), false).unwrap_err();
        assert_eq!(err.code(), "required_field");
        let long = "t".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(
            ArticleDraft::new("", &long, "x", "x", "a", date(), false)
                .unwrap_err()
                .code(),
            "field_too_long"
        );
        assert_eq!(
            ArticleDraft::new("Bad Slug", "T", "x", "x", "a", date(), false).unwrap_err(),
            NewsError::InvalidSlug
        );
        assert_eq!(
            ArticleDraft::new("", "!!!", "x", "x", "a", date(), false).unwrap_err(),
            NewsError::InvalidSlug,
            "a title with no letters needs a slug typed"
        );
    }

    #[test]
    fn stars_and_totals() {
        assert_eq!(Stars::new(5).unwrap().get(), 5);
        for bad in [0, 6, -1, 300] {
            assert_eq!(Stars::new(bad), Err(NewsError::StarsOutOfRange));
        }
        let none = RatingTotals::default();
        assert_eq!(none.average(), None);
        assert_eq!(
            none.sentence_vi(),
            "Tổng số điểm của bài viết là: 0 trong 0 đánh giá"
        );
        let t = RatingTotals { sum: 9, count: 2 };
        assert_eq!(t.average(), Some(4.5));
        assert_eq!(t.average_vi(), "4,5");
        assert_eq!(
            t.sentence_vi(),
            "Tổng số điểm của bài viết là: 9 trong 2 đánh giá"
        );
    }

    #[test]
    fn who_may_edit() {
        let dk = "000.25.40.H37";
        assert!(may_edit_article(Role::ProvinceAdmin, None, dk));
        assert!(may_edit_article(Role::UnitAdmin, Some(dk), dk));
        assert!(!may_edit_article(
            Role::UnitAdmin,
            Some("000.00.02.H37"),
            dk
        ));
        assert!(!may_edit_article(Role::Leader, Some(dk), dk));
        assert!(!may_edit_article(Role::Auditor, None, dk));
        assert!(may_write_news(Role::UnitAdmin) && !may_write_news(Role::Specialist));
    }
}

//! Portal news as readers meet it: which articles they may see, and their star ratings
//! (one per reader).

use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::ANONYMOUS_RATING_THROTTLE;
use motcua_domain::audit::AuditEntry;
use motcua_domain::news::{ArticleDraft, RatingTotals, Stars, may_edit_article};
use motcua_domain::paging::{PageSize, Paging};
use motcua_store::{ArticleRecord, ThrottleState};
use std::net::IpAddr;
use uuid::Uuid;

/// Who rates: an account by its id, anyone else by the hash of a long-lived random id
/// their browser keeps (the edges hold the id; only its hash reaches the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Voter {
    Account(Uuid),
    Visitor { token_hash: String },
}

impl Voter {
    /// The key a rating is stored under, unique per article.
    fn key(&self) -> String {
        match self {
            Voter::Account(id) => format!("user:{id}"),
            Voter::Visitor { token_hash } => format!("visitor:{token_hash}"),
        }
    }
}

/// Whether this reader may see the article: it is published, or they may edit it.
pub fn visible_to(article: &ArticleRecord, who: Option<&Principal>, today: NaiveDate) -> bool {
    article.published_on <= today
        || who.is_some_and(|u| {
            may_edit_article(u.role, u.agency_code.as_deref(), &article.agency_code)
        })
}

/// The article at `slug`, if this reader may see it.
pub async fn article(app: &App, who: Option<&Principal>, slug: &str) -> AppResult<ArticleRecord> {
    match app.store.article_by_slug(slug).await? {
        Some(a) if visible_to(&a, who, crate::today_vn()) => Ok(a),
        _ => Err(AppError::not_found(
            "not_found",
            "Không tìm thấy bài viết này.",
        )),
    }
}

/// An article as one reader sees it.
#[derive(Debug, Clone)]
pub struct Reading {
    pub article: ArticleRecord,
    /// The stars this reader gave, if any.
    pub my_stars: Option<i64>,
    pub may_edit: bool,
}

/// The article with this reader's own rating; `voter` None: a reader who cannot have rated.
pub async fn read(
    app: &App,
    who: Option<&Principal>,
    voter: Option<&Voter>,
    slug: &str,
) -> AppResult<Reading> {
    let article = article(app, who, slug).await?;
    let my_stars = match voter {
        Some(voter) => app.store.rating_by(article.id, &voter.key()).await?,
        None => None,
    };
    Ok(Reading {
        may_edit: who.is_some_and(|u| {
            may_edit_article(u.role, u.agency_code.as_deref(), &article.agency_code)
        }),
        article,
        my_stars,
    })
}

/// Rates the article at `slug` once per voter (`Conflict` `already_rated` the second
/// time), with its audit event; returns the new totals.
pub async fn rate(
    app: &App,
    who: Option<&Principal>,
    voter: &Voter,
    from: IpAddr,
    slug: &str,
    stars: Stars,
) -> AppResult<(ArticleRecord, RatingTotals)> {
    let article = article(app, who, slug).await?;
    let address_key = format!("news-rating:addr:{from}");
    let anonymous = who.is_none();
    if anonymous
        && let ThrottleState::LockedUntil(_) =
            app.store.throttle_state(&address_key, crate::now()).await?
    {
        return Err(AppError::TooManyAttempts {
            code: "too_many_ratings",
            detail: "Địa chỉ mạng này đã gửi quá nhiều đánh giá. Vui lòng thử lại sau 1 giờ \
                     hoặc đăng nhập để đánh giá."
                .into(),
        });
    }
    let subject = format!("article:{}", article.slug);
    let detail = serde_json::json!({ "stars": stars.get() });
    let audit = match who {
        Some(u) => u.audit("news.rated", subject, detail),
        None => {
            let mut entry = AuditEntry::system(crate::now(), "news.rated", subject, detail);
            entry.actor = "anonymous".into();
            entry
        }
    };
    let totals = app
        .store
        .rate_article(article.id, &voter.key(), stars, crate::now(), audit)
        .await?;
    if anonymous {
        app.store
            .record_failure(&[address_key], crate::now(), ANONYMOUS_RATING_THROTTLE)
            .await?;
    }
    Ok((article, totals))
}

/// Only unit and province administrators write news.
pub fn may_write(who: &Principal) -> AppResult<()> {
    if motcua_domain::news::may_write_news(who.role) {
        Ok(())
    } else {
        Err(AppError::NotAllowed {
            code: "news_writers_only",
            detail: "Chỉ quản trị đơn vị và quản trị cấp tỉnh được viết tin.".into(),
        })
    }
}

/// An article this account may edit: any for province administrators, their own agency's for
/// unit administrators.
pub async fn editable(app: &App, who: &Principal, slug: &str) -> AppResult<ArticleRecord> {
    may_write(who)?;
    let article =
        app.store.article_by_slug(slug).await?.ok_or_else(|| {
            AppError::not_found("article_not_found", "Không tìm thấy bài viết này.")
        })?;
    if !may_edit_article(who.role, who.agency_code.as_deref(), &article.agency_code) {
        return Err(AppError::NotAllowed {
            code: "article_of_another_agency",
            detail: "Bạn chỉ được sửa bài viết của cơ quan mình.".into(),
        });
    }
    Ok(article)
}

/// Publishes a new article, with its audit event.
pub async fn create(app: &App, who: &Principal, draft: &ArticleDraft) -> AppResult<()> {
    may_write(who)?;
    let audit = who.audit(
        "news.created",
        format!("article:{}", draft.slug),
        serde_json::json!({ "title": draft.title, "agency": draft.agency_code, "featured": draft.featured }),
    );
    app.store
        .create_article(draft, crate::now(), &who.username, audit)
        .await?;
    Ok(())
}

/// Rewrites an article this account may edit, with its audit event.
pub async fn update(
    app: &App,
    who: &Principal,
    article: &ArticleRecord,
    draft: &ArticleDraft,
) -> AppResult<()> {
    may_write(who)?;
    if !may_edit_article(who.role, who.agency_code.as_deref(), &article.agency_code) {
        return Err(AppError::forbidden());
    }
    let audit = who.audit(
        "news.updated",
        format!("article:{}", article.slug),
        serde_json::json!({ "slug": draft.slug, "title": draft.title, "featured": draft.featured }),
    );
    app.store
        .update_article(article.id, draft, crate::now(), &who.username, audit)
        .await?;
    Ok(())
}

/// The public list's page sizes.
pub const NEWS_PAGES: PageSize = PageSize {
    default: 20,
    max: 100,
};

/// The articles published by today, newest first: the featured ones only when asked.
pub async fn published(
    app: &App,
    featured_only: bool,
    paging: Paging,
) -> AppResult<Vec<ArticleRecord>> {
    Ok(app
        .store
        .articles(motcua_store::ArticleFilter {
            published_by: Some(crate::today_vn()),
            featured_only,
            agency_code: None,
            limit: paging.per_page,
            offset: paging.offset(),
        })
        .await?)
}

//! Portal news: articles and visitors' ratings (one per visitor and article).

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::news::{ArticleDraft, RatingTotals, Stars};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRecord {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub agency_code: String,
    pub agency_name: String,
    pub published_on: NaiveDate,
    pub featured: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub ratings: RatingTotals,
}

/// Which articles to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleFilter<'a> {
    /// Only those published on or before this date (the public view); None lists all.
    pub published_by: Option<NaiveDate>,
    pub featured_only: bool,
    pub agency_code: Option<&'a str>,
    pub limit: i64,
    pub offset: i64,
}

type ArticleRow = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    bool,
    DateTime<Utc>,
    String,
    DateTime<Utc>,
    String,
    i64,
    i64,
);

const SELECT_ARTICLES: &str = "SELECT ar.id, ar.slug, ar.title, ar.summary, ar.body_md, \
     ar.agency_code, ag.name, ar.published_on, ar.featured, ar.created_at, ar.created_by, \
     ar.updated_at, ar.updated_by, \
     (SELECT CAST(COALESCE(SUM(r.stars), 0) AS BIGINT) FROM article_ratings r WHERE r.article_id = ar.id), \
     (SELECT COUNT(*) FROM article_ratings r WHERE r.article_id = ar.id) \
     FROM articles ar JOIN agencies ag ON ag.code = ar.agency_code";

fn article_from_row(r: ArticleRow) -> ArticleRecord {
    ArticleRecord {
        id: r.0,
        slug: r.1,
        title: r.2,
        summary: r.3,
        body_md: r.4,
        agency_code: r.5,
        agency_name: r.6,
        published_on: r.7,
        featured: r.8,
        created_at: r.9,
        created_by: r.10,
        updated_at: r.11,
        updated_by: r.12,
        ratings: RatingTotals {
            sum: r.13,
            count: r.14,
        },
    }
}

fn slug_conflict(err: sqlx::Error, slug: &str) -> StoreError {
    if StoreError::is_unique_violation(&err) {
        StoreError::Conflict {
            code: "slug_taken",
            detail: format!("đường dẫn bài viết \"{slug}\" đã được dùng cho bài khác"),
        }
    } else {
        err.into()
    }
}

impl Store {
    /// Publishes an article with its audit event. `Conflict { code: "slug_taken" }` when
    /// another article has the slug; `NotFound` for an unknown agency.
    pub async fn create_article(
        &self,
        draft: &ArticleDraft,
        at: DateTime<Utc>,
        by: &str,
        audit: AuditEntry,
    ) -> Result<Uuid, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar("SELECT 1 FROM agencies WHERE code = $1")
                .bind(&draft.agency_code)
                .fetch_optional(&mut *conn)
                .await?
        });
        if exists.is_none() {
            return Err(StoreError::NotFound(format!(
                "cơ quan {}",
                draft.agency_code
            )));
        }
        let id = Uuid::now_v7();
        let sql = "INSERT INTO articles (id, slug, title, summary, body_md, agency_code, \
            published_on, featured, created_at, created_by, updated_at, updated_by) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10)";
        let inserted = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(id)
            .bind(&draft.slug)
            .bind(&draft.title)
            .bind(&draft.summary)
            .bind(&draft.body_md)
            .bind(&draft.agency_code)
            .bind(draft.published_on)
            .bind(draft.featured)
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()));
        inserted.map_err(|e| slug_conflict(e, &draft.slug))?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces an article's content (the slug may change), with its audit event.
    pub async fn update_article(
        &self,
        id: Uuid,
        draft: &ArticleDraft,
        at: DateTime<Utc>,
        by: &str,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = "UPDATE articles SET slug = $2, title = $3, summary = $4, body_md = $5, \
            agency_code = $6, published_on = $7, featured = $8, updated_at = $9, updated_by = $10 \
            WHERE id = $1";
        let updated = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(id)
            .bind(&draft.slug)
            .bind(&draft.title)
            .bind(&draft.summary)
            .bind(&draft.body_md)
            .bind(&draft.agency_code)
            .bind(draft.published_on)
            .bind(draft.featured)
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()));
        if updated.map_err(|e| slug_conflict(e, &draft.slug))? == 0 {
            return Err(StoreError::NotFound(format!("bài viết {id}")));
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Articles, newest publication first.
    pub async fn articles(
        &self,
        filter: ArticleFilter<'_>,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        let sql = format!(
            "{SELECT_ARTICLES} WHERE ($1 IS NULL OR ar.published_on <= $1) \
             AND ($2 = FALSE OR ar.featured) AND ($3 IS NULL OR ar.agency_code = $3) \
             ORDER BY ar.published_on DESC, ar.created_at DESC LIMIT $4 OFFSET $5"
        );
        let limit = if filter.limit > 0 { filter.limit } else { 1000 };
        let rows: Vec<ArticleRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(filter.published_by)
                .bind(filter.featured_only)
                .bind(filter.agency_code)
                .bind(limit)
                .bind(filter.offset.max(0))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(article_from_row).collect())
    }

    pub async fn article_by_slug(&self, slug: &str) -> Result<Option<ArticleRecord>, StoreError> {
        let sql = format!("{SELECT_ARTICLES} WHERE ar.slug = $1");
        let row: Option<ArticleRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(slug)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(article_from_row))
    }

    /// Records a visitor's rating and returns the new totals.
    /// `Conflict { code: "already_rated" }` when this visitor has rated the article.
    pub async fn rate_article(
        &self,
        article: Uuid,
        voter_key: &str,
        stars: Stars,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<RatingTotals, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = "INSERT INTO article_ratings (article_id, voter_key, stars, created_at) \
            VALUES ($1, $2, $3, $4)";
        let inserted = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(article)
            .bind(voter_key)
            .bind(i64::from(stars.get()))
            .bind(at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()));
        if let Err(err) = inserted {
            return Err(if StoreError::is_unique_violation(&err) {
                StoreError::Conflict {
                    code: "already_rated",
                    detail: "Bạn đã đánh giá bài viết này rồi; mỗi người đọc đánh giá một lần."
                        .into(),
                }
            } else if matches!(&err, sqlx::Error::Database(db) if db.is_foreign_key_violation()) {
                StoreError::NotFound(format!("bài viết {article}"))
            } else {
                err.into()
            });
        }
        let totals = "SELECT CAST(COALESCE(SUM(stars), 0) AS BIGINT), COUNT(*) \
            FROM article_ratings WHERE article_id = $1";
        let (sum, count): (i64, i64) = on_tx!(&mut tx, |conn| sqlx::query_as(totals)
            .bind(article)
            .fetch_one(&mut *conn)
            .await?);
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(RatingTotals { sum, count })
    }

    /// The stars this visitor gave the article, if any.
    pub async fn rating_by(
        &self,
        article: Uuid,
        voter_key: &str,
    ) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT stars FROM article_ratings WHERE article_id = $1 AND voter_key = $2";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(article)
            .bind(voter_key)
            .fetch_optional(pool)
            .await?))
    }
}

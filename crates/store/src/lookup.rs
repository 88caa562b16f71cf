//! Everything a dossier's page or API answer shows, read on one connection in three
//! queries: the dossier with its procedure version (and the calendar's version), its
//! events, and its documents with whether each is signed.

use crate::audit::{EventRow, SELECT_EVENTS, from_row};
use crate::documents::DOCUMENT_COLUMNS;
use crate::dossiers::row::{RecordRow, SELECT_RECORD, corrupt, dossier_event};
use crate::{DocumentRecord, DossierEvent, DossierRecord, Store, StoreError, on_pool};
use motcua_domain::procedure::Procedure;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// What goes with a dossier when it is shown.
#[derive(Debug, Clone)]
pub struct DossierParts {
    pub events: Vec<DossierEvent>,
    pub documents: Vec<DocumentRecord>,
    /// The documents that carry a signature.
    pub signed: HashSet<Uuid>,
    /// The procedure version the dossier follows.
    pub procedure: Arc<Procedure>,
    /// The holiday calendar's version when read (to check a cached calendar against); None
    /// when the parts were not read (a dossier just submitted, answered from what it wrote).
    pub calendar_version: Option<i64>,
    /// What the applicant declared on the electronic form, if the version has one.
    pub form_data: Option<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    record: RecordRow,
    procedure_body: String,
    calendar_version: i64,
    form_data: Option<String>,
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    /// None when the caller already holds the (immutable) published version.
    procedure_body: Option<String>,
    calendar_version: i64,
    form_data: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    #[sqlx(flatten)]
    document: DocumentRecord,
    signed: bool,
}

const EXTRA: &str = "v.body AS procedure_body, \
    (SELECT version FROM calendar_version WHERE id = 1) AS calendar_version";

// The lookup is a hot path: its statements are put together once, not per request.
static DOCUMENTS_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DOCUMENT_COLUMNS}, EXISTS (SELECT 1 FROM document_signatures s \
         WHERE s.document_id = dossier_documents.id) AS signed \
         FROM dossier_documents WHERE dossier_code = $1 ORDER BY uploaded_at, id"
    )
});
static EVENTS_SQL: LazyLock<String> =
    LazyLock::new(|| format!("{SELECT_EVENTS} WHERE subject = $1 ORDER BY seq"));
static DETAIL_SQL: LazyLock<String> = LazyLock::new(|| {
    let form = "(SELECT f.data FROM dossier_forms f WHERE f.dossier_code = d.code) AS form_data";
    SELECT_RECORD.replacen("SELECT ", &format!("SELECT {EXTRA}, {form}, "), 1)
});
static HEAD_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {EXTRA}, (SELECT f.data FROM dossier_forms f WHERE f.dossier_code = $2) \
         AS form_data FROM procedure_versions v WHERE v.id = $1"
    )
});

/// The head without the procedure's body, for a caller that holds the version already.
static HEAD_KNOWN_SQL: LazyLock<String> = LazyLock::new(|| {
    "SELECT NULL AS procedure_body, \
     (SELECT version FROM calendar_version WHERE id = 1) AS calendar_version, \
     (SELECT f.data FROM dossier_forms f WHERE f.dossier_code = $1) AS form_data"
        .to_owned()
});

fn parts(
    head: HeadRow,
    known: Option<Arc<Procedure>>,
    events: Vec<EventRow>,
    documents: Vec<DocumentRow>,
) -> Result<DossierParts, StoreError> {
    let signed = documents
        .iter()
        .filter(|d| d.signed)
        .map(|d| d.document.id)
        .collect();
    Ok(DossierParts {
        events: events
            .into_iter()
            .map(|r| dossier_event(from_row(r)))
            .collect(),
        documents: documents.into_iter().map(|d| d.document).collect(),
        signed,
        procedure: match (known, head.procedure_body) {
            (Some(procedure), _) => procedure,
            (None, Some(body)) => Arc::new(serde_json::from_str(&body).map_err(corrupt)?),
            (None, None) => return Err(corrupt("the procedure version has no body")),
        },
        calendar_version: Some(head.calendar_version),
        form_data: match head.form_data {
            Some(text) => Some(serde_json::from_str(&text).map_err(corrupt)?),
            None => None,
        },
    })
}

/// Reads events and documents of `$code` on `$conn` (one connection of either backend).
macro_rules! read_rest {
    ($conn:expr, $code:expr) => {{
        let subject = format!("dossier:{}", $code);
        let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(EVENTS_SQL.as_str()))
            .bind(&subject)
            .fetch_all(&mut *$conn)
            .await?;
        let documents: Vec<DocumentRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(DOCUMENTS_SQL.as_str()))
                .bind($code)
                .fetch_all(&mut *$conn)
                .await?;
        (events, documents)
    }};
}

impl Store {
    /// A dossier and what goes with it, or None when there is no such dossier.
    pub async fn dossier_detail(
        &self,
        code: &str,
    ) -> Result<Option<(DossierRecord, DossierParts)>, StoreError> {
        let read: Option<(DetailRow, Vec<EventRow>, Vec<DocumentRow>)> = on_pool!(self, |pool| {
            let mut conn = pool.acquire().await?;
            let row: Option<DetailRow> = sqlx::query_as(sqlx::AssertSqlSafe(DETAIL_SQL.as_str()))
                .bind(code)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                None => None,
                Some(row) => {
                    let (events, documents) = read_rest!(conn, code);
                    Some((row, events, documents))
                }
            }
        });
        let Some((row, events, documents)) = read else {
            return Ok(None);
        };
        let head = HeadRow {
            procedure_body: Some(row.procedure_body),
            calendar_version: row.calendar_version,
            form_data: row.form_data,
        };
        let record = DossierRecord::try_from(row.record)?;
        Ok(Some((record, parts(head, None, events, documents)?)))
    }

    /// What goes with a dossier already read (after an action, say). A caller that holds
    /// the dossier's published procedure version passes it, and its body is not read again:
    /// a published version never changes.
    pub async fn dossier_parts(
        &self,
        record: &DossierRecord,
        known: Option<Arc<Procedure>>,
    ) -> Result<DossierParts, StoreError> {
        let code = record.code();
        let knows = known.is_some();
        let (head, events, documents): (HeadRow, Vec<EventRow>, Vec<DocumentRow>) =
            on_pool!(self, |pool| {
                let mut conn = pool.acquire().await?;
                let head: HeadRow = if knows {
                    sqlx::query_as(sqlx::AssertSqlSafe(HEAD_KNOWN_SQL.as_str()))
                        .bind(code)
                        .fetch_one(&mut *conn)
                        .await?
                } else {
                    sqlx::query_as(sqlx::AssertSqlSafe(HEAD_SQL.as_str()))
                        .bind(record.procedure_version_id)
                        .bind(code)
                        .fetch_one(&mut *conn)
                        .await?
                };
                let (events, documents) = read_rest!(conn, code);
                (head, events, documents)
            });
        parts(head, known, events, documents)
    }
}

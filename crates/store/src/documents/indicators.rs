//! What the Decision 766 digitisation indicators count from the documents: per receiving
//! agency, the dossiers received in a period that were digitised, reused data from the
//! applicant's store, or are linked with that store; per handling agency, those decided in
//! the period with a signed electronic result. Read from the document tables, so the cost
//! follows the documents kept, not the dossiers.

use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One receiving agency's dossiers received in the period, by what their documents show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentIndicatorCounts {
    /// At least one component, and every component digitised (Circular 01/2023).
    pub digitised: i64,
    /// At least one component taken from the applicant's store.
    pub reused: i64,
    /// A component taken from the applicant's store, or a result put into it.
    pub linked_store: i64,
    /// Dossiers the agency handled and decided in the period whose result was signed as an
    /// electronic document.
    pub signed_results: i64,
    /// Received in the period and accepted by the national portal (the portal's indicator 1.4
    /// counts a one-way synchronisation).
    pub synchronised: i64,
}

// The small side (the documents) goes first and drives the join: SQLite's planner would
// otherwise walk every dossier of the period (4.2 s for a year at 1 M dossiers), so on
// SQLite the join is a CROSS JOIN, which keeps the left side as the outer loop.
const DIGITISED: &str = "SELECT d.receiving_agency, COUNT(*) \
    FROM (SELECT dossier_code AS code FROM dossier_documents WHERE kind = 'component' \
          GROUP BY dossier_code HAVING COUNT(*) = COUNT(digitised_at)) x \
    {JOIN} dossiers d ON d.code = x.code \
    WHERE d.received_at >= $1 AND d.received_at < $2 GROUP BY d.receiving_agency";
const REUSED: &str = "SELECT d.receiving_agency, COUNT(*) \
    FROM (SELECT DISTINCT dossier_code AS code FROM document_reuses) x \
    {JOIN} dossiers d ON d.code = x.code \
    WHERE d.received_at >= $1 AND d.received_at < $2 GROUP BY d.receiving_agency";
const LINKED: &str = "SELECT d.receiving_agency, COUNT(*) \
    FROM (SELECT dossier_code AS code FROM document_reuses \
          UNION SELECT source_dossier FROM wallet_items WHERE kind = 'result') x \
    {JOIN} dossiers d ON d.code = x.code \
    WHERE d.received_at >= $1 AND d.received_at < $2 GROUP BY d.receiving_agency";
const SIGNED_RESULTS: &str = "SELECT d.handling_agency, COUNT(*) \
    FROM (SELECT DISTINCT dossier_code AS code FROM document_signatures WHERE kind = 'result') x \
    {JOIN} dossiers d ON d.code = x.code \
    WHERE d.finished_at >= $1 AND d.finished_at < $2 AND d.state IN ('finished', 'returned') \
    GROUP BY d.handling_agency";

const SYNCHRONISED: &str = "SELECT d.receiving_agency, COUNT(*) \
    FROM national_sync s {JOIN} dossiers d ON d.code = s.dossier_code \
    WHERE d.received_at >= $1 AND d.received_at < $2 GROUP BY d.receiving_agency";

impl Store {
    /// Per agency, the dossiers received (or, for signed results, decided) in `[from, to)` by
    /// what their documents show; agencies with none are left out.
    pub async fn document_indicator_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<BTreeMap<String, DocumentIndicatorCounts>, StoreError> {
        let mut out: BTreeMap<String, DocumentIndicatorCounts> = BTreeMap::new();
        type Set = fn(&mut DocumentIndicatorCounts, i64);
        let queries: [(&str, Set); 4] = [
            (DIGITISED, |c, n| c.digitised = n),
            (REUSED, |c, n| c.reused = n),
            (LINKED, |c, n| c.linked_store = n),
            (SIGNED_RESULTS, |c, n| c.signed_results = n),
        ];
        let join = match self.backend() {
            crate::Backend::Sqlite => "CROSS JOIN",
            crate::Backend::Postgres => "JOIN",
        };
        let synced: (&str, Set) = (SYNCHRONISED, |c, n| c.synchronised = n);
        for (sql, set) in queries.into_iter().chain([synced]) {
            let sql = sql.replace("{JOIN}", join);
            let rows: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(
                sqlx::AssertSqlSafe(sql.clone())
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?);
            for (agency, n) in rows {
                set(out.entry(agency).or_default(), n);
            }
        }
        Ok(out)
    }
}

//! Reading the catalogue: versions, assignments, summaries, the published catalogue and
//! what applies at a place and time.

use super::{
    Announcement, ApplicableProcedure, AssignmentRecord, Decision, DecisionCount, DecisionRef,
    ProcedureRecord, ProcedureSet, PublishedEntry, Sector, VersionRecord, VersionSummary, corrupt,
};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::AgencyCode;
use motcua_domain::procedure::{Assignment, Procedure};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    id: Uuid,
    code: String,
    version_no: i64,
    state: String,
    body: String,
    created_by: String,
    created_at: DateTime<Utc>,
    published_by: Option<String>,
    published_at: Option<DateTime<Utc>>,
    published_number: Option<String>,
    published_on: Option<NaiveDate>,
    published_signer: Option<String>,
    ended_by: Option<String>,
    ended_at: Option<DateTime<Utc>>,
    ended_number: Option<String>,
    ended_on: Option<NaiveDate>,
    ended_signer: Option<String>,
}

pub(super) const SELECT_VERSION: &str = "SELECT v.id, v.code, v.version_no, v.state, v.body, v.created_by, \
    v.created_at, v.published_by, v.published_at, pd.number AS published_number, \
    pd.decided_on AS published_on, pd.signer AS published_signer, v.ended_by, v.ended_at, \
    ed.number AS ended_number, ed.decided_on AS ended_on, ed.signer AS ended_signer \
    FROM procedure_versions v \
    LEFT JOIN publication_decisions pd ON pd.id = v.published_decision_id \
    LEFT JOIN publication_decisions ed ON ed.id = v.ended_decision_id";

pub(super) fn decision_ref(
    number: Option<String>,
    on: Option<NaiveDate>,
    signer: Option<String>,
) -> Option<DecisionRef> {
    Some(DecisionRef {
        number: number?,
        decided_on: on?,
        signer: signer.unwrap_or_default(),
    })
}

impl TryFrom<VersionRow> for VersionRecord {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self, StoreError> {
        let procedure: Procedure = serde_json::from_str(&r.body).map_err(corrupt)?;
        Ok(VersionRecord {
            id: r.id,
            code: r.code,
            version_no: r.version_no,
            state: r.state.parse().map_err(corrupt)?,
            procedure,
            created_by: r.created_by,
            created_at: r.created_at,
            published_by: r.published_by,
            published_at: r.published_at,
            published_decision: decision_ref(
                r.published_number,
                r.published_on,
                r.published_signer,
            ),
            ended_by: r.ended_by,
            ended_at: r.ended_at,
            ended_decision: decision_ref(r.ended_number, r.ended_on, r.ended_signer),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AssignmentRow {
    id: Uuid,
    procedure_code: String,
    level: String,
    agency_code: Option<String>,
    agency_kind: Option<String>,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    decision_number: Option<String>,
    note: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

pub(super) const SELECT_ASSIGNMENT: &str = "SELECT a.id, a.procedure_code, a.level, a.agency_code, \
    a.agency_kind, a.effective_from, a.effective_to, d.number AS decision_number, a.note, \
    a.created_by, a.created_at FROM procedure_assignments a \
    LEFT JOIN publication_decisions d ON d.id = a.decision_id";

impl TryFrom<AssignmentRow> for AssignmentRecord {
    type Error = StoreError;
    fn try_from(r: AssignmentRow) -> Result<Self, StoreError> {
        Ok(AssignmentRecord {
            id: r.id,
            procedure_code: r.procedure_code,
            assignment: Assignment {
                level: r.level.parse().map_err(corrupt)?,
                agency_code: r
                    .agency_code
                    .as_deref()
                    .map(AgencyCode::parse)
                    .transpose()
                    .map_err(corrupt)?,
                agency_kind: r
                    .agency_kind
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(corrupt)?,
                effective_from: r.effective_from,
                effective_to: r.effective_to,
            },
            decision_number: r.decision_number,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    code: String,
    version_no: i64,
    state: String,
    name: String,
    created_by: String,
    created_at: DateTime<Utc>,
    published_number: Option<String>,
    ended_number: Option<String>,
}

pub(super) const SELECT_SUMMARY: &str = "SELECT v.code, v.version_no, v.state, v.name, v.created_by, \
    v.created_at, pd.number AS published_number, ed.number AS ended_number \
    FROM procedure_versions v \
    LEFT JOIN publication_decisions pd ON pd.id = v.published_decision_id \
    LEFT JOIN publication_decisions ed ON ed.id = v.ended_decision_id";

impl TryFrom<SummaryRow> for VersionSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        Ok(VersionSummary {
            code: r.code,
            version_no: r.version_no,
            state: r.state.parse().map_err(corrupt)?,
            name: r.name,
            created_by: r.created_by,
            created_at: r.created_at,
            published_decision: r.published_number,
            ended_decision: r.ended_number,
        })
    }
}

impl Store {
    async fn version_where(
        &self,
        condition: &str,
        code: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!("{SELECT_VERSION} WHERE {condition} ORDER BY v.version_no DESC LIMIT 1");
        let row: Option<VersionRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await?);
        row.map(VersionRecord::try_from).transpose()
    }

    pub async fn sectors(&self) -> Result<Vec<Sector>, StoreError> {
        let sql = "SELECT code, name FROM sectors ORDER BY name";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .fetch_all(pool)
            .await?))
    }

    pub async fn procedure_sets(&self) -> Result<Vec<ProcedureSet>, StoreError> {
        let sets: Vec<(String, String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT code, name, description FROM procedure_sets ORDER BY code"
        )
        .fetch_all(pool)
        .await?);
        let members: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT set_code, procedure_code FROM procedure_set_members ORDER BY procedure_code"
        )
        .fetch_all(pool)
        .await?);
        Ok(sets
            .into_iter()
            .map(|(code, name, description)| ProcedureSet {
                members: members
                    .iter()
                    .filter(|(s, _)| *s == code)
                    .map(|(_, p)| p.clone())
                    .collect(),
                code,
                name,
                description,
            })
            .collect())
    }

    /// Bumped by every catalogue write: a cheap staleness check for search indexes.
    pub async fn catalogue_revision(&self) -> Result<i64, StoreError> {
        let sql = "SELECT revision FROM catalogue_revision WHERE id = 1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await?))
    }

    /// The open draft of a procedure, if any.
    pub async fn draft(&self, code: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.version_where("v.code = $1 AND v.state = 'draft'", code)
            .await
    }

    /// The version in force, if the procedure is published.
    pub async fn published_version(&self, code: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.version_where(
            "v.id = (SELECT current_version_id FROM procedures WHERE code = $1)",
            code,
        )
        .await
    }

    /// One version by number: dossiers refer to the version they started on.
    pub async fn procedure_version(
        &self,
        code: &str,
        version_no: i64,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!("{SELECT_VERSION} WHERE v.code = $1 AND v.version_no = $2");
        let row: Option<VersionRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(version_no)
                .fetch_optional(pool)
                .await?);
        row.map(VersionRecord::try_from).transpose()
    }

    pub async fn assignments(&self, code: &str) -> Result<Vec<AssignmentRecord>, StoreError> {
        let sql = format!(
            "{SELECT_ASSIGNMENT} WHERE a.procedure_code = $1 ORDER BY a.effective_from, a.level"
        );
        let rows: Vec<AssignmentRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_all(pool)
                .await?);
        rows.into_iter().map(AssignmentRecord::try_from).collect()
    }

    /// Everything about one procedure code, or None if the code is unknown.
    pub async fn procedure_record(
        &self,
        code: &str,
    ) -> Result<Option<ProcedureRecord>, StoreError> {
        let exists: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM procedures WHERE code = $1"
        )
        .bind(code)
        .fetch_one(pool)
        .await?);
        if exists == 0 {
            return Ok(None);
        }
        let sql = format!("{SELECT_SUMMARY} WHERE v.code = $1 ORDER BY v.version_no DESC");
        let rows: Vec<SummaryRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_all(pool)
            .await?);
        let sets: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
            "SELECT set_code FROM procedure_set_members WHERE procedure_code = $1 ORDER BY set_code"
        )
        .bind(code)
        .fetch_all(pool)
        .await?
        });
        Ok(Some(ProcedureRecord {
            code: code.to_owned(),
            current: self.published_version(code).await?,
            draft: self.draft(code).await?,
            versions: rows
                .into_iter()
                .map(VersionSummary::try_from)
                .collect::<Result<_, _>>()?,
            assignments: self.assignments(code).await?,
            sets,
        }))
    }

    /// Every open draft, by code.
    pub async fn drafts(&self) -> Result<Vec<VersionSummary>, StoreError> {
        let sql = format!("{SELECT_SUMMARY} WHERE v.state = 'draft' ORDER BY v.code");
        let rows: Vec<SummaryRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(VersionSummary::try_from).collect()
    }

    /// Every published procedure with its assignments and sets, by code.
    pub async fn published_catalogue(&self) -> Result<Vec<PublishedEntry>, StoreError> {
        let sql = format!(
            "{SELECT_VERSION} JOIN procedures p ON p.current_version_id = v.id ORDER BY v.code"
        );
        let rows: Vec<VersionRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        let sql =
            format!("{SELECT_ASSIGNMENT} ORDER BY a.procedure_code, a.effective_from, a.level");
        let assignments: Vec<AssignmentRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?);
        let mut by_code: BTreeMap<String, Vec<AssignmentRecord>> = BTreeMap::new();
        for row in assignments {
            let record = AssignmentRecord::try_from(row)?;
            by_code
                .entry(record.procedure_code.clone())
                .or_default()
                .push(record);
        }
        let members: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT procedure_code, set_code FROM procedure_set_members ORDER BY set_code"
        )
        .fetch_all(pool)
        .await?);
        let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, set) in members {
            sets.entry(code).or_default().push(set);
        }
        rows.into_iter()
            .map(|row| {
                let version = VersionRecord::try_from(row)?;
                Ok(PublishedEntry {
                    assignments: by_code.remove(&version.code).unwrap_or_default(),
                    sets: sets.remove(&version.code).unwrap_or_default(),
                    version,
                })
            })
            .collect()
    }

    /// Which procedures apply at `date`, at which level and agency, by code.
    pub async fn applicable_at(
        &self,
        date: NaiveDate,
    ) -> Result<Vec<ApplicableProcedure>, StoreError> {
        let sql = "SELECT a.procedure_code, \
              (SELECT v.name FROM procedure_versions v WHERE v.code = a.procedure_code \
               AND v.state <> 'draft' ORDER BY v.version_no DESC LIMIT 1), \
              a.level, a.agency_code, a.agency_kind, a.effective_from, a.effective_to \
            FROM procedure_assignments a \
            WHERE a.effective_from <= $1 AND (a.effective_to IS NULL OR a.effective_to >= $1) \
            ORDER BY a.procedure_code, a.level";
        type Row = (
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            NaiveDate,
            Option<NaiveDate>,
        );
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(date)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(ApplicableProcedure {
                    code: r.0,
                    name: r.1.unwrap_or_default(),
                    level: r.2.parse().map_err(corrupt)?,
                    agency_code: r.3,
                    agency_kind: r
                        .4
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .map_err(corrupt)?,
                    effective_from: r.5,
                    effective_to: r.6,
                })
            })
            .collect()
    }

    /// The procedure versions published by a decision dated in `[from, to)`, with the
    /// decision's date and the day each takes effect, by code.
    pub async fn announcements(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Announcement>, StoreError> {
        let sql = "SELECT v.code, pd.decided_on, v.valid_from FROM procedure_versions v \
            JOIN publication_decisions pd ON pd.id = v.published_decision_id \
            WHERE pd.decided_on >= $1 AND pd.decided_on < $2 ORDER BY v.code, pd.decided_on";
        let rows: Vec<(String, NaiveDate, Option<NaiveDate>)> =
            on_pool!(self, |pool| sqlx::query_as(sql)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?);
        Ok(rows
            .into_iter()
            .map(|(code, decided_on, valid_from)| Announcement {
                code,
                decided_on,
                valid_from,
            })
            .collect())
    }

    /// Every decision with how many procedures it published and withdrew, newest first.
    pub async fn decisions(&self) -> Result<Vec<DecisionCount>, StoreError> {
        let sql = "SELECT id, number, decided_on, signer, required_count, created_by, created_at \
            FROM publication_decisions ORDER BY decided_on DESC, number";
        let decisions: Vec<Decision> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        let published: Vec<(Uuid, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT published_decision_id, COUNT(*) FROM procedure_versions \
             WHERE published_decision_id IS NOT NULL GROUP BY published_decision_id"
        )
        .fetch_all(pool)
        .await?);
        let withdrawn: Vec<(Uuid, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT ended_decision_id, COUNT(*) FROM procedure_versions \
             WHERE ended_decision_id IS NOT NULL AND state = 'withdrawn' GROUP BY ended_decision_id"
        )
        .fetch_all(pool)
        .await?);
        let count = |list: &[(Uuid, i64)], id: Uuid| {
            list.iter().find(|(d, _)| *d == id).map_or(0, |(_, n)| *n)
        };
        Ok(decisions
            .into_iter()
            .map(|decision| DecisionCount {
                published: count(&published, decision.id),
                withdrawn: count(&withdrawn, decision.id),
                decision,
            })
            .collect())
    }
}

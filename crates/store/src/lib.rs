//! Persistence for motcua: one API over SQLite (the default) and PostgreSQL.
//!
//! Each backend has its own migrations; queries share SQL text where the two agree
//! (both accept `$1` placeholders) and branch only where they differ. Every write runs
//! in one transaction together with its audit event.

mod accounts;
mod agencies;
mod archive;
mod audit;
mod calendar;
mod catalogue;
mod documents;
mod dossiers;
mod error;
mod form_drafts;
mod forms;
mod identity;
mod import;
mod ledger;
mod lookup;
mod national;
mod news;
mod outbox;
mod payments;
mod processes;
mod programme;
mod quality;
mod refunds;
mod rows;
mod schema;
mod settings;
mod submit;
mod throttle;
mod transition;
mod tx;
mod units;

pub use accounts::{NewUser, UserChange, UserFilter, UserRecord};
pub use agencies::AgencyQuery;
pub use archive::{
    ArchivePackageRecord, BlobDeleter, DestructionListRecord, DestructionReport, NewArchivePackage,
    RetentionRecord,
};
pub use audit::AuditVerification;
pub use calendar::{StoredArrangement, StoredWorkingHours};
pub use catalogue::{
    Announcement, ApplicableProcedure, AssignmentRecord, CatalogueLoad, Decision, DecisionCount,
    DecisionRef, Devolution, LoadOutcome, NewDecision, ProcedureRecord, ProcedureSet, Publication,
    PublicationOutcome, PublishedEntry, Sector, VersionRecord, VersionSummary,
};
pub use documents::{
    BlobRecord, DigitisationCounts, DocumentIndicatorCounts, DocumentRecord, NewDocument,
    NewSignature, SettleOutcome, Settlement, SignatureRecord, SigningKeyRecord, WalletAttachment,
    WalletItemRecord,
};
pub use dossiers::{
    AgencyCount, ControlSheetRow, DOSSIER_KIND, DossierEvent, DossierFilter, DossierPage,
    DossierRecord, DossierSummary, Keyset, QUEUE_COUNT_CAP, QueueCursor, Visibility, control_sheet,
    utc,
};
pub use error::{StoreError, is_disk_full};
pub use form_drafts::FormDraftRecord;
pub use forms::{CodeEntry, CodeListRecord, Declared, DeclaredForm};
pub use identity::{ExternalSignIn, PendingLink, PendingLogin, SignInAccount};
pub use import::{
    ImportOutcome, ImportRun, ImportSource, LinkImportSummary, Progress, UnitImportSummary,
};
pub use ledger::{
    LedgerEntry, NewReceipt, PaymentSettlement, ReceiptDetail, ReceiptRecord, StatementImport,
};
pub use lookup::DossierParts;
pub use national::{Reconciliation, UnsyncedDossier};
pub use news::{ArticleFilter, ArticleRecord};
pub use outbox::{
    Channel, ConnectorStats, Delivery, NewMessage, NotificationRecord, OUTBOX_MAX_ATTEMPTS,
    OutboxMessage, Recipient,
};
pub use payments::PaymentOrder;
pub use processes::{MissingProcess, ProcessDraft, ProcessRecord, level_of_kind};
pub use programme::{
    NewProgramme, NewTask, NewTaskGroup, ProgrammeRecord, ReviewRecord, TaskGroupRecord,
    TaskRecord, TaskUpdateRecord,
};
pub use quality::{
    BUILT_SETTING as QUALITY_BUILT_SETTING, Drill, DrillRow, FactsRow, QualityQuery, QualityRow,
    QualitySum, RecountReport,
};
pub use refunds::{RefundDue, RefundRecord};
pub use submit::{IdempotencyKey, ReceiveNow, Submission, Submitted};
pub use throttle::ThrottleState;
pub use transition::{
    AGENCY_BOUND, AgencyBound, TransitionMove, TransitionReport, bound_kind_label,
};
pub use units::{SeedData, SuccessionDetail, UnitCounts, UnitPage, UnitQuery};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Matches on the pools and runs the same body against either, so one piece of
/// query code serves both backends with concrete types.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &*$store.pools {
            $crate::Pools::Sqlite { reader: $pool, .. } => $body,
            $crate::Pools::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

pub(crate) enum Pools {
    /// SQLite allows one writer at a time: writes go through a single connection,
    /// reads through a pool, so readers never wait for the write lock.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://…` for PostgreSQL, `sqlite:PATH` for a given SQLite file;
    /// None means `DATA_DIR/motcua.sqlite3`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Connection counts for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub name: &'static str,
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

/// The handle every part of motcua uses to reach the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pools: Arc<Pools>,
    /// Whether dossier writes keep the quality aggregates (always, except when measuring).
    pub(crate) quality_hook: bool,
    /// Whether dossier changes enqueue messages for the national portal.
    pub(crate) national_sync: bool,
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

const SQLITE_READERS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (and for SQLite creates) the database. Does not migrate.
    pub async fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        match config.database_url.as_deref() {
            Some(url) if is_postgres_url(url) => Store::open_postgres(url).await,
            Some(url) => {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .ok_or_else(|| {
                        StoreError::Config(format!("unsupported database URL: {url}"))
                    })?;
                Store::open_sqlite(Path::new(path)).await
            }
            None => {
                std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", config.data_dir.display()))
                })?;
                Store::open_sqlite(&config.data_dir.join("motcua.sqlite3")).await
            }
        }
    }

    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL keeps every acknowledged commit through a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A commit that failed (a full disk) can leave the connection believing it is
            // still in a transaction, and every later BEGIN refused: such a connection is
            // closed and a new one opened instead.
            .before_acquire(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(base.clone().create_if_missing(true))
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(SQLITE_READERS)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Store {
            pools: Arc::new(Pools::Sqlite { writer, reader }),
            quality_hook: true,
            national_sync: false,
        })
    }

    pub async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        // No JIT: the queries are short, and a misestimated one (over `jit_above_cost`) paid
        // 40-140 ms on each new connection to load LLVM and compile, which at a node's start
        // turned the counts' p99 into 0.4-0.7 s (issue 19).
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?.options([("jit", "off")]);
        // One connection first: a server that is down says why at once ("connection
        // refused"), where the pool would only time out.
        sqlx::Connection::close(
            <sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await?,
        )
        .await?;
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(Store {
            pools: Arc::new(Pools::Postgres(pool)),
            quality_hook: true,
            national_sync: false,
        })
    }

    pub fn backend(&self) -> Backend {
        match &*self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await.unwrap_or(0);
        match &*self.pools {
            Pools::Sqlite { writer, .. } => {
                sqlx::migrate!("./migrations/sqlite").run(writer).await?
            }
            Pools::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        self.backfill_search_names().await?;
        self.backfill_quality().await?;
        Ok(self.applied_migrations().await? - before)
    }

    async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(n as usize)
    }

    /// Answers whether the database responds; used by `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let one: i32 = on_pool!(self, |pool| sqlx::query_scalar("SELECT 1")
            .fetch_one(pool)
            .await?);
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// Commits a write that changes nothing, to show that writes go through (the disk has
    /// room, the writer is not stuck); used by `/readyz`. On SQLite it rewrites the schema
    /// cookie's user version with its own value; on PostgreSQL it takes a transaction id.
    pub async fn check_writer(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        match &mut tx {
            tx::Tx::Sqlite(t) => {
                let version: i64 = sqlx::query_scalar("PRAGMA user_version")
                    .fetch_one(&mut **t)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA user_version = {version}"
                )))
                .execute(&mut **t)
                .await?;
            }
            tx::Tx::Postgres(t) => {
                sqlx::query("SELECT pg_current_xact_id()")
                    .execute(&mut **t)
                    .await?;
            }
        }
        tx.commit().await
    }

    pub fn pool_stats(&self) -> Vec<PoolStats> {
        match &*self.pools {
            Pools::Sqlite { writer, reader } => vec![
                PoolStats {
                    name: "sqlite_writer",
                    size: writer.size(),
                    idle: writer.num_idle(),
                    max: 1,
                },
                PoolStats {
                    name: "sqlite_reader",
                    size: reader.size(),
                    idle: reader.num_idle(),
                    max: SQLITE_READERS,
                },
            ],
            Pools::Postgres(pool) => vec![PoolStats {
                name: "postgres",
                size: pool.size(),
                idle: pool.num_idle(),
                max: POSTGRES_CONNECTIONS,
            }],
        }
    }

    /// Closes every connection; SQLite checkpoints its WAL on the last close.
    pub async fn close(&self) {
        match &*self.pools {
            Pools::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// The table layout as (table, column, nullable) and (index, table, columns, unique),
    /// for the test that keeps the two backends' schemas alike.
    pub async fn describe_schema(&self) -> Result<SchemaDescription, StoreError> {
        schema::describe(self).await
    }
}

pub use schema::{ColumnInfo, IndexInfo, SchemaDescription};

#[cfg(test)]
mod postgres_settings {
    use super::*;

    /// Short queries gain nothing from JIT, and its start-up cost landed on requests.
    #[tokio::test]
    async fn connections_run_without_jit() {
        let Some(url) = motcua_testkit::fresh_postgres_url().await else {
            return;
        };
        let store = Store::open_postgres(&url).await.unwrap();
        let Pools::Postgres(pool) = &*store.pools else {
            unreachable!("a PostgreSQL store")
        };
        let jit: String = sqlx::query_scalar("SHOW jit")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(jit, "off");
    }
}

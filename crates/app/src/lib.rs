//! motcua's application layer: every use case, protocol-neutral.
//!
//! The API, the pages and the command line are edges over this crate: they parse their
//! input, call one function here with a [`Principal`] (who asks) and typed input, and
//! render what it returns or its [`AppError`]. Rules live in `motcua-domain`; persistence
//! in `motcua-store`; this crate puts them together (access, orchestration, side effects
//! such as signing) and knows nothing of HTTP.

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod connectors;
pub mod documents;
pub mod dossiers;
pub mod error;
pub mod forms;
mod fresh;
pub mod identity;
pub mod jobs;
pub mod news;
pub mod notifications;
pub mod password;
pub mod payments;
pub mod pdf;
pub mod principal;
pub mod processes;
pub mod programme;
pub mod register;
pub mod registers;
pub mod signing;
pub mod stats;
pub mod transition;
pub mod units;

pub use clock::{now, today_vn};
pub use error::{AppError, AppResult};
pub use principal::Principal;

/// "Tiến độ …" from "tiến độ …": rule messages start in lower case, sentences do not.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

use motcua_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// What the application needs to know at start.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The data folder; uploaded documents live in its `documents` folder by default.
    pub data_dir: PathBuf,
    /// Where documents are stored and how large they may be.
    pub documents: documents::DocumentsConfig,
    /// Seals the agencies' signing keys. None: `DATA_DIR/master.key`, made when first needed.
    pub master_key: Option<signing::MasterKey>,
    /// How far the dossier queue counts before it reports "more than this".
    pub queue_count_cap: i64,
    /// How many wrong check digits lock the public lookup for a client address or a code.
    pub lookup_throttle: motcua_domain::account::ThrottlePolicy,
    /// The province this instance serves.
    pub province: Province,
    /// Where the audit chain's signed checkpoints are written; None: `DATA_DIR/audit-checkpoints`.
    pub audit_checkpoints: Option<PathBuf>,
    /// Whether dossier changes are told to the national portal (its connector is set up).
    pub national_sync: bool,
    /// Whether an SMTP server is set up (shown on the connectors' page).
    pub mail_configured: bool,
    /// Which channels applicants may choose to be told on, and the portal's public address.
    pub notices: connectors::notices::NoticeSettings,
    /// Where the national catalogue's procedure list for the province is fetched from.
    pub national_catalogue: Option<connectors::catalogue::NationalCatalogueConfig>,
    /// The OpenID providers people may sign in through.
    pub identity: identity::Providers,
    /// The online payment platform, when connected.
    pub payment_platform: Option<payments::platform::PlatformConfig>,
}

/// The province an instance serves: the whole of its statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// Its statistics code, e.g. `20` for Lạng Sơn.
    pub code: String,
    /// Its name for headers, e.g. `Tỉnh Lạng Sơn`.
    pub name: String,
}

impl Default for Province {
    fn default() -> Self {
        Province {
            code: "20".into(),
            name: "Tỉnh Lạng Sơn".into(),
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            data_dir: PathBuf::from("motcua-data"),
            documents: documents::DocumentsConfig::default(),
            master_key: None,
            queue_count_cap: motcua_store::QUEUE_COUNT_CAP,
            lookup_throttle: motcua_domain::account::LOOKUP_THROTTLE,
            province: Province::default(),
            audit_checkpoints: None,
            national_sync: false,
            mail_configured: false,
            notices: Default::default(),
            national_catalogue: None,
            identity: identity::Providers::default(),
            payment_platform: None,
        }
    }
}

/// The application: the store and the shared state every use case works with. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    /// The holiday calendar, rebuilt only when the stored arrangements change.
    pub(crate) calendar: Arc<calendar::CalendarCache>,
    /// The group-commit writer for new dossiers.
    pub(crate) submitter: Arc<dossiers::Submitter>,
    /// None when the document store cannot be opened (logged at start).
    pub(crate) documents: Option<Arc<documents::BlobStore>>,
    /// Signs receipts and results (None only in tests that want no signing).
    pub(crate) signer: Option<Arc<signing::Signer>>,
    /// The procedure catalogue's search index, rebuilt from the store when stale.
    pub(crate) catalogue: Arc<catalogue::CatalogueState>,
    /// Prepared electronic forms by version, and the code lists.
    pub(crate) forms: Arc<forms::FormCache>,
    /// Every agency, as last read (the submission page offers them on each request).
    pub(crate) agencies: Arc<fresh::Fresh<Vec<motcua_domain::agency::Agency>>>,
    /// Each procedure's assignments, by the catalogue revision they were read at.
    pub(crate) assignments: Arc<fresh::ByRevision<Vec<motcua_store::AssignmentRecord>>>,
    pub(crate) queue_count_cap: i64,
    pub(crate) lookup_throttle: motcua_domain::account::ThrottlePolicy,
    pub(crate) province: Province,
    /// The catalogue facts the quality index needs, rebuilt with the catalogue.
    pub(crate) stats: Arc<stats::StatsCache>,
    /// When a write last went through for the readiness check (probes within a second of a
    /// good one are spared the write, so a flood of `/readyz` cannot hog the writer).
    pub(crate) writer_checked: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// The data folder (SQLite, documents, spool files), whose free space readiness checks.
    pub(crate) data_dir: std::path::PathBuf,
    /// The audit chain's checkpoints: their folder and the last place written.
    pub(crate) checkpoints: Arc<audit::CheckpointLog>,
    pub(crate) mail_configured: bool,
    /// The applicant channels delivered, and the public address their messages link to.
    pub(crate) notices: connectors::notices::NoticeSettings,
    pub(crate) national_catalogue: Option<connectors::catalogue::NationalCatalogueConfig>,
    pub(crate) identity: identity::Providers,
    pub(crate) payment_platform: Option<payments::platform::PlatformConfig>,
}

/// Below this much free space on the data folder's file system the server reports itself
/// not ready: writes would soon fail (a small commit may still fit where the write-ahead
/// log has room, so a probe write alone does not tell).
pub const MIN_FREE_BYTES: u64 = 8 * 1024 * 1024;

/// Free bytes for unprivileged writers on the file system holding `dir`; None if unknown.
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

impl App {
    /// Needs a Tokio runtime: it starts the submission writer.
    pub fn new(store: Store, config: &AppConfig) -> App {
        let store = store.with_national_sync(config.national_sync);
        let documents = match documents::BlobStore::from_config(&config.data_dir, &config.documents)
        {
            Ok(docs) => Some(Arc::new(docs)),
            Err(err) => {
                tracing::error!(error = %err, "cannot open the document store; uploads are off");
                None
            }
        };
        // Without a configured key, DATA_DIR/master.key is read, or made the first time
        // something is signed (so nothing is written where nothing is signed).
        let signer = match &config.master_key {
            Some(key) => signing::Signer::new(key.clone()),
            None => signing::Signer::from_file(&config.data_dir.join("master.key")),
        };
        App {
            submitter: Arc::new(dossiers::Submitter::start(store.clone())),
            documents,
            signer: Some(Arc::new(signer)),
            store,
            calendar: Arc::default(),
            catalogue: Arc::default(),
            forms: Arc::default(),
            agencies: Arc::default(),
            assignments: Arc::default(),
            queue_count_cap: config.queue_count_cap,
            lookup_throttle: config.lookup_throttle,
            province: config.province.clone(),
            stats: Arc::default(),
            writer_checked: Arc::default(),
            data_dir: config.data_dir.clone(),
            checkpoints: Arc::new(audit::CheckpointLog::new(
                config
                    .audit_checkpoints
                    .clone()
                    .unwrap_or_else(|| config.data_dir.join(audit::CHECKPOINT_FOLDER)),
            )),
            mail_configured: config.mail_configured,
            notices: config.notices.clone(),
            national_catalogue: config.national_catalogue.clone(),
            identity: config.identity.clone(),
            payment_platform: config.payment_platform.clone(),
        }
    }

    /// Before serving: refuses a master key that cannot open the stored signing keys, and
    /// builds the catalogue's index so the first request does not wait for it.
    pub async fn prepare(&self) -> AppResult<()> {
        if let Some(signer) = &self.signer {
            signer
                .check(&self.store)
                .await
                .map_err(|e| AppError::internal(e.to_string()))?;
        }
        self.catalogue.refresh(&self.store).await;
        Ok(())
    }

    /// Whether the database answers and takes writes (the readiness check): a full disk
    /// (less than [`MIN_FREE_BYTES`] left on the data folder's) or a stuck writer makes it
    /// fail.
    pub async fn ping(&self) -> AppResult<()> {
        const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);
        self.store.ping().await?;
        if free_bytes(&self.data_dir).is_some_and(|free| free < MIN_FREE_BYTES) {
            return Err(error::storage_full());
        }
        let recent =
            |checked: &Option<std::time::Instant>| checked.is_some_and(|at| at.elapsed() < RECHECK);
        if recent(&self.writer_checked.lock().expect("not poisoned")) {
            return Ok(());
        }
        self.store.check_writer().await?;
        *self.writer_checked.lock().expect("not poisoned") = Some(std::time::Instant::now());
        Ok(())
    }

    /// The largest document accepted, or None when the document store is off.
    pub fn max_document_bytes(&self) -> Option<u64> {
        self.documents.as_ref().map(|d| d.max_bytes())
    }

    /// The OpenID providers people may sign in through.
    pub fn identity_providers(&self) -> &identity::Providers {
        &self.identity
    }

    /// The connection pools' use, for the metrics.
    pub fn pool_stats(&self) -> Vec<motcua_store::PoolStats> {
        self.store.pool_stats()
    }
}

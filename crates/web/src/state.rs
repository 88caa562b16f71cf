use crate::metrics::Metrics;
use motcua_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the web layer needs, fixed at start.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub portal_name: String,
    /// The province this instance serves (statistics code), e.g. `20` for Lạng Sơn.
    pub province_code: String,
    /// Its name for page headers, e.g. `Tỉnh Lạng Sơn`.
    pub province_name: String,
    /// Mark cookies `Secure`. On for anything but a loopback address, where browsers
    /// may refuse secure cookies over plain HTTP.
    pub cookie_secure: bool,
    pub session_hours: i64,
    pub api_token_days: i64,
    /// The data folder; uploaded documents live in its `documents` folder by default.
    pub data_dir: PathBuf,
    /// The portal's public address (scheme and host, no trailing slash) for links printed
    /// on paper; None: taken from each request's Host header.
    pub public_url: Option<String>,
    /// Where documents are stored and how large they may be.
    pub documents: crate::documents::DocumentsConfig,
    /// Seals the agencies' signing keys. None: `DATA_DIR/master.key`, made when first needed.
    pub master_key: Option<crate::signing::MasterKey>,
    /// How far the dossier queue counts before it reports "more than this" (lowered in
    /// tests so the cap is reached with a few dossiers).
    pub queue_count_cap: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            portal_name: "Cổng dịch vụ công".into(),
            province_code: "20".into(),
            province_name: "Tỉnh Lạng Sơn".into(),
            cookie_secure: true,
            session_hours: 12,
            api_token_days: 30,
            data_dir: PathBuf::from("motcua-data"),
            public_url: None,
            documents: crate::documents::DocumentsConfig::default(),
            master_key: None,
            queue_count_cap: motcua_store::QUEUE_COUNT_CAP,
        }
    }
}

/// A demo account listed on the login page while the demo is on.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role_label: String,
    pub agency_name: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) demo_accounts: Arc<Vec<DemoAccount>>,
    /// The holiday calendar, rebuilt only when the stored arrangements change.
    pub(crate) calendar: Arc<crate::calendar::CalendarCache>,
    /// The group-commit writer for new dossiers.
    pub(crate) submitter: Arc<crate::dossiers::Submitter>,
    /// None when the document store cannot be opened (logged at start).
    pub documents: Option<Arc<crate::documents::BlobStore>>,
    /// Signs receipts and results (None only in tests that want no signing).
    pub signer: Option<Arc<crate::signing::Signer>>,
    /// The procedure catalogue's search index, rebuilt from the store when stale.
    pub catalogue: Arc<crate::catalogue::CatalogueState>,
    /// The catalogue facts the quality index needs, rebuilt with the catalogue.
    pub(crate) stats: Arc<crate::stats::StatsCache>,
}

impl AppState {
    pub fn province_name(&self) -> String {
        self.config.province_name.clone()
    }

    /// Needs a Tokio runtime: it starts the submission writer.
    pub fn new(store: Store, config: WebConfig, demo_accounts: Vec<DemoAccount>) -> AppState {
        let documents = match crate::documents::BlobStore::from_config(
            &config.data_dir,
            &config.documents,
        ) {
            Ok(docs) => Some(Arc::new(docs)),
            Err(err) => {
                tracing::error!(error = %err, "cannot open the document store; uploads are off");
                None
            }
        };
        // Without a configured key, DATA_DIR/master.key is read, or made the first time
        // something is signed (so nothing is written where nothing is signed).
        let signer = match &config.master_key {
            Some(key) => crate::signing::Signer::new(key.clone()),
            None => crate::signing::Signer::from_file(&config.data_dir.join("master.key")),
        };
        AppState {
            submitter: Arc::new(crate::dossiers::Submitter::start(store.clone())),
            documents,
            signer: Some(Arc::new(signer)),
            store,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            demo_accounts: Arc::new(demo_accounts),
            calendar: Arc::default(),
            catalogue: Arc::default(),
            stats: Arc::default(),
        }
    }
}

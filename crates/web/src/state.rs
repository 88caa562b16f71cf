//! What every handler gets: the application and the web's own settings.

use crate::metrics::Metrics;
use motcua_app::{App, AppConfig};
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
    /// How many wrong check digits lock the public lookup, and for how long.
    pub lookup_throttle: motcua_domain::account::ThrottlePolicy,
    /// How long slow or silent clients are waited for.
    pub timeouts: Timeouts,
    /// Where the audit chain's checkpoints go (None: `DATA_DIR/audit-checkpoints`), and how
    /// often (None: never, but at shutdown).
    pub audit_checkpoints: Option<PathBuf>,
    pub audit_checkpoint_every: Option<std::time::Duration>,
    /// The national portal's connector, when set up: dossier changes are then told to it.
    pub national_portal: Option<motcua_app::connectors::NationalPortalConfig>,
    /// Who sends e-mail, SMS and Zalo messages (each None when not set up).
    pub messengers: motcua_app::connectors::Messengers,
    /// Whether this node runs the connectors' delivery loops (off on nodes that only serve;
    /// another node, or a test driving rounds on its own clock, delivers).
    pub deliver_outbox: bool,
    /// Where the national catalogue's procedure list is fetched from; None: the import is off.
    pub national_catalogue: Option<motcua_app::connectors::catalogue::NationalCatalogueConfig>,
    /// Systems allowed to send dossiers in (the national portal); none: the route is off.
    pub national_inbound: Vec<motcua_app::connectors::inbound::InboundClient>,
    /// The OpenID providers people may sign in through (none by default).
    pub identity: motcua_app::identity::Providers,
    /// The online payment platform, when connected.
    pub payment_platform: Option<motcua_app::payments::platform::PlatformConfig>,
}

/// Limits on slow clients, so that neither a stalled request nor shutdown waits for ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A request's header must arrive in full within this time, or the connection is closed.
    pub header_read: std::time::Duration,
    /// An upload that sends nothing for this long is abandoned (the time between chunks, not
    /// the whole upload, which may take long on a slow line).
    pub body_idle: std::time::Duration,
    /// After a stop signal, requests in flight get this long to finish before their
    /// connections are cut.
    pub shutdown_deadline: std::time::Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: std::time::Duration::from_secs(30),
            body_idle: std::time::Duration::from_secs(60),
            shutdown_deadline: std::time::Duration::from_secs(30),
        }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        let app = AppConfig::default();
        WebConfig {
            portal_name: "Cổng dịch vụ công".into(),
            province_code: "20".into(),
            province_name: "Tỉnh Lạng Sơn".into(),
            cookie_secure: true,
            session_hours: 12,
            api_token_days: 30,
            data_dir: app.data_dir,
            public_url: None,
            documents: app.documents,
            master_key: app.master_key,
            queue_count_cap: app.queue_count_cap,
            lookup_throttle: app.lookup_throttle,
            timeouts: Timeouts::default(),
            audit_checkpoints: None,
            audit_checkpoint_every: Some(std::time::Duration::from_secs(300)),
            national_portal: None,
            messengers: Default::default(),
            national_catalogue: None,
            deliver_outbox: true,
            national_inbound: Vec::new(),
            identity: Default::default(),
            payment_platform: None,
        }
    }
}

impl WebConfig {
    /// The part of the settings the application itself needs.
    pub fn app_config(&self) -> AppConfig {
        AppConfig {
            data_dir: self.data_dir.clone(),
            documents: self.documents.clone(),
            master_key: self.master_key.clone(),
            queue_count_cap: self.queue_count_cap,
            lookup_throttle: self.lookup_throttle,
            province: motcua_app::Province {
                code: self.province_code.clone(),
                name: self.province_name.clone(),
            },
            audit_checkpoints: self.audit_checkpoints.clone(),
            national_sync: self.national_portal.is_some(),
            mail_configured: self.messengers.mail.is_some(),
            notices: motcua_app::connectors::notices::NoticeSettings {
                channels: self.messengers.channels(),
                public_url: self.public_url.clone(),
            },
            national_catalogue: self.national_catalogue.clone(),
            identity: self.identity.clone(),
            payment_platform: self.payment_platform.clone(),
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

/// What every handler gets, behind one `Arc`: the router clones it for each middleware of
/// each request, and the application's own fields (strings, settings) are not cheap to copy.
#[derive(Clone)]
pub struct AppState(Arc<WebState>);

pub struct WebState {
    /// Every use case goes through it.
    pub app: App,
    pub config: WebConfig,
    pub(crate) metrics: Metrics,
    pub(crate) demo_accounts: Vec<DemoAccount>,
}

impl std::ops::Deref for AppState {
    type Target = WebState;
    fn deref(&self) -> &WebState {
        &self.0
    }
}

impl AppState {
    pub fn province_name(&self) -> String {
        self.config.province_name.clone()
    }

    /// Needs a Tokio runtime: it starts the submission writer.
    pub fn new(store: Store, config: WebConfig, demo_accounts: Vec<DemoAccount>) -> AppState {
        AppState(Arc::new(WebState {
            app: App::new(store, &config.app_config()),
            config,
            metrics: Metrics::new(),
            demo_accounts,
        }))
    }
}

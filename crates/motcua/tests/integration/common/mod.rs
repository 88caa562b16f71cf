//! Starts the real application on port 0 with a fresh database of its own.

use motcua::{demo, server};
use motcua_store::{SeedData, Store};
use motcua_testkit::PostgresTemplate;
use motcua_web::{DemoAccount, WebConfig};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

mod api;
pub use api::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// Demo username → password.
    pub passwords: HashMap<String, String>,
    pub data_dir: tempfile::TempDir,
    /// The PostgreSQL database (None: SQLite in `data_dir`), for running the binary on it.
    pub database_url: Option<String>,
    server: Option<server::RunningServer>,
}

pub fn demo_password(username: &str) -> String {
    format!("{username}-Mat-Khau-Thu")
}

#[derive(Clone)]
pub struct Options {
    pub demo: bool,
    pub cookie_secure: bool,
    /// Largest document accepted (default 20 MiB).
    pub max_document_bytes: Option<u64>,
    /// Where documents go (default DATA_DIR/documents).
    pub documents_url: Option<String>,
    /// Where the dossier queue stops counting (default 10 000).
    pub queue_count_cap: Option<i64>,
    /// The public lookup's throttle (default: 10 wrong digits in 15 minutes).
    pub lookup_throttle: Option<motcua_domain::account::ThrottlePolicy>,
    /// Slow-client limits (default: the server's).
    pub timeouts: Option<motcua_web::Timeouts>,
    /// Where the data folder is made (default: the system's temporary folder).
    pub data_parent: Option<std::path::PathBuf>,
    /// The national portal's connector; the test delivers its rounds itself.
    pub national_portal: Option<motcua_app::connectors::NationalPortalConfig>,
    /// Systems allowed to send dossiers in.
    pub national_inbound: Vec<motcua_app::connectors::inbound::InboundClient>,
    /// E-mail, SMS and Zalo senders; with any, the test delivers their rounds itself.
    pub messengers: motcua_app::connectors::Messengers,
    /// The portal's public address (links in messages).
    pub public_url: Option<String>,
    /// Where the national catalogue's list is fetched from.
    pub national_catalogue: Option<motcua_app::connectors::catalogue::NationalCatalogueConfig>,
    /// OpenID providers to sign in through.
    pub identity: motcua_app::identity::Providers,
    /// The online payment platform.
    pub payment_platform: Option<motcua_app::payments::platform::PlatformConfig>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            demo: true,
            cookie_secure: false,
            max_document_bytes: None,
            documents_url: None,
            queue_count_cap: None,
            lookup_throttle: None,
            timeouts: None,
            data_parent: None,
            national_portal: None,
            national_inbound: Vec::new(),
            messengers: Default::default(),
            public_url: None,
            national_catalogue: None,
            identity: Default::default(),
            payment_platform: None,
        }
    }
}

impl TestApp {
    /// None when the backend is PostgreSQL and none is available (the skip is announced).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, Options::default()).await
    }

    /// An app on an empty, migrated database (no demo).
    pub async fn empty(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(
            backend,
            Options {
                demo: false,
                ..Options::default()
            },
        )
        .await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> Option<TestApp> {
        let data_dir = match &options.data_parent {
            Some(parent) => tempfile::tempdir_in(parent).unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        // The demo comes as a copy of a database seeded once per process.
        let (database_url, demo_accounts) = match (backend, options.demo) {
            (Backend::Sqlite, false) => (None, None),
            (Backend::Sqlite, true) => {
                let (bytes, accounts) = sqlite_demo().await;
                std::fs::write(data_dir.path().join(SQLITE_FILE), bytes).unwrap();
                (None, Some(accounts))
            }
            (Backend::Postgres, false) => (Some(motcua_testkit::fresh_postgres_url().await?), None),
            (Backend::Postgres, true) => {
                let (url, accounts) = POSTGRES_DEMO.copy(postgres_demo).await?;
                (Some(url), Some(accounts))
            }
        };
        let store = open(data_dir.path(), database_url.clone()).await;
        let (passwords, demo_accounts) = match demo_accounts {
            Some(accounts) => (demo_seed().1.clone(), accounts.clone()),
            None => (HashMap::new(), Vec::new()),
        };
        let config = WebConfig {
            cookie_secure: options.cookie_secure,
            data_dir: data_dir.path().to_path_buf(),
            documents: motcua_app::documents::DocumentsConfig {
                url: options.documents_url.clone(),
                max_bytes: options
                    .max_document_bytes
                    .unwrap_or(motcua_app::documents::MAX_DOCUMENT_BYTES as u64),
            },
            queue_count_cap: options
                .queue_count_cap
                .unwrap_or(motcua_store::QUEUE_COUNT_CAP),
            timeouts: options.timeouts.unwrap_or_default(),
            deliver_outbox: options.national_portal.is_none()
                && options.messengers.channels().is_empty(),
            messengers: options.messengers.clone(),
            public_url: options.public_url.clone(),
            national_portal: options.national_portal.clone(),
            national_inbound: options.national_inbound.clone(),
            national_catalogue: options.national_catalogue.clone(),
            identity: options.identity.clone(),
            payment_platform: options.payment_platform.clone(),
            lookup_throttle: options
                .lookup_throttle
                .unwrap_or(motcua_domain::account::LOOKUP_THROTTLE),
            ..WebConfig::default()
        };
        let running = server::start(
            store.clone(),
            "127.0.0.1:0".parse().unwrap(),
            config,
            demo_accounts,
        )
        .await
        .unwrap();
        Some(TestApp {
            base: format!("http://{}", running.addr),
            store,
            passwords,
            data_dir,
            database_url,
            server: Some(running),
        })
    }

    /// Runs the `motcua` binary on this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_with_env(args, &[])
    }

    /// The same, with more environment variables.
    pub fn cli_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"));
        cmd.envs(env.iter().copied());
        cmd.arg("--data-dir").arg(self.data_dir.path());
        if let Some(url) = &self.database_url {
            cmd.arg("--database-url").arg(url);
        }
        cmd.args(args).output().unwrap()
    }

    /// The running application, for jobs a test drives on its own clock.
    pub fn app(&self) -> motcua_app::App {
        self.server
            .as_ref()
            .expect("a running server")
            .app()
            .clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects, so tests see them.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// A second app node on the same PostgreSQL database (None on SQLite), with its own
    /// data folder and the first node's master key, serving beside the first. Its outbox
    /// rounds are the test's to drive, under another node name.
    pub async fn second_node(&self, options: &Options) -> Option<TestApp> {
        let url = self.database_url.clone()?;
        let data_dir = tempfile::tempdir().unwrap();
        let key = self.data_dir.path().join("master.key");
        if key.exists() {
            std::fs::copy(&key, data_dir.path().join("master.key")).unwrap();
        }
        let store = open(data_dir.path(), Some(url.clone())).await;
        let config = WebConfig {
            cookie_secure: false,
            data_dir: data_dir.path().to_path_buf(),
            deliver_outbox: false,
            national_portal: options.national_portal.clone(),
            national_inbound: options.national_inbound.clone(),
            messengers: options.messengers.clone(),
            public_url: options.public_url.clone(),
            ..WebConfig::default()
        };
        let accounts = demo::accounts_for_login_page(&store).await.unwrap();
        let running = server::start(
            store.clone(),
            "127.0.0.1:0".parse().unwrap(),
            config,
            accounts,
        )
        .await
        .unwrap();
        Some(TestApp {
            base: format!("http://{}", running.addr),
            store,
            passwords: self.passwords.clone(),
            data_dir,
            database_url: Some(url),
            server: Some(running),
        })
    }

    /// Stops the server and starts another on the same data folder and database (default
    /// settings), as after a crash and a restart.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
        let config = WebConfig {
            cookie_secure: false,
            data_dir: self.data_dir.path().to_path_buf(),
            ..WebConfig::default()
        };
        let accounts = demo::accounts_for_login_page(&self.store).await.unwrap();
        let running = server::start(
            self.store.clone(),
            "127.0.0.1:0".parse().unwrap(),
            config,
            accounts,
        )
        .await
        .unwrap();
        self.base = format!("http://{}", running.addr);
        self.server = Some(running);
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
        self.store.close().await;
    }
}

/// The SQLite database's file in a data folder (the app's default).
const SQLITE_FILE: &str = "motcua.sqlite3";

/// Opens and migrates the database of a data folder (SQLite there, or PostgreSQL at `url`).
async fn open(data_dir: &Path, database_url: Option<String>) -> Store {
    let location = motcua::DataLocation {
        data_dir: data_dir.to_path_buf(),
        database_url,
        documents_url: None,
        database_wait: motcua::DATABASE_WAIT,
    };
    location.open_and_migrate().await.unwrap().0
}

/// The demo and its passwords by username, built once: hashing the passwords is slow.
fn demo_seed() -> &'static (SeedData, HashMap<String, String>) {
    static SEED: OnceLock<(SeedData, HashMap<String, String>)> = OnceLock::new();
    SEED.get_or_init(|| {
        let (seed, credentials) = demo::build(demo_password).unwrap();
        let passwords = credentials
            .into_iter()
            .map(|c| (c.username, c.password))
            .collect();
        (seed, passwords)
    })
}

/// Seeds the demo into a migrated database; returns the accounts the login page lists.
async fn seed_demo(store: &Store) -> Vec<DemoAccount> {
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "demo.seeded",
        "demo:lang_son",
        serde_json::json!({}),
    );
    store
        .load_seed(&demo_seed().0, motcua_app::now(), audit)
        .await
        .unwrap();
    // The programme's tests read it on its story's own dates.
    let story = motcua::demo_programme::story_day();
    motcua::demo_programme::seed_as_of(store, story)
        .await
        .unwrap();
    motcua::demo_forms::seed_code_lists(store).await.unwrap();
    demo::seed_identities(store).await.unwrap();
    demo::accounts_for_login_page(store).await.unwrap()
}

/// An SQLite database with the demo, made once per process: the file's bytes, and the
/// accounts the login page lists. Only the database is shared, not the rest of the folder.
async fn sqlite_demo() -> &'static (Vec<u8>, Vec<DemoAccount>) {
    static TEMPLATE: OnceLock<(Vec<u8>, Vec<DemoAccount>)> = OnceLock::new();
    motcua_testkit::once_per_process(&TEMPLATE, || async {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), None).await;
        let accounts = seed_demo(&store).await;
        store.close().await;
        // Fold the write-ahead log into the file, so that the file alone is the database.
        let path = dir.path().join(SQLITE_FILE);
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        (std::fs::read(&path).unwrap(), accounts)
    })
    .await
}

/// A PostgreSQL database with the demo, made once per process and copied for each test.
static POSTGRES_DEMO: PostgresTemplate<Vec<DemoAccount>> = PostgresTemplate::new();

/// Fills the PostgreSQL template, closing every connection to it.
async fn postgres_demo(url: String) -> Vec<DemoAccount> {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Some(url)).await;
    let accounts = seed_demo(&store).await;
    store.close().await;
    accounts
}

/// The CSRF token embedded in a page's forms.
/// One indicator of a Decision 766 scorecard, by its code.
pub fn indicator<'a>(q: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    q["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no indicator {code}"))
}

pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The value of an input (the first with that name) in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"));
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let value = tag
        .find("value=\"")
        .unwrap_or_else(|| panic!("{name} has no value"))
        + 7;
    tag[value..value + tag[value..].find('"').unwrap()].to_owned()
}

/// The agency of a demo account.
pub async fn agency_of(app: &TestApp, username: &str) -> String {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap()
}

/// A dossier submission for the criminal-record sample, told apart by `i`.
pub fn numbered_submission(agency: &str, i: usize) -> serde_json::Value {
    serde_json::json!({
        "procedure_code": motcua::samples::CRIMINAL_RECORD,
        "agency_code": agency,
        "applicant": {
            "kind": "person",
            "name": format!("Người Nộp {i}"),
            "citizen_id": "020095001234",
            "phone": "0912345678"
        }
    })
}

/// Loads the login page (getting the CSRF cookie) and signs in through the form.
pub async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&page);
    client
        .post(app.url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", &token),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// The text of a PDF as poppler's `pdftotext` reads it (so through the embedded font's
/// ToUnicode map), or `None` after saying loudly that it was not checked; fails instead
/// when MOTCUA_REQUIRE_PDFTOTEXT=1.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            motcua_testkit::skip_or_fail(
                "pdftotext (poppler-utils)",
                "MOTCUA_REQUIRE_PDFTOTEXT",
                &e.to_string(),
            );
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "pdftotext refused the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "pdftotext found errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

//! A real OpenID provider for tests: panva's oidc-provider (npm, installed by `.ci/run` into
//! `target/oidc`), run by node on loopback with our own small script (`oidc_provider.mjs`).
//! It can be stopped (an outage), started again with a new signing key (a rotation), and told
//! to spoil the next ID token.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUIRE: &str = "MOTCUA_REQUIRE_OIDC";
const SCRIPT: &str = include_str!("oidc_provider.mjs");

/// The client motcua is registered as.
pub const OIDC_CLIENT_ID: &str = "motcua-test";
pub const OIDC_CLIENT_SECRET: &str = "motcua-test-secret-0123456789abcdef";

/// A running provider.
pub struct OidcProvider {
    child: Option<Child>,
    pub port: u16,
    state: tempfile::TempDir,
    install: PathBuf,
    redirect_uri: String,
    post_logout_uri: String,
}

/// Where oidc-provider is installed: `MOTCUA_OIDC_PROVIDER_DIR`, or `target/oidc`.
fn install_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MOTCUA_OIDC_PROVIDER_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("oidc")
}

impl OidcProvider {
    /// Starts a provider whose one client sends people back to `redirect_uri` and, after
    /// signing out, to `post_logout_uri`. `port` is the one it will listen on (the relying
    /// party is set up with the issuer before the provider runs). None (announced) when
    /// node or oidc-provider is missing.
    pub async fn start(port: u16, redirect_uri: &str, post_logout_uri: &str) -> Option<Self> {
        let install = install_dir();
        if !install
            .join("node_modules/oidc-provider/package.json")
            .exists()
        {
            crate::skip_or_fail(
                "oidc-provider (npm install --prefix target/oidc oidc-provider@8)",
                REQUIRE,
                &format!("not found in {}", install.display()),
            );
            return None;
        }
        // Beside its node_modules, so that node finds oidc-provider and jose.
        let script = install.join("motcua-test-provider.mjs");
        if std::fs::read_to_string(&script).ok().as_deref() != Some(SCRIPT) {
            std::fs::write(&script, SCRIPT).expect("the provider script");
        }
        let mut provider = OidcProvider {
            child: None,
            port,
            state: tempfile::tempdir().expect("a temporary folder"),
            install,
            redirect_uri: redirect_uri.to_owned(),
            post_logout_uri: post_logout_uri.to_owned(),
        };
        provider.set_accounts("{}");
        provider.launch(false).await;
        Some(provider)
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The people who can sign in: `{"login": {claims…}}` as JSON text.
    pub fn set_accounts(&self, json: &str) {
        std::fs::write(self.state.path().join("accounts.json"), json).expect("accounts");
    }

    /// Stops it (an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port; with `rotate`, signing with a new key from now on
    /// (the old one stays published beside it). Its sessions are gone either way.
    pub async fn restart(&mut self, rotate: bool) {
        self.stop();
        self.launch(rotate).await;
    }

    async fn launch(&mut self, rotate: bool) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.state.path().join("provider.log"))
            .expect("log");
        let child = Command::new("node")
            .arg(self.install.join("motcua-test-provider.mjs"))
            .current_dir(&self.install)
            .env("PORT", self.port.to_string())
            .env("CLIENT_ID", OIDC_CLIENT_ID)
            .env("CLIENT_SECRET", OIDC_CLIENT_SECRET)
            .env("REDIRECT_URI", &self.redirect_uri)
            .env("POST_LOGOUT_URI", &self.post_logout_uri)
            .env("STATE_DIR", self.state.path())
            .env("ROTATE", if rotate { "1" } else { "0" })
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("node starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                let log = std::fs::read_to_string(self.state.path().join("provider.log"))
                    .unwrap_or_default();
                panic!("the OpenID provider exited ({status}): {log}");
            }
            assert!(
                Instant::now() < deadline,
                "the OpenID provider did not start in 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the provider printed on its error stream.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("provider.log")).unwrap_or_default()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

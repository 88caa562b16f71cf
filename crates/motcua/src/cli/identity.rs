//! The OpenID providers `motcua serve` signs people in through: the national electronic
//! identity for citizens and an organisation's provider for officers (README, "Sign-in with
//! the national electronic identity").

use clap::{Args, ValueEnum};
use motcua_app::identity::Providers;
use motcua_app::identity::oidc::{Audience, MAX_CLOCK_SKEW, OidcConfig, TokenAuth};
use motcua_domain::verified::ClaimNames;
use std::time::Duration;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenAuthArg {
    /// client_secret_basic
    Basic,
    /// client_secret_post
    Post,
}

#[derive(Args, Clone, Debug)]
pub struct IdentityArgs {
    /// The citizens' OpenID provider (the national identity platform): its issuer URL. With
    /// it, "Đăng nhập bằng tài khoản định danh điện tử" is offered.
    #[arg(long, env = "MOTCUA_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client id motcua is registered under at that provider.
    #[arg(long, env = "MOTCUA_OIDC_CLIENT_ID", default_value = "")]
    oidc_client_id: String,
    /// Its client secret (from the environment only).
    #[arg(skip = std::env::var("MOTCUA_OIDC_CLIENT_SECRET").unwrap_or_default())]
    oidc_client_secret: String,
    /// The redirect URL registered at the provider. Without it, the public URL (or the
    /// request's host) followed by /auth/oidc/callback.
    #[arg(long, env = "MOTCUA_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// Scopes asked for besides `openid`, separated by spaces or commas.
    #[arg(long, env = "MOTCUA_OIDC_SCOPES", default_value = "profile")]
    oidc_scopes: String,
    /// Claim names where they differ from the defaults, e.g.
    /// `citizen_id=so_dinh_danh,full_name=ho_ten,birth_date=ngay_sinh` (keys: citizen_id,
    /// full_name, birth_date, phone, email, address).
    #[arg(long, env = "MOTCUA_OIDC_CLAIMS", default_value = "")]
    oidc_claims: String,
    /// How the client authenticates at the token endpoint.
    #[arg(long, env = "MOTCUA_OIDC_TOKEN_AUTH", value_enum, default_value_t = TokenAuthArg::Basic)]
    oidc_token_auth: TokenAuthArg,
    /// Seconds the provider's clock may be off ours (at most 300).
    #[arg(long, env = "MOTCUA_OIDC_CLOCK_SKEW_SECS", default_value_t = 60)]
    oidc_clock_skew_secs: u64,
    /// The officers' OpenID provider (the organisation's): its issuer URL. With it, officers
    /// of agencies that allow it sign in through it to accounts an administrator bound.
    #[arg(long, env = "MOTCUA_STAFF_OIDC_ISSUER")]
    staff_oidc_issuer: Option<String>,
    #[arg(long, env = "MOTCUA_STAFF_OIDC_CLIENT_ID", default_value = "")]
    staff_oidc_client_id: String,
    #[arg(skip = std::env::var("MOTCUA_STAFF_OIDC_CLIENT_SECRET").unwrap_or_default())]
    staff_oidc_client_secret: String,
    #[arg(long, env = "MOTCUA_STAFF_OIDC_REDIRECT_URL")]
    staff_oidc_redirect_url: Option<String>,
    #[arg(long, env = "MOTCUA_STAFF_OIDC_SCOPES", default_value = "profile")]
    staff_oidc_scopes: String,
    /// The officers' provider's name on the sign-in page.
    #[arg(
        long,
        env = "MOTCUA_STAFF_OIDC_LABEL",
        default_value = "tài khoản công vụ"
    )]
    staff_oidc_label: String,
}

impl Default for IdentityArgs {
    /// The settings from the environment alone (`motcua` run without a subcommand).
    fn default() -> Self {
        super::from_environment()
    }
}

fn scopes(raw: &str) -> Vec<String> {
    raw.split([' ', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "openid")
        .map(str::to_owned)
        .collect()
}

fn checked_url(flag: &str, raw: &str) -> anyhow::Result<String> {
    let url = reqwest::Url::parse(raw).map_err(|e| anyhow::anyhow!("{flag} {raw}: {e}"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "https" | "http"),
        "{flag} {raw}: must be an http(s) URL"
    );
    Ok(raw.trim_end_matches('/').to_owned())
}

impl IdentityArgs {
    pub fn providers(&self) -> anyhow::Result<Providers> {
        anyhow::ensure!(
            Duration::from_secs(self.oidc_clock_skew_secs) <= MAX_CLOCK_SKEW,
            "--oidc-clock-skew-secs: at most {}",
            MAX_CLOCK_SKEW.as_secs()
        );
        let citizens = match &self.oidc_issuer {
            Some(issuer) => {
                anyhow::ensure!(
                    !self.oidc_client_id.is_empty(),
                    "--oidc-issuer needs --oidc-client-id"
                );
                Some(OidcConfig {
                    key: motcua_app::identity::CITIZEN_PROVIDER.into(),
                    audience: Audience::Citizens,
                    label: "tài khoản định danh điện tử".into(),
                    issuer: checked_url("--oidc-issuer", issuer)?,
                    client_id: self.oidc_client_id.clone(),
                    client_secret: Some(self.oidc_client_secret.clone()).filter(|s| !s.is_empty()),
                    scopes: scopes(&self.oidc_scopes),
                    claims: ClaimNames::parse_overrides(&self.oidc_claims)
                        .map_err(|e| anyhow::anyhow!("--oidc-claims: {e}"))?,
                    redirect_url: match &self.oidc_redirect_url {
                        Some(u) => Some(checked_url("--oidc-redirect-url", u)?),
                        None => None,
                    },
                    clock_skew: Duration::from_secs(self.oidc_clock_skew_secs),
                    token_auth: match self.oidc_token_auth {
                        TokenAuthArg::Basic => TokenAuth::Basic,
                        TokenAuthArg::Post => TokenAuth::Post,
                    },
                })
            }
            None => None,
        };
        let staff = match &self.staff_oidc_issuer {
            Some(issuer) => {
                anyhow::ensure!(
                    !self.staff_oidc_client_id.is_empty(),
                    "--staff-oidc-issuer needs --staff-oidc-client-id"
                );
                Some(OidcConfig {
                    key: motcua_app::identity::STAFF_PROVIDER.into(),
                    audience: Audience::Staff,
                    label: self.staff_oidc_label.clone(),
                    issuer: checked_url("--staff-oidc-issuer", issuer)?,
                    client_id: self.staff_oidc_client_id.clone(),
                    client_secret: Some(self.staff_oidc_client_secret.clone())
                        .filter(|s| !s.is_empty()),
                    scopes: scopes(&self.staff_oidc_scopes),
                    claims: ClaimNames::default(),
                    redirect_url: match &self.staff_oidc_redirect_url {
                        Some(u) => Some(checked_url("--staff-oidc-redirect-url", u)?),
                        None => None,
                    },
                    clock_skew: Duration::from_secs(self.oidc_clock_skew_secs),
                    token_auth: TokenAuth::Basic,
                })
            }
            None => None,
        };
        Ok(Providers::new(citizens, staff))
    }
}

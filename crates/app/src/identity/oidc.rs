//! One OpenID Connect provider, as a relying party: discovery (cached, and fetched again
//! when stale or when a token names a key we have not seen), the authorization code flow
//! with PKCE, `state` and `nonce`, the ID token's checks with a bounded clock skew, the user
//! info, and RP-initiated logout. Tokens are used once and dropped; none is stored.

use crate::{AppError, AppResult};
use base64::Engine;
use motcua_domain::verified::{ClaimNames, VerifiedIdentity};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, JsonWebKeySet, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Whom a provider signs in: citizens (the national electronic identity) or officers (an
/// organisation's provider, bound to accounts by administrators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Citizens,
    Staff,
}

/// How the client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenAuth {
    /// `client_secret_basic`, OpenID's default.
    #[default]
    Basic,
    /// `client_secret_post`.
    Post,
}

/// A provider as configured.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Its name in addresses and records: `vneid` for citizens, `staff` for officers.
    pub key: String,
    pub audience: Audience,
    /// Shown on the button, after "Đăng nhập bằng".
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Besides `openid`.
    pub scopes: Vec<String>,
    pub claims: ClaimNames,
    /// Where the provider sends the person back; None: this site's address + the callback.
    pub redirect_url: Option<String>,
    /// How far the provider's clock may be off ours.
    pub clock_skew: Duration,
    pub token_auth: TokenAuth,
}

/// The longest clock skew accepted from configuration: beyond it an expired token would pass.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// Discovery is fetched again after this long.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// Each call to the provider gives up after this long.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    None,
    Document,
    Keys,
}

struct Discovered {
    metadata: ProviderMetadataWithLogout,
    fetched: Instant,
}

/// A configured provider and what was discovered of it.
pub struct OidcProvider {
    pub config: OidcConfig,
    http: reqwest::Client,
    discovered: RwLock<Option<Discovered>>,
}

/// A sign-in to send the browser to.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

fn unreachable(err: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %err, "the identity provider cannot be reached");
    AppError::unavailable(
        "identity_provider_unavailable",
        "Hệ thống định danh điện tử đang không trả lời. Vui lòng thử lại sau ít phút; \
         cán bộ vẫn đăng nhập được bằng tài khoản và mật khẩu.",
    )
}

/// A sign-in the provider's answer does not support: the detail is logged, the person is
/// told plainly, and nothing is recorded.
pub fn refused(why: impl std::fmt::Display) -> AppError {
    tracing::warn!(reason = %why, "an identity provider's answer was refused");
    AppError::invalid(
        "identity_sign_in_refused",
        "Không xác nhận được lần đăng nhập này với hệ thống định danh điện tử. \
         Vui lòng đăng nhập lại từ đầu.",
    )
}

/// The claims of a JWT whose signature was already checked.
fn jwt_claims(jwt: &str) -> Option<Map<String, Value>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl OidcProvider {
    pub fn new(config: OidcConfig) -> OidcProvider {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer point us anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .expect("an HTTP client");
        OidcProvider {
            config,
            http,
            discovered: RwLock::new(None),
        }
    }

    /// The provider's metadata and keys: cached for an hour; `Refresh::Document` reads the
    /// discovery document again (a sign-in's start, so that an outage shows at once) and
    /// `Refresh::Keys` the key set (a token signed with a key we have not seen).
    async fn metadata(&self, refresh: Refresh) -> AppResult<ProviderMetadataWithLogout> {
        if refresh == Refresh::None
            && let Some(d) = self.discovered.read().await.as_ref()
            && d.fetched.elapsed() < METADATA_TTL
        {
            return Ok(d.metadata.clone());
        }
        let mut slot = self.discovered.write().await;
        let cached = slot
            .as_ref()
            .filter(|d| d.fetched.elapsed() < METADATA_TTL)
            .map(|d| d.metadata.clone());
        let metadata = match (cached, refresh) {
            (Some(m), Refresh::None) => return Ok(m),
            (Some(m), Refresh::Keys) => {
                // Only a token from the provider's own token endpoint gets here, so this
                // cannot be driven by anyone else.
                let keys = JsonWebKeySet::fetch_async(m.jwks_uri(), &self.http)
                    .await
                    .map_err(unreachable)?;
                tracing::info!(provider = %self.config.key, "identity provider keys fetched again");
                m.set_jwks(keys)
            }
            (Some(m), Refresh::Document) => {
                let fresh = self.document().await?;
                if fresh.jwks_uri() == m.jwks_uri() {
                    fresh.set_jwks(m.jwks().clone())
                } else {
                    let keys = JsonWebKeySet::fetch_async(fresh.jwks_uri(), &self.http)
                        .await
                        .map_err(unreachable)?;
                    fresh.set_jwks(keys)
                }
            }
            (None, _) => {
                let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(unreachable)?;
                ProviderMetadataWithLogout::discover_async(issuer, &self.http)
                    .await
                    .map_err(unreachable)?
            }
        };
        *slot = Some(Discovered {
            metadata: metadata.clone(),
            fetched: Instant::now(),
        });
        Ok(metadata)
    }

    /// The discovery document alone, checked to be this issuer's.
    async fn document(&self) -> AppResult<ProviderMetadataWithLogout> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let body = (self.http.get(url).send().await)
            .and_then(reqwest::Response::error_for_status)
            .map_err(unreachable)?
            .bytes()
            .await
            .map_err(unreachable)?;
        let metadata: ProviderMetadataWithLogout =
            serde_json::from_slice(&body).map_err(unreachable)?;
        if metadata.issuer().as_str().trim_end_matches('/')
            != self.config.issuer.trim_end_matches('/')
        {
            return Err(unreachable("the discovery document names another issuer"));
        }
        Ok(metadata)
    }

    fn client_id(&self) -> ClientId {
        ClientId::new(self.config.client_id.clone())
    }

    /// Starts a sign-in: the provider's authorization address with a fresh state, nonce and
    /// PKCE challenge (S256), which the caller keeps until the person comes back.
    pub async fn authorize(&self, redirect_uri: &str) -> AppResult<Authorization> {
        let metadata = self.metadata(Refresh::Document).await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(AppError::internal)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id(),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: the code exchanged with its PKCE verifier, the ID token checked
    /// (signature, issuer, audience, expiry and issue time within the clock skew, nonce), the
    /// user info read when the provider has it, and the claims read by the configured names.
    pub async fn finish(
        &self,
        code: &str,
        redirect_uri: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> AppResult<VerifiedIdentity> {
        let metadata = self.metadata(Refresh::None).await?;
        let userinfo_url = metadata.userinfo_endpoint().map(|u| u.url().clone());
        let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(AppError::internal)?;
        let mut client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id(),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        if self.config.token_auth == TokenAuth::Post {
            client = client.set_auth_type(AuthType::RequestBody);
        }
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(refused)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::Request(e) => unreachable(e),
                other => refused(other),
            })?;
        let id_token = token.id_token().ok_or_else(|| refused("no ID token"))?;
        let nonce = Nonce::new(nonce.to_owned());
        let skew = chrono::Duration::from_std(self.config.clock_skew.min(MAX_CLOCK_SKEW))
            .unwrap_or_default();
        let check = |metadata: ProviderMetadataWithLogout| {
            let client = CoreClient::from_provider_metadata(
                metadata,
                self.client_id(),
                self.config.client_secret.clone().map(ClientSecret::new),
            );
            let verifier = client
                .id_token_verifier()
                .set_time_fn(move || crate::now() - skew)
                .set_issue_time_verifier_fn(move |iat| {
                    if iat <= crate::now() + skew {
                        Ok(())
                    } else {
                        Err(format!("issued in the future: {iat}"))
                    }
                });
            id_token
                .claims(&verifier, &nonce)
                .map(|c| c.subject().to_string())
        };
        let subject = match check(self.metadata(Refresh::None).await?) {
            // A key we have not seen: the provider may have rotated its keys.
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => check(self.metadata(Refresh::Keys).await?),
            other => other,
        }
        .map_err(refused)?;
        let mut claims = jwt_claims(&id_token.to_string()).ok_or_else(|| refused("ID token"))?;
        if let Some(url) = userinfo_url {
            let info: Map<String, Value> = self
                .http
                .get(url)
                .bearer_auth(token.access_token().secret())
                .send()
                .await
                .map_err(unreachable)?
                .error_for_status()
                .map_err(refused)?
                .json()
                .await
                .map_err(refused)?;
            // The user info must be about the person the ID token names (Core §5.3.2).
            if info.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
                return Err(refused("user info about another subject"));
            }
            // What the signed ID token says wins over the user info.
            for (name, value) in info {
                claims.entry(name).or_insert(value);
            }
        }
        Ok(VerifiedIdentity::from_claims(
            &subject,
            &claims,
            &self.config.claims,
        ))
    }

    /// The origin of the provider's logout endpoint, when it has one.
    pub async fn end_session_origin(&self) -> Option<String> {
        let metadata = self.metadata(Refresh::None).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        Some(endpoint.url().origin().ascii_serialization())
    }

    /// Where to send the browser to sign out at the provider too (RP-initiated logout),
    /// when it says it can; None otherwise or when it cannot be reached.
    pub async fn logout_url(&self, after: &str) -> Option<String> {
        let metadata = self.metadata(Refresh::None).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint).set_client_id(self.client_id());
        if let Ok(after) = PostLogoutRedirectUrl::new(after.to_owned()) {
            request = request.set_post_logout_redirect_uri(after);
        }
        Some(request.http_get_url().to_string())
    }
}

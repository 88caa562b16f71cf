//! The online payment platform `motcua serve` sends applicants to (README, "Fees and
//! payment").

use clap::Args;
use motcua_app::payments::keys::PlatformKeys;
use motcua_app::payments::platform::PlatformConfig;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct PaymentArgs {
    /// The payment platform's page applicants are sent to with a signed order. With it (and
    /// MOTCUA_PAYMENT_SECRET), "Thanh toán trực tuyến" is offered.
    #[arg(long, env = "MOTCUA_PAYMENT_URL")]
    payment_url: Option<String>,
    /// This province's merchant id at the platform.
    #[arg(long, env = "MOTCUA_PAYMENT_MERCHANT_ID", default_value = "")]
    payment_merchant_id: String,
    /// How the platform signs: `hmac` (a shared secret, MOTCUA_PAYMENT_SECRET) or `rsa`
    /// (our private key signs orders, the platform's public key checks notifications).
    #[arg(long, env = "MOTCUA_PAYMENT_SIGNATURE", default_value = "hmac", value_parser = ["hmac", "rsa"])]
    payment_signature: String,
    /// The secret orders and notifications are signed with (from the environment only).
    #[arg(skip = std::env::var("MOTCUA_PAYMENT_SECRET").unwrap_or_default())]
    payment_secret: String,
    /// With `--payment-signature rsa`: our private key (PEM, PKCS #8), readable by motcua only.
    #[arg(long, env = "MOTCUA_PAYMENT_PRIVATE_KEY")]
    payment_private_key: Option<PathBuf>,
    /// With `--payment-signature rsa`: the platform's public key (PEM).
    #[arg(long, env = "MOTCUA_PAYMENT_PLATFORM_KEY")]
    payment_platform_key: Option<PathBuf>,
    /// A JSON file `{our field: the platform's}` renaming the order's and notifications'
    /// fields (docs/design/connectors.md).
    #[arg(long, env = "MOTCUA_PAYMENT_MAPPING")]
    payment_mapping: Option<PathBuf>,
    /// Minutes an order may be paid.
    #[arg(long, env = "MOTCUA_PAYMENT_ORDER_MINUTES", default_value_t = 15)]
    payment_order_minutes: i64,
}

impl Default for PaymentArgs {
    /// The settings from the environment alone (`motcua` run without a subcommand).
    fn default() -> Self {
        super::from_environment()
    }
}

impl PaymentArgs {
    pub fn platform(&self) -> anyhow::Result<Option<PlatformConfig>> {
        let Some(url) = &self.payment_url else {
            return Ok(None);
        };
        let parsed =
            reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("--payment-url {url}: {e}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "https" | "http"),
            "--payment-url {url}: must be an http(s) URL"
        );
        let keys = match self.payment_signature.as_str() {
            "rsa" => {
                let read = |path: &Option<PathBuf>, flag: &str| -> anyhow::Result<String> {
                    let path = path
                        .as_ref()
                        .ok_or_else(|| anyhow::anyhow!("--payment-signature rsa needs {flag}"))?;
                    std::fs::read_to_string(path)
                        .map_err(|e| anyhow::anyhow!("{flag} {}: {e}", path.display()))
                };
                let private = read(&self.payment_private_key, "--payment-private-key")?;
                let public = read(&self.payment_platform_key, "--payment-platform-key")?;
                PlatformKeys::rsa(&private, &public)
                    .map_err(|e| anyhow::anyhow!("payment platform keys: {e}"))?
            }
            _ => PlatformKeys::hmac(&self.payment_secret).map_err(|_| {
                anyhow::anyhow!(
                    "--payment-url needs MOTCUA_PAYMENT_SECRET (at least 16 characters)"
                )
            })?,
        };
        let mapping: BTreeMap<String, String> = match &self.payment_mapping {
            Some(path) => serde_json::from_slice(&std::fs::read(path)?)
                .map_err(|e| anyhow::anyhow!("--payment-mapping {}: {e}", path.display()))?,
            None => BTreeMap::new(),
        };
        Ok(Some(PlatformConfig {
            pay_url: url.clone(),
            merchant_id: self.payment_merchant_id.clone(),
            keys,
            mapping,
            order_minutes: self.payment_order_minutes.max(1),
        }))
    }
}

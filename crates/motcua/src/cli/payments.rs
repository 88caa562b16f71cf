//! The online payment platform `motcua serve` sends applicants to (README, "Fees and
//! payment").

use clap::Args;
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
    /// The secret orders and notifications are signed with (from the environment only).
    #[arg(skip = std::env::var("MOTCUA_PAYMENT_SECRET").unwrap_or_default())]
    payment_secret: String,
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
        anyhow::ensure!(
            self.payment_secret.len() >= 16,
            "--payment-url needs MOTCUA_PAYMENT_SECRET (at least 16 characters)"
        );
        let mapping: BTreeMap<String, String> = match &self.payment_mapping {
            Some(path) => serde_json::from_slice(&std::fs::read(path)?)
                .map_err(|e| anyhow::anyhow!("--payment-mapping {}: {e}", path.display()))?,
            None => BTreeMap::new(),
        };
        Ok(Some(PlatformConfig {
            pay_url: url.clone(),
            merchant_id: self.payment_merchant_id.clone(),
            secret: self.payment_secret.clone(),
            mapping,
            order_minutes: self.payment_order_minutes.max(1),
        }))
    }
}

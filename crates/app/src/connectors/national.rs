//! The national public service portal's connector: pushes each new dossier and every change
//! of its national status (Decision 31/2021 Art. 30; Decree 118/2025 as amended by Decree
//! 367/2025).
//!
//! The portal's contract is not public, so the request is ours and configurable: one
//! `POST` of the dossier's state per change, its keys renamed by [`NationalPortalConfig::
//! mapping`], signed with the client's secret, and carrying the message's idempotency key.

use super::SendOutcome;
use hmac::{Hmac, Mac};
use motcua_store::OutboxMessage;
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where and as whom motcua pushes to the portal.
#[derive(Clone)]
pub struct NationalPortalConfig {
    /// The endpoint each dossier message is posted to.
    pub url: String,
    pub client_id: String,
    /// Signs each request (HMAC-SHA256); never logged.
    pub secret: String,
    pub timeout: Duration,
    /// Our key → the portal's field name; keys left out keep our name.
    pub mapping: BTreeMap<String, String>,
}

impl std::fmt::Debug for NationalPortalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalPortalConfig")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("secret", &"…")
            .finish()
    }
}

/// Field names used by the national portal's dossier synchronisation, as its published
/// technical guidance for provincial systems names them (docs/design/connectors.md lists
/// which are taken from there and which are ours).
pub fn default_mapping() -> BTreeMap<String, String> {
    [
        ("dossier_code", "MaHoSo"),
        ("procedure_code", "MaTTHC"),
        ("channel", "KenhThucHien"),
        ("status", "TrangThaiHoSo"),
        ("received_at", "NgayTiepNhan"),
        ("due_at", "NgayHenTra"),
        ("finished_at", "NgayKetThucXuLy"),
        ("returned_at", "NgayTra"),
        ("handling_agency", "DonViXuLy"),
        ("applicant", "ChuHoSo"),
    ]
    .into_iter()
    .map(|(ours, theirs)| (ours.to_owned(), theirs.to_owned()))
    .collect()
}

/// Renames the top-level keys of our message to the portal's.
pub fn mapped(payload: Value, mapping: &BTreeMap<String, String>) -> Value {
    match payload {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (mapping.get(&k).cloned().unwrap_or(k), v))
                .collect(),
        ),
        other => other,
    }
}

/// The request's signature: hex HMAC-SHA256 of `timestamp.body` under the client's secret.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The portal's client.
#[derive(Clone)]
pub struct NationalPortal {
    config: NationalPortalConfig,
    http: reqwest::Client,
}

impl NationalPortal {
    pub fn new(config: NationalPortalConfig) -> anyhow::Result<NationalPortal> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()?;
        Ok(NationalPortal { config, http })
    }

    /// Sends one message. 2xx is delivered, and so is 409 (the portal already has this key);
    /// 408, 425, 429, 5xx and transport failures are retried; any other answer refuses the
    /// message for good.
    pub async fn send(&self, message: OutboxMessage) -> SendOutcome {
        let Some(payload) = message.payload.as_deref() else {
            return SendOutcome::Refused("Tin không có nội dung đồng bộ.".into());
        };
        let body = match serde_json::from_str::<Value>(payload) {
            Ok(v) => mapped(v, &self.config.mapping).to_string(),
            Err(e) => return SendOutcome::Refused(format!("Nội dung đồng bộ hỏng: {e}")),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .http
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &message.dedup_key)
            .header("x-client-id", &self.config.client_id)
            .header("x-timestamp", timestamp.to_string())
            .header(
                "x-signature",
                signature(&self.config.secret, timestamp, body.as_bytes()),
            )
            .body(body)
            .send()
            .await;
        match sent {
            Err(err) if err.is_timeout() => {
                SendOutcome::Retry("Cổng DVCQG không trả lời kịp.".into())
            }
            Err(err) => SendOutcome::Retry(format!("Không kết nối được Cổng DVCQG: {err}")),
            Ok(answer) => {
                let status = answer.status();
                if status.is_success() || status.as_u16() == 409 {
                    SendOutcome::Delivered
                } else if status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429) {
                    SendOutcome::Retry(format!("Cổng DVCQG trả lời {status}"))
                } else {
                    let text = answer.text().await.unwrap_or_default();
                    let text: String = text.chars().take(300).collect();
                    SendOutcome::Refused(format!("Cổng DVCQG từ chối ({status}): {text}"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_renamed_and_the_rest_kept() {
        let ours = serde_json::json!({ "dossier_code": "X", "status": 2, "event": "receive" });
        let theirs = mapped(ours, &default_mapping());
        assert_eq!(
            theirs,
            serde_json::json!({ "MaHoSo": "X", "TrangThaiHoSo": 2, "event": "receive" })
        );
    }

    #[test]
    fn signatures_depend_on_the_secret_time_and_body() {
        let a = signature("s", 1, b"{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, signature("t", 1, b"{}"));
        assert_ne!(a, signature("s", 2, b"{}"));
        assert_ne!(a, signature("s", 1, b"{ }"));
    }
}

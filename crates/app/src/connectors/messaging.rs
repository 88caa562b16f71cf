//! Text messages to applicants' phones: SMS through a brandname provider, and Zalo
//! notification messages (ZNS). Each adapter is one HTTP request per message, shaped after
//! the provider's public API (docs/design/connectors.md names the sources):
//! - SMS after eSMS.vn's `SendMultipleMessage_V4_post_json` (customer-care type 2): fields
//!   `ApiKey`, `SecretKey`, `Phone`, `Content`, `Brandname`, `SmsType`, `IsUnicode`,
//!   `RequestId`; `CodeResult` "100" means accepted.
//! - ZNS after Zalo's `POST /message/template` on business.openapi.zalo.me: header
//!   `access_token`; fields `phone` (84…), `template_id`, `template_data`, `tracking_id`;
//!   `error` 0 means accepted.
//!
//! The outbox message's id travels as `RequestId` / `tracking_id`, so a provider that keeps
//! them can tell a retry from a new message.

use super::SendOutcome;
use motcua_domain::notice::NoticeKind;
use motcua_store::OutboxMessage;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// An SMS brandname provider.
#[derive(Clone)]
pub struct SmsConfig {
    pub url: String,
    pub api_key: String,
    /// Never logged.
    pub secret_key: String,
    /// The registered sender name shown on the phone.
    pub brandname: String,
    pub timeout: Duration,
}

/// A Zalo Official Account's notification service.
#[derive(Clone)]
pub struct ZaloConfig {
    pub url: String,
    /// Never logged.
    pub access_token: String,
    /// The approved template for each kind of notice; a kind without one is not sent.
    pub templates: BTreeMap<NoticeKind, String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("brandname", &self.brandname)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ZaloConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloConfig")
            .field("url", &self.url)
            .field("templates", &self.templates)
            .finish_non_exhaustive()
    }
}

/// Reads `received=123,supplement=456,…` (the kinds are [`NoticeKind::as_str`]).
pub fn parse_templates(raw: &str) -> anyhow::Result<BTreeMap<NoticeKind, String>> {
    let mut templates = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kind, id) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("expected kind=template_id, got {pair:?}"))?;
        let kind = NoticeKind::parse(kind).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown notice kind {kind:?}: one of received, supplement, apology, refused, result_ready"
            )
        })?;
        let id = id.trim();
        anyhow::ensure!(!id.is_empty(), "the template id of {kind:?} is empty");
        templates.insert(kind, id.to_owned());
    }
    Ok(templates)
}

fn client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()?)
}

/// What an HTTP answer means for a message: 408, 425, 429, 5xx and transport failures are
/// tried again; another non-2xx answer refuses it; a 2xx answer is read by `accepted`.
async fn outcome(
    who: &str,
    sent: Result<reqwest::Response, reqwest::Error>,
    accepted: impl FnOnce(&Value) -> Result<(), String>,
) -> SendOutcome {
    let answer = match sent {
        Err(e) if e.is_timeout() => return SendOutcome::Retry(format!("{who} không trả lời kịp.")),
        Err(e) => return SendOutcome::Retry(format!("Không kết nối được {who}: {e}")),
        Ok(answer) => answer,
    };
    let status = answer.status();
    if status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429) {
        return SendOutcome::Retry(format!("{who} trả lời {status}"));
    }
    let text = answer.text().await.unwrap_or_default();
    let short: String = text.chars().take(300).collect();
    if !status.is_success() {
        return SendOutcome::Refused(format!("{who} từ chối ({status}): {short}"));
    }
    match serde_json::from_str::<Value>(&text) {
        Err(_) => SendOutcome::Retry(format!("{who} trả lời không đọc được: {short}")),
        Ok(body) => match accepted(&body) {
            Ok(()) => SendOutcome::Delivered,
            Err(why) => SendOutcome::Refused(format!("{who} từ chối: {why}")),
        },
    }
}

fn payload(message: &OutboxMessage) -> Result<Value, SendOutcome> {
    message
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .ok_or_else(|| SendOutcome::Refused("Tin không có nội dung gửi.".into()))
}

fn text_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[derive(Clone)]
pub struct SmsGateway {
    config: SmsConfig,
    http: reqwest::Client,
}

impl SmsGateway {
    pub fn new(config: SmsConfig) -> anyhow::Result<SmsGateway> {
        Ok(SmsGateway {
            http: client(config.timeout)?,
            config,
        })
    }

    pub async fn send(&self, message: &OutboxMessage) -> SendOutcome {
        let payload = match payload(message) {
            Ok(p) => p,
            Err(outcome) => return outcome,
        };
        let body = json!({
            "ApiKey": self.config.api_key,
            "SecretKey": self.config.secret_key,
            "Phone": text_of(&payload, "to"),
            "Content": text_of(&payload, "text"),
            "Brandname": self.config.brandname,
            "SmsType": "2",
            "IsUnicode": "0",
            "RequestId": message.id.to_string(),
        });
        let sent = self.http.post(&self.config.url).json(&body).send().await;
        outcome("Nhà cung cấp SMS", sent, |answer| {
            match answer.get("CodeResult").map(|c| match c {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }) {
                Some(code) if code == "100" => Ok(()),
                Some(code) => Err(format!(
                    "mã {code}{}",
                    answer
                        .get("ErrorMessage")
                        .and_then(Value::as_str)
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                )),
                None => Err("không có CodeResult".into()),
            }
        })
        .await
    }
}

#[derive(Clone)]
pub struct ZaloZns {
    config: ZaloConfig,
    http: reqwest::Client,
}

impl ZaloZns {
    pub fn new(config: ZaloConfig) -> anyhow::Result<ZaloZns> {
        Ok(ZaloZns {
            http: client(config.timeout)?,
            config,
        })
    }

    pub async fn send(&self, message: &OutboxMessage) -> SendOutcome {
        let payload = match payload(message) {
            Ok(p) => p,
            Err(outcome) => return outcome,
        };
        let kind = NoticeKind::parse(text_of(&payload, "kind"));
        let Some(template) = kind.and_then(|k| self.config.templates.get(&k)) else {
            return SendOutcome::Skipped(format!(
                "Chưa có mẫu ZNS cho loại tin \"{}\".",
                text_of(&payload, "kind")
            ));
        };
        let body = json!({
            "phone": text_of(&payload, "to"),
            "template_id": template,
            "template_data": payload.get("data").cloned().unwrap_or(Value::Null),
            "tracking_id": message.id.to_string(),
        });
        let sent = self
            .http
            .post(&self.config.url)
            .header("access_token", &self.config.access_token)
            .json(&body)
            .send()
            .await;
        outcome("Zalo", sent, |answer| {
            match answer.get("error").and_then(Value::as_i64) {
                Some(0) => Ok(()),
                Some(code) => Err(format!("mã {code} ({})", text_of(answer, "message"))),
                None => Err("không có mã kết quả".into()),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zalo_templates_are_read_by_kind() {
        let t = parse_templates("received=101, result_ready=105").unwrap();
        assert_eq!(t[&NoticeKind::Received], "101");
        assert_eq!(t[&NoticeKind::ResultReady], "105");
        assert_eq!(t.len(), 2);
        assert!(parse_templates("").unwrap().is_empty());
        assert!(parse_templates("received").is_err());
        assert!(parse_templates("paid=1").is_err());
        assert!(parse_templates("received=").is_err());
    }
}

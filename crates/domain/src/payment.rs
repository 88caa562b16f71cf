//! Paying fees online through a payment platform (Decision 31/2021/QĐ-TTg art. 33; Circular
//! 21/2023): the signed order the citizen is sent with, and the checks a platform's
//! notification must pass before a payment is believed. Signatures cover the fields sorted by
//! name, `name=value` joined by `&`, the signature itself left out: HMAC-SHA256 here, or RSA
//! where the platform asks for it (the app holds the keys).

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

/// How far a notification's own time may be from ours: older ones are replays.
pub const NOTIFICATION_WINDOW_MINUTES: i64 = 10;

/// The text a signature covers: every field but `signature`, sorted, `k=v` joined by `&`.
pub fn canonical(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .filter(|(k, _)| k.as_str() != "signature")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// HMAC-SHA256 of the canonical text, in lower-case hexadecimal.
pub fn sign(fields: &BTreeMap<String, String>, secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(canonical(fields).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` is the fields' HMAC, compared in constant time.
pub fn verify(fields: &BTreeMap<String, String>, signature: &str, secret: &[u8]) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(canonical(fields).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// An order as motcua made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub order_id: String,
    pub amount_vnd: i64,
    pub expires_at: DateTime<Utc>,
    pub paid: bool,
}

/// What a notification says, once its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub order_id: String,
    pub transaction_id: String,
    pub amount_vnd: i64,
    /// The platform says the money moved.
    pub paid: bool,
    /// When the platform took the payment.
    pub paid_at: DateTime<Utc>,
    /// When the platform sent this notification.
    pub sent_at: DateTime<Utc>,
}

/// Why a notification is not believed; each is answered and audited, nothing recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoticeRefusal {
    #[error("chữ ký của thông báo thanh toán không đúng")]
    Signature,
    #[error("thông báo thanh toán thiếu hoặc sai trường {0}")]
    Field(&'static str),
    #[error("thông báo thanh toán quá cũ hoặc gửi lại")]
    Replayed,
    #[error("không có đơn thanh toán này")]
    UnknownOrder,
    #[error("số tiền khác với đơn thanh toán")]
    AmountMismatch,
    #[error("đơn thanh toán đã hết hạn trước khi được trả")]
    Expired,
}

impl NoticeRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            NoticeRefusal::Signature => "payment_signature_invalid",
            NoticeRefusal::Field(_) => "payment_notice_malformed",
            NoticeRefusal::Replayed => "payment_notice_replayed",
            NoticeRefusal::UnknownOrder => "payment_order_unknown",
            NoticeRefusal::AmountMismatch => "payment_amount_mismatch",
            NoticeRefusal::Expired => "payment_order_expired",
        }
    }
}

fn field<'a>(
    fields: &'a BTreeMap<String, String>,
    name: &'static str,
) -> Result<&'a str, NoticeRefusal> {
    fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= 100)
        .ok_or(NoticeRefusal::Field(name))
}

fn time(
    fields: &BTreeMap<String, String>,
    name: &'static str,
) -> Result<DateTime<Utc>, NoticeRefusal> {
    DateTime::parse_from_rfc3339(field(fields, name)?)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| NoticeRefusal::Field(name))
}

/// Reads a notification after checking its signature over the fields as sent (`signed`, the
/// platform's names) with `verifies` (fields, signature) and that it was sent within the
/// window around `now`; the values are read from `fields` (the same, renamed to ours).
pub fn read_notice(
    signed: &BTreeMap<String, String>,
    fields: &BTreeMap<String, String>,
    verifies: impl Fn(&BTreeMap<String, String>, &str) -> bool,
    now: DateTime<Utc>,
) -> Result<Notice, NoticeRefusal> {
    // An RSA signature in base64 is longer than any other field (4096 bits: 684 characters).
    let signature = (signed.get("signature").map(|v| v.trim()))
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .ok_or(NoticeRefusal::Signature)?;
    if !verifies(signed, signature) {
        return Err(NoticeRefusal::Signature);
    }
    let sent_at = time(fields, "sent_at")?;
    if (now - sent_at).abs() > Duration::minutes(NOTIFICATION_WINDOW_MINUTES) {
        return Err(NoticeRefusal::Replayed);
    }
    let amount_vnd = field(fields, "amount")?
        .parse::<i64>()
        .ok()
        .filter(|a| *a > 0)
        .ok_or(NoticeRefusal::Field("amount"))?;
    let paid = match field(fields, "status")? {
        "paid" => true,
        "failed" => false,
        _ => return Err(NoticeRefusal::Field("status")),
    };
    Ok(Notice {
        order_id: field(fields, "order_id")?.to_owned(),
        transaction_id: field(fields, "transaction_id")?.to_owned(),
        amount_vnd,
        paid,
        paid_at: time(fields, "paid_at")?,
        sent_at,
    })
}

/// Whether a notice fits the order it names: the same amount, taken before the order ran
/// out (a payment made in time may be told late).
pub fn check_against(notice: &Notice, order: &OrderFacts) -> Result<(), NoticeRefusal> {
    if notice.amount_vnd != order.amount_vnd {
        return Err(NoticeRefusal::AmountMismatch);
    }
    if notice.paid && notice.paid_at > order.expires_at {
        return Err(NoticeRefusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac(secret: &'static [u8]) -> impl Fn(&BTreeMap<String, String>, &str) -> bool {
        move |fields, signature| verify(fields, signature, secret)
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn notice_fields(now: DateTime<Utc>, amount: &str) -> BTreeMap<String, String> {
        let t = now.to_rfc3339();
        let mut f = fields(&[
            ("order_id", "O1"),
            ("transaction_id", "T1"),
            ("amount", amount),
            ("status", "paid"),
            ("paid_at", &t),
            ("sent_at", &t),
        ]);
        let s = sign(&f, b"k");
        f.insert("signature".into(), s);
        f
    }

    #[test]
    fn the_canonical_text_is_sorted_and_leaves_the_signature_out() {
        let f = fields(&[("b", "2"), ("a", "1"), ("signature", "x")]);
        assert_eq!(canonical(&f), "a=1&b=2");
        // RFC 4231 test case 2 ("Jefe", "what do ya want for nothing?") through our text.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signed_fresh_notice_is_read_and_anything_else_refused() {
        let now = Utc::now();
        let good = notice_fields(now, "50000");
        let n = read_notice(&good, &good, hmac(b"k"), now).unwrap();
        assert_eq!((n.amount_vnd, n.paid), (50_000, true));
        assert_eq!(
            read_notice(&good, &good, hmac(b"other"), now),
            Err(NoticeRefusal::Signature)
        );
        let mut forged = good.clone();
        forged.insert("amount".into(), "5000".into());
        assert_eq!(
            read_notice(&forged, &forged, hmac(b"k"), now),
            Err(NoticeRefusal::Signature)
        );
        let later = now + Duration::minutes(NOTIFICATION_WINDOW_MINUTES + 1);
        assert_eq!(
            read_notice(&good, &good, hmac(b"k"), later),
            Err(NoticeRefusal::Replayed)
        );
    }

    #[test]
    fn a_notice_must_fit_its_order() {
        let now = Utc::now();
        let f = notice_fields(now, "50000");
        let n = read_notice(&f, &f, hmac(b"k"), now).unwrap();
        let order = OrderFacts {
            order_id: "O1".into(),
            amount_vnd: 50_000,
            expires_at: now + Duration::minutes(15),
            paid: false,
        };
        assert_eq!(check_against(&n, &order), Ok(()));
        let other = OrderFacts {
            amount_vnd: 40_000,
            ..order.clone()
        };
        assert_eq!(
            check_against(&n, &other),
            Err(NoticeRefusal::AmountMismatch)
        );
        let gone = OrderFacts {
            expires_at: now - Duration::minutes(1),
            ..order
        };
        assert_eq!(check_against(&n, &gone), Err(NoticeRefusal::Expired));
    }
}

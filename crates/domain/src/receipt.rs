//! The electronic receipt for fees and charges (biên lai điện tử; Decree 11/2020/NĐ-CP art. 31,
//! Circular 32/2025/TT-BTC): series and number, payer, items, amount in figures and words,
//! time. Its canonical JSON is stored and signed like the other documents an agency issues.

use serde::{Deserialize, Serialize};

pub const FEE_RECEIPT_FORMAT: &str = "motcua-fee-receipt/1";

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptItem {
    pub name: String,
    #[serde(default = "one")]
    pub quantity: u32,
    pub amount_vnd: i64,
}

fn one() -> u32 {
    1
}

/// The series a receipt issued in `year` belongs to: one per agency and year, so numbers
/// restart each year as receipt books do.
pub fn series_for(year: i32) -> String {
    format!("BL-{year}")
}

/// A receipt number as printed: seven digits.
pub fn number_text(number: i64) -> String {
    format!("{number:07}")
}

/// How the money came.
pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "platform" => "Thanh toán trực tuyến",
        "bank" => "Chuyển khoản",
        "counter" => "Tiền mặt tại bộ phận một cửa",
        _ => "Khác",
    }
}

/// The receipt as a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeReceipt {
    /// Always [`FEE_RECEIPT_FORMAT`].
    pub format: String,
    pub series: String,
    pub number: String,
    pub agency_code: String,
    pub agency_name: String,
    pub dossier_code: String,
    pub procedure_name: String,
    pub payer: String,
    pub items: Vec<ReceiptItem>,
    pub amount_vnd: i64,
    pub amount_in_words: String,
    pub channel: String,
    /// The bank's or platform's reference, when there is one.
    pub reference: Option<String>,
    /// RFC 3339 at +07:00.
    pub paid_at: String,
    pub issued_at: String,
}

impl FeeReceipt {
    /// Pretty JSON with a final newline: readable when downloaded, and stable.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    pub fn file_name(&self) -> String {
        format!("bien-lai-{}-{}.json", self.series, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_numbers_read_as_printed() {
        assert_eq!(series_for(2026), "BL-2026");
        assert_eq!(number_text(42), "0000042");
        assert_eq!(channel_label("bank"), "Chuyển khoản");
    }

    #[test]
    fn a_receipt_reads_back_as_written() {
        let r = FeeReceipt {
            format: FEE_RECEIPT_FORMAT.into(),
            series: series_for(2026),
            number: number_text(1),
            agency_code: "H01.12".into(),
            agency_name: "UBND xã".into(),
            dossier_code: "H01.12-261205-0001".into(),
            procedure_name: "Cấp bản sao".into(),
            payer: "Nguyễn Văn A".into(),
            items: vec![ReceiptItem {
                name: "Phí bản sao".into(),
                quantity: 2,
                amount_vnd: 16_000,
            }],
            amount_vnd: 16_000,
            amount_in_words: crate::words::amount_in_words(16_000),
            channel: "counter".into(),
            reference: None,
            paid_at: "2026-12-05T09:00:00+07:00".into(),
            issued_at: "2026-12-05T09:00:01+07:00".into(),
        };
        let back: FeeReceipt = serde_json::from_slice(&r.to_bytes()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.amount_in_words, "Mười sáu nghìn đồng");
        assert_eq!(r.file_name(), "bien-lai-BL-2026-0000001.json");
    }
}

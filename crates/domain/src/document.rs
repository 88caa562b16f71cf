//! Documents: what a dossier document is, names and content addresses, the statement an
//! agency signs, the receipt (form 01) as a document, and retention.
//!
//! Circular 01/2023/TT-VPCP: the results of earlier procedures and the components that
//! law or the province lists are digitised at receipt, and digitised results go into the
//! applicant's document store so they are never asked for again.

use crate::procedure::{ProcedureResult, Retention};
use chrono::{DateTime, Months, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a dossier document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A component the applicant supplies (thành phần hồ sơ).
    Component,
    /// A result the agency issues (kết quả giải quyết).
    Result,
    /// The receipt slip (form 01, giấy tiếp nhận hồ sơ và hẹn trả kết quả).
    Receipt,
    /// The electronic receipt for fees and charges paid (biên lai điện tử).
    FeeReceipt,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::Component,
        DocumentKind::Result,
        DocumentKind::Receipt,
        DocumentKind::FeeReceipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Component => "component",
            DocumentKind::Result => "result",
            DocumentKind::Receipt => "receipt",
            DocumentKind::FeeReceipt => "fee_receipt",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentKind::Component => "Thành phần hồ sơ",
            DocumentKind::Result => "Kết quả giải quyết",
            DocumentKind::Receipt => "Giấy tiếp nhận hồ sơ (mẫu 01)",
            DocumentKind::FeeReceipt => "Biên lai thu phí, lệ phí",
        }
    }

    /// Receipts and results are signed by the agency.
    pub fn is_signed(self) -> bool {
        !matches!(self, DocumentKind::Component)
    }
}

/// Where a dossier document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentOrigin {
    /// Uploaded or scanned.
    Upload,
    /// Taken from the applicant's document store instead of being supplied again.
    Wallet,
    /// Made by the system (the receipt).
    Issued,
}

impl DocumentOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentOrigin::Upload => "upload",
            DocumentOrigin::Wallet => "wallet",
            DocumentOrigin::Issued => "issued",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentOrigin> {
        [
            DocumentOrigin::Upload,
            DocumentOrigin::Wallet,
            DocumentOrigin::Issued,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Bad document input. `code` is stable; `Display` is Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error(
        "Tên tệp không hợp lệ: không được rỗng, chứa đường dẫn (/, \\, ..), ký tự điều khiển hay ký tự đảo chiều, hoặc là tên thiết bị (CON, NUL, LPT1…); tối đa 255 ký tự."
    )]
    InvalidName,
    #[error("Mã băm SHA-256 phải gồm đúng 64 chữ số thập lục phân.")]
    InvalidSha256,
    #[error("Nội dung văn bản ký không đúng dạng chuẩn.")]
    InvalidStatement,
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::InvalidName => "invalid_document_name",
            DocumentError::InvalidSha256 => "invalid_sha256",
            DocumentError::InvalidStatement => "invalid_statement",
        }
    }
}

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// A file name as the applicant knows it: trimmed, never a path. A name with `/`, `\`,
/// a `..` component, a control or bidirectional character, a Windows device name (`CON`,
/// `LPT1.txt`) or nothing left is refused, not cleaned up,
/// so nobody is surprised by what got stored.
pub fn check_name(name: &str) -> Result<String, DocumentError> {
    let name = name.trim();
    // Windows' device names, with or without an extension, open a device, not a file.
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    let bad = name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.starts_with("..")
        || device
        || crate::text::forbidden_char(name).is_some()
        || name.contains(['\n', '\r', '\t']);
    if bad {
        Err(DocumentError::InvalidName)
    } else {
        Ok(name.to_owned())
    }
}

/// A SHA-256 content address: 64 hex digits, returned in lower case.
pub fn parse_sha256(s: &str) -> Result<String, DocumentError> {
    let s = s.trim();
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(DocumentError::InvalidSha256)
    }
}

/// Version of the signed statement's layout.
pub const STATEMENT_VERSION: u32 = 1;

/// What an agency signs: this content (by hash) is this kind of document, for this
/// dossier, issued by this agency at this time. Signed as [`Statement::canonical`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub agency_code: String,
    pub dossier_code: String,
    /// `receipt` or `result`.
    pub kind: DocumentKind,
    pub sha256: String,
    pub signed_at: DateTime<Utc>,
}

/// The statement's JSON form; field order is alphabetical, so serde writes it canonically.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatementJson {
    agency_code: String,
    dossier_code: String,
    kind: DocumentKind,
    sha256: String,
    signed_at: String,
    version: u32,
}

impl Statement {
    /// The exact bytes signed: compact JSON, keys in alphabetical order, the time in UTC
    /// with microseconds (`2026-03-02T02:00:00.000000Z`).
    pub fn canonical(&self) -> String {
        let json = StatementJson {
            agency_code: self.agency_code.clone(),
            dossier_code: self.dossier_code.clone(),
            kind: self.kind,
            sha256: self.sha256.clone(),
            signed_at: self.signed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            version: STATEMENT_VERSION,
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Reads a stored statement back; anything but the canonical form is refused, so the
    /// text verified is the text shown.
    pub fn parse(text: &str) -> Result<Statement, DocumentError> {
        let json: StatementJson =
            serde_json::from_str(text).map_err(|_| DocumentError::InvalidStatement)?;
        if json.version != STATEMENT_VERSION {
            return Err(DocumentError::InvalidStatement);
        }
        let statement = Statement {
            agency_code: json.agency_code,
            dossier_code: json.dossier_code,
            kind: json.kind,
            sha256: parse_sha256(&json.sha256)?,
            signed_at: DateTime::parse_from_rfc3339(&json.signed_at)
                .map_err(|_| DocumentError::InvalidStatement)?
                .with_timezone(&Utc),
        };
        if statement.canonical() != text {
            return Err(DocumentError::InvalidStatement);
        }
        Ok(statement)
    }
}

/// The receipt slip (form 01) as a document: what was received, from whom, when, and the
/// appointment date. Its canonical JSON is stored and signed like a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Always `motcua-receipt/1`.
    pub format: String,
    pub form: String,
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub receiving_agency: String,
    pub applicant_name: String,
    pub channel: String,
    /// RFC 3339 at +07:00.
    pub received_at: String,
    pub due_at: Option<String>,
    /// The components received, by name.
    pub components: Vec<String>,
    /// What the applicant declared on the electronic form, so the signature covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_data: Option<serde_json::Value>,
}

pub const RECEIPT_FORMAT: &str = "motcua-receipt/1";

impl Receipt {
    /// Pretty JSON with a final newline: readable when downloaded, and stable.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// How long a dossier of a procedure with these results is kept: the longest retention
/// among them, or None when one is permanent. A procedure that lists no result is kept
/// permanently: nothing is destroyed without a retention period to justify it.
pub fn retention_years(results: &[ProcedureResult]) -> Option<u32> {
    let mut longest: Option<u32> = None;
    for r in results {
        match r.retention {
            Retention::Permanent => return None,
            Retention::Years(n) => longest = Some(longest.map_or(n, |l| l.max(n))),
        }
    }
    longest
}

/// The day after which a closed dossier's records have served their retention and may be
/// proposed for destruction; None = permanent.
pub fn archive_after(closed_on: NaiveDate, years: Option<u32>) -> Option<NaiveDate> {
    let years = years?;
    closed_on.checked_add_months(Months::new(years.saturating_mul(12)))
}

/// A hex SHA-256 shortened for people: the first 12 digits.
pub struct ShortHash<'a>(pub &'a str);

impl fmt::Display for ShortHash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.get(..12).unwrap_or(self.0))
    }
}

/// Whether a document kept in the applicant's store may fill a component of a procedure:
/// the procedure marks that component reusable and the document carries its name (as the
/// component it supplied, or in its own name), diacritics and case aside. An officer sees
/// only such documents of the applicant (Decree 107/2021/NĐ-CP: digitised results and
/// components are reused, not asked for again; Decree 13/2023/NĐ-CP: no more personal data
/// than the task needs).
pub fn may_reuse(components: &[crate::procedure::RequiredDocument], label: &str) -> bool {
    let label = crate::text::fold(label);
    !label.is_empty()
        && components.iter().filter(|c| c.reusable).any(|c| {
            let name = crate::text::fold(&c.name);
            !name.is_empty() && (label.contains(&name) || name.contains(&label))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::ResultForm;
    use chrono::TimeZone;

    #[test]
    fn names_are_file_names_never_paths() {
        assert_eq!(check_name("  to-khai.pdf ").unwrap(), "to-khai.pdf");
        assert_eq!(
            check_name("Tờ khai (bản sao).pdf").unwrap(),
            "Tờ khai (bản sao).pdf"
        );
        for bad in [
            "",
            "   ",
            "../etc/passwd",
            "a/b.pdf",
            "a\\b.pdf",
            "..",
            ".",
            "..hidden",
            "a\u{0}b",
            "line\nbreak",
            "gpj\u{202E}exe.pdf",
            "CON",
            "con.pdf",
            "LPT1.txt",
            "nul",
        ] {
            assert_eq!(check_name(bad), Err(DocumentError::InvalidName), "{bad:?}");
        }
        assert!(check_name(&"a".repeat(256)).is_err());
        assert!(check_name(&"ắ".repeat(255)).is_ok());
        assert!(check_name("CONG-VAN.pdf").is_ok() && check_name("COM.pdf").is_ok());
    }

    #[test]
    fn hashes_are_64_hex_digits() {
        let h = "AB".repeat(32);
        assert_eq!(parse_sha256(&h).unwrap(), "ab".repeat(32));
        assert!(parse_sha256("abc").is_err());
        assert!(parse_sha256(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn statements_are_canonical_and_read_back_only_when_canonical() {
        let s = Statement {
            agency_code: "000.01.40.H37".into(),
            dossier_code: "000.01.40.H37-260302-0001".into(),
            kind: DocumentKind::Result,
            sha256: "ab".repeat(32),
            signed_at: Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(),
        };
        let text = s.canonical();
        assert_eq!(
            text,
            format!(
                "{{\"agency_code\":\"000.01.40.H37\",\"dossier_code\":\"000.01.40.H37-260302-0001\",\
                 \"kind\":\"result\",\"sha256\":\"{}\",\"signed_at\":\"2026-03-02T02:00:00.000000Z\",\
                 \"version\":1}}",
                "ab".repeat(32)
            )
        );
        assert_eq!(Statement::parse(&text).unwrap(), s);
        // Same meaning, other bytes: refused.
        let spaced = text.replace(",\"kind\"", ", \"kind\"");
        assert_eq!(
            Statement::parse(&spaced),
            Err(DocumentError::InvalidStatement)
        );
        let extra = text.replace("}", ",\"x\":1}");
        assert!(Statement::parse(&extra).is_err());
    }

    fn result(retention: Retention) -> ProcedureResult {
        ProcedureResult {
            name: "Giấy phép".into(),
            form: ResultForm::Electronic,
            retention,
        }
    }

    #[test]
    fn retention_is_the_longest_and_permanent_wins() {
        assert_eq!(retention_years(&[]), None);
        assert_eq!(
            retention_years(&[result(Retention::Years(5)), result(Retention::Years(10))]),
            Some(10)
        );
        assert_eq!(
            retention_years(&[result(Retention::Years(5)), result(Retention::Permanent)]),
            None
        );
        let closed = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(
            archive_after(closed, Some(1)),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        assert_eq!(
            archive_after(closed, Some(10)),
            NaiveDate::from_ymd_opt(2034, 2, 28)
        );
        assert_eq!(archive_after(closed, None), None);
    }

    #[test]
    fn only_reusable_components_that_a_document_names_are_reused() {
        let component = |name: &str, reusable: bool| crate::procedure::RequiredDocument {
            name: name.into(),
            originals: 1,
            copies: 0,
            form_template: None,
            digitisation_required: false,
            reusable,
        };
        let components = [
            component("Giấy khai sinh", true),
            component("Tờ khai đăng ký", false),
        ];
        assert!(may_reuse(&components, "GIẤY KHAI SINH"));
        assert!(may_reuse(&components, "Giay khai sinh (ban-sao.pdf)"));
        assert!(
            !may_reuse(&components, "Tờ khai đăng ký (to-khai.pdf)"),
            "not reusable"
        );
        assert!(!may_reuse(&components, "Phiếu lý lịch tư pháp"));
        assert!(!may_reuse(&components, ""));
        assert!(!may_reuse(&[], "Giấy khai sinh"));
    }
}

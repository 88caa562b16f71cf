//! Reconciling a bank statement with what dossiers owe (Decision 31/2021/QĐ-TTg art. 33: the
//! agency matches what reached its account to the dossiers it collects for). A line names its
//! dossier in the transfer's purpose, which banks often strip of dots and dashes.

use crate::dossier::DossierCode;
use serde::Serialize;

/// The dossier codes a transfer's purpose may name, most likely first: codes written out
/// whole, then codes run together without separators, read against the agencies whose
/// dossiers are paid to this account (`agency_codes`).
pub fn dossier_codes_in(purpose: &str, agency_codes: &[String]) -> Vec<String> {
    let mut found: Vec<String> = purpose
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|token| token.trim_matches(|c| c == '.' || c == '-'))
        .filter_map(|token| DossierCode::parse(token).ok())
        .map(|code| code.as_str().to_owned())
        .collect();
    let compact = squeeze(purpose);
    for agency in agency_codes {
        let key = squeeze(agency);
        if key.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(at) = compact[from..].find(&key) {
            let start = from + at + key.len();
            let digits: String = compact[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            // Six digits of date and at least four of sequence; a longer run may be a phone
            // number glued on, so the shortest sequence is tried first.
            for seq_len in 4..=digits.len().saturating_sub(6).min(8) {
                let code = format!("{agency}-{}-{}", &digits[..6], &digits[6..6 + seq_len]);
                if let Ok(code) = DossierCode::parse(&code) {
                    found.push(code.as_str().to_owned());
                }
            }
            from = start;
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|c| seen.insert(c.clone()));
    found
}

/// Upper-case letters and digits only.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What a dossier owes when a line for it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    /// Waiting for payment (national status 6).
    pub awaiting: bool,
    pub outstanding_vnd: i64,
    /// Something was paid for it already.
    pub paid_before: bool,
}

/// How a line with a dossier compares with what it owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// Exactly what was outstanding.
    Matched,
    /// Less: recorded, the dossier still owes the rest.
    ShortPaid,
    /// More: what was owed is recorded, the rest is due back.
    Overpaid,
    /// The dossier had paid already: the money is due back.
    PaidTwice,
    /// The dossier owes nothing (no fee asked for): the money is due back.
    NotOwed,
}

impl Match {
    pub fn label_vi(self) -> &'static str {
        match self {
            Match::Matched => "Khớp",
            Match::ShortPaid => "Nộp thiếu",
            Match::Overpaid => "Nộp thừa",
            Match::PaidTwice => "Nộp trùng",
            Match::NotOwed => "Không có khoản phải nộp",
        }
    }
}

/// A line's effect: what goes to the dossier and what is due back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub outcome: Match,
    /// Recorded toward the dossier (its "record payment").
    pub toward_dossier_vnd: i64,
    pub refund_due_vnd: i64,
}

/// Compares a credit of `amount_vnd` (positive) with what the dossier owes.
pub fn apply(amount_vnd: i64, owed: Owed) -> Applied {
    let outstanding = owed.outstanding_vnd.max(0);
    if !owed.awaiting || outstanding == 0 {
        return Applied {
            outcome: if owed.paid_before {
                Match::PaidTwice
            } else {
                Match::NotOwed
            },
            toward_dossier_vnd: 0,
            refund_due_vnd: amount_vnd,
        };
    }
    let toward = amount_vnd.min(outstanding);
    Applied {
        outcome: match amount_vnd.cmp(&outstanding) {
            std::cmp::Ordering::Equal => Match::Matched,
            std::cmp::Ordering::Less => Match::ShortPaid,
            std::cmp::Ordering::Greater => Match::Overpaid,
        },
        toward_dossier_vnd: toward,
        refund_due_vnd: amount_vnd - toward,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agencies() -> Vec<String> {
        vec!["000.00.12.H01".into(), "H01.120.05".into()]
    }

    #[test]
    fn codes_are_found_written_out_or_run_together() {
        let whole = dossier_codes_in(
            "NOP PHI HS H01.120.05-261205-0007 NGUYEN VAN A",
            &agencies(),
        );
        assert_eq!(whole[0], "H01.120.05-261205-0007");
        let squeezed = dossier_codes_in("MBVCB.123 nop phi 000 00 12 H01 2612050007", &agencies());
        assert_eq!(squeezed, vec!["000.00.12.H01-261205-0007".to_owned()]);
        // A phone number glued on: the four-digit sequence comes first.
        let glued = dossier_codes_in("H0112005-261205-0007 0912345678", &agencies());
        assert_eq!(
            glued.first().map(String::as_str),
            Some("H01.120.05-261205-0007")
        );
        assert!(dossier_codes_in("chuyen tien an trua", &agencies()).is_empty());
        assert!(
            dossier_codes_in("H0112005 26130500", &agencies()).is_empty(),
            "no such date"
        );
    }

    #[test]
    fn amounts_compare_with_what_is_owed() {
        let owes = Owed {
            awaiting: true,
            outstanding_vnd: 50_000,
            paid_before: false,
        };
        assert_eq!(apply(50_000, owes).outcome, Match::Matched);
        let short = apply(20_000, owes);
        assert_eq!(
            (
                short.outcome,
                short.toward_dossier_vnd,
                short.refund_due_vnd
            ),
            (Match::ShortPaid, 20_000, 0)
        );
        let over = apply(70_000, owes);
        assert_eq!(
            (over.outcome, over.toward_dossier_vnd, over.refund_due_vnd),
            (Match::Overpaid, 50_000, 20_000)
        );
        let paid = Owed {
            awaiting: false,
            outstanding_vnd: 0,
            paid_before: true,
        };
        assert_eq!(apply(50_000, paid).outcome, Match::PaidTwice);
        assert_eq!(apply(50_000, paid).refund_due_vnd, 50_000);
        let nothing = Owed {
            paid_before: false,
            ..paid
        };
        assert_eq!(apply(1, nothing).outcome, Match::NotOwed);
    }
}

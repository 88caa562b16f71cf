//! What a dossier owes, assessed from its procedure's fees: the lines an officer's payment
//! request shows, each a fixed amount or an amount per unit (copy, page, set), times the
//! quantity asked for, or nothing for an applicant the catalogue exempts.
//!
//! Fees, charges and their exemptions are set under the Law on Fees and Charges 2015 (Luật Phí và lệ phí 97/2015/QH13) and Circular 85/2019/TT-BTC (provincial fee resolutions).

use crate::procedure::{Fee, FeeExemption};
use serde::{Deserialize, Serialize};

/// The most units one line may charge for: a guard against a slip of the keyboard, far
/// above any real request (a few copies, a few dozen pages).
pub const MAX_QUANTITY: u32 = 1000;

/// What the officer chose for one fee, in the order of the procedure's fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeChoice {
    /// Units charged for; for a fixed fee 1 (charged) or 0 (not applicable to this dossier).
    pub quantity: u32,
    /// The index, in the fee's `exemptions`, of the exemption the applicant is granted.
    #[serde(default)]
    pub exemption: Option<usize>,
}

impl Default for FeeChoice {
    /// Charged once, no one exempt.
    fn default() -> Self {
        FeeChoice {
            quantity: 1,
            exemption: None,
        }
    }
}

/// One line of the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessedFee {
    pub name: String,
    pub unit_amount_vnd: i64,
    pub per: Option<String>,
    pub quantity: u32,
    /// The exemption granted, with its legal basis, kept on the line so the request shows
    /// why nothing is owed even if the catalogue changes later.
    pub exemption: Option<FeeExemption>,
    /// `unit_amount_vnd × quantity`, or 0 when exempt.
    pub amount_vnd: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub lines: Vec<AssessedFee>,
    pub total_vnd: i64,
}

/// Why choices cannot be assessed against the fees. `code` is stable for programs;
/// `Display` is Vietnamese for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("có {choices} lựa chọn cho {fees} khoản phí, lệ phí")]
    TooManyChoices { fees: usize, choices: usize },
    #[error("số lượng của khoản phí, lệ phí \"{name}\" phải từ 0 đến {max}, không phải {quantity}")]
    QuantityInvalid {
        name: String,
        quantity: u32,
        max: u32,
    },
    #[error("khoản phí, lệ phí \"{name}\" không có trường hợp miễn, giảm thứ {}", .exemption + 1)]
    ExemptionUnknown { name: String, exemption: usize },
    #[error("số tiền của khoản phí, lệ phí \"{name}\" không hợp lệ: {amount_vnd} đồng")]
    AmountInvalid { name: String, amount_vnd: i64 },
    #[error("số tiền phí, lệ phí vượt quá giới hạn tính được")]
    AmountOverflow,
}

impl FeeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FeeError::TooManyChoices { .. } => "fee_choices_too_many",
            FeeError::QuantityInvalid { .. } => "fee_quantity_invalid",
            FeeError::ExemptionUnknown { .. } => "fee_exemption_unknown",
            FeeError::AmountInvalid { .. } => "fee_amount_invalid",
            FeeError::AmountOverflow => "fee_amount_overflow",
        }
    }
}

/// One of each fee, no one exempt: what the catalogue's total shows.
pub fn default_choices(fees: &[Fee]) -> Vec<FeeChoice> {
    vec![FeeChoice::default(); fees.len()]
}

/// The lines and total owed for the choices, one per fee in order; fees without a choice
/// are charged once, no one exempt.
pub fn assess(fees: &[Fee], choices: &[FeeChoice]) -> Result<Assessment, FeeError> {
    if choices.len() > fees.len() {
        return Err(FeeError::TooManyChoices {
            fees: fees.len(),
            choices: choices.len(),
        });
    }
    let mut lines = Vec::with_capacity(fees.len());
    let mut total_vnd: i64 = 0;
    for (i, fee) in fees.iter().enumerate() {
        let choice = choices.get(i).copied().unwrap_or_default();
        // A fixed amount is charged or not; only a unit can be counted.
        let max = if fee.per.is_some() { MAX_QUANTITY } else { 1 };
        if choice.quantity > max {
            return Err(FeeError::QuantityInvalid {
                name: fee.name.clone(),
                quantity: choice.quantity,
                max,
            });
        }
        // The catalogue's rules refuse these; assessed fees may come from elsewhere.
        if fee.amount_vnd < 0 {
            return Err(FeeError::AmountInvalid {
                name: fee.name.clone(),
                amount_vnd: fee.amount_vnd,
            });
        }
        let exemption =
            match choice.exemption {
                None => None,
                Some(e) => Some(fee.exemptions.get(e).cloned().ok_or_else(|| {
                    FeeError::ExemptionUnknown {
                        name: fee.name.clone(),
                        exemption: e,
                    }
                })?),
            };
        let amount_vnd = match exemption {
            Some(_) => 0,
            None => fee
                .amount_vnd
                .checked_mul(i64::from(choice.quantity))
                .ok_or(FeeError::AmountOverflow)?,
        };
        total_vnd = total_vnd
            .checked_add(amount_vnd)
            .ok_or(FeeError::AmountOverflow)?;
        lines.push(AssessedFee {
            name: fee.name.clone(),
            unit_amount_vnd: fee.amount_vnd,
            per: fee.per.clone(),
            quantity: choice.quantity,
            exemption,
            amount_vnd,
        });
    }
    Ok(Assessment { lines, total_vnd })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fees() -> Vec<Fee> {
        vec![
            Fee {
                name: "Lệ phí cấp giấy phép".into(),
                amount_vnd: 50_000,
                ..Default::default()
            },
            Fee {
                name: "Phí cấp bản sao".into(),
                amount_vnd: 8_000,
                per: Some("bản".into()),
                exemptions: vec![
                    FeeExemption {
                        who: "Người có công với cách mạng".into(),
                        legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
                    },
                    FeeExemption {
                        who: "Người thuộc hộ nghèo".into(),
                        legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
                    },
                ],
            },
        ]
    }

    fn choice(quantity: u32, exemption: Option<usize>) -> FeeChoice {
        FeeChoice {
            quantity,
            exemption,
        }
    }

    #[test]
    fn by_default_one_of_each_is_owed_as_the_catalogue_totals() {
        let fees = fees();
        let a = assess(&fees, &default_choices(&fees)).unwrap();
        assert_eq!(a.total_vnd, 58_000);
        assert_eq!(
            a,
            assess(&fees, &[]).unwrap(),
            "missing choices are defaults"
        );
        assert_eq!(a.lines[1].per.as_deref(), Some("bản"));
        assert_eq!((a.lines[1].quantity, a.lines[1].amount_vnd), (1, 8_000));
    }

    #[test]
    fn a_fixed_fee_is_charged_or_not_and_a_unit_is_counted() {
        let fees = fees();
        let a = assess(&fees, &[choice(0, None), choice(3, None)]).unwrap();
        assert_eq!(a.lines[0].amount_vnd, 0);
        assert_eq!(a.lines[1].amount_vnd, 24_000);
        assert_eq!(a.lines[1].unit_amount_vnd, 8_000);
        assert_eq!(a.total_vnd, 24_000);
        let a = assess(&fees, &[choice(1, None), choice(MAX_QUANTITY, None)]).unwrap();
        assert_eq!(a.total_vnd, 50_000 + 8_000 * 1000);
    }

    #[test]
    fn an_exempt_line_owes_nothing_and_keeps_its_legal_basis() {
        let fees = fees();
        let a = assess(&fees, &[choice(1, None), choice(4, Some(1))]).unwrap();
        let line = &a.lines[1];
        assert_eq!((line.quantity, line.amount_vnd), (4, 0));
        let exemption = line.exemption.as_ref().unwrap();
        assert_eq!(exemption.who, "Người thuộc hộ nghèo");
        assert_eq!(exemption.legal_basis, "Điều 5 Nghị quyết 12/2020/NQ-HĐND");
        assert_eq!(a.total_vnd, 50_000);
    }

    #[test]
    fn wrong_choices_are_refused_with_a_code_and_a_reason() {
        let fees = fees();
        let err = |choices: &[FeeChoice]| assess(&fees, choices).unwrap_err();

        let e = err(&[choice(2, None)]);
        assert_eq!(e.code(), "fee_quantity_invalid");
        assert_eq!(
            e.to_string(),
            "số lượng của khoản phí, lệ phí \"Lệ phí cấp giấy phép\" phải từ 0 đến 1, không phải 2"
        );
        let e = err(&[choice(1, None), choice(MAX_QUANTITY + 1, None)]);
        assert_eq!(e.code(), "fee_quantity_invalid");

        let e = err(&[choice(1, Some(0))]);
        assert_eq!(e.code(), "fee_exemption_unknown");
        let e = err(&[choice(1, None), choice(1, Some(2))]);
        assert_eq!(
            e.to_string(),
            "khoản phí, lệ phí \"Phí cấp bản sao\" không có trường hợp miễn, giảm thứ 3"
        );

        let e = err(&[choice(1, None), choice(1, None), choice(1, None)]);
        assert_eq!(e.code(), "fee_choices_too_many");
        assert_eq!(e.to_string(), "có 3 lựa chọn cho 2 khoản phí, lệ phí");

        let mut negative = fees.clone();
        negative[0].amount_vnd = -1;
        let e = assess(&negative, &[]).unwrap_err();
        assert_eq!(e.code(), "fee_amount_invalid");
    }

    #[test]
    fn amounts_past_the_integer_range_are_refused_not_wrapped() {
        let mut fees = fees();
        fees[1].amount_vnd = i64::MAX / 2;
        let e = assess(&fees, &[choice(0, None), choice(3, None)]).unwrap_err();
        assert_eq!(e.code(), "fee_amount_overflow");
        assert_eq!(
            e.to_string(),
            "số tiền phí, lệ phí vượt quá giới hạn tính được"
        );
        // Each line fits; their sum does not.
        fees[0].amount_vnd = i64::MAX;
        let e = assess(&fees, &[choice(1, None), choice(1, None)]).unwrap_err();
        assert_eq!(e.code(), "fee_amount_overflow");
        // Exempt, it owes nothing, however large.
        let a = assess(&fees, &[choice(1, None), choice(1000, Some(0))]).unwrap();
        assert_eq!(a.total_vnd, i64::MAX);
    }

    #[test]
    fn an_assessment_serialises_for_the_payment_request() {
        let fees = fees();
        let a = assess(&fees, &[choice(1, None), choice(2, Some(0))]).unwrap();
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["total_vnd"], 50_000);
        assert_eq!(json["lines"][1]["per"], "bản");
        assert_eq!(
            json["lines"][1]["exemption"]["legal_basis"],
            "Điều 5 Nghị quyết 12/2020/NQ-HĐND"
        );
        let choices: Vec<FeeChoice> =
            serde_json::from_str(r#"[{"quantity":1},{"quantity":2,"exemption":0}]"#).unwrap();
        assert_eq!(choices, [choice(1, None), choice(2, Some(0))]);
    }
}

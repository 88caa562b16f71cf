//! The fees in the drafting form's text area: one line per fee,
//! `Tên khoản | số tiền | đơn vị tính` (no unit: a fixed amount), each followed by the
//! exemptions it grants, one a line, `- Đối tượng | Căn cứ pháp lý` (as in the catalogue
//! workbook's `mien_giam` cell, with a dash so the line reads as the fee's sub-item).
//!
//! [`format`] writes what [`parse`] reads back to the same fees, so saving a procedure
//! unchanged keeps its units and exemptions.

use motcua_domain::procedure::{Fee, FeeExemption};
use motcua_domain::text::group_thousands;

/// What an exemption line starts with. The dash is what [`format`] writes; the others are
/// what word processors and habit turn it into.
const BULLETS: [char; 5] = ['-', '–', '—', '•', '*'];

/// The text area's content for the fees.
pub(super) fn format(fees: &[Fee]) -> String {
    let mut lines = Vec::new();
    for f in fees {
        let amount = group_thousands(f.amount_vnd);
        lines.push(match &f.per {
            Some(per) => format!("{} | {amount} | {per}", f.name),
            None => format!("{} | {amount}", f.name),
        });
        for e in &f.exemptions {
            lines.push(format!("- {} | {}", e.who, e.legal_basis));
        }
    }
    lines.join("\n")
}

/// The fees the text describes, and a problem per bad line, naming the line as the
/// text area counts it (blank lines included).
pub(super) fn parse(text: &str) -> (Vec<Fee>, Vec<String>) {
    let mut fees: Vec<Fee> = Vec::new();
    let mut errors = Vec::new();
    // Whether the exemptions that follow belong to the last fee: false before any fee
    // line and after a bad one (its problem is reported once, on its own line).
    let mut under_fee = false;
    let mut seen_fee_line = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut problem =
            |what: String| errors.push(format!("Phí, lệ phí, dòng {}: {what}", i + 1));
        if let Some(rest) = line.strip_prefix(BULLETS) {
            match exemption(rest) {
                Err(e) => problem(e),
                Ok(_) if !seen_fee_line => problem(
                    "trường hợp miễn, giảm phải ghi ngay dưới dòng của khoản phí, lệ phí được miễn"
                        .into(),
                ),
                Ok(e) => {
                    if let (true, Some(fee)) = (under_fee, fees.last_mut()) {
                        fee.exemptions.push(e);
                    }
                }
            }
            continue;
        }
        seen_fee_line = true;
        match fee(line) {
            Ok(f) => {
                fees.push(f);
                under_fee = true;
            }
            Err(e) => {
                problem(e);
                under_fee = false;
            }
        }
    }
    (fees, errors)
}

/// `Tên khoản | số tiền` or `Tên khoản | số tiền | đơn vị tính`.
fn fee(line: &str) -> Result<Fee, String> {
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    let syntax = "ghi \"Tên khoản | số tiền\" hoặc \"Tên khoản | số tiền | đơn vị tính\"";
    match parts.as_slice() {
        [_] => Err(format!("{syntax}, không phải {line:?}")),
        [name, amount, rest @ ..] if rest.len() <= 1 => {
            if name.is_empty() {
                return Err("thiếu tên khoản phí, lệ phí".into());
            }
            let amount_vnd = parse_amount(amount).ok_or_else(|| {
                format!("số tiền {amount:?} không hợp lệ (ghi số đồng, ví dụ 8000 hoặc 8.000)")
            })?;
            let per = rest
                .first()
                .map(|u| u.trim_start_matches('/').trim())
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
            Ok(Fee {
                name: (*name).to_owned(),
                amount_vnd,
                per,
                exemptions: Vec::new(),
            })
        }
        _ => Err(format!(
            "có quá nhiều dấu \"|\" ({syntax}; trường hợp miễn, giảm ghi ở dòng riêng bắt đầu bằng dấu \"-\")"
        )),
    }
}

/// `Đối tượng | Căn cứ pháp lý`, split at the first `|`, the bullet already taken off.
fn exemption(rest: &str) -> Result<FeeExemption, String> {
    let syntax = "ghi trường hợp miễn, giảm là \"- Đối tượng | Căn cứ pháp lý\"";
    let Some((who, basis)) = rest.split_once('|') else {
        return Err(format!("{syntax}, không phải {:?}", rest.trim()));
    };
    let (who, legal_basis) = (who.trim(), basis.trim());
    if who.is_empty() || legal_basis.is_empty() {
        return Err(format!(
            "trường hợp miễn, giảm thiếu đối tượng hoặc căn cứ pháp lý ({syntax})"
        ));
    }
    Ok(FeeExemption {
        who: who.to_owned(),
        legal_basis: legal_basis.to_owned(),
    })
}

/// An amount in đồng: digits, grouped by thousands with dots, commas or spaces ("8.000",
/// "1,200,000", "8 000"), optionally followed by "đ", "đồng" or "VND". A group of other
/// than three digits ("8.5") is refused rather than read as a decimal. A minus sign is
/// read, for the procedure's rules to refuse with the fee's name.
fn parse_amount(raw: &str) -> Option<i64> {
    let mut s = raw.trim();
    for suffix in ["đồng", "vnđ", "vnd", "đ"] {
        let tail = s.len().checked_sub(suffix.len()).and_then(|at| s.get(at..));
        if tail.is_some_and(|t| t.to_lowercase() == suffix) {
            s = s[..s.len() - suffix.len()].trim_end();
            break;
        }
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let groups: Vec<&str> = s.split(['.', ',', ' ', '\u{a0}', '\u{202f}']).collect();
    let digits_only = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits_only(g)) {
        return None;
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return None;
    }
    let n: i64 = groups.concat().parse().ok()?;
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_fee() -> Fee {
        Fee {
            name: "Phí cấp bản sao trích lục".into(),
            amount_vnd: 8_000,
            per: Some("bản".into()),
            exemptions: vec![
                FeeExemption {
                    who: "Người thuộc hộ nghèo".into(),
                    legal_basis:
                        "Điều 5 Nghị quyết 12/2020/NQ-HĐND; Điều 3: Thông tư 85/2019/TT-BTC".into(),
                },
                FeeExemption {
                    who: "Người có công với cách mạng".into(),
                    legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
                },
            ],
        }
    }

    fn fixed_fee() -> Fee {
        Fee {
            name: "Lệ phí đăng ký kết hôn".into(),
            amount_vnd: 1_200_000,
            ..Default::default()
        }
    }

    #[test]
    fn units_and_exemptions_are_shown_and_read_back_unchanged() {
        let fees = vec![copy_fee(), fixed_fee()];
        let text = format(&fees);
        let expected = [
            "Phí cấp bản sao trích lục | 8.000 | bản",
            "- Người thuộc hộ nghèo | Điều 5 Nghị quyết 12/2020/NQ-HĐND; Điều 3: Thông tư 85/2019/TT-BTC",
            "- Người có công với cách mạng | Điều 5 Nghị quyết 12/2020/NQ-HĐND",
            "Lệ phí đăng ký kết hôn | 1.200.000",
        ];
        assert_eq!(text, expected.join("\n"));
        assert_eq!(parse(&text), (fees, Vec::new()));
    }

    #[test]
    fn lines_are_read_as_people_type_them() {
        let text = "\r\n  Phí sao lục |8,000 đ| / trang \r\n\r\n\
                    • Trẻ em dưới 6 tuổi|Điều 4 Nghị quyết 12/2020/NQ-HĐND\r\n\
                    Lệ phí | 50 000 |\n\
                    Lệ phí khác | 1.500.000 VND";
        let (fees, errors) = parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(fees.len(), 3);
        assert_eq!(
            (fees[0].amount_vnd, fees[0].per.as_deref()),
            (8_000, Some("trang"))
        );
        assert_eq!(fees[0].exemptions[0].who, "Trẻ em dưới 6 tuổi");
        assert_eq!((fees[1].amount_vnd, fees[1].per.as_deref()), (50_000, None));
        assert_eq!(fees[2].amount_vnd, 1_500_000);
        assert!(fees[1].exemptions.is_empty() && fees[2].exemptions.is_empty());
    }

    #[test]
    fn amounts_take_thousands_separators_but_not_decimals() {
        for (raw, n) in [
            ("8000", 8_000),
            ("8.000", 8_000),
            ("8,000", 8_000),
            ("1.200.000 đồng", 1_200_000),
            ("0", 0),
            ("-1", -1),
            ("12.000Đ", 12_000),
        ] {
            assert_eq!(parse_amount(raw), Some(n), "{raw}");
        }
        for raw in [
            "",
            "8.5",
            "8.00",
            "8000.000.0",
            "1234.000",
            "tám nghìn",
            "8..000",
            "đ",
        ] {
            assert_eq!(parse_amount(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let text = "- Hộ nghèo | Điều 5\n\
                    Phí | 8.5\n\
                    - Hộ nghèo | Điều 5\n\
                    Lệ phí\n\
                    Phí | 1 | bản | thêm\n\
                    \n\
                    Phí | 8.000 | bản\n\
                    - Hộ nghèo\n\
                    - | Điều 5\n\
                    | 5";
        let (fees, errors) = parse(text);
        assert_eq!(fees.len(), 1);
        assert!(fees[0].exemptions.is_empty());
        let lines: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                "Phí, lệ phí, dòng 1",
                "Phí, lệ phí, dòng 2",
                "Phí, lệ phí, dòng 4",
                "Phí, lệ phí, dòng 5",
                "Phí, lệ phí, dòng 8",
                "Phí, lệ phí, dòng 9",
                "Phí, lệ phí, dòng 10",
            ],
            "{errors:?}"
        );
        assert!(errors[0].contains("ngay dưới dòng"), "{errors:?}");
        assert!(errors[1].contains("\"8.5\" không hợp lệ"), "{errors:?}");
        assert!(errors[3].contains("quá nhiều dấu"), "{errors:?}");
        assert!(
            errors[4].contains("Đối tượng | Căn cứ pháp lý"),
            "{errors:?}"
        );
        assert!(
            errors[6].ends_with("thiếu tên khoản phí, lệ phí"),
            "{errors:?}"
        );
    }
}

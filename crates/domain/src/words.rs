//! Amounts in Vietnamese words: Circular 32/2025/TT-BTC has receipts for fees and charges state the amount in words ("số tiền bằng chữ").

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// The amount in Vietnamese words with a capital first letter and " đồng" at the end, e.g. 1_250_000 -> "Một triệu hai trăm năm mươi nghìn đồng".
pub fn amount_in_words(amount_vnd: i64) -> String {
    let mut words: Vec<&str> = Vec::new();
    if amount_vnd < 0 {
        words.push("âm");
    }
    // `unsigned_abs` keeps i64::MIN in range.
    let value = amount_vnd.unsigned_abs();
    if value == 0 {
        words.push("không");
    }

    // Groups of three digits, most significant first.
    let mut groups = Vec::new();
    let mut rest = value;
    while rest > 0 {
        groups.push((rest % 1000) as usize);
        rest /= 1000;
    }
    groups.reverse();

    let count = groups.len();
    for (i, &group) in groups.iter().enumerate() {
        if group == 0 {
            continue;
        }
        read_group(group, i > 0, &mut words);
        push_scale(count - 1 - i, &mut words);
    }
    words.push("đồng");

    capitalise(&words.join(" "))
}

/// Reads 0 < `n` < 1000; a `full` group (not the leading one) keeps "không trăm" and "linh".
fn read_group(n: usize, full: bool, words: &mut Vec<&str>) {
    let (hundreds, tens, units) = (n / 100, n / 10 % 10, n % 10);
    if full || hundreds > 0 {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match (tens, units) {
        (0, 0) => {}
        (0, u) => {
            if full || hundreds > 0 {
                words.push("linh");
            }
            words.push(DIGITS[u]);
        }
        (1, u) => {
            words.push("mười");
            match u {
                0 => {}
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
        (t, u) => {
            words.extend([DIGITS[t], "mươi"]);
            match u {
                0 => {}
                1 => words.push("mốt"),
                4 => words.push("tư"),
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
    }
}

/// Scale of the group `index` places from the right: nghìn, triệu, tỷ, then repeating "tỷ".
fn push_scale(index: usize, words: &mut Vec<&str>) {
    match index % 3 {
        1 => words.push("nghìn"),
        2 => words.push("triệu"),
        _ => {}
    }
    words.extend(std::iter::repeat_n("tỷ", index / 3));
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amounts_in_words() {
        let cases: &[(i64, &str)] = &[
            (0, "Không đồng"),
            (1, "Một đồng"),
            (4, "Bốn đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (99, "Chín mươi chín đồng"),
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (111, "Một trăm mười một đồng"),
            (115, "Một trăm mười lăm đồng"),
            (1_000, "Một nghìn đồng"),
            (1_001, "Một nghìn không trăm linh một đồng"),
            (1_005, "Một nghìn không trăm linh năm đồng"),
            (1_010, "Một nghìn không trăm mười đồng"),
            (1_100, "Một nghìn một trăm đồng"),
            (2_001, "Hai nghìn không trăm linh một đồng"),
            (10_000, "Mười nghìn đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (100_000, "Một trăm nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
            (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
            (2_500_000, "Hai triệu năm trăm nghìn đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (1_000_000_000_005, "Một nghìn tỷ không trăm linh năm đồng"),
            (1_000_000_000_000_000, "Một triệu tỷ đồng"),
            (1_000_000_000_000_000_000, "Một tỷ tỷ đồng"),
            (-1_000, "Âm một nghìn đồng"),
            (-21, "Âm hai mươi mốt đồng"),
            (
                i64::MAX,
                "Chín tỷ tỷ hai trăm hai mươi ba triệu tỷ ba trăm bảy mươi hai nghìn tỷ \
                 không trăm ba mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm \
                 nghìn tám trăm linh bảy đồng",
            ),
            (
                i64::MIN,
                "Âm chín tỷ tỷ hai trăm hai mươi ba triệu tỷ ba trăm bảy mươi hai nghìn tỷ \
                 không trăm ba mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm \
                 nghìn tám trăm linh tám đồng",
            ),
        ];
        for &(amount, expected) in cases {
            assert_eq!(amount_in_words(amount), expected, "amount {amount}");
        }
    }

    #[test]
    fn words_are_single_spaced_and_end_in_dong() {
        for amount in [i64::MAX, i64::MIN, 0, 7, 1_000_001, 300_000_020] {
            let words = amount_in_words(amount);
            assert!(words.ends_with(" đồng"), "{words}");
            assert!(!words.contains("  ") && !words.starts_with(' '), "{words}");
            assert!(
                words.chars().next().is_some_and(char::is_uppercase),
                "{words}"
            );
        }
    }
}

//! Vietnamese text as people type it: NFC normalisation, folding for diacritics-insensitive
//! search, and a spelling key that treats the two tone-mark placements ("Hòa" and "Hoà") as one.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase, without diacritics, `đ` as `d`, whitespace collapsed: the form unit
/// searches compare. "Phường Đông Kinh" → "phuong dong kinh".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfc().collect::<String>().nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The text without diacritics, case kept ("Đông Kinh" → "Dong Kinh"): what an SMS in the
/// 7-bit alphabet can carry at the single-message price.
pub fn unaccented(text: &str) -> String {
    text.nfc()
        .collect::<String>()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// The same text in Unicode NFC, so that "ế" typed as one code point or as
/// "e" + two combining marks compares equal.
pub fn nfc(text: &str) -> String {
    nfc_if_needed(text).unwrap_or_else(|| text.to_owned())
}

/// [`nfc`], or `None` when the text is composed already (most is: the quick check spares
/// copying it).
pub fn nfc_if_needed(text: &str) -> Option<String> {
    match unicode_normalization::is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => None,
        _ => {
            let composed: String = text.nfc().collect();
            (composed != text).then_some(composed)
        }
    }
}

/// Whether `text` carries any Vietnamese diacritic (or `đ`).
pub fn has_diacritics(text: &str) -> bool {
    text.nfd()
        .any(|c| is_combining_mark(c) || c == 'đ' || c == 'Đ')
}

/// The five Vietnamese tone marks as combining characters (huyền, sắc, ngã, hỏi, nặng).
const TONE_MARKS: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// A key under which spellings that differ only in where the tone mark sits
/// ("Hòa"/"Hoà", "Thủy"/"Thuỷ") or in letter case are equal, while different tones
/// or letters ("Hòa"/"Hóa") stay different.
pub fn spelling_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len() + 8);
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        let mut tone = None;
        let mut base = String::with_capacity(word.len());
        for c in word.nfd() {
            if TONE_MARKS.contains(&c) {
                tone = Some(c);
            } else {
                base.push(c);
            }
        }
        key.extend(base.nfc().flat_map(char::to_lowercase));
        if let Some(tone) = tone {
            // Written after the word, so the key does not depend on which vowel carried it.
            key.push('|');
            key.push(tone);
        }
    }
    key
}

/// Whether two names are the same spelling in the sense of [`spelling_key`].
pub fn same_spelling(a: &str, b: &str) -> bool {
    a == b || spelling_key(a) == spelling_key(b)
}

/// A character no free text may carry: controls other than tab and line breaks, the
/// invisible bidirectional controls that reorder what a reader sees (U+202E makes
/// "gpj.exe" show as "exe.jpg"), zero-width joiners and spaces, and stray byte-order marks.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(
                c,
                '\u{061C}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{FEFF}'
            )
    })
}

/// Free text with a character [`forbidden_char`] refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForbiddenChar {
    /// The field, as the caller names it.
    pub field: String,
    pub ch: char,
}

impl std::fmt::Display for ForbiddenChar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Trường {} có ký tự không được phép (U+{:04X}: ký tự điều khiển, ký tự vô hình \
             hoặc ký tự đảo chiều văn bản). Hãy gõ lại nội dung, không dán các ký tự đó.",
            self.field, self.ch as u32
        )
    }
}

impl std::error::Error for ForbiddenChar {}

impl ForbiddenChar {
    pub fn code(&self) -> &'static str {
        "invalid_characters"
    }
}

/// Checks one free-text field.
pub fn check_text(field: &str, text: &str) -> Result<(), ForbiddenChar> {
    match forbidden_char(text) {
        Some(ch) => Err(ForbiddenChar {
            field: field.to_owned(),
            ch,
        }),
        None => Ok(()),
    }
}

/// The longest search text a list takes: far beyond any name, code or ID, and short
/// enough that no pattern built from it is costly.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A search text longer than [`MAX_SEARCH_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTooLong;

impl std::fmt::Display for SearchTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chuỗi tìm kiếm dài quá {MAX_SEARCH_CHARS} ký tự.")
    }
}

impl std::error::Error for SearchTooLong {}

/// The text to search for, trimmed (None when blank), or refused when too long.
pub fn search_text(raw: Option<&str>) -> Result<Option<&str>, SearchTooLong> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(q) if q.chars().count() > MAX_SEARCH_CHARS => Err(SearchTooLong),
        q => Ok(q),
    }
}

/// What makes a spreadsheet read a cell as a formula or a command (OWASP "CSV injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn reads_as_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS) && cell.parse::<f64>().is_err()
}

/// A message as said to a person: its first letter a capital ("phải có họ tên" →
/// "Phải có họ tên"). Messages are often built from lower-case parts.
pub fn sentence(message: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = message.chars().next() else {
        return message.into();
    };
    if !first.is_lowercase() {
        return message.into();
    }
    let mut out: String = first.to_uppercase().collect();
    out.push_str(&message[first.len_utf8()..]);
    out.into()
}

/// A cell for a CSV file that a spreadsheet shows as text: a leading `'` before anything
/// it would run as a formula. Numbers such as `-5` stay numbers; a cell that already
/// starts with `'` before such a character gets one more, so [`from_csv_cell`] gives back
/// exactly what was written.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if reads_as_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The text [`csv_cell`] was given.
pub fn from_csv_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if reads_as_formula(rest) => rest,
        _ => cell,
    }
}

/// A whole number as Vietnamese writes sums: 1500000 → "1.500.000".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_are_grouped_by_thousands() {
        assert_eq!(super::group_thousands(1_500_000), "1.500.000");
        assert_eq!(super::group_thousands(-1_000), "-1.000");
        assert_eq!(super::group_thousands(999), "999");
    }

    use super::*;

    #[test]
    fn unaccented_text_keeps_case() {
        assert_eq!(
            unaccented("Phường Đông Kinh, Lạng Sơn"),
            "Phuong Dong Kinh, Lang Son"
        );
        assert_eq!(
            unaccented("Hồ sơ H20.5-250701-0001"),
            "Ho so H20.5-250701-0001"
        );
    }

    #[test]
    fn folding_removes_diacritics_and_case() {
        assert_eq!(fold("Đông Kinh"), "dong kinh");
        assert_eq!(fold("Phường  Đông\tKinh "), "phuong dong kinh");
        assert_eq!(fold("Quý Hoà"), fold("Quý Hòa"));
        assert_eq!(
            fold("Thị trấn Nông Trường Thái Bình"),
            "thi tran nong truong thai binh"
        );
        // Decomposed input folds like composed input.
        assert_eq!(
            fold("Đông Kinh".nfd().collect::<String>().as_str()),
            "dong kinh"
        );
        assert_eq!(fold("ĐẮK LẮK"), "dak lak");
    }

    #[test]
    fn spelling_key_ignores_tone_placement_and_case_only() {
        assert!(same_spelling("Quý Hòa", "Quý Hoà"));
        assert!(same_spelling("Thụy Hùng", "Thuỵ Hùng"));
        assert!(same_spelling("Xã Bắc Sơn", "xã Bắc Sơn"));
        assert!(!same_spelling("Hòa", "Hóa"));
        assert!(!same_spelling("Bắc Sơn", "Bác Sơn"));
        assert!(!same_spelling("Đông Kinh", "Dông Kinh"));
        assert!(!same_spelling("Vĩnh Trại", "Đông Kinh"));
    }

    #[test]
    fn folds_vietnamese_to_plain_ascii() {
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(
            fold("Chứng thực bản sao từ bản chính"),
            "chung thuc ban sao tu ban chinh"
        );
        assert_eq!(fold("ĐỒNG ĐẲNG"), "dong dang");
        assert_eq!(
            fold("Trợ cấp xã hội hằng tháng"),
            "tro cap xa hoi hang thang"
        );
    }

    #[test]
    fn decomposed_and_composed_input_fold_and_normalise_alike() {
        let composed = "Thuế";
        let decomposed = "Thue\u{0302}\u{0301}";
        assert_ne!(composed, decomposed);
        assert_eq!(nfc(decomposed), composed);
        assert_eq!(fold(decomposed), "thue");
    }

    #[test]
    fn knows_whether_text_has_diacritics() {
        assert!(has_diacritics("đất"));
        assert!(has_diacritics("Đ"));
        assert!(!has_diacritics("Dang ky"));
    }

    #[test]
    fn csv_cells_never_start_a_formula_and_read_back_exactly() {
        let evil = "=HYPERLINK(\"http://evil.example/\",\"x\")";
        assert_eq!(csv_cell(evil), format!("'{evil}"));
        for start in ["+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=x", "''@y"] {
            assert!(csv_cell(start).starts_with('\''), "{start:?}");
        }
        for plain in ["Đăng ký khai sinh", "-5", "+84", "1.5", "'quoted'", ""] {
            assert_eq!(csv_cell(plain), plain, "{plain:?}");
        }
        for cell in [evil, "'=x", "''@y", "-5", "'quoted'", "plain", "-x", "'"] {
            assert_eq!(from_csv_cell(&csv_cell(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn search_text_is_trimmed_and_bounded() {
        assert_eq!(search_text(None), Ok(None));
        assert_eq!(search_text(Some("  ")), Ok(None));
        assert_eq!(search_text(Some(" Đông Kinh ")), Ok(Some("Đông Kinh")));
        let longest = "ệ".repeat(MAX_SEARCH_CHARS);
        assert_eq!(search_text(Some(&longest)), Ok(Some(longest.as_str())));
        assert_eq!(
            search_text(Some(&format!("{longest}a"))),
            Err(SearchTooLong)
        );
    }

    #[test]
    fn controls_and_bidi_overrides_are_refused_line_breaks_are_not() {
        for bad in [
            "a\0b",
            "gpj\u{202E}exe",
            "An\u{200D}",
            "x\u{2066}y",
            "\u{7}",
            "\u{FEFF}An",
            "a\u{85}",
        ] {
            assert!(forbidden_char(bad).is_some(), "{bad:?}");
        }
        for good in ["Nguyễn Văn An", "dòng 1\ndòng 2\r\n\tthụt", "Thuế 10%", ""] {
            assert_eq!(forbidden_char(good), None, "{good:?}");
        }
        let e = check_text("name", "gpj\u{202E}exe").unwrap_err();
        assert_eq!(e.code(), "invalid_characters");
        assert!(e.to_string().contains("U+202E") && e.to_string().contains("name"));
    }

    #[test]
    fn a_sentence_starts_with_a_capital_even_with_diacritics() {
        assert_eq!(sentence("phải có họ tên"), "Phải có họ tên");
        assert_eq!(sentence("đã có lỗi"), "Đã có lỗi");
        assert_eq!(sentence("ưu tiên"), "Ưu tiên");
        assert_eq!(sentence("Đã đúng"), "Đã đúng");
        assert_eq!(
            sentence("«virus.exe» không hợp lệ"),
            "«virus.exe» không hợp lệ"
        );
        assert_eq!(sentence(""), "");
    }
}

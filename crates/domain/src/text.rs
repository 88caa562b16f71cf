//! Vietnamese text as people type it: normalised to NFC, and folded for matching
//! with or without diacritics.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The same text in Unicode NFC, so that "ế" typed as one code point or as
/// "e" + two combining marks compares equal.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Folds text for diacritic-insensitive matching: NFC, lowercase, combining marks
/// removed, `đ` → `d`. "Đăng ký khai sinh" and "dang ky khai sinh" fold alike.
pub fn fold(text: &str) -> String {
    let lower: String = text.nfc().flat_map(char::to_lowercase).collect();
    lower
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Whether `text` carries any Vietnamese diacritic (or `đ`).
pub fn has_diacritics(text: &str) -> bool {
    fold(text) != text.nfc().flat_map(char::to_lowercase).collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

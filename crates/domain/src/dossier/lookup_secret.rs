//! The lookup secret printed on the receipt and in its QR code. With the dossier code it
//! always opens the public lookup for the applicant, however many wrong check digits others
//! have tried on that code: the 4 digits are easy to guess and so throttled per code, the
//! secret is not. Ten characters of Crockford's base32 (50 bits), shown as two groups of five.

/// Characters in a secret.
pub const LEN: usize = 10;

/// Crockford's base32: no I, L, O or U, so nothing reads as another character.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The secret made from the first 50 bits of `digest` (at least 7 bytes).
pub fn from_digest(digest: &[u8]) -> String {
    let mut bits: u64 = 0;
    for b in digest.iter().take(7) {
        bits = (bits << 8) | u64::from(*b);
    }
    // 56 bits read; keep the top 50.
    bits >>= 6;
    (0..LEN)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The secret as typed: spaces and hyphens dropped, any case, and the letters people take
/// for digits read as those digits (O as 0, I and L as 1). None if it cannot be a secret.
pub fn normalise(typed: &str) -> Option<String> {
    let secret: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (secret.len() == LEN && secret.bytes().all(|b| ALPHABET.contains(&b))).then_some(secret)
}

/// `ABCDE-FGHJK`, as printed.
pub fn display(secret: &str) -> String {
    match (secret.get(..5), secret.get(5..)) {
        (Some(a), Some(b)) if !b.is_empty() => format!("{a}-{b}"),
        _ => secret.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_read_back_however_they_are_typed() {
        let secret = from_digest(&[0xff, 0x00, 0xa5, 0x5a, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(secret.len(), LEN);
        assert!(secret.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(normalise(&secret).as_deref(), Some(secret.as_str()));
        assert_eq!(
            normalise(&display(&secret)).as_deref(),
            Some(secret.as_str())
        );
        assert_eq!(
            normalise(&display(&secret).to_lowercase().replace('-', " ")).as_deref(),
            Some(secret.as_str())
        );
        assert_eq!(normalise("o1il0-ABCDE").as_deref(), Some("01110ABCDE"));
        // The check digits are not a secret; neither is anything with U or too short.
        for not in ["1234", "ABCDEFGHJU", "ABCDE-FGHJ", "ABCDEFGHJKM", ""] {
            assert_eq!(normalise(not), None, "{not}");
        }
        // Different digests, different secrets (50 bits).
        assert_ne!(
            from_digest(&[0; 8]),
            from_digest(&[0, 0, 0, 0, 0, 0, 0x40, 0])
        );
        assert_eq!(from_digest(&[0; 8]), "0000000000");
    }
}

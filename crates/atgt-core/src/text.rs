//! Text helpers: accent-insensitive folding for search, and checks on identifiers.
//!
//! Vietnamese search must ignore diacritics: "quoc lo 1a" finds "Quốc lộ 1A" and
//! "đ"/"Đ" match "d" (đ is a letter of its own in Unicode, not d plus a mark, so
//! canonical decomposition alone does not fold it).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds a string for accent-insensitive comparison: lower case, diacritics removed,
/// đ→d, runs of white space collapsed to one space, trimmed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    if s.is_ascii() {
        // Nothing to decompose: lower case and white space only.
        for w in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
            if pending_space {
                out.push(' ');
            }
            out.extend(w.chars().map(|c| c.to_ascii_lowercase()));
            pending_space = true;
        }
        return out;
    }
    for c in s.nfd() {
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
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// True when every word of `query` (folded) occurs in `haystack` (folded).
pub fn matches(haystack: &str, query: &str) -> bool {
    let h = fold(haystack);
    fold(query).split(' ').all(|w| h.contains(w))
}

/// Normalises text to NFC, the form stored everywhere (input may come decomposed
/// from some keyboards and PDF copies).
pub fn nfc(s: &str) -> String {
    let s = s.trim();
    // Most text arrives composed already: the quick check answers without rebuilding it.
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.to_string();
    }
    s.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Quốc lộ 1A"), "quoc lo 1a");
        assert_eq!(fold("ĐƯỜNG Tỉnh  704"), "duong tinh 704");
        assert_eq!(fold("  Khánh Hòa "), "khanh hoa");
        assert_eq!(fold("Phường Ninh Chử"), "phuong ninh chu");
        // Decomposed input folds the same as precomposed input.
        assert_eq!(fold("Ho\u{0300}a"), fold("Hòa"));
        // ASCII text takes the short path and folds as the long one would.
        assert_eq!(fold("  Quoc\tLO \u{0B}1A \n"), "quoc lo 1a");
        assert_eq!(fold(""), "");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn matches_words_in_any_order() {
        assert!(matches("Quốc lộ 1A", "quoc lo 1a"));
        assert!(matches("Công an huyện Ninh Hải", "ninh hai cong an"));
        assert!(!matches("Công an huyện Ninh Hải", "ninh thuan"));
        assert!(matches("Đảng ủy", "dang uy"));
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc(" Ho\u{0300}a "), "Hòa");
        assert_eq!(nfc(" Nguyễn Văn An "), "Nguyễn Văn An");
    }
}

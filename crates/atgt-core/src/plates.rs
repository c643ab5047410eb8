//! Vietnamese number plates (Circulars 24/2023/TT-BCA and 79/2024/TT-BCA): a display
//! form ("79A-123.45", "85C1-234.56", "29LD-012.34") and a match key ("79A12345") from
//! any spelling a camera or an officer produces. A read that does not look like a plate
//! is kept as [`Plate::Unreadable`] for review, never dropped.

use serde::{Deserialize, Serialize};

/// A plate as normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plate {
    /// A plate of the civil format: province code, series, serial.
    Valid {
        /// Two-digit province code, e.g. "79".
        province: String,
        /// Series: one or two letters, or a letter and a digit, e.g. "A", "LD", "C1".
        series: String,
        /// Four or five digits.
        serial: String,
    },
    /// Not recognisable: kept as read (upper-cased, trimmed) for a person to review.
    Unreadable { raw: String },
}

/// Letters commonly misread as digits in the serial part, and digits misread as
/// letters in the series part (OCR confusions).
fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'Q' | 'D' => Some('0'),
        'I' | 'L' => Some('1'),
        'Z' => Some('2'),
        'S' => Some('5'),
        'B' => Some('8'),
        'G' => Some('6'),
        _ => None,
    }
}

fn as_letter(c: char) -> Option<char> {
    match c {
        'A'..='Z' => Some(c),
        '0' => Some('D'),
        '8' => Some('B'),
        _ => None,
    }
}

impl Plate {
    /// Normalises a plate from any spelling: spaces, dots, dashes, slashes, lower case
    /// and the Vietnamese "Đ" are accepted; a letter O or I in the digit parts is read
    /// as 0 or 1.
    pub fn parse(raw: &str) -> Plate {
        let up: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                'đ' | 'Đ' => 'D',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        let cleaned: Vec<char> = up.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let unreadable = || Plate::Unreadable {
            raw: up.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        // Anything that is not a separator or alphanumeric means this is not a plate.
        if up
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/' | '_')))
        {
            return unreadable();
        }
        // 2 province digits + series (1–2) + serial (4–5): 7 to 9 characters.
        if !(7..=9).contains(&cleaned.len()) {
            return unreadable();
        }
        let (Some(p1), Some(p2)) = (as_digit(cleaned[0]), as_digit(cleaned[1])) else {
            return unreadable();
        };
        let province: String = [p1, p2].iter().collect();
        let code: u32 = province.parse().unwrap_or(0);
        if !(11..=99).contains(&code) {
            return unreadable();
        }
        let rest = &cleaned[2..];
        // The serial is the trailing run of 4 or 5 digits; the series what is between.
        let Some(s0) = as_letter(rest[0]) else {
            return unreadable();
        };
        // Candidates: series of length 1 or 2; serial the rest, 4 or 5 characters.
        // Which split to try first: the sender's dash when there is one ("79A1-2345"),
        // else a letter-digit series only when the serial would otherwise be too long.
        let head = up
            .split('-')
            .next()
            .map(|h| h.chars().filter(|c| c.is_ascii_alphanumeric()).count())
            .unwrap_or(0);
        let order: [usize; 2] = if up.contains('-') && (3..=4).contains(&head) {
            if head == 4 { [2, 1] } else { [1, 2] }
        } else if rest.len() > 1 && rest[1].is_ascii_alphabetic() {
            [2, 1]
        } else {
            [1, 2]
        };
        for series_len in order {
            if rest.len() <= series_len {
                continue;
            }
            let serial_chars = &rest[series_len..];
            if !(4..=5).contains(&serial_chars.len()) {
                continue;
            }
            let mut series = String::new();
            series.push(s0);
            if series_len == 2 {
                let c = rest[1];
                if c.is_ascii_digit() || c.is_ascii_uppercase() {
                    series.push(c);
                } else {
                    continue;
                }
            }
            let serial: Option<String> = serial_chars.iter().map(|&c| as_digit(c)).collect();
            if let Some(serial) = serial {
                return Plate::Valid {
                    province,
                    series,
                    serial,
                };
            }
        }
        unreadable()
    }

    pub fn is_readable(&self) -> bool {
        matches!(self, Plate::Valid { .. })
    }

    /// The form printed on notices: "79A-123.45" (5 digits) or "79A-1234" (4 digits).
    pub fn display(&self) -> String {
        match self {
            Plate::Valid {
                province,
                series,
                serial,
            } => {
                if serial.len() == 5 {
                    format!("{province}{series}-{}.{}", &serial[..3], &serial[3..])
                } else {
                    format!("{province}{series}-{serial}")
                }
            }
            Plate::Unreadable { raw } => raw.clone(),
        }
    }

    /// The key reads are matched on: "79A12345". Unreadable plates get a key starting
    /// with "?" so they never match a readable one (nor each other by accident of
    /// spelling: the raw text without separators).
    pub fn key(&self) -> String {
        match self {
            Plate::Valid {
                province,
                series,
                serial,
            } => format!("{province}{series}{serial}"),
            Plate::Unreadable { raw } => {
                let mut k = String::from("?");
                k.extend(raw.chars().filter(|c| c.is_ascii_alphanumeric()));
                k
            }
        }
    }

    /// The province code, for a readable plate.
    pub fn province(&self) -> Option<&str> {
        match self {
            Plate::Valid { province, .. } => Some(province),
            Plate::Unreadable { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> (String, String) {
        let p = Plate::parse(s);
        (p.display(), p.key())
    }

    #[test]
    fn any_spelling_gives_the_same_display_and_key() {
        for s in [
            "79A-123.45",
            "79A12345",
            "79a 123 45",
            " 79-A 123.45 ",
            "79A/123/45",
            "79A-12345",
            "79A_123.45",
        ] {
            assert_eq!(norm(s), ("79A-123.45".into(), "79A12345".into()), "{s}");
        }
    }

    #[test]
    fn series_of_a_letter_and_a_digit_or_two_letters() {
        assert_eq!(
            norm("85C1-234.56"),
            ("85C1-234.56".into(), "85C123456".into())
        );
        assert_eq!(
            norm("85c1 23456"),
            ("85C1-234.56".into(), "85C123456".into())
        );
        assert_eq!(
            norm("29LD-012.34"),
            ("29LD-012.34".into(), "29LD01234".into())
        );
        assert_eq!(norm("51K-678.90"), ("51K-678.90".into(), "51K67890".into()));
    }

    #[test]
    fn four_digit_serials_print_without_a_dot() {
        assert_eq!(norm("29A 1234"), ("29A-1234".into(), "29A1234".into()));
        assert_eq!(norm("29A-1234"), ("29A-1234".into(), "29A1234".into()));
    }

    #[test]
    fn vietnamese_d_with_stroke_is_d() {
        assert_eq!(norm("29Đ-123.45").1, "29D12345");
        assert_eq!(norm("29đ12345").1, "29D12345");
    }

    #[test]
    fn ocr_confusions_in_the_serial_are_repaired() {
        assert_eq!(norm("79A-12O.45").1, "79A12045");
        assert_eq!(norm("79A-I23.45").1, "79A12345");
        assert_eq!(norm("7SA-123.45").1, "75A12345");
    }

    #[test]
    fn unreadable_plates_are_kept_not_dropped() {
        for s in [
            "",
            "???",
            "79",
            "ABCDEFG",
            "79A-12",
            "79A-1234567",
            "05A-123.45",
            "79A@123.45",
            "7 9",
        ] {
            let p = Plate::parse(s);
            assert!(!p.is_readable(), "{s} should be unreadable");
            assert!(p.key().starts_with('?'), "{s}");
        }
        let p = Plate::parse("  x 12  ");
        assert_eq!(p, Plate::Unreadable { raw: "X 12".into() });
        assert_eq!(p.display(), "X 12");
    }

    #[test]
    fn unreadable_keys_never_equal_readable_keys() {
        let a = Plate::parse("79A-1");
        let b = Plate::parse("79A-123.45");
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn province_code_is_exposed() {
        assert_eq!(Plate::parse("85C1-234.56").province(), Some("85"));
        assert_eq!(Plate::parse("junk").province(), None);
    }
}

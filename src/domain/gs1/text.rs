//! Serial number (AI 21) and batch/lot (AI 10): 1 to 20 characters of GS1 character set 82.

use super::{bad_char, Gs1Error};

/// GS1 AI encodable character set 82: printable ASCII minus space and `#$@[\]^`{|}~`.
pub const CHARSET_82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// True if `c` is in GS1 character set 82.
fn is_charset_82(c: char) -> bool {
    // '%'..='?' is the contiguous run %&'()*+,-./0-9:;<=>? in ASCII.
    matches!(c, '!' | '"' | '%'..='?' | 'A'..='Z' | '_' | 'a'..='z')
}

/// The shared rule for AI 10 and AI 21 values.
fn parse_charset_82(s: &str) -> Result<String, Gs1Error> {
    let len = s.chars().count();
    if !(1..=20).contains(&len) {
        return Err(Gs1Error(format!("must be 1 to 20 characters, got {len}")));
    }
    match s.chars().enumerate().find(|(_, c)| !is_charset_82(*c)) {
        Some((i, c)) => Err(bad_char(c, i + 1, "is not in GS1 character set 82")),
        None => Ok(s.to_owned()),
    }
}

/// A serial number (AI 21): 1 to 20 characters of GS1 character set 82, case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SerialNumber(String);

impl SerialNumber {
    /// Parses a serial exactly as printed; nothing is trimmed or case-folded, because the
    /// EU hub compares the uploaded serial byte for byte with what is scanned.
    pub fn parse(s: &str) -> Result<SerialNumber, Gs1Error> {
        parse_charset_82(s).map(SerialNumber)
    }
}

string_newtype!(SerialNumber, 0, SerialNumber::parse);

/// A batch or lot number (AI 10): 1 to 20 characters of GS1 character set 82, case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Batch(String);

impl Batch {
    /// Parses a batch exactly as printed (no trimming, no case folding).
    pub fn parse(s: &str) -> Result<Batch, Gs1Error> {
        parse_charset_82(s).map(Batch)
    }
}

string_newtype!(Batch, 0, Batch::parse);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EXCLUDED_ASCII: &str = " #$@[\\]^`{|}~";

    #[test]
    fn charset_82_has_82_characters_and_matches_the_predicate() {
        assert_eq!(CHARSET_82.chars().count(), 82);
        for b in 0u8..=127 {
            let c = char::from(b);
            assert_eq!(is_charset_82(c), CHARSET_82.contains(c), "{c:?}");
        }
        let printable = (0x20u8..0x7f).filter(|b| !CHARSET_82.contains(char::from(*b)));
        assert_eq!(
            printable.map(char::from).collect::<String>(),
            EXCLUDED_ASCII
        );
    }

    #[test]
    fn accepts_typical_values_and_every_charset_character() {
        for s in ["987", "ABC-123", "a", "Lot_2024/07", "12345678901234567890"] {
            assert_eq!(SerialNumber::parse(s).unwrap().as_str(), s);
            assert_eq!(Batch::parse(s).unwrap().as_str(), s);
        }
        let all: Vec<char> = CHARSET_82.chars().collect();
        for chunk in all.chunks(20) {
            let s: String = chunk.iter().collect();
            assert!(SerialNumber::parse(&s).is_ok(), "{s}");
        }
    }

    #[test]
    fn rejects_bad_lengths_and_characters_with_exact_messages() {
        let e = |s: &str| SerialNumber::parse(s).unwrap_err().0;
        assert_eq!(e(""), "must be 1 to 20 characters, got 0");
        assert_eq!(e(&"A".repeat(21)), "must be 1 to 20 characters, got 21");
        assert_eq!(
            e("AB#C"),
            "character '#' at position 3 is not in GS1 character set 82"
        );
        assert_eq!(
            e("Aé"),
            "character 'é' at position 2 is not in GS1 character set 82"
        );
        assert_eq!(
            e("A B"),
            "character ' ' at position 2 is not in GS1 character set 82"
        );
        assert_eq!(
            e("A\tB"),
            "character '\\t' at position 2 is not in GS1 character set 82"
        );
        assert_eq!(
            Batch::parse("x~").unwrap_err().0,
            "character '~' at position 2 is not in GS1 character set 82"
        );
        for c in EXCLUDED_ASCII.chars() {
            assert!(Batch::parse(&format!("A{c}")).is_err(), "{c:?}");
        }
    }

    #[test]
    fn string_conversions_and_serde() {
        let serial: SerialNumber = "A1b2/%".parse().unwrap();
        assert_eq!(serial.to_string(), "A1b2/%");
        assert_eq!(serial.as_ref(), "A1b2/%");
        assert_eq!(serde_json::to_string(&serial).unwrap(), "\"A1b2/%\"");
        let batch: Batch = serde_json::from_str("\"L-01\"").unwrap();
        assert_eq!(batch.as_str(), "L-01");
        let bad = serde_json::from_str::<Batch>("\"L 01\"").unwrap_err();
        assert!(
            bad.to_string().contains("is not in GS1 character set 82"),
            "{bad}"
        );
        assert!(serde_json::from_str::<SerialNumber>("\"\"").is_err());
    }

    fn charset_string(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(CHARSET_82.chars().collect::<Vec<_>>()),
            len,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #[test]
        fn agrees_with_the_definition_on_any_string(s in any::<String>()) {
            let valid = (1..=20).contains(&s.chars().count()) && s.chars().all(|c| CHARSET_82.contains(c));
            prop_assert_eq!(SerialNumber::parse(&s).is_ok(), valid);
            prop_assert_eq!(Batch::parse(&s).is_ok(), valid);
        }

        #[test]
        fn every_charset_string_of_1_to_20_round_trips(s in charset_string(1..=20)) {
            prop_assert_eq!(SerialNumber::parse(&s).unwrap().to_string(), s.clone());
            let json = serde_json::to_string(&Batch::parse(&s).unwrap()).unwrap();
            let back: Batch = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.as_str(), s.as_str());
        }

        #[test]
        fn one_foreign_character_is_rejected(
            s in charset_string(0..=19),
            bad in any::<char>().prop_filter("outside set 82", |c| !CHARSET_82.contains(*c)),
            at in any::<prop::sample::Index>(),
        ) {
            let mut chars: Vec<char> = s.chars().collect();
            let pos = at.index(chars.len() + 1);
            chars.insert(pos, bad);
            let with_bad: String = chars.into_iter().collect();
            let e = SerialNumber::parse(&with_bad).unwrap_err();
            prop_assert_eq!(e.0, format!("character '{}' at position {} is not in GS1 character set 82", bad.escape_debug(), pos + 1));
            prop_assert!(Batch::parse(&with_bad).is_err());
        }

        #[test]
        fn too_long_is_rejected(s in charset_string(21..=40)) {
            prop_assert!(SerialNumber::parse(&s).is_err());
        }
    }
}

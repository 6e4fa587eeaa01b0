//! GTIN (AI 01), always held as GTIN-14.

use super::check_digit::{require_check_digit, require_digits};
use super::Gs1Error;

/// A Global Trade Item Number with a valid check digit, always stored as 14 digits.
///
/// GTIN-8/12/13 input is left-padded with zeros, so one product has exactly one spelling and
/// two `Gtin`s compare equal exactly when they identify the same trade item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14 (digits only, no spaces) and checks its check digit.
    pub fn parse(s: &str) -> Result<Gtin, Gs1Error> {
        require_digits(s)?;
        if !matches!(s.len(), 8 | 12 | 13 | 14) {
            return Err(Gs1Error(format!(
                "must be 8, 12, 13 or 14 digits, got {}",
                s.len()
            )));
        }
        require_check_digit(s)?;
        Ok(Gtin(format!("{s:0>14}")))
    }
}

string_newtype!(Gtin, 0, Gtin::parse);

#[cfg(test)]
mod tests {
    use super::super::check_digit;
    use super::*;
    use proptest::prelude::*;

    fn err(s: &str) -> String {
        Gtin::parse(s).unwrap_err().0
    }

    #[test]
    fn spec_vectors_are_valid() {
        for s in ["04012345111118", "10614141073464", "09521234543213"] {
            assert_eq!(Gtin::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn seed_sample_names_the_expected_check_digit() {
        assert_eq!(err("12345678909040"), "check digit should be 6");
        assert!(Gtin::parse("12345678909046").is_ok());
    }

    #[test]
    fn shorter_gtins_are_padded_to_14() {
        assert_eq!(
            Gtin::parse("4012345111118").unwrap().as_str(),
            "04012345111118"
        );
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("4012345111118").unwrap(),
            Gtin::parse("04012345111118").unwrap()
        );
    }

    #[test]
    fn wrong_shapes_are_rejected() {
        assert_eq!(err(""), "must be 8, 12, 13 or 14 digits, got 0");
        assert_eq!(err("12345678901"), "must be 8, 12, 13 or 14 digits, got 11");
        assert_eq!(
            err("040123451111180"),
            "must be 8, 12, 13 or 14 digits, got 15"
        );
        assert_eq!(
            err("0401234511111X"),
            "character 'X' at position 14 is not a digit"
        );
        assert_eq!(
            err(" 04012345111118"),
            "character ' ' at position 1 is not a digit"
        );
        assert_eq!(
            err("0401234511111８"),
            "character '８' at position 14 is not a digit"
        );
    }

    #[test]
    fn string_conversions_and_serde() {
        let gtin: Gtin = "04012345111118".parse().unwrap();
        assert_eq!(gtin.to_string(), "04012345111118");
        assert_eq!(gtin.as_ref(), "04012345111118");
        assert_eq!(serde_json::to_string(&gtin).unwrap(), "\"04012345111118\"");
        let back: Gtin = serde_json::from_str("\"4012345111118\"").unwrap();
        assert_eq!(back, gtin);
        let bad = serde_json::from_str::<Gtin>("\"12345678909040\"").unwrap_err();
        assert!(bad.to_string().contains("check digit should be 6"), "{bad}");
        assert!("12345678909040".parse::<Gtin>().is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Gtin::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_digit_heavy_input(s in "[0-9]{0,20}[^0-9]?[0-9]{0,3}") {
            let _ = Gtin::parse(&s);
        }

        #[test]
        fn valid_gtin14_round_trips(body in "[0-9]{13}") {
            let s = format!("{body}{}", check_digit(&body));
            let gtin = Gtin::parse(&s).unwrap();
            prop_assert_eq!(gtin.to_string(), s.clone());
            let json = serde_json::to_string(&gtin).unwrap();
            prop_assert_eq!(serde_json::from_str::<Gtin>(&json).unwrap(), gtin);
        }

        #[test]
        fn short_gtins_pad(len in prop::sample::select(vec![7usize, 11, 12]), seed in "[0-9]{12}") {
            let body = &seed[..len];
            let s = format!("{body}{}", check_digit(body));
            prop_assert_eq!(Gtin::parse(&s).unwrap().to_string(), format!("{s:0>14}"));
        }

        #[test]
        fn one_changed_digit_is_rejected(body in "[0-9]{13}", pos in 0usize..14, bump in 1u8..10) {
            let mut bytes = format!("{body}{}", check_digit(&body)).into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let e = Gtin::parse(&changed).unwrap_err();
            prop_assert!(e.0.starts_with("check digit should be "), "{}", e);
        }
    }
}

//! SSCC (AI 00): the 18-digit Serial Shipping Container Code of a case or pallet.

use super::check_digit::{check_digit, require_check_digit, require_digits};
use super::{is_company_prefix, Gs1Error};

/// A Serial Shipping Container Code: 18 digits with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sscc(String);

impl Sscc {
    /// Parses exactly 18 digits and checks the check digit.
    pub fn parse(s: &str) -> Result<Sscc, Gs1Error> {
        require_digits(s)?;
        if s.len() != 18 {
            return Err(Gs1Error(format!("must be 18 digits, got {}", s.len())));
        }
        require_check_digit(s)?;
        Ok(Sscc(s.to_owned()))
    }

    /// Builds an SSCC from extension digit + company prefix + serial reference and appends the
    /// check digit. The serial reference is zero-padded to the `16 - prefix length` digits left
    /// over; a reference that needs more digits is an error, never silently truncated, because
    /// truncation would hand out an SSCC that already exists.
    pub fn from_parts(
        extension_digit: u8,
        company_prefix: &str,
        serial_reference: u64,
    ) -> Result<Sscc, Gs1Error> {
        if extension_digit > 9 {
            return Err(Gs1Error(format!(
                "extension digit must be 0-9, got {extension_digit}"
            )));
        }
        if !is_company_prefix(company_prefix) {
            return Err(Gs1Error(format!(
                "company prefix must be 6 to 12 digits, got {company_prefix:?}"
            )));
        }
        let width = 16 - company_prefix.len();
        // width is 4..=10, so 10^width fits easily in a u64.
        if serial_reference >= 10u64.pow(width as u32) {
            return Err(Gs1Error(format!(
                "serial reference {serial_reference} does not fit in {width} digits"
            )));
        }
        let body = format!("{extension_digit}{company_prefix}{serial_reference:0width$}");
        let check = check_digit(&body);
        Ok(Sscc(format!("{body}{check}")))
    }
}

string_newtype!(Sscc, 0, Sscc::parse);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(s: &str) -> String {
        Sscc::parse(s).unwrap_err().0
    }

    #[test]
    fn spec_vectors() {
        for s in ["106141411234567897", "140123450000000013"] {
            assert_eq!(Sscc::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(err("000000000000000003"), "check digit should be 0");
    }

    #[test]
    fn wrong_shapes_are_rejected() {
        assert_eq!(err("10614141123456789"), "must be 18 digits, got 17");
        assert_eq!(err(""), "must be 18 digits, got 0");
        assert_eq!(err("1061414112345678970"), "must be 18 digits, got 19");
        assert_eq!(
            err("10614141123456789-"),
            "character '-' at position 18 is not a digit"
        );
    }

    #[test]
    fn from_parts_reproduces_the_spec_vectors() {
        let a = Sscc::from_parts(1, "4012345", 1).unwrap();
        assert_eq!(a.as_str(), "140123450000000013");
        let b = Sscc::from_parts(1, "0614141", 123_456_789).unwrap();
        assert_eq!(b.as_str(), "106141411234567897");
        let c = Sscc::from_parts(0, "123456789012", 9999).unwrap();
        assert_eq!(&c.as_str()[..17], "01234567890129999");
    }

    #[test]
    fn from_parts_rejects_what_does_not_fit() {
        let e = |x, p, s| Sscc::from_parts(x, p, s).unwrap_err().0;
        assert_eq!(e(10, "4012345", 1), "extension digit must be 0-9, got 10");
        assert_eq!(
            e(0, "40123", 1),
            "company prefix must be 6 to 12 digits, got \"40123\""
        );
        assert_eq!(
            e(0, "4012345678901", 1),
            "company prefix must be 6 to 12 digits, got \"4012345678901\""
        );
        assert_eq!(
            e(0, "40123a", 1),
            "company prefix must be 6 to 12 digits, got \"40123a\""
        );
        assert_eq!(
            e(0, "123456789012", 10_000),
            "serial reference 10000 does not fit in 4 digits"
        );
        assert_eq!(
            e(0, "123456", u64::MAX),
            format!("serial reference {} does not fit in 10 digits", u64::MAX)
        );
        assert!(Sscc::from_parts(9, "123456", 9_999_999_999).is_ok());
    }

    #[test]
    fn string_conversions_and_serde() {
        let sscc: Sscc = "140123450000000013".parse().unwrap();
        assert_eq!(sscc.to_string(), "140123450000000013");
        assert_eq!(sscc.as_ref(), "140123450000000013");
        assert_eq!(
            serde_json::to_string(&sscc).unwrap(),
            "\"140123450000000013\""
        );
        assert_eq!(
            serde_json::from_str::<Sscc>("\"140123450000000013\"").unwrap(),
            sscc
        );
        let bad = serde_json::from_str::<Sscc>("\"000000000000000003\"").unwrap_err();
        assert!(bad.to_string().contains("check digit should be 0"), "{bad}");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Sscc::parse(&s);
        }

        #[test]
        fn from_parts_never_panics(x in any::<u8>(), p in "[0-9a]{0,14}", serial in any::<u64>()) {
            let _ = Sscc::from_parts(x, &p, serial);
        }

        #[test]
        fn valid_sscc_round_trips(body in "[0-9]{17}") {
            let s = format!("{body}{}", check_digit(&body));
            prop_assert_eq!(Sscc::parse(&s).unwrap().to_string(), s);
        }

        #[test]
        fn one_changed_digit_is_rejected(body in "[0-9]{17}", pos in 0usize..18, bump in 1u8..10) {
            let mut bytes = format!("{body}{}", check_digit(&body)).into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Sscc::parse(&changed).unwrap_err().0.starts_with("check digit should be "));
        }

        #[test]
        fn from_parts_builds_valid_ssccs(x in 0u8..10, prefix in "[0-9]{6,12}", seed in any::<u64>()) {
            let width = 16 - prefix.len();
            let serial = seed % 10u64.pow(width as u32);
            let sscc = Sscc::from_parts(x, &prefix, serial).unwrap();
            prop_assert!(Sscc::parse(sscc.as_str()).is_ok());
            prop_assert_eq!(&sscc.as_str()[..1 + prefix.len()], format!("{x}{prefix}"));
            prop_assert_eq!(sscc.as_str()[1 + prefix.len()..17].parse::<u64>().unwrap(), serial);
        }
    }
}

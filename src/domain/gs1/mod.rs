//! GS1 identifiers as parse-don't-validate newtypes: GTIN, SSCC, serial number, batch, expiry,
//! plus their EPC URN and GS1 Digital Link renderings for EPCIS export.
//!
//! Pure code: no I/O, no clock except [`Expiry::parse_now`]. A value of any type here can only
//! exist if it is valid, so handlers and the database layer never re-check.

/// Implements the boilerplate every string-backed GS1 type shares: `as_str`, `Display`,
/// `AsRef<str>`, `FromStr`, serde as the plain string. Deserialization runs `$parse`, so JSON
/// can never smuggle in an unchecked value; the parse error text becomes the serde error text.
macro_rules! string_newtype {
    ($ty:ident, $field:tt, $parse:path) => {
        impl $ty {
            /// The value exactly as it is encoded in a barcode.
            pub fn as_str(&self) -> &str {
                &self.$field
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::str::FromStr for $ty {
            type Err = super::Gs1Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

mod check_digit;
mod epc;
mod expiry;
mod gtin;
mod prefix;
mod sscc;
mod text;

pub use check_digit::check_digit;
pub use epc::{gtin_digital_link, sgtin_urn, sscc_digital_link, sscc_urn};
pub use expiry::Expiry;
pub use gtin::Gtin;
pub use prefix::{prefixes_overlap, UnderPrefix};
pub use sscc::Sscc;
pub use text::{Batch, SerialNumber, CHARSET_82};

/// Why a GS1 value was rejected, as a message a user can act on
/// (e.g. "check digit should be 6", "must be 18 digits, got 17").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Gs1Error(pub String);

/// True if `s` can be a GS1 Company Prefix: 6 to 12 ASCII digits.
pub fn is_company_prefix(s: &str) -> bool {
    (6..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The error for an unexpected character. Positions are 1-based and count characters, not
/// bytes, because people read them off a label; `escape_debug` keeps control characters visible.
fn bad_char(c: char, position: usize, expected: &str) -> Gs1Error {
    Gs1Error(format!(
        "character '{}' at position {position} {expected}",
        c.escape_debug()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_prefix_is_6_to_12_digits() {
        assert!(is_company_prefix("401234"));
        assert!(is_company_prefix("4012345"));
        assert!(is_company_prefix("401234567890"));
        assert!(!is_company_prefix("40123"));
        assert!(!is_company_prefix("4012345678901"));
        assert!(!is_company_prefix("40123a5"));
        assert!(!is_company_prefix(""));
        assert!(!is_company_prefix("４０１２３４５"));
    }

    #[test]
    fn bad_char_message_is_readable() {
        assert_eq!(
            bad_char('#', 3, "is not in GS1 character set 82").0,
            "character '#' at position 3 is not in GS1 character set 82"
        );
        assert_eq!(
            bad_char('\n', 1, "is not a digit").to_string(),
            "character '\\n' at position 1 is not a digit"
        );
    }
}

//! Which GS1 Company Prefix a code lies under. A GTIN-14 is indicator digit + company prefix +
//! item reference + check digit; an SSCC is extension digit + company prefix + serial reference +
//! check digit. A prefix is 6 to 12 digits and its length cannot be read off the code, so a code
//! lies under a prefix when the digits after its first one begin with that prefix.

use super::{Gtin, Sscc};

/// Shortest and longest GS1 Company Prefix.
const LENGTHS: std::ops::RangeInclusive<usize> = 6..=12;

/// A code whose company prefix starts at its second digit.
pub trait UnderPrefix {
    /// The digits after the indicator (GTIN) or extension (SSCC) digit, without the check digit.
    fn prefix_digits(&self) -> &str;

    /// Every company prefix this code could lie under, shortest first (6 to 12 digits): the one
    /// prefix a hub holds of them, if any, is the code's owner.
    fn candidate_prefixes(&self) -> Vec<&str> {
        let digits = self.prefix_digits();
        LENGTHS
            .filter(|n| *n <= digits.len())
            .map(|n| &digits[..n])
            .collect()
    }

    /// Whether the code lies under `prefix`.
    fn lies_under(&self, prefix: &str) -> bool {
        LENGTHS.contains(&prefix.len()) && self.prefix_digits().starts_with(prefix)
    }
}

impl UnderPrefix for Gtin {
    fn prefix_digits(&self) -> &str {
        &self.as_str()[1..13]
    }
}

impl UnderPrefix for Sscc {
    fn prefix_digits(&self) -> &str {
        &self.as_str()[1..17]
    }
}

/// Two company prefixes conflict when they are equal or one extends the other: the codes of the
/// longer would also lie under the shorter, and a code would have two owners.
pub fn prefixes_overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_lies_under_the_prefix_after_its_indicator() {
        // GS1.md: 04012345111118 = indicator 0, GCP 4012345, item 11111, check 8.
        let g = Gtin::parse("04012345111118").unwrap();
        assert_eq!(g.prefix_digits(), "401234511111");
        assert!(g.lies_under("4012345"));
        assert!(g.lies_under("401234"));
        assert!(
            !g.lies_under("0401234"),
            "the indicator is not part of the prefix"
        );
        assert!(!g.lies_under("40123"), "too short to be a prefix");
        assert_eq!(
            g.candidate_prefixes(),
            [
                "401234",
                "4012345",
                "40123451",
                "401234511",
                "4012345111",
                "40123451111",
                "401234511111"
            ]
        );
    }

    #[test]
    fn sscc_lies_under_the_prefix_after_its_extension_digit() {
        // GS1.md: 140123450000000013 = extension 1, GCP 4012345.
        let s = Sscc::parse("140123450000000013").unwrap();
        assert!(s.lies_under("4012345"));
        assert!(!s.lies_under("1401234"));
        assert_eq!(s.candidate_prefixes().len(), 7);
        assert_eq!(s.candidate_prefixes()[6], "401234500000");
    }

    #[test]
    fn prefixes_overlap_when_one_extends_the_other() {
        assert!(prefixes_overlap("4012345", "4012345"));
        assert!(prefixes_overlap("4012345", "40123456"));
        assert!(prefixes_overlap("40123456", "4012345"));
        assert!(!prefixes_overlap("4012345", "4012346"));
        assert!(!prefixes_overlap("4012345", "0401234"));
    }
}

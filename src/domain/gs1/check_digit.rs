//! The GS1 mod-10 check digit shared by GTIN-8/12/13/14, GLN and SSCC.

use super::{bad_char, Gs1Error};

/// The GS1 mod-10 check digit of `body_digits` (the digits *without* the check digit).
///
/// From the rightmost digit, weights alternate 3, 1, 3, 1…; the check digit brings the weighted
/// sum up to a multiple of 10. Weighting from the right is what lets GTIN-8/12/13 be left-padded
/// with zeros to 14 digits without changing their check digit.
///
/// The caller guarantees ASCII digits; anything else gives a meaningless digit but never panics.
pub fn check_digit(body_digits: &str) -> u8 {
    // Reduce mod 10 at every step so arbitrarily long input cannot overflow.
    let sum = body_digits
        .bytes()
        .rev()
        .enumerate()
        .fold(0u32, |acc, (i, b)| {
            let digit = u32::from(b.wrapping_sub(b'0') % 10);
            let weight = if i % 2 == 0 { 3 } else { 1 };
            (acc + weight * digit) % 10
        });
    // `sum` is 0..=9, so the result is 0..=9 and fits in a u8.
    ((10 - sum) % 10) as u8
}

/// Rejects the first character of `s` that is not an ASCII digit.
pub(super) fn require_digits(s: &str) -> Result<(), Gs1Error> {
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(bad_char(c, i + 1, "is not a digit")),
        None => Ok(()),
    }
}

/// Checks that the last digit of `digits` (non-empty, all ASCII digits) is the check digit
/// of the digits before it.
pub(super) fn require_check_digit(digits: &str) -> Result<(), Gs1Error> {
    let (body, last) = digits.split_at(digits.len().saturating_sub(1));
    let expected = check_digit(body);
    if last.as_bytes() == [b'0' + expected] {
        Ok(())
    } else {
        Err(Gs1Error(format!("check digit should be {expected}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_the_spec_vectors() {
        assert_eq!(check_digit("0401234511111"), 8);
        assert_eq!(check_digit("1061414107346"), 4);
        assert_eq!(check_digit("0952123454321"), 3);
        assert_eq!(check_digit("10614141123456789"), 7);
        assert_eq!(check_digit("14012345000000001"), 3);
        assert_eq!(check_digit("1234567890904"), 6);
        assert_eq!(check_digit("00000000000000000"), 0);
    }

    #[test]
    fn leading_zeros_do_not_change_the_check_digit() {
        assert_eq!(check_digit("9638507"), check_digit("0000009638507"));
        assert_eq!(check_digit(""), 0);
    }

    #[test]
    fn require_check_digit_names_the_expected_digit() {
        assert!(require_check_digit("04012345111118").is_ok());
        assert_eq!(
            require_check_digit("12345678909040").unwrap_err().0,
            "check digit should be 6"
        );
    }

    #[test]
    fn require_digits_names_the_first_offender() {
        assert!(require_digits("0123456789").is_ok());
        assert_eq!(
            require_digits("12x4y").unwrap_err().0,
            "character 'x' at position 3 is not a digit"
        );
        assert_eq!(
            require_digits("1é").unwrap_err().0,
            "character 'é' at position 2 is not a digit"
        );
    }

    #[test]
    fn non_digits_do_not_panic() {
        let _ = check_digit("ab\u{0}\u{ff}€");
        let _ = check_digit(&"9".repeat(100_000));
    }
}

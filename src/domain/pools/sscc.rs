//! The SSCC pool's rules that need no database: what a request may ask for, how many serial
//! references a company prefix leaves, and the SSCCs of a block of references. Which references
//! are free is the database's to decide (one counter per prefix and extension digit).

use serde_json::Value;

use crate::domain::gs1::{Gs1Error, Sscc};

text_enum! {
    /// Where an SSCC of the pool stands. `available`: returned with `ssccs/release`, to be
    /// handed out again; `assigned`: handed out and not yet used; `used`: a container was created
    /// on it, so it can never be returned.
    pub enum SsccPoolStatus {
        Available => "available",
        Assigned => "assigned",
        Used => "used",
    }
}

/// How many serial references the company prefix leaves: the SSCC's 17 digits before the check
/// digit are the extension digit, the prefix and `16 - prefix length` reference digits.
/// `None` unless the prefix is 6 to 12 digits long (then 10^4 to 10^10 references).
pub fn reference_capacity(company_prefix: &str) -> Option<u64> {
    let len = company_prefix.len();
    (6..=12).contains(&len).then(|| 10u64.pow(16 - len as u32))
}

/// The SSCCs of the `count` serial references from `first` on, in reference order. Fails, and
/// builds nothing, when a reference does not fit (see [`Sscc::from_parts`]).
pub fn block(
    extension_digit: u8,
    company_prefix: &str,
    first: u64,
    count: u64,
) -> Result<Vec<Sscc>, Gs1Error> {
    let end = first
        .checked_add(count)
        .ok_or_else(|| Gs1Error(format!("{count} references from {first} overflow")))?;
    (first..end)
        .map(|r| Sscc::from_parts(extension_digit, company_prefix, r))
        .collect()
}

/// The `quantity` of a request: an integer from 1 to `max`.
pub fn quantity(v: Option<&Value>, max: u64) -> Result<u64, String> {
    let want = format!("an integer from 1 to {max}");
    match v {
        None | Some(Value::Null) => Err(format!("is required: {want}")),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(q), _) if (1..=max).contains(&q) => Ok(q),
            (Some(q), _) => Err(format!("must be {want}, got {q}")),
            (None, Some(q)) => Err(format!("must be {want}, got {q}")),
            (None, None) => Err(format!("must be {want}, got {n}")),
        },
        Some(other) => Err(format!("must be {want}, got {}", kind(other))),
    }
}

/// The `extension_digit` of a request: an integer from 0 to 9.
pub fn extension_digit(v: Option<&Value>) -> Result<u8, String> {
    let want = "an integer from 0 to 9 (the SSCC's first digit)";
    match v {
        None | Some(Value::Null) => Err(format!("is required: {want}")),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d) if d <= 9 => Ok(d as u8),
            _ => Err(format!("must be {want}, got {n}")),
        },
        Some(other) => Err(format!("must be {want}, got {}", kind(other))),
    }
}

/// The optional `company_prefix` of a request: absent or null (the default prefix), or a string.
/// Whether it is one of the caller's is for the database to say.
pub fn company_prefix(v: Option<&Value>) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "must be one of your GS1 Company Prefixes as a string, got {}",
            kind(other)
        )),
    }
}

/// A JSON value's kind, for a message (never its content, which may be long).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn capacity_is_ten_to_the_reference_digits() {
        assert_eq!(reference_capacity("123456"), Some(10_000_000_000));
        assert_eq!(reference_capacity("4012345"), Some(1_000_000_000));
        assert_eq!(reference_capacity("123456789012"), Some(10_000));
        assert_eq!(reference_capacity("12345"), None);
        assert_eq!(reference_capacity("1234567890123"), None);
    }

    #[test]
    fn a_block_is_consecutive_references_with_their_check_digits() {
        // GS1.md's vector 140123450000000013 is reference 1 of 4012345, extension digit 1.
        let b = block(1, "4012345", 0, 3).unwrap();
        let texts: Vec<&str> = b.iter().map(Sscc::as_str).collect();
        assert_eq!(texts[1], "140123450000000013");
        assert_eq!(texts.len(), 3);
        assert!(texts[0].starts_with("14012345000000000"));
        assert!(texts[2].starts_with("14012345000000002"));
        assert!(block(0, "123456789012", 9_999, 1).is_ok());
        assert!(
            block(0, "123456789012", 9_999, 2).is_err(),
            "10000 needs 5 digits"
        );
        assert!(block(0, "123456789012", u64::MAX, 2).is_err());
        assert_eq!(block(0, "123456789012", 5, 0).unwrap(), vec![]);
    }

    #[test]
    fn quantity_is_an_integer_within_the_limit() {
        let q = |v: Value| quantity(Some(&v), 100);
        assert_eq!(q(json!(1)), Ok(1));
        assert_eq!(q(json!(100)), Ok(100));
        let want = "an integer from 1 to 100";
        assert_eq!(q(json!(0)), Err(format!("must be {want}, got 0")));
        assert_eq!(q(json!(101)), Err(format!("must be {want}, got 101")));
        assert_eq!(q(json!(-1)), Err(format!("must be {want}, got -1")));
        assert_eq!(q(json!(2.5)), Err(format!("must be {want}, got 2.5")));
        assert_eq!(q(json!("5")), Err(format!("must be {want}, got a string")));
        assert_eq!(q(json!(null)), Err(format!("is required: {want}")));
        assert_eq!(quantity(None, 100), Err(format!("is required: {want}")));
        let huge = serde_json::from_str::<Value>("1e300").unwrap();
        assert!(q(huge).is_err());
    }

    #[test]
    fn extension_digit_is_0_to_9() {
        let x = |v: Value| extension_digit(Some(&v));
        assert_eq!(x(json!(0)), Ok(0));
        assert_eq!(x(json!(9)), Ok(9));
        for bad in [json!(10), json!(-1), json!(1.0), json!("a"), json!([1])] {
            assert!(x(bad.clone()).is_err(), "{bad}");
        }
        assert!(extension_digit(None)
            .unwrap_err()
            .starts_with("is required"));
    }

    #[test]
    fn company_prefix_is_optional_text() {
        assert_eq!(company_prefix(None), Ok(None));
        assert_eq!(company_prefix(Some(&json!(null))), Ok(None));
        assert_eq!(
            company_prefix(Some(&json!("4012345"))),
            Ok(Some("4012345".into()))
        );
        assert!(company_prefix(Some(&json!(4012345))).is_err());
    }
}

//! GS1 identifiers for tests, built here from the rules of `../shared/spec/GS1.md` and never with
//! serialhub's own code: a test that derived its expected check digits from the implementation
//! would pass whatever the implementation does. Pinned to GS1.md's vectors by the tests below.

/// The company prefix of the default test tenant.
pub const GCP: &str = "4012345";
/// The company prefix of a second, unrelated test tenant.
pub const OTHER_GCP: &str = "9521234";

/// A valid GTIN-14 of GS1.md's vectors (company prefix 4012345): the default product.
pub const GTIN: &str = "04012345111118";
/// A second valid GTIN-14 of GS1.md's vectors.
pub const GTIN_B: &str = "10614141073464";
/// A third valid GTIN-14 of GS1.md's vectors.
pub const GTIN_C: &str = "09521234543213";

/// GS1 mod-10 check digit of `body` (the digits without the check digit): from the rightmost
/// digit, weights 3, 1, 3, 1…; check digit = (10 − sum mod 10) mod 10.
pub fn check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            assert!(b.is_ascii_digit(), "{body} is not all digits");
            u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// `body` followed by its check digit.
pub fn with_check_digit(body: &str) -> String {
    format!("{body}{}", check_digit(body))
}

/// A GTIN-14 from its first 13 digits.
pub fn gtin(body: &str) -> String {
    assert_eq!(body.len(), 13, "a GTIN-14 body has 13 digits: {body}");
    with_check_digit(body)
}

/// An SSCC: extension digit, company prefix, serial reference filling the 17 digits, check digit.
pub fn sscc_of(gcp: &str, extension: u32, reference: u64) -> String {
    assert!(extension <= 9, "extension digit {extension}");
    let width = 16 - gcp.len();
    let body = format!("{extension}{gcp}{reference:0width$}");
    assert_eq!(
        body.len(),
        17,
        "serial reference {reference} too long for {gcp}"
    );
    with_check_digit(&body)
}

/// An SSCC of the default test tenant ([`GCP`]).
pub fn sscc(extension: u32, reference: u64) -> String {
    sscc_of(GCP, extension, reference)
}

/// An SSCC of the second test tenant ([`OTHER_GCP`]), extension digit 0.
pub fn sscc_other(reference: u64) -> String {
    sscc_of(OTHER_GCP, 0, reference)
}

/// The GS1 Digital Link URI of a pack (`https://id.gs1.org/01/<GTIN>/21/<serial>`).
pub fn pack_uri(gtin: &str, serial: &str) -> String {
    format!("https://id.gs1.org/01/{gtin}/21/{serial}")
}

/// The GS1 Digital Link URI of a container (`https://id.gs1.org/00/<SSCC>`).
pub fn sscc_uri(sscc: &str) -> String {
    format!("https://id.gs1.org/00/{sscc}")
}

/// The identifiers of GS1.md's table, split into (body, check digit).
fn split(value: &str) -> (&str, u32) {
    let (body, check) = value.split_at(value.len() - 1);
    (body, check.parse().unwrap())
}

#[test]
fn check_digits_match_the_vectors_of_gs1_md() {
    for valid in [
        GTIN,
        GTIN_B,
        GTIN_C,
        "106141411234567897",
        "140123450000000013",
    ] {
        let (body, check) = split(valid);
        assert_eq!(check_digit(body), check, "{valid} is valid per GS1.md");
    }
    // The seed's samples are invalid; GS1.md says which digit was expected.
    assert_eq!(check_digit(&"12345678909040"[..13]), 6);
    assert_eq!(check_digit(&"000000000000000003"[..17]), 0);
}

#[test]
fn builders_reproduce_the_vectors_of_gs1_md() {
    assert_eq!(gtin("0401234511111"), GTIN);
    assert_eq!(gtin("1061414107346"), GTIN_B);
    assert_eq!(gtin("0952123454321"), GTIN_C);
    assert_eq!(sscc(1, 1), "140123450000000013");
    assert_eq!(sscc_of("0614141", 1, 123_456_789), "106141411234567897");
    assert_eq!(sscc_other(1).len(), 18);
    assert!(sscc_other(1).starts_with("09521234"));
    assert_eq!(sscc_of("061414112", 0, 1).len(), 18, "a 9-digit prefix");
}

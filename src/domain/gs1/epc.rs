//! EPC pure-identity URNs and GS1 Digital Link URIs, the two ways EPCIS 2.0 names an object.

use super::{Batch, Expiry, Gtin, SerialNumber, Sscc};

const DIGITAL_LINK_ROOT: &str = "https://id.gs1.org";

/// `urn:epc:id:sgtin:<GCP>.<indicator><item ref>.<serial>`, or `None` if the company prefix
/// length is not 6..=12. The length is not derivable from the GTIN; it comes from tenant data.
pub fn sgtin_urn(gtin: &Gtin, company_prefix_len: usize, serial: &SerialNumber) -> Option<String> {
    if !(6..=12).contains(&company_prefix_len) {
        return None;
    }
    // 14 ASCII digits: indicator, then GCP + item reference (12 digits), then the check digit,
    // which the URN drops.
    let g = gtin.as_str();
    let (prefix, item_ref) = g[1..13].split_at(company_prefix_len);
    let mut urn = format!("urn:epc:id:sgtin:{prefix}.{}{item_ref}.", &g[..1]);
    percent_encode(serial.as_str(), is_urn_safe, &mut urn);
    Some(urn)
}

/// `urn:epc:id:sscc:<GCP>.<extension><serial ref>`, or `None` if the company prefix length
/// is not 6..=12.
pub fn sscc_urn(sscc: &Sscc, company_prefix_len: usize) -> Option<String> {
    if !(6..=12).contains(&company_prefix_len) {
        return None;
    }
    let s = sscc.as_str();
    let (prefix, serial_ref) = s[1..17].split_at(company_prefix_len);
    Some(format!("urn:epc:id:sscc:{prefix}.{}{serial_ref}", &s[..1]))
}

/// `https://id.gs1.org/01/<GTIN-14>[/10/<batch>]/21/<serial>[?17=<YYMMDD>]`, in the path order
/// the GS1 Digital Link grammar fixes. Needs no company-prefix length, so it always works.
/// The expiry is the printed form, so the link matches the barcode (day `00` included).
pub fn gtin_digital_link(
    gtin: &Gtin,
    batch: Option<&Batch>,
    serial: &SerialNumber,
    expiry: Option<&Expiry>,
) -> String {
    let mut uri = format!("{DIGITAL_LINK_ROOT}/01/{gtin}");
    if let Some(batch) = batch {
        uri.push_str("/10/");
        percent_encode(batch.as_str(), is_path_safe, &mut uri);
    }
    uri.push_str("/21/");
    percent_encode(serial.as_str(), is_path_safe, &mut uri);
    if let Some(expiry) = expiry {
        uri.push_str("?17=");
        uri.push_str(expiry.as_printed());
    }
    uri
}

/// `https://id.gs1.org/00/<SSCC>`.
pub fn sscc_digital_link(sscc: &Sscc) -> String {
    format!("{DIGITAL_LINK_ROOT}/00/{sscc}")
}

/// EPC Tag Data Standard: in a URN serial, only `" % & / < > ?` of character set 82 must be
/// escaped; the rest (including `! ' ( ) * + , : ; =`) stay literal.
fn is_urn_safe(b: u8) -> bool {
    !matches!(b, b'"' | b'%' | b'&' | b'/' | b'<' | b'>' | b'?')
}

/// GS1 Digital Link: inside a path segment only letters, digits, `-`, `.` and `_` stay
/// literal; every other character-set-82 symbol is percent-encoded, so a `/` or `?` in a
/// serial can never be read as a new path segment or the start of the query.
fn is_path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')
}

/// Appends `value` to `out`, writing each byte that is not `safe` as `%XX` (upper-case hex,
/// as both standards show). Values are ASCII by construction, so bytes and characters coincide.
fn percent_encode(value: &str, safe: fn(u8) -> bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if safe(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{check_digit, CHARSET_82};
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn gtin(s: &str) -> Gtin {
        Gtin::parse(s).unwrap()
    }
    fn serial(s: &str) -> SerialNumber {
        SerialNumber::parse(s).unwrap()
    }

    #[test]
    fn spec_urn_examples() {
        let urn = sgtin_urn(&gtin("04012345111118"), 7, &serial("987"));
        assert_eq!(urn.as_deref(), Some("urn:epc:id:sgtin:4012345.011111.987"));
        let sscc = Sscc::parse("140123450000000013").unwrap();
        assert_eq!(
            sscc_urn(&sscc, 7).as_deref(),
            Some("urn:epc:id:sscc:4012345.1000000001")
        );
    }

    #[test]
    fn urns_at_the_prefix_length_limits() {
        let g = gtin("10614141073464");
        assert_eq!(
            sgtin_urn(&g, 6, &serial("1")).unwrap(),
            "urn:epc:id:sgtin:061414.1107346.1"
        );
        assert_eq!(
            sgtin_urn(&g, 12, &serial("1")).unwrap(),
            "urn:epc:id:sgtin:061414107346.1.1"
        );
        let s = Sscc::parse("106141411234567897").unwrap();
        assert_eq!(
            sscc_urn(&s, 12).unwrap(),
            "urn:epc:id:sscc:061414112345.16789"
        );
        for bad in [0, 5, 13, 14, usize::MAX] {
            assert_eq!(sgtin_urn(&g, bad, &serial("1")), None);
            assert_eq!(sscc_urn(&s, bad), None);
        }
    }

    #[test]
    fn urn_serial_escapes_only_the_tds_characters() {
        let urn = sgtin_urn(&gtin("04012345111118"), 7, &serial("a\"%&/<>?b!'()*+,:;=")).unwrap();
        assert_eq!(
            urn,
            "urn:epc:id:sgtin:4012345.011111.a%22%25%26%2F%3C%3E%3Fb!'()*+,:;="
        );
    }

    #[test]
    fn gtin_digital_link_shapes() {
        let g = gtin("09521234543213");
        let today = NaiveDate::from_ymd_opt(2024, 6, 15).unwrap();
        let expiry = Expiry::parse("271200", today).unwrap();
        let batch = Batch::parse("LOT/7").unwrap();
        assert_eq!(
            gtin_digital_link(&g, Some(&batch), &serial("AB%?c"), Some(&expiry)),
            "https://id.gs1.org/01/09521234543213/10/LOT%2F7/21/AB%25%3Fc?17=271200"
        );
        assert_eq!(
            gtin_digital_link(&g, None, &serial("12345"), None),
            "https://id.gs1.org/01/09521234543213/21/12345"
        );
        let padded = gtin("4012345111118");
        assert!(gtin_digital_link(&padded, None, &serial("x"), None)
            .starts_with("https://id.gs1.org/01/04012345111118/"));
    }

    #[test]
    fn sscc_digital_link_shape() {
        let s = Sscc::parse("106141411234567897").unwrap();
        assert_eq!(
            sscc_digital_link(&s),
            "https://id.gs1.org/00/106141411234567897"
        );
    }

    proptest! {
        #[test]
        fn urns_keep_every_digit(body in "[0-9]{13}", len in 6usize..=12, s in "[!\"%-?A-Z_a-z]{1,20}") {
            let g = gtin(&format!("{body}{}", check_digit(&body)));
            let urn = sgtin_urn(&g, len, &serial(&s)).unwrap();
            let rest = urn.strip_prefix("urn:epc:id:sgtin:").unwrap();
            let (prefix, rest) = rest.split_once('.').unwrap();
            let (item, _) = rest.split_once('.').unwrap();
            prop_assert_eq!(prefix.len(), len);
            prop_assert_eq!(format!("{}{prefix}{}", &item[..1], &item[1..]), body);
        }

        #[test]
        fn digital_link_values_hold_only_unreserved_characters(s in "[!\"%-?A-Z_a-z]{1,20}") {
            prop_assert!(s.chars().all(|c| CHARSET_82.contains(c)));
            let link = gtin_digital_link(&gtin("04012345111118"), Some(&Batch::parse(&s).unwrap()), &serial(&s), None);
            let tail = link.strip_prefix("https://id.gs1.org/01/04012345111118/10/").unwrap();
            let (batch, serial_part) = tail.split_once("/21/").unwrap();
            prop_assert_eq!(batch, serial_part);
            prop_assert!(batch.bytes().all(|b| is_path_safe(b) || b == b'%'));
            prop_assert_eq!(percent_decode(batch), s);
        }
    }

    fn percent_decode(s: &str) -> String {
        let mut out = Vec::new();
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap());
            } else {
                out.push(b);
            }
        }
        String::from_utf8(out).unwrap()
    }
}

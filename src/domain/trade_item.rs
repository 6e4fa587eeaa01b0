//! Parsing the identifiers of a request into checked GS1 values, collecting every problem with its
//! JSON path instead of stopping at the first (an operator fixing a 10 000-child request needs the
//! whole list).

use std::collections::HashSet;

use serde::Deserialize;

use super::gs1::{Batch, Expiry, Gtin, SerialNumber, Sscc};
use super::problems::{Detail, Problems};

/// `product_code_schema` must be "GTIN" (the only one the contract knows).
pub fn check_schema(p: &mut Problems, path: impl std::fmt::Display, schema: &str) {
    // The path is rendered only for a problem (it is per child in aggregation requests).
    if schema != "GTIN" {
        p.push(
            path.to_string(),
            format!("product_code_schema must be \"GTIN\", got \"{schema}\""),
        );
    }
}

/// A trade item as it appears in requests (the seed's child object).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TradeItemInput {
    pub product_code: String,
    pub product_code_schema: String,
    pub serial_number: String,
    pub batch: Option<String>,
    pub expiry_date: Option<String>,
}

/// A checked reference to a pack, with the batch/expiry the caller asserts (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeItemRef {
    /// JSON path of the object in the request, for error details.
    pub path: String,
    pub gtin: Gtin,
    pub serial: SerialNumber,
    pub batch: Option<Batch>,
    pub expiry: Option<Expiry>,
}

impl TradeItemRef {
    pub fn key(&self) -> (&str, &str) {
        (self.gtin.as_str(), self.serial.as_str())
    }
}

/// Parses one trade item object at `path`; problems go to `p`.
pub fn parse_trade_item(
    p: &mut Problems,
    path: &str,
    input: &TradeItemInput,
) -> Option<TradeItemRef> {
    let before = p.0.len();
    check_schema(
        p,
        format_args!("{path}.product_code_schema"),
        &input.product_code_schema,
    );
    let gtin = p.check_with(
        || format!("{path}.product_code"),
        Gtin::parse(&input.product_code),
    );
    let serial = p.check_with(
        || format!("{path}.serial_number"),
        SerialNumber::parse(&input.serial_number),
    );
    let batch = input
        .batch
        .as_ref()
        .map(|b| p.check_with(|| format!("{path}.batch"), Batch::parse(b)));
    let expiry = input
        .expiry_date
        .as_ref()
        .map(|e| p.check_with(|| format!("{path}.expiry_date"), Expiry::parse_now(e)));
    // Every field is checked before giving up, so all problems of this object are reported.
    let (Some(gtin), Some(serial)) = (gtin, serial) else {
        return None;
    };
    if p.0.len() > before {
        return None;
    }
    let batch = match batch {
        Some(None) => return None,
        other => other.flatten(),
    };
    let expiry = match expiry {
        Some(None) => return None,
        other => other.flatten(),
    };
    Some(TradeItemRef {
        path: path.to_string(),
        gtin,
        serial,
        batch,
        expiry,
    })
}

/// Parses a list of trade items; duplicates inside one request are a validation problem.
pub fn parse_trade_items(
    p: &mut Problems,
    field: &str,
    inputs: &[TradeItemInput],
) -> Vec<TradeItemRef> {
    let first_problem = p.0.len();
    let mut out: Vec<TradeItemRef> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| parse_trade_item(p, &format!("{field}[{i}]"), input))
        .collect();
    // Duplicates are found on the parsed keys (a 13-digit and a 14-digit GTIN can be one product),
    // borrowed rather than cloned; each later copy is reported and dropped.
    let mut seen = HashSet::with_capacity(out.len());
    let duplicate: Vec<bool> = out.iter().map(|item| !seen.insert(item.key())).collect();
    if duplicate.contains(&true) {
        for (item, _) in out.iter().zip(&duplicate).filter(|(_, d)| **d) {
            p.push(
                &item.path,
                format!(
                    "duplicate of an earlier item ({} / {})",
                    item.gtin, item.serial
                ),
            );
        }
        let mut flags = duplicate.into_iter();
        out.retain(|_| !flags.next().unwrap_or(false));
        // Report in item order, as a caller reads the request (stable: an item's own order stays).
        let index = |d: &Detail| {
            d.path
                .as_deref()
                .and_then(|path| path.strip_prefix(field))
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .unwrap_or(usize::MAX)
        };
        p.0[first_problem..].sort_by_key(index);
    }
    out
}

/// An SSCC named in a request, with its JSON path.
pub type SsccAt = (String, Sscc);

/// Parses a list of SSCCs; duplicates are a validation problem.
pub fn parse_ssccs(p: &mut Problems, field: &str, inputs: &[String]) -> Vec<SsccAt> {
    let mut seen = HashSet::with_capacity(inputs.len());
    let mut out = Vec::with_capacity(inputs.len());
    for (i, raw) in inputs.iter().enumerate() {
        let path = format!("{field}[{i}]");
        if let Some(sscc) = p.check(&path, Sscc::parse(raw)) {
            if !seen.insert(sscc.clone()) {
                p.push(&path, format!("duplicate SSCC {sscc}"));
                continue;
            }
            out.push((path, sscc));
        }
    }
    out
}

/// Parses a list of serial numbers of one product; duplicates are a validation problem. Paths are
/// only formatted for the serials that have a problem (100 000 per request are allowed).
pub fn parse_serials(p: &mut Problems, field: &str, inputs: &[String]) -> Vec<SerialNumber> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(inputs.len());
    let mut out = Vec::with_capacity(inputs.len());
    for (i, raw) in inputs.iter().enumerate() {
        let path = || format!("{field}[{i}]");
        if let Some(serial) = p.check_with(path, SerialNumber::parse(raw)) {
            // A valid serial is stored exactly as sent, so the raw text is its key.
            if !seen.insert(raw.as_str()) {
                p.push(path(), format!("duplicate serial number {serial}"));
                continue;
            }
            out.push(serial);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(gtin: &str, serial: &str) -> TradeItemInput {
        TradeItemInput {
            product_code: gtin.into(),
            product_code_schema: "GTIN".into(),
            serial_number: serial.into(),
            batch: None,
            expiry_date: None,
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut bad_schema = item("04012345111118", "B");
        bad_schema.product_code_schema = "EAN".into();
        let inputs = vec![
            item("12345678909040", "A#"),
            bad_schema,
            item("04012345111118", "C"),
        ];
        let mut p = Problems::default();
        let parsed = parse_trade_items(&mut p, "child_trade_items", &inputs);
        assert_eq!(parsed.len(), 1);
        let paths: Vec<_> = p.0.iter().map(|d| d.path.clone().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "child_trade_items[0].product_code",
                "child_trade_items[0].serial_number",
                "child_trade_items[1].product_code_schema"
            ]
        );
        assert!(p.0[0].problem.contains("check digit should be 6"));
    }

    #[test]
    fn duplicates_inside_a_request_are_rejected() {
        let inputs = vec![item("04012345111118", "A"), item("04012345111118", "A")];
        let mut p = Problems::default();
        let parsed = parse_trade_items(&mut p, "c", &inputs);
        assert_eq!(parsed.len(), 1);
        assert_eq!(p.0[0].path.as_deref(), Some("c[1]"));
        let mut p = Problems::default();
        parse_serials(&mut p, "s", &["X".into(), "X".into()]);
        assert_eq!(p.0.len(), 1);
        let mut p = Problems::default();
        parse_ssccs(
            &mut p,
            "s",
            &["106141411234567897".into(), "106141411234567897".into()],
        );
        assert_eq!(p.0.len(), 1);
    }

    #[test]
    fn batch_and_expiry_are_checked_when_given() {
        let mut input = item("04012345111118", "A");
        input.batch = Some("B 1".into());
        input.expiry_date = Some("221300".into());
        let mut p = Problems::default();
        assert!(parse_trade_item(&mut p, "x", &input).is_none());
        assert_eq!(p.0.len(), 2);
    }

    #[test]
    fn serial_problems_name_their_index_and_duplicates_keep_the_first() {
        let inputs: Vec<String> = ["A1", "bad serial", "A1", "B2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut p = Problems::default();
        let serials = parse_serials(&mut p, "serial_numbers", &inputs);
        let kept: Vec<&str> = serials.iter().map(|s| s.as_str()).collect();
        assert_eq!(kept, ["A1", "B2"]);
        let paths: Vec<_> = p.0.iter().map(|d| d.path.clone().unwrap()).collect();
        assert_eq!(paths, ["serial_numbers[1]", "serial_numbers[2]"]);
        assert!(p.0[1].problem.contains("duplicate serial number A1"));
    }

    #[test]
    fn a_duplicate_is_reported_in_item_order_among_other_problems() {
        let mut bad = item("04012345111118", "C");
        bad.batch = Some("B 1".into());
        let inputs = vec![
            item("04012345111118", "A"),
            item("04012345111118", "A"),
            bad,
        ];
        let mut p = Problems::default();
        p.push("parent", "reported first");
        let parsed = parse_trade_items(&mut p, "c", &inputs);
        assert_eq!(parsed.len(), 1);
        let paths: Vec<_> = p.0.iter().map(|d| d.path.clone().unwrap()).collect();
        assert_eq!(paths, ["parent", "c[1]", "c[2].batch"]);
    }
}

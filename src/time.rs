//! Time formatting: RFC 3339 UTC everywhere in the API.

use chrono::{NaiveDateTime, SecondsFormat};

pub fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

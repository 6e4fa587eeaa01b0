//! What `/metrics` reports, kept where it happens and rendered in the Prometheus text format
//! (version 0.0.4) at scrape time. Plain atomics, no HTTP types: the database layer counts its
//! pool and writer queue here, the audit trail counts goods on commit, the edge counts requests.
//! docs/operations.md lists every metric and what it means.

pub mod goods;
mod histogram;
mod text;

pub use histogram::Histogram;
pub use text::Text;

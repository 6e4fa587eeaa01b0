//! Pure domain logic: no I/O, no database, no HTTP.

pub mod actor;
pub mod aggregation;
pub mod audit;
pub mod audit_payload;
pub mod epcis;
pub mod gs1;
pub mod lifecycle;
pub mod partnership;
pub mod problems;
pub mod trade_item;

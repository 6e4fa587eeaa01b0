//! Pure domain logic: no I/O, no database, no HTTP.

pub mod gs1;

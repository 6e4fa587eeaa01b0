//! Issue 15: what an operator runs serialhub with — metrics, database outages, backups, crashes
//! and shutdowns of the real binary.

mod backup;
mod lifecycle;
mod metrics;
mod outage;

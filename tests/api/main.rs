//! Black-box tests of the HTTP API and CLI, compiled as one test binary.

mod kit;

mod aggregation;
mod audit_trail;
mod auth;
mod channels;
mod cli;
mod commission;
mod concurrency;
mod console;
mod contention;
mod conventions;
mod cursors;
mod decommission;
mod demo;
mod disaggregation;
mod epcis_conformance;
mod hierarchy;
mod idempotency;
mod lookups;
mod migrations;
mod mv2_idempotency;
mod ops;
mod partnerships;
mod products;
mod release;
mod reports;
mod tenant_keys;
mod tokens;
mod visibility_matrix;

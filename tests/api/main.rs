//! Black-box tests of the HTTP API and CLI, compiled as one test binary.

mod kit;

mod aggregation;
mod audit_trail;
mod auth;
mod brand_ownership;
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
mod error_details;
mod hierarchy;
mod idempotency;
mod lookups;
mod migrations;
mod mv2_idempotency;
mod operations;
mod ops;
mod ops_hardening;
mod pagination;
mod partnerships;
mod products;
mod release;
mod reports;
mod sscc_ownership;
mod tenant_keys;
mod tokens;
mod visibility_matrix;

//! Black-box tests of the HTTP API and CLI, compiled as one test binary.

mod helpers;
mod mv2;

mod aggregation;
mod audit_trail;
mod auth;
mod channels;
mod cli;
mod commission;
mod concurrency;
mod contention;
mod conventions;
mod decommission;
mod demo;
mod disaggregation;
mod epcis_conformance;
mod hierarchy;
mod idempotency;
mod lookups;
mod mv2_idempotency;
mod ops;
mod partners_support;
mod partnerships;
mod products;
mod release;
mod reports;
mod tenant_keys;
mod tokens;
mod visibility_matrix;

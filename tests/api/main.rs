//! Black-box tests of the HTTP API and CLI, compiled as one test binary.

mod helpers;

mod auth;
mod channels;
mod cli;
mod concurrency;
mod conventions;
mod demo;
mod idempotency;
mod ops;
mod partners_support;
mod partnerships;
mod release;
mod tenant_keys;
mod tokens;
mod visibility_matrix;

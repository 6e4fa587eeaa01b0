//! Black-box tests of the HTTP API and CLI, compiled as one test binary.

mod helpers;

mod auth;
mod channels;
mod cli;
mod concurrency;
mod conventions;
mod idempotency;
mod ops;
mod tenant_keys;
mod tokens;

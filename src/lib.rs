//! serialhub: an open, self-hostable serialization hub for pharmaceutical manufacturing.
//!
//! Data flows one way: route → identity → domain check → one database transaction → response.
//! See docs/architecture.md.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod time;
pub mod workflows;

#[cfg(test)]
mod layering;

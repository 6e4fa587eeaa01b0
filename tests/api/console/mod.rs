//! The web console: the API additions it relies on.

mod kit;

mod api;

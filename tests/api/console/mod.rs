//! The web console: how it is served (headers, assets), the API additions it relies on, and what
//! a person does with it, in a real browser (see browser.rs for how Chromium is driven).

mod browser;
mod kit;

mod api;
mod dashboard;
mod roles;
mod scale;
mod serving;
mod session;
mod story;

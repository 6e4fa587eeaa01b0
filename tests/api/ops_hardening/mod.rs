//! Issue 12, low findings 1–3: a login flood, slow and stuck requests, conflicting credentials.
//! Each test replays the attack that found the weakness.

mod credentials;
mod login_flood;
mod timeouts;

//! Serial number pools, SSCC pools and packaging orders (PRODUCT.md §1, §3.2, §3.3; POOLS.md):
//! the rules that do not need a database — how serials are drawn, when a generation would make
//! serials guessable, which packaging-order transitions exist, and what an SSCC request may ask
//! for (`sscc`).
//!
//! Who holds a pool serial, and that no serial is handed out twice, is decided by the database in
//! one statement; nothing here keeps state between requests.

mod order;
mod serial_template;
pub mod sscc;

pub use order::{OrderAction, OrderStatus};
pub use serial_template::{GenerationRefused, SerialAlphabet, SerialTemplate, MIN_GUESS_FACTOR};
pub use sscc::SsccPoolStatus;

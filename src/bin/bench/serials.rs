//! The serials the harness commissions. EU FMD (Delegated Regulation 2016/161, Art. 4) asks for
//! randomised serials, and a database keyed by (GTIN, serial) pays for that randomness: every
//! insert and every lookup lands on a random page of the unique index instead of its right edge.
//! So the default is random 20-character serials over GS1 character set 82, as a packaging line
//! would print them; `--serials sequential` gives 20-digit counters of the same length for the
//! comparison cell.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

/// GS1 character set 82 (GS1 General Specifications, figure 7.11-1): printable ASCII without space
/// `#` `$` `@` `[` `\` `]` `^` `` ` `` `{` `|` `}` `~`.
pub const SET_82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// The longest serial AI (21) allows, and the length both kinds use.
pub const LEN: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Random,
    Sequential,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Random => "random",
            Kind::Sequential => "sequential",
        }
    }
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// `n` serials never handed out before in this process. Random ones come from the thread's
/// CSPRNG: with 82^20 ≈ 2^127 values a collision among 10^7 serials has a probability near 10^-24.
pub fn fresh(kind: Kind, n: usize) -> Vec<String> {
    match kind {
        Kind::Random => {
            let mut rng = rand::thread_rng();
            (0..n)
                .map(|_| {
                    (0..LEN)
                        .map(|_| SET_82[rng.gen_range(0..SET_82.len())] as char)
                        .collect()
                })
                .collect()
        }
        Kind::Sequential => {
            let first = NEXT.fetch_add(n as u64, Ordering::Relaxed);
            (first..first + n as u64)
                .map(|i| format!("{i:0LEN$}"))
                .collect()
        }
    }
}

/// A path segment for `GET /v1/items/{gtin}/{serial}`: everything but letters and digits
/// percent-encoded (set 82 holds `/`, `%`, `?`, `&`, `"` …).
pub fn path_segment(serial: &str) -> String {
    serial
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_82_has_82_characters() {
        assert_eq!(SET_82.len(), 82);
    }

    #[test]
    fn random_serials_are_20_characters_of_set_82() {
        for s in fresh(Kind::Random, 100) {
            assert_eq!(s.len(), LEN);
            assert!(s.bytes().all(|b| SET_82.contains(&b)), "{s}");
        }
    }
}

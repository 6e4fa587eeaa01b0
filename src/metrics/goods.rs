//! Packs commissioned, aggregated and released, and SSCCs the pool assigned, counted when their transaction commits (a
//! request that rolls back, or runs again after a deadlock, counts once or not at all).
//!
//! The audit trail notes each event's packs as pending on the thread running the transaction
//! ([`note`]); the transaction helpers then keep them ([`commit`]) or drop them ([`roll_back`]);
//! the pool hands what was kept to its own counters after the work ([`take_committed`]). A
//! transaction runs on one thread from begin to commit, so a thread-local is enough.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// What one transaction, or a pool's lifetime, did to packs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub commissioned: u64,
    pub aggregated: u64,
    pub released: u64,
    /// SSCCs `ssccs/request` handed out (new and returned ones).
    pub ssccs_assigned: u64,
}

impl Tally {
    fn plus(self, o: Tally) -> Tally {
        Tally {
            commissioned: self.commissioned + o.commissioned,
            aggregated: self.aggregated + o.aggregated,
            released: self.released + o.released,
            ssccs_assigned: self.ssccs_assigned + o.ssccs_assigned,
        }
    }
}

/// Nothing done (`Tally::default()` is not `const`).
const NONE: Tally = Tally {
    commissioned: 0,
    aggregated: 0,
    released: 0,
    ssccs_assigned: 0,
};

thread_local! {
    static PENDING: Cell<Tally> = const { Cell::new(NONE) };
    static COMMITTED: Cell<Tally> = const { Cell::new(NONE) };
}

/// Counts `t` as done by the transaction running on this thread, if it commits.
pub fn note(t: Tally) {
    PENDING.with(|p| p.set(p.get().plus(t)));
}

/// The transaction on this thread committed: what it noted is done.
pub fn commit() {
    let t = PENDING.with(|p| p.take());
    COMMITTED.with(|c| c.set(c.get().plus(t)));
}

/// The transaction on this thread rolled back: what it noted did not happen.
pub fn roll_back() {
    PENDING.with(|p| p.take());
}

/// What transactions on this thread committed since the last call.
pub fn take_committed() -> Tally {
    COMMITTED.with(|c| c.take())
}

/// A pool's running totals.
#[derive(Debug, Default)]
pub struct Counters {
    commissioned: AtomicU64,
    aggregated: AtomicU64,
    released: AtomicU64,
    ssccs_assigned: AtomicU64,
}

impl Counters {
    pub fn add(&self, t: Tally) {
        self.commissioned
            .fetch_add(t.commissioned, Ordering::Relaxed);
        self.aggregated.fetch_add(t.aggregated, Ordering::Relaxed);
        self.released.fetch_add(t.released, Ordering::Relaxed);
        self.ssccs_assigned
            .fetch_add(t.ssccs_assigned, Ordering::Relaxed);
    }

    pub fn get(&self) -> Tally {
        Tally {
            commissioned: self.commissioned.load(Ordering::Relaxed),
            aggregated: self.aggregated.load(Ordering::Relaxed),
            released: self.released.load(Ordering::Relaxed),
            ssccs_assigned: self.ssccs_assigned.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_committed_work_counts() {
        let _ = take_committed();
        note(Tally {
            commissioned: 3,
            ..Tally::default()
        });
        roll_back();
        note(Tally {
            released: 2,
            ..Tally::default()
        });
        commit();
        assert_eq!(
            take_committed(),
            Tally {
                released: 2,
                ..Tally::default()
            }
        );
        assert_eq!(take_committed(), Tally::default());
    }
}

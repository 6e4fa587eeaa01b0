//! The bound on argon2 work: each verification holds ~19 MiB and a core for tens of
//! milliseconds, so a login flood from many addresses (each within its rate limit) once ran
//! hundreds at a time and took the process from 42 MB to 1 GB. Verifications now run at most
//! `slots` at a time; a login that cannot get a slot within the queue timeout is refused with
//! 503 `UnavailableError` and `Retry-After`, without hashing anything.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::password;
use super::rate_limit::KeyThrottle;
use crate::error::{ApiError, ErrorType};

/// The hashing slots and their queue, shared by every worker of one instance.
pub struct LoginGate {
    /// Failed sign-ins per API key, checked before any hashing.
    pub throttle: KeyThrottle,
    slots: Arc<Semaphore>,
    size: usize,
    queue_timeout: Duration,
    queued: AtomicI64,
    in_flight: Arc<AtomicI64>,
}

impl LoginGate {
    pub fn new(slots: usize, queue_timeout: Duration, throttle: KeyThrottle) -> LoginGate {
        let size = slots.max(1);
        LoginGate {
            throttle,
            slots: Arc::new(Semaphore::new(size)),
            size,
            queue_timeout,
            queued: AtomicI64::new(0),
            in_flight: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Verifies `secret` against the PHC string `hash` in a hashing slot, off the async
    /// workers. The slot is held by the blocking task until the hash is done, even if the
    /// request is abandoned meanwhile, so the bound holds against clients that hang up.
    pub async fn verify(&self, secret: String, hash: String) -> Result<bool, ApiError> {
        let permit = {
            // Counted as queued while waiting, also if the caller hangs up meanwhile.
            self.queued.fetch_add(1, Ordering::Relaxed);
            struct Leave<'a>(&'a AtomicI64);
            impl Drop for Leave<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::Relaxed);
                }
            }
            let _leave = Leave(&self.queued);
            tokio::time::timeout(self.queue_timeout, self.slots.clone().acquire_owned()).await
        };
        let permit = match permit {
            Ok(Ok(permit)) => permit,
            _ => {
                let mut e = ApiError::new(
                    ErrorType::Unavailable,
                    "Too many sign-ins are being checked at once; retry shortly",
                );
                e.retry_after = Some(1);
                return Err(e);
            }
        };
        let in_flight = self.in_flight.clone();
        in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let verified = password::verify_secret(&secret, &hash);
            in_flight.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            verified
        })
        .await
        .map_err(ApiError::internal)
    }

    /// Verifications running now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Logins waiting for a slot now.
    pub fn queued(&self) -> i64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// How many verifications may run at once.
    pub fn slots(&self) -> usize {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_slots_run_and_a_long_wait_is_refused_with_retry_after() {
        let gate = Arc::new(LoginGate::new(
            1,
            Duration::from_millis(1),
            KeyThrottle::new(10),
        ));
        let hash = password::hash_secret("right secret");
        let mut calls = Vec::new();
        for _ in 0..4 {
            let (gate, hash) = (gate.clone(), hash.clone());
            calls.push(tokio::spawn(async move {
                gate.verify("wrong".into(), hash).await
            }));
        }
        let mut refused = 0;
        for call in calls {
            match call.await.unwrap() {
                Ok(verified) => assert!(!verified),
                Err(e) => {
                    assert_eq!((e.kind, e.retry_after), (ErrorType::Unavailable, Some(1)));
                    refused += 1;
                }
            }
        }
        assert!(
            refused >= 1,
            "one slot, 1 ms of queue: someone waited too long"
        );
        assert_eq!((gate.in_flight(), gate.queued()), (0, 0));
        assert!(gate.verify("right secret".into(), hash).await.unwrap());
    }
}

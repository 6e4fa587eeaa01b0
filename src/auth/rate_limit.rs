//! A small token-bucket limiter per client address, for `/v1/api_auth`: argon2 work is expensive by
//! design, so unthrottled guessing would be both a brute-force and a denial-of-service vector.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: per_minute.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`; `Err(seconds)` says how long until the next one is available.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let rate_per_sec = self.per_minute / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Bound memory under address churn: drop buckets that have refilled completely.
            let full = self.per_minute;
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate_per_sec < full
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.per_minute,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate_per_sec).min(self.per_minute);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate_per_sec).ceil().max(1.0) as u64)
        }
    }
}

/// Failed sign-ins per API key, from every address together: 48 addresses each within their own
/// limit can still guess one key 48 times as fast. Only failures count; while a key's budget is
/// spent, every attempt on it (even with the right secret) is refused before any hashing, so the
/// guessing stops. The key is the text the caller sent, known or not, so the answer reveals
/// nothing about which keys exist.
pub struct KeyThrottle {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Keys tracked at most; beyond, refilled buckets are forgotten, and if that is not enough the
/// oldest state is dropped altogether (memory stays bounded under a flood of invented keys).
const MAX_KEYS: usize = 100_000;

impl KeyThrottle {
    pub fn new(per_minute: u32) -> KeyThrottle {
        KeyThrottle {
            per_minute: per_minute.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_minute / 60.0).min(self.per_minute);
        bucket.updated = now;
    }

    /// `Err(seconds)` while `key` has no failures left to spend.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let Some(bucket) = buckets.get_mut(key) else {
            return Ok(());
        };
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            Ok(())
        } else {
            let rate_per_sec = self.per_minute / 60.0;
            Err(((1.0 - bucket.tokens) / rate_per_sec).ceil().max(1.0) as u64)
        }
    }

    /// Spends one failure of `key`.
    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let full = self.per_minute;
            let rate_per_sec = full / 60.0;
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate_per_sec < full
            });
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let full = self.per_minute;
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: full,
            updated: now,
        });
        self.refill(bucket, now);
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_once_its_failures_are_spent_and_only_that_key() {
        let throttle = KeyThrottle::new(3);
        for _ in 0..3 {
            assert!(throttle.check("key-a").is_ok());
            throttle.record_failure("key-a");
        }
        let wait = throttle.check("key-a").unwrap_err();
        assert!((1..=20).contains(&wait), "wait {wait}");
        assert!(throttle.check("key-b").is_ok(), "per key");
    }

    #[test]
    fn allows_the_burst_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(3);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        let wait = limiter.check(ip).unwrap_err();
        assert!((1..=20).contains(&wait), "wait {wait}");
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.check(other).is_ok(), "buckets are per address");
    }
}

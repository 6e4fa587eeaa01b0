//! A latency histogram with fixed buckets, as Prometheus expects it: cumulative counts per upper
//! bound, a sum and a count.

use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds in seconds, from 1 ms to 30 s: a request, a checkout or a queue wait.
pub const BOUNDS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Observations of a duration.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when rendered).
    buckets: [AtomicU64; BOUNDS.len()],
    /// Observations above the last bound.
    over: AtomicU64,
    /// The sum in microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        match BOUNDS.iter().position(|b| seconds <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.over.fetch_add(1, Ordering::Relaxed),
        };
        let micros = (seconds.max(0.0) * 1e6) as u64;
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Cumulative counts per bound, then the total count, and the sum in seconds.
    pub fn snapshot(&self) -> (Vec<(f64, u64)>, u64, f64) {
        let mut running = 0;
        let mut out = Vec::with_capacity(BOUNDS.len());
        for (bound, n) in BOUNDS.iter().zip(&self.buckets) {
            running += n.load(Ordering::Relaxed);
            out.push((*bound, running));
        }
        let count = running + self.over.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (out, count, sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_count_everything() {
        let h = Histogram::default();
        for s in [0.0005, 0.003, 0.003, 40.0] {
            h.observe(s);
        }
        let (buckets, count, sum) = h.snapshot();
        assert_eq!(buckets[0], (0.001, 1));
        assert_eq!(buckets[2], (0.005, 3));
        assert_eq!(buckets.last().unwrap().1, 3, "40 s is above every bound");
        assert_eq!(count, 4);
        assert!((sum - 40.0065).abs() < 1e-6, "{sum}");
    }
}

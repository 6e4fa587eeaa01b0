//! Collecting figures and printing them as Markdown tables (pasted into docs/benchmarks.md).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

struct Row {
    label: String,
    unit: &'static str,
    higher_better: bool,
    b: Vec<f64>,
    s: Vec<f64>,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    /// Closed-loop request latencies by cell: (baseline, service), seconds.
    closed: BTreeMap<String, (Vec<f64>, Vec<f64>)>,
    /// Open-loop latencies by n: (label, baseline, service), seconds.
    open: BTreeMap<usize, (String, Vec<f64>, Vec<f64>)>,
    pub errors: usize,
    error_samples: Vec<String>,
    pub rss_peak_kib: u64,
    /// Peak service VmRSS during each k = max cell, by n (KiB).
    pub rss_by_n: Vec<(usize, u64)>,
    pub hwm_kib: u64,
    pub elapsed: Duration,
}

fn median(v: &[f64]) -> f64 {
    percentile(v, 0.5)
}

/// Nearest-rank percentile (p99 of fewer than 100 samples is their maximum).
pub fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn fmt(v: f64, unit: &str) -> String {
    if v.is_nan() {
        return "–".into();
    }
    match unit {
        "s" => format!("{v:.3} s"),
        "ms" => format!("{:.1} ms", v * 1e3),
        _ => format!("{v:.0}"),
    }
}

impl Table {
    pub fn push(
        &mut self,
        label: &str,
        unit: &'static str,
        higher_better: bool,
        baseline: bool,
        v: f64,
    ) {
        let i = match self.rows.iter().position(|r| r.label == label) {
            Some(i) => i,
            None => {
                self.rows.push(Row {
                    label: label.into(),
                    unit,
                    higher_better,
                    b: vec![],
                    s: vec![],
                });
                self.rows.len() - 1
            }
        };
        let row = &mut self.rows[i];
        if baseline { &mut row.b } else { &mut row.s }.push(v);
    }

    pub fn latencies(&mut self, label: &str, baseline: bool, lat: &[f64]) {
        let e = self.closed.entry(label.into()).or_default();
        if baseline { &mut e.0 } else { &mut e.1 }.extend_from_slice(lat);
    }

    pub fn open_latencies(&mut self, n: usize, label: &str, baseline: bool, lat: &[f64]) {
        let e = self
            .open
            .entry(n)
            .or_insert_with(|| (label.to_string(), vec![], vec![]));
        if baseline { &mut e.1 } else { &mut e.2 }.extend_from_slice(lat);
    }

    pub fn error(&mut self, e: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            eprintln!("bench: request failed: {e}");
            self.error_samples.push(e);
        }
    }

    pub fn render(&self, db: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n### {db}\n");
        let _ = writeln!(
            out,
            "| cell | baseline | service | service/baseline | latency p50 / p99 (B; S) |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---|");
        for r in &self.rows {
            let (b, s) = (median(&r.b), median(&r.s));
            let ratio = if r.higher_better { s / b } else { b / s };
            let lat = self
                .closed
                .get(&r.label)
                .map(|(lb, ls)| {
                    format!(
                        "{} / {}; {} / {}",
                        fmt(percentile(lb, 0.5), "ms"),
                        fmt(percentile(lb, 0.99), "ms"),
                        fmt(percentile(ls, 0.5), "ms"),
                        fmt(percentile(ls, 0.99), "ms")
                    )
                })
                .unwrap_or_default();
            let unit = if r.unit == "s" {
                String::new()
            } else {
                format!(" ({})", r.unit)
            };
            let _ = writeln!(
                out,
                "| {}{unit} | {} | {} | {ratio:.2} | {lat} |",
                r.label,
                fmt(b, r.unit),
                fmt(s, r.unit)
            );
        }
        for (label, b, s) in self.open.values() {
            for (name, p) in [("p50", 0.5), ("p99", 0.99)] {
                let (pb, ps) = (percentile(b, p), percentile(s, p));
                let _ = writeln!(
                    out,
                    "| {label} {name} | {} | {} | {:.2} | {} + {} requests |",
                    fmt(pb, "ms"),
                    fmt(ps, "ms"),
                    pb / ps,
                    b.len(),
                    s.len()
                );
            }
        }
        let by_n: Vec<String> = self
            .rss_by_n
            .iter()
            .map(|(n, kib)| format!("n={n}: {:.1} MiB", *kib as f64 / 1024.0))
            .collect();
        let _ = writeln!(
            out,
            "\nservice peak VmRSS during the k = max cells: {}",
            by_n.join(", ")
        );
        let _ = writeln!(
            out,
            "\nservice peak RSS under the k = max load (VmRSS sampled every 20 ms): {:.1} MiB; \
             service VmHWM over the whole run: {:.1} MiB; failed requests: {}; baseline \
             transactions retried after an immediate SQLITE_BUSY: {}; run time {:.0} s",
            self.rss_peak_kib as f64 / 1024.0,
            self.hwm_kib as f64 / 1024.0,
            self.errors,
            crate::baseline::RETRIES.swap(0, std::sync::atomic::Ordering::Relaxed),
            self.elapsed.as_secs_f64()
        );
        out
    }
}

pub fn machine_info(service_bin: &std::path::Path, smoke: bool, rounds: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kib| kib.parse::<u64>().ok())
        .unwrap_or(0);
    format!(
        "serialhub bench — {} UTC, commit {commit}, {nproc} CPUs ({cpu}), {:.1} GiB RAM, \
         service {}, mode {}, rounds {rounds}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        mem as f64 / 1048576.0,
        service_bin.display(),
        if smoke { "smoke" } else { "full" },
    )
}

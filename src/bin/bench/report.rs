//! Collecting figures and printing them as Markdown (pasted into docs/benchmarks.md).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Who did the work: the minimal baseline, the same-rows baseline, the service over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    M,
    B,
    S,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::M, Side::B, Side::S];

    fn index(self) -> usize {
        self as usize
    }
}

struct Row {
    label: String,
    unit: &'static str,
    higher_better: bool,
    values: [Vec<f64>; 3],
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    /// Request latencies by cell and side, seconds.
    latencies: BTreeMap<String, [Vec<f64>; 3]>,
    notes: Vec<String>,
    sections: Vec<String>,
    pub errors: usize,
    error_samples: Vec<String>,
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

pub fn fmt(v: f64, unit: &str) -> String {
    if v.is_nan() {
        return "–".into();
    }
    match unit {
        "s" => format!("{v:.3} s"),
        "ms" => format!("{:.1} ms", v * 1e3),
        "us" => format!("{:.1} µs", v * 1e6),
        _ => format!("{v:.0}"),
    }
}

fn ratio(s: f64, other: f64, higher_better: bool) -> String {
    let r = if higher_better { s / other } else { other / s };
    if r.is_finite() {
        format!("{r:.2}")
    } else {
        "–".into()
    }
}

impl Table {
    pub fn push(
        &mut self,
        label: &str,
        unit: &'static str,
        higher_better: bool,
        side: Side,
        v: f64,
    ) {
        let i = match self.rows.iter().position(|r| r.label == label) {
            Some(i) => i,
            None => {
                self.rows.push(Row {
                    label: label.into(),
                    unit,
                    higher_better,
                    values: Default::default(),
                });
                self.rows.len() - 1
            }
        };
        self.rows[i].values[side.index()].push(v);
    }

    /// The median so far of a cell for one side (NaN if it has none).
    pub fn median(&self, label: &str, side: Side) -> f64 {
        self.rows
            .iter()
            .find(|r| r.label == label)
            .map_or(f64::NAN, |r| median(&r.values[side.index()]))
    }

    pub fn latencies(&mut self, label: &str, side: Side, lat: &[f64]) {
        self.latencies.entry(label.into()).or_default()[side.index()].extend_from_slice(lat);
    }

    /// A line printed under the table.
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// A Markdown section printed after the table and its notes.
    pub fn section(&mut self, text: String) {
        self.sections.push(text);
    }

    pub fn error(&mut self, e: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            eprintln!("bench: request failed: {e}");
            self.error_samples.push(e);
        }
    }

    /// Counts the failures of a scratch table used for derived figures.
    pub fn absorb_errors(&mut self, other: Table) {
        self.errors += other.errors;
        self.error_samples.extend(other.error_samples);
    }

    pub fn render(&self, db: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n### {db}\n");
        if !self.rows.is_empty() {
            let _ = writeln!(
                out,
                "| cell | minimal | same rows | service | service / minimal | service / same rows | p50 / p99 (M; B; S) |"
            );
            let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---|");
        }
        for r in &self.rows {
            let [m, b, s] = [0, 1, 2].map(|i| median(&r.values[i]));
            let lat = self
                .latencies
                .get(&r.label)
                .map(|l| {
                    l.iter()
                        .map(|v| {
                            if v.is_empty() {
                                "–".to_string()
                            } else {
                                format!(
                                    "{} / {}",
                                    fmt(percentile(v, 0.5), "ms"),
                                    fmt(percentile(v, 0.99), "ms")
                                )
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {lat} |",
                r.label,
                fmt(m, r.unit),
                fmt(b, r.unit),
                fmt(s, r.unit),
                ratio(s, m, r.higher_better),
                ratio(s, b, r.higher_better),
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        for s in &self.sections {
            let _ = writeln!(out, "\n{s}");
        }
        let _ = writeln!(
            out,
            "\nservice VmHWM over the run: {:.1} MiB; failed requests: {}; same-rows baseline \
             transactions retried after an immediate SQLITE_BUSY: {}; run time {:.0} s",
            self.hwm_kib as f64 / 1024.0,
            self.errors,
            crate::baseline::RETRIES.swap(0, std::sync::atomic::Ordering::Relaxed),
            self.elapsed.as_secs_f64()
        );
        out
    }
}

pub fn machine_info(service_bin: &std::path::Path, mode: &str) -> String {
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
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "serialhub bench — {} UTC, commit {commit}, {nproc} CPUs ({cpu}), {:.1} GiB RAM, load \
         average {}, service {}, {mode}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        mem as f64 / 1048576.0,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        service_bin.display(),
    )
}

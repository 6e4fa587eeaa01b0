//! HTTP request metrics: a counter by method, route template and status, and a latency
//! histogram by method and route template. The template (`/v1/tenant/api_keys/{id}`), never the
//! path itself, keeps the number of series bounded; unmatched paths share one label.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::metrics::{Histogram, Text};

/// The route label of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Requests counted by this instance.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    counts: Mutex<HashMap<(String, String, u16), u64>>,
    latency: Mutex<HashMap<(String, String), std::sync::Arc<Histogram>>>,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        drop(counts);
        let histogram = {
            let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
            latency
                .entry((method.to_string(), route.to_string()))
                .or_default()
                .clone()
        };
        histogram.observe(seconds);
    }

    /// Writes both families.
    pub fn render(&self, out: &mut Text) {
        out.family(
            "serialhub_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        let mut counts: Vec<_> = self
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        counts.sort();
        for ((method, route, status), n) in counts {
            let status = status.to_string();
            out.sample(
                "serialhub_http_requests_total",
                &[("method", &method), ("route", &route), ("status", &status)],
                n as f64,
            );
        }
        out.family(
            "serialhub_http_request_duration_seconds",
            "histogram",
            "Time from the request's arrival to its response, by method and route template.",
        );
        let mut series: Vec<_> = self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        for ((method, route), h) in series {
            out.histogram(
                "serialhub_http_request_duration_seconds",
                &[("method", &method), ("route", &route)],
                &h,
            );
        }
    }
}

/// Counts and times every request (errors included: they are responses by now).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| UNMATCHED.to_string());
        metrics.record(
            &method,
            &route,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

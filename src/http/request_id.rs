//! `x-request-id` on every response (the caller's when it sent a sane one), and a tracing span per
//! request carrying it, so every log line of a request, including database errors, names it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// The id of the current request, in request extensions: the caller's, else the server's own.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The server's own id of the current request, which no caller chooses; recorded beside the
/// caller's in the audit trail, so an event cannot be made to point at another tenant's request.
#[derive(Debug, Clone)]
pub struct ServerRequestId(pub String);

fn from_caller(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(HEADER)?.to_str().ok()?.trim();
    let sane = !v.is_empty() && v.len() <= 200 && v.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| v.to_string())
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let server = uuid::Uuid::new_v4().to_string();
    let id = from_caller(&req).unwrap_or_else(|| server.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(ServerRequestId(server.clone()));
    let span = tracing::info_span!("request", request_id = %id, server_request_id = %server, method = %req.method(), path = %req.path());
    let started = std::time::Instant::now();
    // Inner layers turn their errors into responses (see `error_response` uses), so `?` here only
    // passes on failures actix itself could not render.
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    span.in_scope(|| {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, ms, "request failed");
        } else {
            tracing::info!(status, ms, "request done");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(res)
}

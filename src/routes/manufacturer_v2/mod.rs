//! Manufacturer V2 API (PRODUCT.md §3.3). Every request in this scope must carry a valid token and an
//! `x-channel-key` of the caller's own, enabled `manufacturer_v2_api` channel; the guard checks both
//! before any handler (or the scope's 404) runs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Error};

use crate::auth::extract::{authenticate, check_channel};
use crate::error::ApiError;

pub const PREFIX: &str = "/manufacturer/v2/api";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(PREFIX)
            .wrap(from_fn(channel_guard))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::not_found("Endpoint"))
            })),
    );
}

async fn channel_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let checked = match authenticate(req.request()).await {
        Ok(identity) => check_channel(req.request(), &identity).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        // Answer here, as a response, so the outer layers still add x-request-id.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

//! Manufacturer V2 API (PRODUCT.md §3.3). Every request in this scope must carry a valid token and an
//! `x-channel-key` of the caller's own, enabled `manufacturer_v2_api` channel; the guard checks both
//! before any handler (or the scope's 404) runs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Error};

use crate::auth::Role;
use crate::error::{ApiError, ErrorType};
use crate::http::identity::authenticate_with_channel;

pub(crate) mod aggregate;
pub(crate) mod serials;
pub(crate) mod ssccs;

pub const PREFIX: &str = "/manufacturer/v2/api";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(PREFIX)
            .wrap(from_fn(channel_guard))
            .route("/serials/commission", web::post().to(serials::commission))
            .route(
                "/serials/decommission",
                web::post().to(serials::decommission),
            )
            .route("/ssccs/request", web::post().to(ssccs::request))
            .route("/ssccs/release", web::post().to(ssccs::release))
            .route(
                "/aggregate/container",
                web::post().to(aggregate::on_container),
            )
            .route(
                "/aggregate/container",
                web::delete().to(aggregate::off_container),
            )
            .route(
                "/aggregate/trade_item",
                web::post().to(aggregate::on_trade_item),
            )
            .route(
                "/aggregate/trade_item",
                web::delete().to(aggregate::off_trade_item),
            )
            .route(
                "/aggregate/containers",
                web::post().to(aggregate::containers_on),
            )
            .route(
                "/aggregate/containers",
                web::delete().to(aggregate::containers_off),
            )
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::not_found("Endpoint"))
            })),
    );
}

async fn channel_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // Order of checks: token (401), channel (403 ChannelError), role (403 ForbiddenError).
    let checked = match authenticate_with_channel(req.request()).await {
        Ok((identity, _)) => identity.require_any(&[Role::Shopfloor]),
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        // Answer here, as a response, so the outer layers still add x-request-id.
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

/// More items than the configured maximum in one request: 413, nothing written.
pub fn check_count(count: usize, max: usize, field: &str) -> Result<(), ApiError> {
    if count > max {
        return Err(ApiError::new(
            ErrorType::PayloadTooLarge,
            format!("{field} lists {count} items; the limit per request is {max}"),
        ));
    }
    Ok(())
}

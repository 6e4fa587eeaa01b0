//! Tenant dashboard (PRODUCT.md §3.2): role `admin` on every endpoint.

use actix_web::web;

use crate::auth::Role;
use crate::http::write::WriteRoles;

pub(crate) mod api_keys;
pub(crate) mod channels;
pub(crate) mod info;
pub(crate) mod partnerships;
pub(crate) mod products;
pub(crate) mod serials;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/tenant")
            .app_data(WriteRoles(&[Role::Admin]))
            .route("", web::get().to(info::show))
            .route("/api_keys", web::post().to(api_keys::create))
            .route("/api_keys", web::get().to(api_keys::list))
            .route("/api_keys/{id}", web::delete().to(api_keys::revoke))
            .route(
                "/api_keys/{id}/static_token",
                web::post().to(api_keys::issue_static),
            )
            .route(
                "/api_keys/{id}/static_token",
                web::delete().to(api_keys::revoke_static),
            )
            .route("/channels", web::post().to(channels::create))
            .route("/channels", web::get().to(channels::list))
            .route("/channels/{id}", web::patch().to(channels::update))
            .route("/products", web::post().to(products::create))
            .route("/products", web::get().to(products::list))
            .route("/products/{product_code}", web::get().to(products::show))
            .route(
                "/products/{product_code}",
                web::patch().to(products::update),
            )
            .route(
                "/products/{product_code}/serials/generate",
                web::post().to(serials::generate),
            )
            .route(
                "/products/{product_code}/serials",
                web::get().to(serials::view),
            )
            .route(
                "/partnerships/{id}/serials",
                web::post().to(serials::assign),
            )
            .route("/partnerships", web::post().to(partnerships::create))
            .route("/partnerships", web::get().to(partnerships::list))
            .route("/partnerships/{id}", web::patch().to(partnerships::update))
            .route(
                "/partnerships/{id}/accept",
                web::post().to(partnerships::accept),
            ),
    );
}

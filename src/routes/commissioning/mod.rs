//! Commissioning views and release to market (PRODUCT.md §3.4): roles `release` or `admin`;
//! `audit` may read the views.

use actix_web::web;

use crate::auth::Role;
use crate::http::write::WriteRoles;

pub(crate) mod release;
pub(crate) mod views;

pub const READ_ROLES: [Role; 3] = [Role::Release, Role::Admin, Role::Audit];
pub const RELEASE_ROLES: [Role; 2] = [Role::Release, Role::Admin];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/commissioning")
            .route("/products", web::get().to(views::products))
            .route("/containers", web::get().to(views::containers))
            .route("/items", web::get().to(views::items))
            .service(
                web::resource("/release_to_market")
                    .app_data(WriteRoles(&RELEASE_ROLES))
                    .route(web::post().to(release::release)),
            ),
    );
}

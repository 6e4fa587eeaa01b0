//! The route table. One folder per API area, one file per resource.

use actix_web::web;

pub mod audit;
pub mod auth;
pub mod commissioning;
pub mod console;
pub mod lookup;
pub mod manufacturer_v2;
pub mod ops;
pub mod tenant;

pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    console::configure(cfg);
    cfg.service(
        web::scope("/v1")
            .configure(auth::configure)
            .configure(tenant::configure)
            .configure(lookup::configure)
            .configure(commissioning::configure)
            .configure(audit::configure)
            .configure(manufacturer_v2::configure),
    );
}

//! The OpenAPI 3.1 description of the API, served at `/openapi.json`: generated from the handlers'
//! `#[utoipa::path]` annotations and the request types' `ToSchema` derives, then completed by
//! `conventions` with what every operation shares (the error envelope and each error answer
//! it can give, the security schemes). `docs/api-reference.md` is rendered from it ([`markdown`]).

mod conventions;
pub mod markdown;

use std::sync::OnceLock;

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::routes;

/// Every success body: `{"success": true, "message"?, …}`; each operation adds its own fields.
#[derive(Serialize, ToSchema)]
pub struct Success {
    /// Always `true`.
    pub success: bool,
    /// For a person.
    pub message: Option<String>,
}

/// A page of a list: `{"success": true, "items": [...], "next": cursor | null}`.
#[derive(Serialize, ToSchema)]
pub struct Page {
    pub success: bool,
    pub items: Vec<serde_json::Value>,
    /// The cursor of the next page (`?after=`), `null` on the last.
    pub next: Option<String>,
}

/// One offending input of an error answer.
#[derive(Serialize, ToSchema)]
pub struct Detail {
    /// Where: a JSON path (`child_trade_items[3].serial_number`), a header or a parameter name.
    pub path: Option<String>,
    /// What is wrong with it.
    pub problem: String,
}

/// The error envelope of every answer that is not a success (PRODUCT.md §2).
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// The error type (PRODUCT.md §2.1).
    #[schema(example = "ValidationError")]
    pub error: String,
    /// For a person.
    pub message: String,
    /// Every offending input.
    pub details: Vec<Detail>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "serialhub",
        description = "Open, self-hostable serialization hub for pharmaceutical manufacturing: \
            the Manufacturer V2 API, tenant dashboard, commissioning and release, audit trail.",
        license(name = "Apache-2.0")
    ),
    paths(
        routes::ops::healthz,
        routes::ops::readyz,
        routes::ops::metrics,
        routes::ops::openapi_json,
        routes::auth::api_auth,
        routes::tenant::info::show,
        routes::tenant::api_keys::create,
        routes::tenant::api_keys::list,
        routes::tenant::api_keys::revoke,
        routes::tenant::api_keys::issue_static,
        routes::tenant::api_keys::revoke_static,
        routes::tenant::channels::create,
        routes::tenant::channels::list,
        routes::tenant::channels::update,
        routes::tenant::products::create,
        routes::tenant::products::list,
        routes::tenant::products::show,
        routes::tenant::partnerships::create,
        routes::tenant::partnerships::accept,
        routes::tenant::partnerships::update,
        routes::tenant::partnerships::list,
        routes::manufacturer_v2::serials::commission,
        routes::manufacturer_v2::serials::decommission,
        routes::manufacturer_v2::ssccs::request,
        routes::manufacturer_v2::ssccs::release,
        routes::manufacturer_v2::aggregate::on_container,
        routes::manufacturer_v2::aggregate::off_container,
        routes::manufacturer_v2::aggregate::on_trade_item,
        routes::manufacturer_v2::aggregate::off_trade_item,
        routes::manufacturer_v2::aggregate::containers_on,
        routes::manufacturer_v2::aggregate::containers_off,
        routes::commissioning::views::products,
        routes::commissioning::views::containers,
        routes::commissioning::views::items,
        routes::commissioning::release::release,
        routes::lookup::items::show,
        routes::lookup::containers::show,
        routes::audit::events::list,
        routes::audit::events::verify,
        routes::audit::epcis::export,
        routes::audit::reports::batch,
        routes::audit::checkpoint::checkpoint,
        routes::audit::checkpoint::keys,
    ),
    components(schemas(Success, Page, Detail, ErrorEnvelope, crate::domain::trade_item::TradeItemInput)),
    tags(
        (name = "auth", description = "Tokens from API keys"),
        (name = "tenant", description = "Tenant dashboard (role admin)"),
        (name = "manufacturer_v2", description = "Manufacturer V2 API (role shopfloor, x-channel-key)"),
        (name = "commissioning", description = "Commissioning views and release to market"),
        (name = "lookup", description = "One pack or container"),
        (name = "audit", description = "Audit trail, EPCIS export, reports"),
        (name = "ops", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("serialisable");
        conventions::apply(&mut doc);
        doc
    })
}

#[cfg(test)]
mod tests;

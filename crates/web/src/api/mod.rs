//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document.

mod auth;
pub(crate) mod calendar;
pub(crate) mod catalogue;
mod contract;
pub(crate) mod documents;
pub(crate) mod dossiers;
mod extract;
pub(crate) mod forms;
mod integrations;
mod ledger;
mod national;
pub(crate) mod news;
mod payments;
pub(crate) mod processes;
pub(crate) mod programme;
pub(crate) mod stats;
pub(crate) mod units;

pub use extract::{ApiJson, ApiQuery};

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua API",
        description = "Dịch vụ công một cửa cho chính quyền địa phương hai cấp. Every error is RFC 9457 problem+json with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Tokens and the current user"),
        (name = "calendar", description = "Lunar dates, holidays, working hours and statutory deadlines"),
        (name = "dossiers", description = "Submission, the queue, actions, history and documents"),
        (name = "documents", description = "Signature verification, agencies' public keys, the applicant's document store"),
        (name = "archive", description = "Retention, archive packages and destruction lists"),
        (name = "processes", description = "Internal processes: steps, roles, budgets, versions"),
        (name = "public", description = "What citizens see without signing in"),
        (name = "units", description = "Administrative units at a date (public)"),
        (name = "agencies", description = "Agencies; reads are public, changes need an administrator"),
        (name = "catalogue", description = "The procedure catalogue: search, details, statistics, drafts, publication, devolution, exports"),
        (name = "programme", description = "The transformation programme: tasks, reports, the review"),
        (name = "news", description = "Portal news and readers' ratings"),
        (name = "payments", description = "Fees: bank statements reconciled, refunds proposed and decided"),
        (name = "integrations", description = "Connectors to outside systems (the national portal, e-mail, SMS): their queues and dead letters"),
        (name = "stats", description = "Open data: the service-quality index (Decision 766/QĐ-TTg), its trend, the scorecard per agency, readiness; JSON or CSV"),
        (name = "meta", description = "This document"),
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every API route with its OpenAPI path: each module registers its own (`routes()`), so a
/// route cannot be served without being documented, nor documented without being served.
/// The paths are absolute (`/api/v1/…`, as written in each `#[utoipa::path]`), so the
/// router is merged at the root, not nested.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .merge(auth::routes())
        .merge(calendar::routes())
        .merge(dossiers::routes())
        .merge(documents::routes())
        .merge(processes::routes())
        .merge(units::routes())
        .merge(catalogue::routes())
        .merge(forms::routes())
        .merge(programme::routes())
        .merge(news::routes())
        .merge(integrations::routes())
        .merge(national::routes())
        .merge(payments::routes())
        .merge(ledger::routes())
        .merge(stats::routes())
}

/// The API's routes, under `/api/v1`.
pub(crate) fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// The OpenAPI document: the base above plus every module's paths and the schemas they use,
/// with what every operation shares (`contract`).
pub fn openapi() -> &'static serde_json::Value {
    static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
        let generated = serde_json::to_value(routes().split_for_parts().1)
            .expect("the OpenAPI document serialises");
        contract::complete(generated)
    });
    &DOCUMENT
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    axum::Json(openapi())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "Không có địa chỉ API này.",
    )
}

pub(crate) fn panic_problem(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("an API handler panicked");
    ApiError::internal().into_response()
}

//! Documents: streamed upload and download with a dossier, digitisation marks, signature
//! verification (by hash or by file), agencies' public keys, the applicant's document
//! store (wallet), and the archive's packages and destruction lists. The use cases are
//! in `motcua_app::documents`; here are the wire types and the handlers.

mod archive;
mod upload;
mod verify;
mod views;
mod wallet;

pub(crate) use views::*;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use chrono::{DateTime, FixedOffset, Utc};
use motcua_domain::calendar::VN_OFFSET;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Uploads stream and count against the configured limit themselves.
        .routes(routes!(upload::upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(upload::download))
        .routes(routes!(upload::mark_digitised))
        .routes(routes!(upload::withdraw_draft))
        .routes(routes!(upload::result_from_form))
        .routes(
            routes!(verify::verify_hash, verify::verify_file).layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(verify::signing_key))
        .routes(routes!(wallet::wallet))
        .routes(routes!(wallet::wallet_content))
        .routes(routes!(wallet::wallet_reads))
        .routes(routes!(archive::archivable))
        .routes(routes!(archive::packages))
        .routes(routes!(archive::destruction_lists))
        .routes(routes!(archive::destruction_list))
        .routes(routes!(archive::decide))
}

//! The applicant's document store (wallet) on the wire.

use super::vn_utc;
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::ApiUser;
use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, FixedOffset};
use motcua_app::documents::wallet as app_wallet;
use motcua_store::WalletItemRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A document in an applicant's store.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletItemView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The citizen ID or tax code it is kept under.
    pub holder_id: String,
    /// `result` or `component`.
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub source_dossier: String,
    #[schema(value_type = String, format = DateTime)]
    pub added_at: DateTime<FixedOffset>,
    /// Signed by an agency (results): check at `/api/v1/documents/verify?sha256=`.
    pub signed: bool,
    /// Send `{"from_wallet": id}` in a submission's `documents` instead of uploading it.
    pub reuse_as: serde_json::Value,
}

pub(crate) fn wallet_item_view(w: WalletItemRecord) -> WalletItemView {
    WalletItemView {
        reuse_as: serde_json::json!({ "from_wallet": w.id }),
        id: w.id,
        holder_id: w.holder_id,
        kind: w.kind,
        name: w.name,
        content_type: w.content_type,
        size_bytes: w.size_bytes,
        sha256: w.sha256,
        source_dossier: w.source_dossier,
        added_at: vn_utc(w.added_at),
        signed: w.signed,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletView {
    pub holders: Vec<String>,
    pub items: Vec<WalletItemView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WalletQuery {
    /// Citizens: one of the identities bound to their account (all of them by default).
    pub holder: Option<String>,
    /// Officers: a dossier their agency handles now; the store of its applicant is read,
    /// only what that dossier may reuse, and the read is recorded for the citizen to see.
    pub dossier: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WalletItemQuery {
    /// Officers: the dossier the store was opened from (as for the list).
    pub dossier: Option<String>,
}

/// The applicant's document store: digitised results and components kept under a citizen
/// ID or tax code, reusable in later submissions.
#[utoipa::path(
    get, path = "/api/v1/wallet", tag = "documents", params(WalletQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The store", body = WalletView),
        (status = 403, description = "`forbidden`: another's identity, or a dossier the officer's agency does not handle now", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`dossier_required` (officers)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn wallet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<WalletQuery>,
) -> ApiResult<Json<WalletView>> {
    let wallet = app_wallet::wallet(
        &state.app,
        &user.principal(),
        q.holder.as_deref(),
        q.dossier.as_deref(),
    )
    .await?;
    Ok(Json(WalletView {
        holders: wallet.holders,
        items: wallet.items.into_iter().map(wallet_item_view).collect(),
    }))
}

/// A stored document's bytes, checked against their SHA-256 on the way out.
#[utoipa::path(
    get, path = "/api/v1/wallet/{id}/content", tag = "documents",
    params(("id" = String, Path, description = "The wallet item"), WalletItemQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn wallet_content(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<WalletItemQuery>,
) -> ApiResult<Response> {
    let item = app_wallet::item(&state.app, &user.principal(), &id, q.dossier.as_deref()).await?;
    let (sha256, size, name) = (&item.sha256, item.size_bytes, &item.name);
    Ok(crate::download::blob(&state.app, sha256, size, &item.content_type, name).await?)
}

/// An officer's look at the citizen's store.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletReadView {
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
    /// The officer's username.
    pub officer: String,
    pub officer_name: String,
    pub agency_code: Option<String>,
    /// The dossier the store was opened from.
    pub dossier: Option<String>,
    /// The document opened, if one was (otherwise the list was read).
    pub opened_document: Option<String>,
}

/// Who looked at the signed-in citizen's stores, and when, newest first.
#[utoipa::path(
    get, path = "/api/v1/wallet/reads", tag = "documents",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every officer's read", body = Vec<WalletReadView>),
        (status = 403, description = "`forbidden`: citizens only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn wallet_reads(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<WalletReadView>>> {
    let reads = app_wallet::reads(&state.app, &user.principal()).await?;
    Ok(Json(
        reads
            .into_iter()
            .map(|r| WalletReadView {
                at: vn_utc(r.at),
                officer: r.officer,
                officer_name: r.officer_name,
                agency_code: r.agency_code,
                dossier: r.dossier,
                opened_document: r.opened_document,
            })
            .collect(),
    ))
}

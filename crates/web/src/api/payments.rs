//! The payment platform tells us of payments, server to server.

use crate::AppState;
use crate::api::extract::ApiJson;
use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::State;
use motcua_app::payments::platform::{self, Notified};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NotificationAnswer {
    /// `recorded`, `refund_due` (paid for a dossier that no longer owed it), `repeated` (this
    /// transaction was told before; nothing changed) or `failed`.
    pub result: &'static str,
}

/// A payment notification. Fields (names mapped by the platform's configuration):
/// `order_id`, `transaction_id`, `amount` (đồng), `status` (`paid` or `failed`), `paid_at` and
/// `sent_at` (RFC 3339; `sent_at` within 10 minutes of the server's clock) and `signature`,
/// the hex HMAC-SHA256 of the other fields sorted by name as `name=value` joined by `&`.
/// Each transaction is recorded once; only this notification marks a dossier paid.
#[utoipa::path(
    post, path = "/api/v1/payments/notifications", tag = "integrations",
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "Taken", body = NotificationAnswer),
        (status = 401, description = "`payment_signature_invalid`, `payment_notice_replayed` (sent more than 10 minutes from now)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`payment_order_unknown`, or `payment_platform_off`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`payment_amount_mismatch`, `payment_order_expired` (paid after the order ran out)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`payment_notice_malformed`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn notification(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<HashMap<String, serde_json::Value>>,
) -> ApiResult<Json<NotificationAnswer>> {
    // Numbers and strings alike, as text: the signature covers the text.
    let fields: BTreeMap<String, String> = body
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let result = match platform::notify(&state.app, fields).await? {
        Notified::Recorded => "recorded",
        Notified::RefundDue => "refund_due",
        Notified::Repeated => "repeated",
        Notified::Failed => "failed",
    };
    Ok(Json(NotificationAnswer { result }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(notification))
}

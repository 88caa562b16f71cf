//! Submission: online by a citizen (idempotent) or at the counter by a receiver.

use super::views::{DossierView, dossier_view};
use super::{ApplicantBody, SubmitRequest};
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::ApiUser;

use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::dossiers as app_dossiers;
use motcua_domain::account::Role;
use motcua_store::WalletAttachment;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct SubmitBody {
    #[schema(example = "1.001193")]
    pub procedure_code: String,
    /// The receiving agency. A receiver may leave it out (their own agency).
    #[schema(example = "000.25.40.H37")]
    pub agency_code: Option<String>,
    /// `online` for a citizen; `paper` (default) or `postal` at the counter.
    pub channel: Option<String>,
    pub applicant: ApplicantBody,
    /// At the counter: receive at once with a receipt and appointment date (default true).
    pub receive: Option<bool>,
    /// Components taken from the applicant's document store instead of being supplied
    /// again (`GET /api/v1/wallet`); each reuse is recorded.
    pub documents: Option<Vec<AttachBody>>,
    /// What the applicant declares on the procedure's electronic form
    /// (`GET /api/v1/procedures/{code}/form`). Checked against the published form: every
    /// problem comes back in the 422 answer's `errors`, by path (`members[2].birth_date`).
    #[schema(value_type = Option<Object>)]
    pub form_data: Option<serde_json::Value>,
}

impl SubmitBody {
    /// The SHA-256 of the body in canonical form (every object's keys in order, absent
    /// fields as null), so the same request in another layout replays. The declaration is
    /// moved into the canonical tree and back rather than copied.
    fn canonical_hash(&mut self) -> ApiResult<String> {
        let form_data = self.form_data.take();
        let mut canonical = serde_json::to_value(&*self).map_err(|_| ApiError::internal())?;
        if let Some(data) = form_data {
            canonical["form_data"] = data;
        }
        let mut hasher = Sha256::new();
        serde_json::to_writer(&mut hasher, &canonical).map_err(|_| ApiError::internal())?;
        self.form_data = canonical
            .as_object_mut()
            .and_then(|fields| fields.remove("form_data"))
            .filter(|data| !data.is_null());
        Ok(hex::encode(hasher.finalize()))
    }
}

/// A component taken from the applicant's store.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub(crate) struct AttachBody {
    /// A wallet item's id.
    #[schema(value_type = String, format = Uuid)]
    pub from_wallet: uuid::Uuid,
    /// The procedure component it supplies.
    pub component: Option<String>,
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key phải gồm 1 đến 200 ký tự ASCII nhìn thấy được.",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Registers a dossier: online by a citizen (send an `Idempotency-Key` so a retry never
/// makes a second dossier), or at the counter by a receiver (channel `paper`/`postal`),
/// received at once with its appointment date.
#[utoipa::path(
    post, path = "/api/v1/dossiers", tag = "dossiers", request_body = SubmitBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text per submission; a retry with the same key and body answers the same dossier")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The dossier (also for a replayed key, with `Idempotent-Replayed: true`)", body = DossierView),
        (status = 400, description = "`invalid_idempotency_key`, `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only citizens (online) and receivers (at their own counter) submit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_key_reused` (same key, another body), `form_version_changed` (a new version was published meanwhile)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_citizen_id`, `invalid_tax_code`, `invalid_phone`, `citizen_id_required`, `tax_code_required`, `invalid_email`, `invalid_channel`, `invalid_form_data` (with `errors`), `form_not_expected`, `procedure_not_published`, `no_approved_process`, `unknown_agency`…", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<SubmitBody>,
) -> ApiResult<Response> {
    user.require(&[Role::Citizen, Role::Receiver])?;
    let key = idempotency_key(&headers)?;
    // Parsed first, so a duplicate key is refused as on every other route.
    let request_hash = body.canonical_hash()?;
    let request = SubmitRequest {
        procedure_code: body.procedure_code,
        agency_code: body.agency_code,
        channel: body.channel,
        applicant: body.applicant.parse()?,
        receive: body.receive,
        idempotency: key.map(|key| (key, request_hash)),
        attachments: body
            .documents
            .unwrap_or_default()
            .into_iter()
            .map(|a| WalletAttachment {
                wallet_item_id: a.from_wallet,
                component: a
                    .component
                    .map(|c| c.trim().chars().take(500).collect::<String>())
                    .filter(|c| !c.is_empty()),
            })
            .collect(),
        form_data: body.form_data,
        offered_known: false,
    };
    let answered =
        app_dossiers::submit::submit_and_show(&state.app, &user.principal(), request).await?;
    let replayed = answered.replayed;
    let view = dossier_view(answered.detail);
    let location = format!("/api/v1/dossiers/{}", view.code);
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_hash_keeps_the_declaration_and_ignores_the_layout() {
        let written = r#"{"procedure_code": "1.001193", "form_data":
            {"owner": {"name": "Nguyễn Văn An"}, "capital": 500000000, "members": [{"name": "Bình"}]},
            "applicant": {"name": "Nguyễn Văn An", "kind": "person"}}"#;
        let reordered = r#"{"applicant": {"kind": "person", "name": "Nguyễn Văn An"},
            "form_data": {"members": [{"name": "Bình"}], "capital": 500000000,
            "owner": {"name": "Nguyễn Văn An"}}, "procedure_code": "1.001193"}"#;
        let mut body: SubmitBody = serde_json::from_str(written).unwrap();
        let before = body.form_data.clone();
        // The hash of the whole body as one canonical tree, as replays stored earlier have it.
        let tree = serde_json::to_value(&body).unwrap().to_string();
        let hash = body.canonical_hash().unwrap();
        assert_eq!(hash, hex::encode(Sha256::digest(tree.as_bytes())));
        assert_eq!(body.form_data, before);
        let mut other: SubmitBody = serde_json::from_str(reordered).unwrap();
        assert_eq!(other.canonical_hash().unwrap(), hash);

        let mut changed: SubmitBody =
            serde_json::from_str(&written.replace("500000000", "500000001")).unwrap();
        assert_ne!(changed.canonical_hash().unwrap(), hash);
        let mut without: SubmitBody = serde_json::from_str(
            r#"{"procedure_code": "1.001193", "applicant": {"kind": "person", "name": "An"}}"#,
        )
        .unwrap();
        let tree = serde_json::to_value(&without).unwrap().to_string();
        assert_eq!(
            without.canonical_hash().unwrap(),
            hex::encode(Sha256::digest(tree.as_bytes()))
        );
        assert_eq!(without.form_data, None);
    }
}

//! The citizens' public lookup and rating.

use super::views::{RatingView, rating_view};
use super::{RatingBody, vn};
use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::MaybeUser;

use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use chrono::{DateTime, FixedOffset};
use motcua_app::dossiers as app_dossiers;
use motcua_app::dossiers::public::PublicDetail;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CheckQuery {
    /// The last 4 digits of the applicant's phone number or citizen ID (or tax code).
    #[param(example = "5678")]
    check: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicStepView {
    pub no: usize,
    pub name: String,
    /// `done`, `current` or `pending`.
    pub progress: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicApplicantView {
    pub kind: String,
    /// A person's name as initials and given name.
    pub name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
}

/// What anyone holding the code and the check digits may see.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicDossierView {
    pub code: String,
    pub procedure_name: String,
    pub receiving_agency: String,
    pub receiving_agency_name: Option<String>,
    pub state: String,
    pub state_label: String,
    pub national_status: u8,
    pub applicant: PublicApplicantView,
    pub steps: Vec<PublicStepView>,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<DateTime<FixedOffset>>,
    /// The applicant may rate the handling now.
    pub can_rate: bool,
    pub rating: Option<RatingView>,
}

pub(crate) fn public_view(p: PublicDetail) -> PublicDossierView {
    let d = &p.record.dossier;
    PublicDossierView {
        code: p.record.code().to_owned(),
        procedure_name: p.record.procedure_name.clone(),
        receiving_agency: d.receiving_agency.to_string(),
        receiving_agency_name: p.receiving_agency_name,
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: d.state.national_status().into(),
        applicant: PublicApplicantView {
            kind: p.applicant.kind.as_str().into(),
            name: p.applicant.name,
            citizen_id: p.applicant.citizen_id,
            phone: p.applicant.phone,
        },
        steps: p
            .steps
            .into_iter()
            .map(|s| PublicStepView {
                no: s.no,
                name: s.name,
                progress: s.progress.as_str().into(),
            })
            .collect(),
        submitted_at: vn(d.submitted_at),
        received_at: d.received_at.map(vn),
        due_at: d.due_at.map(vn),
        finished_at: d.finished_at.map(vn),
        returned_at: d.returned_at.map(vn),
        can_rate: p.can_rate,
        rating: d.rating.as_ref().map(rating_view),
    }
}

/// Public lookup: status, steps and appointment date, with personal data masked. Needs the
/// last 4 digits of the applicant's phone or citizen ID; wrong guesses are rate-limited
/// per client address and per code.
#[utoipa::path(
    get, path = "/api/v1/public/dossiers/{code}", tag = "public", params(("code" = String, Path, description = "The dossier code"), CheckQuery),
    responses(
        (status = 200, description = "The dossier, masked", body = PublicDossierView),
        (status = 404, description = "`dossier_not_found` (unknown code or wrong check digits)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn public_lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> ApiResult<Json<PublicDossierView>> {
    let record = app_dossiers::public::lookup(&state.app, peer.ip(), &code, &q.check).await?;
    let detail = app_dossiers::public::public_detail(&state.app, record).await?;
    Ok(Json(public_view(detail)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PublicRatingBody {
    /// The last 4 digits of the applicant's phone or citizen ID.
    pub check: String,
    #[serde(flatten)]
    pub rating: RatingBody,
}

/// The applicant rates the handling, once, after the result was returned.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/rating", tag = "public", request_body = PublicRatingBody,
    params(("code" = String, Path, description = "The dossier code")),
    responses(
        (status = 200, description = "The dossier with its rating", body = PublicDossierView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`action_not_allowed` (not returned yet), `already_rated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`rating_score_out_of_range`, `empty_rating`, `unknown_rating_criterion`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn public_rating(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    MaybeUser(_): MaybeUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublicRatingBody>,
) -> ApiResult<Json<PublicDossierView>> {
    let after =
        app_dossiers::public::rate(&state.app, peer.ip(), &code, &body.check, &body.rating).await?;
    let detail = app_dossiers::public::public_detail(&state.app, after).await?;
    Ok(Json(public_view(detail)))
}

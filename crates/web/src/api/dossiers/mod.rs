//! Dossiers: online submission (idempotent) and counter receipt, the officers' queue, a
//! dossier with its history and the actions this user may take, actions under optimistic
//! concurrency, documents, and the citizens' public lookup and rating.

mod one;
mod public;
mod queue;
mod submit;
mod views;

use crate::AppState;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use motcua_domain::calendar::{VN_OFFSET, from_vn_local};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(crate) use motcua_app::dossiers::act::{ActionInput as ActionBody, RatingInput as RatingBody};
pub(crate) use motcua_app::dossiers::submit::{ApplicantInput as ApplicantBody, SubmitRequest};

pub(crate) fn vn(local: NaiveDateTime) -> DateTime<FixedOffset> {
    from_vn_local(local)
}

pub(crate) fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue::list, submit::submit))
        .routes(routes!(queue::counts))
        .routes(routes!(one::one))
        .routes(routes!(one::events))
        .routes(routes!(one::payment))
        .routes(routes!(one::act))
        .routes(routes!(public::public_lookup))
        .routes(routes!(public::public_rating))
}

//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document.

mod auth;
pub(crate) mod calendar;
pub(crate) mod catalogue;
pub(crate) mod documents;
pub(crate) mod dossiers;
mod extract;
pub(crate) mod news;
pub(crate) mod processes;
pub(crate) mod programme;
pub(crate) mod stats;
pub(crate) mod units;

pub use extract::{ApiJson, ApiQuery};

use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua API",
        description = "Dịch vụ công một cửa cho chính quyền địa phương hai cấp. Every error is RFC 9457 problem+json with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    paths(
        auth::issue_token, auth::me, openapi_json,
        calendar::lunar, calendar::solar, calendar::holidays, calendar::due,
        calendar::arrangements, calendar::arrangement, calendar::put_arrangement,
        calendar::working_hours, calendar::put_working_hours,
        dossiers::submit, dossiers::list, dossiers::counts, dossiers::one, dossiers::events,
        dossiers::act, documents::upload, documents::download, documents::mark_digitised,
        documents::verify_hash, documents::verify_file, documents::signing_key,
        documents::wallet, documents::wallet_content,
        documents::archivable, documents::packages, documents::destruction_lists,
        documents::destruction_list, documents::decide,
        dossiers::public_lookup, dossiers::public_rating,
        processes::list, processes::draft, processes::one, processes::approve, processes::missing,
        units::list_units, units::get_unit, units::unit_children, units::unit_predecessors,
        units::unit_successors, units::list_agencies, units::get_agency, units::create_agency,
        units::update_agency,
        catalogue::list, catalogue::detail, catalogue::create, catalogue::save_draft,
        catalogue::publish, catalogue::devolve, catalogue::stats, catalogue::applicable,
        catalogue::export, catalogue::sectors,
        programme::programme, programme::task, programme::post_update, programme::review,
        news::list, news::article, news::rate,
        stats::quality, stats::trend, stats::agencies, stats::readiness,
    ),
    components(schemas(
        Problem, auth::TokenRequest, auth::TokenResponse, crate::auth::AuthUser, crate::auth::AuthVia,
        calendar::LunarDateView, calendar::SolarDateView, calendar::HolidayView, crate::calendar::DueAnswer,
        calendar::ArrangementBody, calendar::ArrangementView, calendar::DayOffBody,
        calendar::WorkingHoursBody, calendar::WorkingHoursView, calendar::WeekdayName,
        calendar::SessionBody, calendar::SeasonBody, calendar::MonthDayBody,
        dossiers::DossierView, dossiers::ApplicantView, dossiers::ActionView, dossiers::EventView,
        dossiers::SheetRowView, dossiers::CurrentStepView, dossiers::AttachBody,
        documents::DocumentView, documents::DigitisationView, documents::RequiredComponentView,
        documents::SignatureCheckView, documents::VerificationView, documents::SigningKeyView,
        documents::WalletItemView, documents::WalletView, documents::RetentionView,
        documents::PackageView, documents::DestructionListView, documents::DecisionBody,
        dossiers::RatingView, dossiers::RatingScoreView, dossiers::ApplicantBody, dossiers::SubmitBody,
        dossiers::SummaryView, dossiers::QueueView, dossiers::CountView, dossiers::HistoryView,
        dossiers::ActionBody, dossiers::RatingBody, dossiers::PublicStepView,
        dossiers::PublicApplicantView, dossiers::PublicDossierView, dossiers::PublicRatingBody,
        processes::StepBody, processes::ProcessBody, processes::StepView, processes::ProcessView,
        processes::MissingView,
        units::UnitView, units::UnitList, units::UnitDetail, units::SuccessionView,
        units::AgencyView, units::AgencyInput,
        catalogue::ProcedureSummary, catalogue::ProcedureList, catalogue::ProcedureDetail,
        catalogue::VersionInfo, catalogue::PublicationRequest, catalogue::PublicationResponse,
        catalogue::DevolutionRequest, catalogue::CatalogueStats, catalogue::Count,
        catalogue::DecisionStat, catalogue::SetStat, catalogue::Applicable, catalogue::SectorView,
        motcua_app::programme::AgencyRef, programme::TaskView, programme::GroupView, programme::ProgrammeView,
        programme::UpdateView, programme::TaskDetailView, programme::UpdateBody,
        motcua_app::programme::LateTaskView, motcua_app::programme::GroupReviewView,
        motcua_app::programme::ChangeView, motcua_app::programme::ReviewView,
        news::RatingView, news::ArticleSummaryView, news::ArticleView, news::RatingBody,
        stats::PeriodView, stats::CountsView, stats::QualityIndicatorView, stats::QualityGroupView,
        stats::CatalogueView, stats::QualityView, stats::TrendMonthView, stats::TrendView,
        stats::QualityGroupBriefView, stats::AgencyScoreView, stats::AgencyScoresView,
        motcua_app::stats::Readiness, motcua_app::stats::Ratio, motcua_app::stats::DecisionReadiness,
        motcua_app::stats::SetReadiness,
    )),
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

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/auth/token", post(auth::issue_token))
        .route("/me", get(auth::me))
        .route("/calendar/lunar", get(calendar::lunar))
        .route("/calendar/solar", get(calendar::solar))
        .route("/calendar/holidays", get(calendar::holidays))
        .route("/calendar/due", get(calendar::due))
        .route("/calendar/arrangements", get(calendar::arrangements))
        .route(
            "/calendar/arrangements/{year}",
            get(calendar::arrangement).put(calendar::put_arrangement),
        )
        .route(
            "/agencies/{code}/working-hours",
            get(calendar::working_hours).put(calendar::put_working_hours),
        )
        .route("/dossiers", get(dossiers::list).post(dossiers::submit))
        .route("/dossiers/counts", get(dossiers::counts))
        .route("/dossiers/{code}", get(dossiers::one))
        .route("/dossiers/{code}/events", get(dossiers::events))
        .route("/dossiers/{code}/actions", post(dossiers::act))
        // Uploads stream and count against the configured limit themselves.
        .route(
            "/dossiers/{code}/documents",
            post(documents::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/dossiers/{code}/documents/{id}", get(documents::download))
        .route(
            "/dossiers/{code}/documents/{id}/digitised",
            post(documents::mark_digitised),
        )
        .route(
            "/documents/verify",
            get(documents::verify_hash)
                .post(documents::verify_file)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/agencies/{code}/signing-key", get(documents::signing_key))
        .route("/wallet", get(documents::wallet))
        .route("/wallet/{id}/content", get(documents::wallet_content))
        .route("/archive/archivable", get(documents::archivable))
        .route("/archive/packages", get(documents::packages))
        .route(
            "/archive/destruction-lists",
            get(documents::destruction_lists),
        )
        .route(
            "/archive/destruction-lists/{id}",
            get(documents::destruction_list),
        )
        .route(
            "/archive/destruction-lists/{id}/decision",
            post(documents::decide),
        )
        .route("/public/dossiers/{code}", get(dossiers::public_lookup))
        .route(
            "/public/dossiers/{code}/rating",
            post(dossiers::public_rating),
        )
        .route("/processes", get(processes::list).post(processes::draft))
        .route("/processes/missing", get(processes::missing))
        .route("/processes/{id}", get(processes::one))
        .route("/processes/{id}/approve", post(processes::approve))
        .route("/units", get(units::list_units))
        .route("/units/{code}", get(units::get_unit))
        .route("/units/{code}/children", get(units::unit_children))
        .route("/units/{code}/predecessors", get(units::unit_predecessors))
        .route("/units/{code}/successors", get(units::unit_successors))
        .route(
            "/agencies",
            get(units::list_agencies).post(units::create_agency),
        )
        .route(
            "/agencies/{code}",
            get(units::get_agency).put(units::update_agency),
        )
        .route("/procedures", get(catalogue::list).post(catalogue::create))
        .route(
            "/procedures/{code}",
            get(catalogue::detail).put(catalogue::save_draft),
        )
        .route("/procedures/{code}/devolutions", post(catalogue::devolve))
        .route("/publications", post(catalogue::publish))
        .route("/catalogue/stats", get(catalogue::stats))
        .route("/catalogue/applicable", get(catalogue::applicable))
        .route("/catalogue/export", get(catalogue::export))
        .route("/sectors", get(catalogue::sectors))
        .route("/programme", get(programme::programme))
        .route("/programme/review", get(programme::review))
        .route("/programme/tasks/{id}", get(programme::task))
        .route(
            "/programme/tasks/{id}/updates",
            post(programme::post_update),
        )
        .route("/news", get(news::list))
        .route("/news/{slug}", get(news::article))
        .route("/news/{slug}/ratings", post(news::rate))
        .route("/stats/quality", get(stats::quality))
        .route("/stats/quality/trend", get(stats::trend))
        .route("/stats/quality/agencies", get(stats::agencies))
        .route("/stats/readiness", get(stats::readiness))
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
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

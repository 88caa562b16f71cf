//! Server-rendered pages. Each works without JavaScript.

mod accounts;
mod calendar;
mod catalogue;
pub(crate) mod dashboard;
mod documents;
mod dossier_common;
mod dossiers;
mod home;
mod integrations;
pub(crate) mod login;
mod news;
mod oidc;
mod payments;
pub(crate) use integrations::connector_label;
mod notifications;
mod processes;
mod programme;
mod units;
mod view;
mod work;

pub use dossier_common::qr_svg;

use crate::AppState;
use crate::auth::{AuthUser, Identity};
use crate::csrf::CsrfToken;
use crate::prefs::Preferences;
use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", get(login::logout_form).post(login::logout))
        .route("/auth/oidc/{provider}/start", get(oidc::start))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route(
            "/auth/oidc/link",
            get(oidc::link_form).post(oidc::link_submit),
        )
        .route("/preferences", post(preferences))
        .route("/calendar", get(calendar::year_view))
        .route(
            "/calendar/arrangements/{year}",
            get(calendar::arrangement_form).post(calendar::arrangement_submit),
        )
        .route("/units", get(units::units))
        .route("/units/{code}", get(units::unit))
        .route(
            "/admin/agencies",
            get(units::agencies).post(units::create_agency),
        )
        .route(
            "/admin/agencies/{code}",
            get(units::edit_agency).post(units::save_agency),
        )
        .route(
            "/admin/agencies/{code}/payment-account",
            post(units::save_payment_account),
        )
        .route("/transition", get(units::transition))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/dashboard/dossiers", get(dashboard::dossiers))
        .route("/programme", get(programme::overview))
        .route(
            "/programme/review",
            get(programme::review).post(programme::close_review),
        )
        .route("/programme/export.csv", get(programme::export_csv))
        .route("/programme/export.xlsx", get(programme::export_xlsx))
        .route(
            "/programme/tasks/{id}",
            get(programme::task).post(programme::task_update),
        )
        .route(
            "/dossiers/{code}/documents",
            get(documents::dossier_documents)
                .post(documents::dossier_upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/dossiers/{code}/documents/{id}/digitised",
            post(documents::dossier_digitise),
        )
        .route(
            "/dossiers/{code}/documents/{id}/withdraw",
            post(documents::dossier_withdraw_draft),
        )
        .route(
            "/dossiers/{code}/results/print",
            get(documents::result_print),
        )
        .route(
            "/verify",
            get(documents::verify)
                .post(documents::verify_upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/wallet", get(documents::wallet))
        .route("/admin/users", get(accounts::list))
        .route("/admin/users/{username}", post(accounts::change))
        .route("/admin/sso/{agency}", post(accounts::agency_sso))
        .route("/admin/integrations", get(integrations::page))
        .route(
            "/admin/integrations/national-catalogue",
            post(integrations::import_catalogue),
        )
        .route(
            "/admin/integrations/messages/{id}/retry",
            post(integrations::retry),
        )
        .route(
            "/admin/integrations/messages/{id}/drop",
            post(integrations::drop),
        )
        .route("/admin/archive", get(documents::archive))
        .route("/admin/archive/lists/{id}", post(documents::archive_decide))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::mark_read))
        .route("/news", get(news::list))
        .route("/news/new", get(news::new_form).post(news::create))
        .route("/news/{slug}", get(news::article))
        .route("/news/{slug}/ratings", post(news::rate))
        .route("/news/{slug}/edit", get(news::edit_form).post(news::update))
        .route("/static/motcua.css", get(stylesheet))
        .route("/static/logo.svg", get(logo))
        .route("/favicon.ico", get(logo))
        .route("/static/dossiers.css", get(dossier_stylesheet))
        .route(
            "/procedures/{code}/submit",
            get(dossiers::submit_form)
                .post(dossiers::submit)
                .layer(axum::extract::DefaultBodyLimit::max(SUBMISSION_BODY_LIMIT)),
        )
        .route("/lookup", get(dossiers::lookup))
        .route("/lookup/{code}", get(dossiers::applicant_dossier))
        .route("/lookup/{code}/submitted", get(dossiers::submitted))
        .route("/lookup/{code}/rating", post(dossiers::rate))
        .route("/lookup/{code}/pay", post(dossiers::pay))
        .route("/payments/return", get(dossiers::payment_return))
        .route(
            "/payments/statements",
            get(payments::statements_form)
                .post(payments::statements_import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    motcua_app::payments::statements::MAX_BYTES,
                )),
        )
        .route("/payments/refunds", get(payments::refunds_list))
        .route("/payments/refunds/propose", post(payments::refunds_propose))
        .route("/payments/refunds/decide", post(payments::refunds_decide))
        .route(
            "/lookup/{code}/receipts/{id}",
            get(dossiers::applicant_receipt),
        )
        .route(
            "/lookup/{code}/payment-request",
            get(dossiers::applicant_payment_request),
        )
        .route(
            "/work/dossiers/{code}/receipts/{id}",
            get(dossiers::officer_receipt),
        )
        .route(
            "/work/dossiers/{code}/payment-request",
            get(dossiers::officer_payment_request),
        )
        .route(
            "/lookup/{code}/documents/{id}",
            get(dossiers::applicant_document),
        )
        .route(
            "/lookup/{code}/results/print",
            get(dossiers::applicant_result),
        )
        .route("/lookup/{code}/forms/{form}", get(dossiers::applicant_form))
        .route(
            "/lookup/{code}/declaration.pdf",
            get(dossiers::applicant_declaration),
        )
        .route(
            "/lookup/{code}/supplement",
            post(dossiers::applicant_supplement).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/my/dossiers", get(dossiers::my_dossiers))
        .route("/my/dossiers/{code}", get(dossiers::my_dossier))
        .route("/my/drafts/{code}/delete", post(dossiers::delete_draft))
        .route("/work", get(work::queue))
        .route("/work/counter", get(work::counter_form).post(work::counter))
        .route("/work/dossiers/{code}", get(work::dossier))
        .route("/work/dossiers/{code}/actions", post(work::act))
        .route("/work/dossiers/{code}/documents/{id}", get(work::document))
        .route("/work/dossiers/{code}/forms/{form}", get(work::print_form))
        .route(
            "/work/dossiers/{code}/results/from-form",
            post(work::result_from_form),
        )
        .route(
            "/work/dossiers/{code}/declaration.pdf",
            get(work::declaration_pdf),
        )
        .route("/processes", get(processes::list))
        .route(
            "/processes/new",
            get(processes::new_form).post(processes::create),
        )
        .route(
            "/processes/{id}",
            get(processes::detail).post(processes::save),
        )
        .route("/processes/{id}/approve", post(processes::approve))
        .route("/procedures", get(catalogue::list))
        .route("/procedures.xlsx", get(download_xlsx))
        .route("/procedures.csv", get(download_csv))
        .route("/procedures.json", get(download_json))
        .route(
            "/procedures/new",
            get(catalogue::new_form).post(catalogue::create),
        )
        .route("/procedures/{code}", get(catalogue::detail))
        .route("/procedures/{code}/form-data.csv", get(work::form_data_csv))
        .route(
            "/procedures/{code}/form-data.xlsx",
            get(work::form_data_xlsx),
        )
        .route(
            "/procedures/{code}/edit",
            get(catalogue::edit_form).post(catalogue::save),
        )
        .route(
            "/procedures/{code}/form",
            get(catalogue::designer_page).post(catalogue::designer_submit),
        )
        .route(
            "/procedures/{code}/devolve",
            get(catalogue::devolve_form).post(catalogue::devolve_submit),
        )
        .route(
            "/publications",
            get(catalogue::publications_form).post(catalogue::publications_submit),
        )
}

/// The online form's largest body: every required document at its largest, and the fields.
pub(super) const SUBMISSION_BODY_LIMIT: usize = 8 * crate::dossiers::MAX_DOCUMENT_BYTES;

async fn download_xlsx(State(state): State<AppState>, chrome: Chrome) -> Response {
    catalogue::download(state, chrome, motcua_exchange::Format::Xlsx).await
}

async fn download_csv(State(state): State<AppState>, chrome: Chrome) -> Response {
    catalogue::download(state, chrome, motcua_exchange::Format::Csv).await
}

async fn download_json(State(state): State<AppState>, chrome: Chrome) -> Response {
    catalogue::download(state, chrome, motcua_exchange::Format::Json).await
}

/// What every page's frame needs: names, preferences, the CSRF token and the user.
#[derive(Clone)]
pub(crate) struct Chrome {
    pub portal_name: String,
    pub province_name: String,
    pub html_class: String,
    pub csrf_token: String,
    pub user: Option<AuthUser>,
    /// The current path, so preference buttons come back here.
    pub here: String,
    /// The signed-in user's unread notifications.
    pub unread: i64,
}

impl Chrome {
    pub fn role_label(&self) -> &'static str {
        self.user.as_ref().map_or("", |u| u.role.label_vi())
    }

    /// Whether the user administers agencies (all of them, or their own).
    pub fn manages_agencies(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                motcua_domain::account::Role::ProvinceAdmin
                    | motcua_domain::account::Role::UnitAdmin
            )
        })
    }

    /// A signed-in citizen: their own dossiers and their document store.
    pub fn is_citizen(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == motcua_domain::account::Role::Citizen)
    }

    /// Anyone who works in the system rather than uses it: officers, administrators,
    /// auditors (the footer offers them the API and the health check).
    pub fn is_staff_or_admin(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role != motcua_domain::account::Role::Citizen)
    }

    /// Staff: the dossier queue (officers act; administrators and auditors read).
    pub fn is_officer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_staff())
    }

    /// Those who propose or decide refunds.
    pub fn handles_fees(&self) -> bool {
        use motcua_domain::account::Role;
        self.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                Role::Receiver | Role::Leader | Role::UnitAdmin | Role::ProvinceAdmin
            )
        })
    }

    /// Those who reconcile bank statements.
    pub fn reconciles(&self) -> bool {
        self.handles_fees()
            && self
                .user
                .as_ref()
                .is_some_and(|u| u.role != motcua_domain::account::Role::Leader)
    }

    /// Those who draft or approve internal processes (and auditors, who read them).
    pub fn manages_processes(&self) -> bool {
        use motcua_domain::account::Role;
        self.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                Role::ProvinceAdmin | Role::UnitAdmin | Role::Leader | Role::Auditor
            )
        })
    }

    /// The archive and the connectors' queues (province administrators and auditors).
    pub fn sees_archive(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                motcua_domain::account::Role::ProvinceAdmin | motcua_domain::account::Role::Auditor
            )
        })
    }

    /// Whether the user may see the transition plan.
    pub fn sees_transition(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            matches!(
                u.role,
                motcua_domain::account::Role::ProvinceAdmin | motcua_domain::account::Role::Auditor
            )
        })
    }
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut chrome = chrome_of(parts, state);
        if let Some(user) = &chrome.user {
            chrome.unread = motcua_app::notifications::unread(&state.app, &user.principal())
                .await
                .unwrap_or_default();
        }
        Ok(chrome)
    }
}

fn chrome_of(parts: &Parts, state: &AppState) -> Chrome {
    let jar = CookieJar::from_headers(&parts.headers);
    Chrome {
        portal_name: state.config.portal_name.clone(),
        province_name: state.province_name(),
        html_class: Preferences::from_cookies(&jar).html_class(),
        csrf_token: parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default(),
        user: parts.extensions.get::<Identity>().and_then(|i| i.0.clone()),
        here: parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
        unread: 0,
    }
}

/// Renders a template into an HTML response; a rendering failure becomes a plain 500.
pub(crate) fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hiển thị trang").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    heading: String,
    message: String,
}

fn heading_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Yêu cầu không hợp lệ",
        403 => "Không được phép",
        404 => "Không tìm thấy trang",
        413 => "Dữ liệu quá lớn",
        429 => "Quá nhiều yêu cầu",
        500..=599 => "Hệ thống đang gặp sự cố",
        _ => "Có lỗi xảy ra",
    }
}

/// A readable error page outside any request context (no user, default preferences).
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let chrome = Chrome {
        portal_name: crate::WebConfig::default().portal_name,
        province_name: String::new(),
        html_class: Preferences::default().html_class(),
        csrf_token: String::new(),
        user: None,
        here: "/".into(),
        unread: 0,
    };
    error_page_with(chrome, status, message)
}

pub(crate) fn error_page_with(chrome: Chrome, status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        chrome,
        status: status.as_u16(),
        heading: heading_for(status).to_owned(),
        message: motcua_domain::text::sentence(message).into_owned(),
    };
    let mut response = render(status, &page);
    crate::error::add_retry_after(status, response.headers_mut());
    response
}

pub(crate) async fn not_found(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::NOT_FOUND,
        "Trang bạn tìm không tồn tại hoặc đã được chuyển đi. Hãy quay về trang chủ.",
    )
}

pub(crate) fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a page handler panicked");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Đã có lỗi ngoài dự kiến. Vui lòng thử lại sau ít phút.",
    )
}

/// A page handler's failure, already rendered as a readable page (boxed: responses are large).
pub(crate) struct PageError(pub Box<Response>);

impl PageError {
    pub fn new(status: StatusCode, message: &str) -> PageError {
        PageError(Box::new(error_page(status, message)))
    }
}

impl PageError {
    /// The one place a use case's error becomes a page: the status of the API's table and
    /// the Vietnamese detail (internal failures are logged and shown in general words).
    pub fn app(chrome: Chrome, err: motcua_app::AppError) -> PageError {
        let err = crate::error::logged(err);
        PageError(Box::new(error_page_with(
            chrome,
            crate::error::status_of(&err),
            &err.detail(),
        )))
    }
}

impl PageError {
    /// An error from an API helper a page still shares (areas not yet moved into app):
    /// the same status and Vietnamese detail.
    pub fn api(chrome: Chrome, err: impl Into<crate::error::ApiError>) -> PageError {
        PageError(Box::new(dossier_common::api_error_page(chrome, err)))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<motcua_store::StoreError> for PageError {
    fn from(err: motcua_store::StoreError) -> PageError {
        tracing::error!(error = %err, "store error on a page");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Không đọc được dữ liệu. Vui lòng thử lại sau ít phút.",
        )
    }
}

/// A use case's error where no page chrome is at hand (`?` in a handler).
impl From<motcua_app::AppError> for PageError {
    fn from(err: motcua_app::AppError) -> PageError {
        let err = crate::error::logged(err);
        PageError::new(crate::error::status_of(&err), &err.detail())
    }
}

#[derive(Deserialize)]
struct PreferencesForm {
    font: Option<String>,
    contrast: Option<String>,
    next: Option<String>,
}

async fn preferences(
    axum::extract::State(state): axum::extract::State<AppState>,
    jar: CookieJar,
    Form(form): Form<PreferencesForm>,
) -> impl IntoResponse {
    let prefs =
        Preferences::from_cookies(&jar).apply(form.font.as_deref(), form.contrast.as_deref());
    let [font, contrast] = prefs.cookies(state.config.cookie_secure);
    (
        jar.add(font).add(contrast),
        Redirect::to(&crate::auth::safe_next(form.next.as_deref())),
    )
}

async fn dossier_stylesheet(_: Request) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/dossiers.css"),
    )
}

/// The portal's emblem: the header's logo and the browsers' tab icon (`/favicon.ico` too,
/// which browsers ask for on every page whether or not a page names an icon).
async fn logo() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/logo.svg"),
    )
}

async fn stylesheet(_: Request) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/motcua.css"),
    )
}

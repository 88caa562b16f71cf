//! The applicant's own pages under `/lookup/{code}`: their dossier, its documents and
//! signed result, the forms the agency issued to them, and sending a supplement. The
//! signed-in owner opens them with their session; anyone else with the pass a successful
//! lookup set as a cookie scoped to that dossier's path.

use super::lookup::{LookupPage, criteria, lookup_result};
use crate::AppState;
use crate::error::status_of;
use crate::pages::dossier_common::api_error_page;
use crate::pages::work::{FormSource, applicant_lines, form_page};
use crate::pages::{Chrome, PageError, render};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use motcua_app::AppError;
use motcua_app::dossiers::applicant::{self, ApplicantAccess, IssuedForm, PASS_MINUTES};
use motcua_domain::account::Role;
use serde::Deserialize;

/// The cookie holding a pass; one per dossier, each scoped to `/lookup/{code}`.
pub(crate) const PASS_COOKIE: &str = "motcua_pass";

/// Where a dossier's applicant pages live.
pub(crate) fn applicant_path(code: &str) -> String {
    format!("/lookup/{code}")
}

/// The pass as a cookie sent back only to this dossier's pages.
pub(crate) fn pass_cookie(code: &str, pass: String, secure: bool) -> Cookie<'static> {
    Cookie::build((PASS_COOKIE, pass))
        .path(applicant_path(code))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::minutes(PASS_MINUTES))
        .build()
}

/// The applicant's access: the signed-in owner, or the pass from the lookup.
pub(crate) async fn access(
    state: &AppState,
    chrome: &Chrome,
    jar: &CookieJar,
    code: &str,
) -> Result<ApplicantAccess, AppError> {
    if let Some(user) = chrome.user.as_ref().filter(|u| u.role == Role::Citizen)
        && let Ok(access) = applicant::by_owner(&state.app, &user.principal(), code).await
    {
        return Ok(access);
    }
    match jar.get(PASS_COOKIE) {
        Some(pass) => applicant::by_pass(&state.app, code, pass.value()).await,
        None => Err(motcua_app::dossiers::not_found()),
    }
}

/// Back to the lookup form with the code filled in, when the pass ran out.
pub(super) fn ask_again(code: &str) -> Response {
    let query = serde_urlencoded::to_string([("code", code), ("again", "1")]).unwrap_or_default();
    Redirect::to(&format!("/lookup?{query}")).into_response()
}

#[derive(Deserialize)]
pub(crate) struct NoticeQuery {
    pub(crate) notice: Option<String>,
}

pub(crate) fn notice_text(notice: Option<&str>) -> Option<String> {
    match notice? {
        "supplement_sent" => Some(
            "Đã gửi tài liệu bổ sung. Cơ quan tiếp nhận đã được báo và sẽ kiểm tra; \
             kết quả kiểm tra hiện ở trang này."
                .into(),
        ),
        "rated" => Some("Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ.".into()),
        _ => None,
    }
}

/// The applicant's page of a dossier already opened.
pub(crate) async fn render_applicant(
    state: &AppState,
    chrome: Chrome,
    access: &ApplicantAccess,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let view = match applicant::view(&state.app, access).await {
        Ok(v) => v,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let result = lookup_result(state, view).await?;
    let declaration = match motcua_app::forms::of_applicant(&state.app, access).await {
        Ok(Some(d)) => {
            let choices = motcua_app::forms::choices(&state.app)
                .await
                .map_err(|e| PageError::app(chrome.clone(), e))?;
            motcua_app::forms::readable::readable(&d, &choices)
        }
        Ok(None) => Vec::new(),
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let page = LookupPage {
        declaration,
        chrome,
        code: result.code.clone(),
        check: String::new(),
        error,
        notice,
        result: Some(result),
        criteria: criteria(),
        own: access.signed_in(),
    };
    Ok(render(status, &page))
}

/// `GET /lookup/{code}`: the applicant's page, for the owner or the holder of a pass.
pub(crate) async fn dossier(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    match access(&state, &chrome, &jar, &code).await {
        Ok(access) => {
            let notice = notice_text(q.notice.as_deref());
            render_applicant(&state, chrome, &access, StatusCode::OK, notice, None).await
        }
        Err(_) => Ok(ask_again(&code)),
    }
}

/// `GET /lookup/{code}/documents/{id}`: one of the documents the applicant may have.
pub(crate) async fn document(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let doc = applicant::document(&state.app, &access, &id)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    crate::download::blob(
        &state.app,
        &doc.sha256,
        doc.size_bytes,
        &doc.content_type,
        &doc.name,
    )
    .await
    .map_err(|e| PageError::app(chrome, e))
}

/// `GET /lookup/{code}/results/print`: the signed results, one A4 sheet each.
pub(crate) async fn print_result(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let view = applicant::view(&state.app, &access)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    if view.results().next().is_none() {
        return Err(PageError::app(
            chrome,
            AppError::not_found(
                "result_not_ready",
                format!("Hồ sơ {code} chưa có kết quả điện tử đã ký số."),
            ),
        ));
    }
    crate::pages::documents::result_sheets(&state, chrome, &headers, access.record()).await
}

/// `GET /lookup/{code}/forms/{01..04}`: a form the agency issued, to print or keep.
pub(crate) async fn print_form(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let form = IssuedForm::parse(number.trim_end_matches(".pdf")).ok_or_else(|| {
        PageError::app(
            chrome.clone(),
            AppError::not_found("form_not_issued", "Chỉ có các mẫu 01 đến 04."),
        )
    })?;
    let material = applicant::form_material(&state.app, &access, form)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let source = FormSource {
        record: access.record(),
        events: &material.events,
        control_sheet: &material.control_sheet,
        procedure: &material.procedure,
        applicant: applicant_lines(&access.applicant_details()),
        back_href: format!("/lookup/{}", access.record().code()),
    };
    form_page(&state, chrome, &headers, source, number).await
}

/// `GET /lookup/{code}/declaration.pdf`: the declaration as the official form.
pub(crate) async fn declaration_pdf(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let declaration = motcua_app::forms::of_applicant(&state.app, &access)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    crate::pages::dossier_common::declaration_pdf(
        &state,
        chrome,
        &headers,
        access.record(),
        declaration.as_ref(),
    )
    .await
}

/// `POST /lookup/{code}/supplement`: one file for one missing component (multipart:
/// `csrf_token`, `component`, then `file`, so every check is made before it streams in).
pub(crate) async fn supplement(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    Path(code): Path<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let mut component = String::new();
    let outcome: Result<(), AppError> = async {
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => {
                    return Err(AppError::invalid(
                        "file_required",
                        "Chưa chọn tệp để gửi bổ sung.",
                    ));
                }
                Err(e) => {
                    return Err(AppError::malformed(
                        "malformed_multipart",
                        crate::error::multipart_said(&e),
                    ));
                }
            };
            match field.name().unwrap_or_default() {
                "file" => {
                    let prepared = applicant::prepare_supplement(
                        access.clone(),
                        &component,
                        field.file_name(),
                    )?;
                    applicant::send_supplement(&state.app, prepared, field).await?;
                    return Ok(());
                }
                "component" => {
                    component = field.text().await.map_err(|e| {
                        AppError::malformed("malformed_multipart", crate::error::multipart_said(&e))
                    })?;
                }
                _ => {}
            }
        }
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!(
            "{}?notice=supplement_sent",
            applicant_path(access.record().code())
        ))
        .into_response()),
        Err(err) => {
            let err = crate::error::logged(err);
            let status = status_of(&err);
            let message = err.detail().into_owned();
            render_applicant(&state, chrome, &access, status, None, Some(message)).await
        }
    }
}

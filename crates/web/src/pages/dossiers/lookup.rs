//! The public lookup of a dossier by its code and check digits, the applicant's page it
//! opens, and the rating form.

use super::applicant::{applicant_path, pass_cookie, render_applicant};
use crate::AppState;
use crate::error::status_of;
use crate::pages::dossier_common::{when, when_utc};
use crate::pages::{Chrome, PageError, render};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use motcua_app::AppError;
use motcua_app::dossiers::act::RatingInput;
use motcua_app::dossiers::applicant::{self, ApplicantView};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::dossier::RatingCriterion;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

pub(crate) struct StepLine {
    pub name: String,
    /// `done`, `current` or `pending`.
    pub progress: String,
    pub progress_label: &'static str,
    pub time_in: String,
    pub time_out: String,
}

pub(crate) struct ScoreLine {
    pub label: String,
    pub score: u8,
}

pub(crate) struct Criterion {
    pub key: String,
    pub label: &'static str,
}

/// A document the applicant may download.
pub(crate) struct DocLink {
    pub name: String,
    pub href: String,
    pub size: String,
    /// Signed by the agency: a link to check the signature.
    pub verify: Option<String>,
    pub component: Option<String>,
}

/// A component the agency asked for, and what the applicant sent for it since.
pub(crate) struct MissingLine {
    pub name: String,
    pub sent: Vec<String>,
}

/// A supplement request (form 02) as the applicant reads it.
pub(crate) struct SupplementBox {
    pub asked_at: String,
    pub at_receipt: bool,
    pub note: Option<String>,
    pub missing: Vec<MissingLine>,
}

pub(crate) struct RefusalBox {
    pub at: String,
    pub reason: String,
    pub at_receipt: bool,
}

pub(crate) struct ApologyBox {
    pub reason: String,
    pub previous_due: String,
    pub new_due: String,
}

pub(crate) struct FormLink {
    pub href: String,
    pub title: &'static str,
}

/// A dossier as its applicant sees it (personal data masked).
pub(crate) struct LookupResult {
    pub code: String,
    /// `/lookup/{code}`: where its documents and forms are.
    pub base: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state: String,
    pub state_label: String,
    pub applicant_name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
    pub submitted_at: String,
    pub received_at: String,
    pub due_at: String,
    pub finished_at: String,
    pub returned_at: String,
    pub steps: Vec<StepLine>,
    pub can_rate: bool,
    pub rating_average: Option<String>,
    pub rating_scores: Vec<ScoreLine>,
    pub rating_comment: Option<String>,
    pub receipt: Option<DocLink>,
    pub results: Vec<DocLink>,
    pub components: Vec<DocLink>,
    pub supplement: Option<SupplementBox>,
    pub refusal: Option<RefusalBox>,
    pub apology: Option<ApologyBox>,
    pub forms: Vec<FormLink>,
    pub max_size: String,
    /// A fee asked for and not yet paid: how to pay it.
    pub payment: Option<PaymentBox>,
    /// The e-receipts of what was paid: (link, "BL-2026 số 0000012 · 50.000 đ").
    pub receipts: Vec<(String, String)>,
}

/// What the applicant is asked to pay, and the transfer that pays it.
pub(crate) struct PaymentBox {
    pub outstanding: String,
    pub fees: Vec<(String, String)>,
    /// The agency's account: bank BIN, number, holder.
    pub account: Option<(String, String, String)>,
    /// The VietQR code as inline SVG, and its text.
    pub qr_svg: String,
    pub payload: String,
    /// The payment platform is connected: the page offers paying online.
    pub online: bool,
}

#[derive(Template)]
#[template(path = "lookup.html")]
pub(super) struct LookupPage {
    pub(super) chrome: Chrome,
    pub(super) code: String,
    pub(super) check: String,
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
    pub(super) result: Option<LookupResult>,
    pub(super) criteria: Vec<Criterion>,
    /// Where the rating form sends the applicant back.
    pub(super) own: bool,
    /// What the applicant declared on the electronic form (their own page only).
    pub(super) declaration: Vec<motcua_app::forms::readable::ReadableSection>,
}

pub(super) fn criteria() -> Vec<Criterion> {
    RatingCriterion::ALL
        .iter()
        .map(|c| Criterion {
            key: serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            label: c.label_vi(),
        })
        .collect()
}

/// The applicant's view of a dossier in words, with the time each step began and ended.
pub(crate) async fn lookup_result(
    state: &AppState,
    applicant: ApplicantView,
) -> Result<LookupResult, AppError> {
    let view = &applicant.public;
    let sheet = &applicant.control_sheet;
    let d = &view.record.dossier;
    let code = view.record.code().to_owned();
    let base = super::applicant::applicant_path(&code);
    let local = |t: chrono::NaiveDateTime| when(&motcua_domain::calendar::from_vn_local(t));
    let steps = view
        .steps
        .iter()
        .map(|s| {
            let rows: Vec<_> = sheet.iter().filter(|r| r.step == s.no as i64).collect();
            StepLine {
                name: s.name.clone(),
                progress_label: s.progress.label_vi(),
                progress: s.progress.as_str().into(),
                time_in: rows
                    .first()
                    .map(|r| when_utc(&r.time_in))
                    .unwrap_or_default(),
                time_out: rows
                    .last()
                    .and_then(|r| r.time_out.as_ref())
                    .map(when_utc)
                    .unwrap_or_default(),
            }
        })
        .collect();
    let link = |doc: &motcua_store::DocumentRecord| DocLink {
        name: doc.name.clone(),
        href: format!("{base}/documents/{}", doc.id),
        size: crate::pages::documents::human_size(doc.size_bytes),
        verify: applicant
            .signed
            .contains(&doc.id)
            .then(|| format!("/verify?sha256={}", doc.sha256)),
        component: doc.component.clone(),
    };
    let supplement = applicant.supplement.as_ref().map(|s| SupplementBox {
        asked_at: when_utc(&s.asked_at),
        at_receipt: s.at_receipt,
        note: s.note.clone(),
        missing: s
            .missing
            .iter()
            .map(|m| MissingLine {
                name: m.clone(),
                sent: s
                    .sent
                    .iter()
                    .filter(|d| d.component.as_deref() == Some(m.as_str()))
                    .map(|d| d.name.clone())
                    .collect(),
            })
            .collect(),
    });
    let (payment, receipts) = super::fees::lookup_parts(state, &view.record).await?;
    Ok(LookupResult {
        payment,
        receipts,
        receipt: applicant.receipt().map(link),
        results: applicant.results().map(link).collect(),
        components: applicant
            .documents
            .iter()
            .filter(|d| d.kind == "component")
            .map(link)
            .collect(),
        supplement,
        refusal: applicant.refusal.as_ref().map(|r| RefusalBox {
            at: when_utc(&r.at),
            reason: r.reason.clone(),
            at_receipt: r.at_receipt,
        }),
        apology: applicant.apology.as_ref().map(|a| ApologyBox {
            reason: a.reason.clone(),
            previous_due: local(a.previous_due),
            new_due: local(a.new_due),
        }),
        forms: applicant
            .forms
            .iter()
            .map(|f| FormLink {
                href: format!("{base}/forms/{}", f.number()),
                title: f.title_vi(),
            })
            .collect(),
        max_size: crate::pages::documents::human_size(
            state.app.max_document_bytes().unwrap_or_default() as i64,
        ),
        base,
        code,
        procedure_name: view.record.procedure_name.clone(),
        agency_name: view
            .receiving_agency_name
            .clone()
            .unwrap_or_else(|| d.receiving_agency.to_string()),
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        applicant_name: view.applicant.name.clone(),
        citizen_id: view.applicant.citizen_id.clone(),
        phone: view.applicant.phone.clone(),
        submitted_at: local(d.submitted_at),
        received_at: d.received_at.map(local).unwrap_or_default(),
        due_at: d.due_at.map(local).unwrap_or_default(),
        finished_at: d.finished_at.map(local).unwrap_or_default(),
        returned_at: d.returned_at.map(local).unwrap_or_default(),
        steps,
        can_rate: view.can_rate,
        rating_average: d
            .rating
            .as_ref()
            .map(|r| format!("{:.1}", r.average()).replace('.', ",")),
        rating_scores: d
            .rating
            .as_ref()
            .map(|r| {
                r.scores
                    .iter()
                    .map(|(c, score)| ScoreLine {
                        label: c.label_vi().into(),
                        score: *score,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        rating_comment: d.rating.as_ref().and_then(|r| r.comment.clone()),
    })
}

#[derive(Deserialize)]
pub(crate) struct LookupQuery {
    code: Option<String>,
    check: Option<String>,
    /// Sent back here because the pass to the dossier's pages ran out.
    again: Option<String>,
}

/// What a failed lookup tells the person, without saying which part was wrong.
fn lookup_error(state: &AppState, err: &AppError) -> String {
    let throttle = motcua_app::dossiers::public::throttle(&state.app);
    match err {
        AppError::TooManyAttempts { .. } => format!(
            "Bạn đã tra cứu sai quá nhiều lần. Để bảo vệ thông tin của người nộp, việc tra cứu \
             hồ sơ này tạm khóa; vui lòng thử lại sau {} phút.",
            throttle.window_minutes
        ),
        AppError::NotFound { .. } => format!(
            "Không tìm thấy hồ sơ: mã hồ sơ hoặc 4 chữ số kiểm tra chưa đúng. Hãy kiểm tra lại \
             (sau {} lần sai, việc tra cứu tạm khóa {} phút).",
            throttle.max_failures, throttle.window_minutes
        ),
        other => other.detail().into_owned(),
    }
}

/// `GET /lookup?code=&check=`: the form, and the applicant's page once both are right;
/// a pass for the dossier's other pages goes with it as a cookie.
pub(crate) async fn lookup(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<LookupQuery>,
) -> Result<Response, PageError> {
    let code = q.code.unwrap_or_default().trim().to_owned();
    let check = q.check.unwrap_or_default().trim().to_owned();
    let mut page = LookupPage {
        declaration: Vec::new(),
        chrome,
        code: code.clone(),
        check: check.clone(),
        error: None,
        notice: None,
        result: None,
        criteria: criteria(),
        own: false,
    };
    if code.is_empty() || check.is_empty() {
        if q.again.is_some() {
            page.notice = Some(
                "Để bảo vệ thông tin của người nộp, quyền xem hồ sơ chỉ kéo dài 60 phút. \
                 Hãy nhập lại mã bí mật hoặc 4 chữ số kiểm tra."
                    .into(),
            );
        } else if !code.is_empty() {
            page.notice = Some(
                "Nhập 4 chữ số cuối của số điện thoại hoặc số định danh của người nộp để xem hồ sơ."
                    .into(),
            );
        }
        return Ok(render(StatusCode::OK, &page));
    }
    match applicant::by_check(&state.app, peer.ip(), &code, &check).await {
        Ok((access, pass)) => {
            let cookie = pass_cookie(access.record().code(), pass, state.config.cookie_secure);
            let page =
                render_applicant(&state, page.chrome, &access, StatusCode::OK, None, None).await?;
            Ok((jar.add(cookie), page).into_response())
        }
        Err(err) => {
            let err = crate::error::logged(err);
            page.error = Some(lookup_error(&state, &err));
            Ok(render(status_of(&err), &page))
        }
    }
}

/// The rating form: `score_<criterion>` = 0, 1 or 2 (or empty: not rated), and a comment.
fn rating_from_form(form: &HashMap<String, String>) -> RatingInput {
    let scores = form
        .iter()
        .filter_map(|(k, v)| {
            let criterion = k.strip_prefix("score_")?;
            let score = v.trim().parse::<u8>().ok()?;
            Some((criterion.to_owned(), score))
        })
        .collect();
    RatingInput {
        scores,
        comment: form
            .get("comment")
            .map(|c| c.trim().chars().take(1000).collect())
            .filter(|c: &String| !c.is_empty()),
    }
}

/// `POST /lookup/{code}/rating`: the applicant rates, signed in, with the pass, or with
/// the check digits the form carries.
pub(crate) async fn rate(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let check = form
        .get("check")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let opened = match super::applicant::access(&state, &chrome, &jar, &code).await {
        Ok(access) => Ok(access),
        Err(_) if !check.is_empty() => applicant::by_check(&state.app, peer.ip(), &code, &check)
            .await
            .map(|(access, _)| access),
        Err(err) => Err(err),
    };
    let access = match opened {
        Ok(access) => access,
        Err(err) => {
            let err = crate::error::logged(err);
            let page = LookupPage {
                declaration: Vec::new(),
                chrome,
                code,
                check,
                error: Some(lookup_error(&state, &err)),
                notice: None,
                result: None,
                criteria: criteria(),
                own: false,
            };
            return Ok(render(status_of(&err), &page));
        }
    };
    match applicant::rate(&state.app, &access, &rating_from_form(&form)).await {
        Ok(after) => {
            let target = if access.signed_in() {
                format!("/my/dossiers/{}?notice=rated", after.code())
            } else {
                format!("{}?notice=rated", applicant_path(after.code()))
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(err) => {
            let err = crate::error::logged(err);
            let message = match &err {
                AppError::Invalid {
                    code: "empty_rating",
                    ..
                } => "Hãy chấm điểm ít nhất một tiêu chí.".into(),
                other => other.detail().into_owned(),
            };
            render_applicant(
                &state,
                chrome,
                &access,
                status_of(&err),
                None,
                Some(message),
            )
            .await
        }
    }
}

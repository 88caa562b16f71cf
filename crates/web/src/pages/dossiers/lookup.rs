//! The public lookup of a dossier by its code and check digits, with its rating form.

use crate::AppState;
use crate::error::status_of;
use crate::pages::dossier_common::{api_error_page, when, when_utc};
use crate::pages::{Chrome, PageError, render};
use motcua_app::AppError;
use motcua_app::dossiers::act::RatingInput;
use motcua_app::dossiers::public::public_detail;
use motcua_app::dossiers::{self as app_dossiers};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::dossier::RatingCriterion;
use motcua_store::DossierRecord;
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

/// A dossier as the lookup shows it (personal data masked).
pub(crate) struct LookupResult {
    pub code: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state: String,
    pub state_label: String,
    pub national_status: u8,
    pub national_label: &'static str,
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

/// The lookup's view of a dossier, with the time each step began and ended.
pub(crate) async fn lookup_result(
    state: &AppState,
    record: &DossierRecord,
) -> Result<LookupResult, AppError> {
    let view = public_detail(&state.app, record.clone()).await?;
    let sheet = motcua_app::dossiers::public::step_times(&state.app, record).await?;
    let d = &view.record.dossier;
    let national = d.state.national_status();
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
    Ok(LookupResult {
        code: view.record.code().to_owned(),
        procedure_name: view.record.procedure_name.clone(),
        agency_name: view
            .receiving_agency_name
            .clone()
            .unwrap_or_else(|| d.receiving_agency.to_string()),
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: national.into(),
        national_label: national.label_vi(),
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
}

/// What a failed lookup tells the person, without saying which part was wrong.
fn lookup_error(err: &AppError) -> String {
    match err {
        AppError::TooManyAttempts { .. } => {
            "Bạn đã tra cứu sai quá nhiều lần. Để bảo vệ thông tin của người \
            nộp, việc tra cứu hồ sơ này tạm khóa; vui lòng thử lại sau 15 phút."
                .into()
        }
        AppError::NotFound { .. } => format!(
            "Không tìm thấy hồ sơ: mã hồ sơ hoặc 4 chữ số kiểm tra chưa đúng. Hãy kiểm tra lại \
             (sau {} lần sai, việc tra cứu tạm khóa 15 phút).",
            motcua_domain::account::LOOKUP_THROTTLE.max_failures
        ),
        other => other.detail().into_owned(),
    }
}

/// `GET /lookup?code=&check=`: the form, and the dossier once both are right.
pub(crate) async fn lookup(
    State(state): State<AppState>,
    chrome: Chrome,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<LookupQuery>,
) -> Result<Response, PageError> {
    let code = q.code.unwrap_or_default().trim().to_owned();
    let check = q.check.unwrap_or_default().trim().to_owned();
    let mut page = LookupPage {
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
        if !code.is_empty() {
            page.notice = Some(
                "Nhập 4 chữ số cuối của số điện thoại hoặc số định danh của người nộp để xem hồ sơ."
                    .into(),
            );
        }
        return Ok(render(StatusCode::OK, &page));
    }
    match app_dossiers::public::lookup(&state.app, peer.ip(), &code, &check).await {
        Ok(record) => match lookup_result(&state, &record).await {
            Ok(result) => {
                page.code = result.code.clone();
                page.result = Some(result);
                Ok(render(StatusCode::OK, &page))
            }
            Err(err) => Ok(api_error_page(page.chrome, err)),
        },
        Err(err) => {
            let err = crate::error::logged(err);
            page.error = Some(lookup_error(&err));
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

/// `POST /lookup/{code}/rating`: the applicant rates, with the same check digits.
pub(crate) async fn rate(
    State(state): State<AppState>,
    chrome: Chrome,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let check = form
        .get("check")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let own = form.get("own").is_some_and(|v| v == "1");
    let rating = rating_from_form(&form);
    let mut page = LookupPage {
        chrome,
        code: code.clone(),
        check: check.clone(),
        error: None,
        notice: None,
        result: None,
        criteria: criteria(),
        own,
    };
    let outcome = app_dossiers::public::rate(&state.app, peer.ip(), &code, &check, &rating).await;
    let (record, status) = match outcome {
        Ok(after) => {
            page.notice = Some("Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ.".into());
            (Some(after), StatusCode::OK)
        }
        Err(err) => {
            let err = crate::error::logged(err);
            let unknown = matches!(
                err,
                AppError::TooManyAttempts { .. } | AppError::NotFound { .. }
            );
            page.error = Some(match &err {
                AppError::Invalid {
                    code: "empty_rating",
                    ..
                } => "Hãy chấm điểm ít nhất một tiêu chí.".into(),
                _ if unknown => lookup_error(&err),
                other => other.detail().into_owned(),
            });
            // Show the dossier again when the digits were right.
            let again = if unknown {
                None
            } else {
                app_dossiers::public::lookup(&state.app, peer.ip(), &code, &check)
                    .await
                    .ok()
            };
            (again, status_of(&err))
        }
    };
    if let Some(record) = record {
        match lookup_result(&state, &record).await {
            Ok(result) => page.result = Some(result),
            Err(err) => return Ok(api_error_page(page.chrome, err)),
        }
    }
    Ok(render(status, &page))
}

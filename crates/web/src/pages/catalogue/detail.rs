//! A printable page per procedure.

use super::{AssignmentLine, day, fee_amount, is_admin, list_label, not_published};
use crate::AppState;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::AppError;
use motcua_app::catalogue::read;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{Applicant, Level, SubmissionChannel, VersionState};

pub(crate) struct DocumentLine {
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    pub template: String,
    pub digitise: &'static str,
    pub reusable: &'static str,
}

/// A fee as citizens read it: "8.000 đ / bản", and who is exempt on what basis.
pub(crate) struct FeeLine {
    pub name: String,
    pub amount: String,
    pub exemptions: Vec<String>,
}

pub(crate) struct VersionLine {
    pub no: i64,
    pub state: String,
    pub published: String,
    pub ended: String,
}

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    chrome: Chrome,
    code: String,
    name: String,
    version_no: i64,
    state: String,
    is_draft: bool,
    sector_name: String,
    levels: String,
    agency: String,
    applicants: String,
    processing_time: String,
    service_norm: Option<String>,
    online_key: String,
    online_label: String,
    online_reason: Option<String>,
    channels: String,
    validity: String,
    steps: String,
    documents: Vec<DocumentLine>,
    fees: Vec<FeeLine>,
    /// Whether any fee has exemptions: the table then has a column for them.
    fee_exemptions: bool,
    results: Vec<(String, String, String)>,
    legal_bases: Vec<String>,
    decision: Option<String>,
    sets: Vec<String>,
    assignments: Vec<AssignmentLine>,
    versions: Vec<VersionLine>,
    online: bool,
    /// Staff may download what this procedure's dossiers declared on its form.
    form_data_export: bool,
    is_admin: bool,
    has_draft: bool,
    published: bool,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let admin = is_admin(chrome.user.as_ref());
    let record = match read::record(&state.app, &code).await {
        Ok(r) => r,
        Err(AppError::NotFound { .. }) => return Ok(not_published(chrome, &code)),
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let published = record.current.is_some();
    let has_draft = record.draft.is_some();
    let version = match (record.current, record.draft) {
        (Some(current), _) => current,
        (None, Some(draft)) if admin => draft,
        _ => return Ok(not_published(chrome, &code)),
    };
    let snapshot = read::snapshot(&state.app).await?;
    let today = crate::today_vn();
    let p = &version.procedure;
    let in_force: Vec<_> = record
        .assignments
        .iter()
        .filter(|a| a.assignment.in_force(today))
        .collect();
    let agency_of = |code: &Option<AgencyCode>, kind: Option<AgencyKind>| match (code, kind) {
        (Some(code), _) => snapshot.agency_name(code.as_str()),
        (None, Some(kind)) => kind.label_vi().to_owned(),
        (None, None) => "—".into(),
    };
    let (levels, agency) = if in_force.is_empty() {
        (
            list_label(&p.levels, Level::label_vi),
            agency_of(&p.agency_code, p.agency_kind),
        )
    } else {
        let mut levels: Vec<Level> = in_force.iter().map(|a| a.assignment.level).collect();
        levels.sort();
        levels.dedup();
        let mut agencies: Vec<String> = in_force
            .iter()
            .map(|a| agency_of(&a.assignment.agency_code, a.assignment.agency_kind))
            .collect();
        agencies.dedup();
        (list_label(&levels, Level::label_vi), agencies.join("; "))
    };
    let page = ProcedurePage {
        code: version.code.clone(),
        name: p.name.clone(),
        version_no: version.version_no,
        state: version.state.label_vi().into(),
        is_draft: version.state == VersionState::Draft,
        sector_name: snapshot.sector_name(&p.sector),
        levels,
        agency,
        applicants: list_label(&p.applicants, Applicant::label_vi),
        processing_time: p.processing_time.to_string(),
        service_norm: p.service_norm.map(|n| n.to_string()),
        online_key: p.online_level.as_str().into(),
        online_label: p.online_level.label_vi().into(),
        online_reason: p.online_reason.clone(),
        channels: list_label(&p.channels, SubmissionChannel::label_vi),
        validity: match (p.valid_from, p.valid_to) {
            (Some(from), Some(to)) => format!("Từ {} đến {}", day(from), day(to)),
            (Some(from), None) => format!("Từ {}", day(from)),
            (None, Some(to)) => format!("Đến {}", day(to)),
            (None, None) => "Theo quyết định công bố".into(),
        },
        steps: p.steps.clone(),
        documents: p
            .documents
            .iter()
            .map(|d| DocumentLine {
                name: d.name.clone(),
                originals: d.originals,
                copies: d.copies,
                template: d.form_template.clone().unwrap_or_default(),
                digitise: if d.digitisation_required {
                    "Có"
                } else {
                    "Không"
                },
                reusable: if d.reusable { "Có" } else { "Không" },
            })
            .collect(),
        fees: p
            .fees
            .iter()
            .map(|f| FeeLine {
                name: f.name.clone(),
                amount: fee_amount(f.amount_vnd, f.per.as_deref()),
                exemptions: f
                    .exemptions
                    .iter()
                    .map(|e| format!("Miễn cho: {} (căn cứ: {})", e.who, e.legal_basis))
                    .collect(),
            })
            .collect(),
        fee_exemptions: p.fees.iter().any(|f| !f.exemptions.is_empty()),
        results: p
            .results
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.form.label_vi().into(),
                    r.retention.to_string(),
                )
            })
            .collect(),
        legal_bases: p.legal_bases.clone(),
        decision: version.published_decision.as_ref().map(|d| {
            format!(
                "Quyết định số {} ngày {} ({})",
                d.number,
                day(d.decided_on),
                d.signer
            )
        }),
        sets: record
            .sets
            .iter()
            .map(|s| {
                snapshot
                    .sets
                    .iter()
                    .find(|x| &x.code == s)
                    .map_or_else(|| s.clone(), |x| x.name.clone())
            })
            .collect(),
        assignments: record
            .assignments
            .iter()
            .map(|a| AssignmentLine {
                level: a.assignment.level.label_vi().into(),
                agency: agency_of(&a.assignment.agency_code, a.assignment.agency_kind),
                from: day(a.assignment.effective_from),
                to: a.assignment.effective_to.map_or_else(String::new, day),
                note: match &a.decision_number {
                    Some(number) => format!("{} (Quyết định {number})", a.note),
                    None => a.note.clone(),
                },
                current: a.assignment.in_force(today),
            })
            .collect(),
        versions: record
            .versions
            .iter()
            .map(|v| VersionLine {
                no: v.version_no,
                state: v.state.label_vi().into(),
                published: v.published_decision.clone().unwrap_or_default(),
                ended: v.ended_decision.clone().unwrap_or_default(),
            })
            .collect(),
        online: p.is_online() && version.state == VersionState::Published,
        is_admin: admin,
        form_data_export: published
            && p.form.is_some()
            && chrome.user.as_ref().is_some_and(|u| u.role.is_staff()),
        has_draft,
        published,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

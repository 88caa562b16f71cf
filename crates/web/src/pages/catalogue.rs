//! The procedure catalogue pages: the public list with counts, filters and search;
//! a printable page per procedure; and, for province administrators, drafting,
//! publication (and withdrawal) under a decision, and devolution.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::api::catalogue::{
    DevolutionRequest, PublicationRequest, SearchParams, devolve_with, procedure_error,
    publish_with, search, stats_for,
};
use crate::auth::{AuthUser, PageUser};
use crate::error::ApiError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{
    Applicant, Fee, Level, OnlineLevel, Procedure, ProcedureCode, ProcedureResult, ProcessingTime,
    RequiredDocument, ResultForm, Retention, SubmissionChannel, TimeUnit, VersionState,
};
use motcua_exchange::Format;
use motcua_store::VersionRecord;
use serde::Deserialize;

/// An option of a select, or a checkbox.
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn options(items: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn enum_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    current: &str,
) -> Vec<Opt> {
    options(
        all.iter()
            .map(|&v| (code(v).to_owned(), label(v).to_owned())),
        current,
    )
}

/// 8000 → "8.000 đ".
pub(crate) fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}{out} đ", if amount < 0 { "-" } else { "" })
}

fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn list_label<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|&i| label(i))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_admin(user: Option<&AuthUser>) -> bool {
    user.is_some_and(|u| u.role == Role::ProvinceAdmin)
}

fn forbidden(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::FORBIDDEN,
        "Chỉ quản trị cấp tỉnh được soạn thảo, công bố và phân cấp thủ tục hành chính.",
    )
}

fn agency_options(state_agencies: &[(String, String)], current: &str) -> Vec<Opt> {
    let mut items = vec![(String::new(), "— Tất cả cơ quan —".to_owned())];
    items.push((
        AgencyKind::CommuneCommittee.as_str().to_owned(),
        "Ủy ban nhân dân cấp xã (mọi xã, phường)".to_owned(),
    ));
    items.extend(state_agencies.iter().cloned());
    options(items, current)
}

/// Provincial agencies (not the commune committees) as (code, name).
async fn provincial_agencies(state: &AppState) -> Result<Vec<(String, String)>, PageError> {
    Ok(state
        .store
        .agencies(None)
        .await?
        .into_iter()
        .filter(|a| a.kind != AgencyKind::CommuneCommittee)
        .map(|a| (a.code.to_string(), a.name))
        .collect())
}

// ---------------------------------------------------------------- the public list

pub(crate) struct Counted {
    pub label: String,
    pub count: usize,
    pub link: String,
}

pub(crate) struct Row {
    pub code: String,
    pub name: String,
    pub sector_name: String,
    pub levels: String,
    pub agency_label: String,
    pub online_key: String,
    pub online_label: String,
}

pub(crate) struct DecisionLine {
    pub number: String,
    pub date: String,
    pub signer: String,
    pub published: i64,
    pub withdrawn: i64,
    pub required: String,
}

pub(crate) struct SetLine {
    pub name: String,
    pub total: usize,
    pub full: usize,
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct ProceduresPage {
    chrome: Chrome,
    q: String,
    level_options: Vec<Opt>,
    sector_options: Vec<Opt>,
    agency_options: Vec<Opt>,
    online_options: Vec<Opt>,
    total_published: usize,
    level_counts: Vec<Counted>,
    online_counts: Vec<Counted>,
    sector_counts: Vec<Counted>,
    sets: Vec<SetLine>,
    decisions: Vec<DecisionLine>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    searched: bool,
    error: Option<String>,
    is_admin: bool,
    drafts: usize,
}

fn query_string(params: &SearchParams, page: Option<usize>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (key, value) in [
        ("q", &params.q),
        ("level", &params.level),
        ("sector", &params.sector),
        ("agency", &params.agency),
        ("online", &params.online),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            pairs.push((key, v.to_owned()));
        }
    }
    if let Some(page) = page {
        pairs.push(("page", page.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub(super) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let stats = match stats_for(&state).await {
        Ok(stats) => stats,
        Err(err) => return Ok(super::dossier_common::api_error_page(chrome, err)),
    };
    let (rows, total, page, pages, error, status) = match search(&state, &params).await {
        Ok((_, page)) => (
            page.hits
                .iter()
                .map(|h| Row {
                    code: h.doc.code.clone(),
                    name: h.doc.name.clone(),
                    sector_name: h.doc.sector_name.clone(),
                    levels: list_label(&h.doc.levels, Level::label_vi),
                    agency_label: h.doc.agency_label.clone(),
                    online_key: h.doc.online_level.as_str().into(),
                    online_label: h.doc.online_level.label_vi().into(),
                })
                .collect(),
            page.total,
            page.page,
            page.pages(),
            None,
            StatusCode::OK,
        ),
        Err(err) => (Vec::new(), 0, 1, 1, Some(err.detail), err.status),
    };
    let link = |key: &str, value: &str| {
        format!(
            "/procedures?{}",
            serde_urlencoded::to_string([(key, value)]).unwrap_or_default()
        )
    };
    let sectors = state.store.sectors().await?;
    let agencies = provincial_agencies(&state).await?;
    let drafts = if is_admin(chrome.user.as_ref()) {
        state.store.drafts().await?.len()
    } else {
        0
    };
    let page_view = ProceduresPage {
        q: params.q.clone().unwrap_or_default(),
        level_options: options(
            std::iter::once((String::new(), "— Tất cả các cấp —".to_owned())).chain(
                Level::ALL
                    .iter()
                    .map(|l| (l.as_str().to_owned(), l.label_vi().to_owned())),
            ),
            params.level.as_deref().unwrap_or(""),
        ),
        sector_options: options(
            std::iter::once((String::new(), "— Tất cả lĩnh vực —".to_owned()))
                .chain(sectors.into_iter().map(|s| (s.code, s.name))),
            params.sector.as_deref().unwrap_or(""),
        ),
        agency_options: agency_options(&agencies, params.agency.as_deref().unwrap_or("")),
        online_options: options(
            std::iter::once((String::new(), "— Mọi mức độ —".to_owned())).chain(
                OnlineLevel::ALL
                    .iter()
                    .map(|o| (o.as_str().to_owned(), o.label_vi().to_owned())),
            ),
            params.online.as_deref().unwrap_or(""),
        ),
        total_published: stats.total,
        level_counts: stats
            .by_level
            .iter()
            .map(|c| Counted {
                label: c.label.clone(),
                count: c.count,
                link: link("level", &c.key),
            })
            .collect(),
        online_counts: stats
            .by_online_level
            .iter()
            .map(|c| Counted {
                label: c.label.clone(),
                count: c.count,
                link: link("online", &c.key),
            })
            .collect(),
        sector_counts: stats
            .by_sector
            .iter()
            .map(|c| Counted {
                label: c.label.clone(),
                count: c.count,
                link: link("sector", &c.key),
            })
            .collect(),
        sets: stats
            .sets
            .iter()
            .filter(|s| s.total > 0)
            .map(|s| SetLine {
                name: s.name.clone(),
                total: s.total,
                full: s.full,
            })
            .collect(),
        decisions: stats
            .decisions
            .iter()
            .map(|d| DecisionLine {
                number: d.number.clone(),
                date: day(d.date),
                signer: d.signer.clone(),
                published: d.published,
                withdrawn: d.withdrawn,
                required: d.required.map_or_else(|| "—".into(), |r| r.to_string()),
            })
            .collect(),
        rows,
        total,
        page,
        pages,
        prev: (page > 1).then(|| format!("/procedures?{}", query_string(&params, Some(page - 1)))),
        next: (page < pages)
            .then(|| format!("/procedures?{}", query_string(&params, Some(page + 1)))),
        searched: !query_string(&params, None).is_empty(),
        error,
        is_admin: is_admin(chrome.user.as_ref()),
        drafts,
        chrome,
    };
    Ok(render(status, &page_view))
}

/// `/procedures.xlsx`, `/procedures.csv`, `/procedures.json`.
pub(super) async fn download(state: AppState, chrome: Chrome, format: Format) -> Response {
    match crate::api::catalogue::export_response(&state, format).await {
        Ok(response) => response,
        Err(err) => super::dossier_common::api_error_page(chrome, err),
    }
}

// ---------------------------------------------------------------- one procedure

pub(crate) struct DocumentLine {
    pub name: String,
    pub originals: u32,
    pub copies: u32,
    pub template: String,
    pub digitise: &'static str,
    pub reusable: &'static str,
}

pub(crate) struct AssignmentLine {
    pub level: String,
    pub agency: String,
    pub from: String,
    pub to: String,
    pub note: String,
    pub current: bool,
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
    fees: Vec<(String, String)>,
    results: Vec<(String, String, String)>,
    legal_bases: Vec<String>,
    decision: Option<String>,
    sets: Vec<String>,
    assignments: Vec<AssignmentLine>,
    versions: Vec<VersionLine>,
    online: bool,
    is_admin: bool,
    has_draft: bool,
    published: bool,
}

pub(super) async fn detail(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let admin = is_admin(chrome.user.as_ref());
    let Some(record) = state.store.procedure_record(&code).await? else {
        return Ok(not_published(chrome, &code));
    };
    let published = record.current.is_some();
    let has_draft = record.draft.is_some();
    let version = match (record.current, record.draft) {
        (Some(current), _) => current,
        (None, Some(draft)) if admin => draft,
        _ => return Ok(not_published(chrome, &code)),
    };
    let snapshot = state
        .catalogue
        .current(&state.store)
        .await
        .map_err(|e| PageError::from(motcua_store::StoreError::Config(e.to_string())))?;
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
            .map(|f| (f.name.clone(), vnd(f.amount_vnd)))
            .collect(),
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
        has_draft,
        published,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

fn not_published(chrome: Chrome, code: &str) -> Response {
    error_page_with(
        chrome,
        StatusCode::NOT_FOUND,
        &format!(
            "Không có thủ tục hành chính mã {code} đang được công bố. Hãy tìm trong danh mục thủ tục."
        ),
    )
}

// ---------------------------------------------------------------- drafting

/// The drafting form's fields as text, so a rejected form comes back as typed.
#[derive(Default)]
pub(crate) struct FormValues {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub levels: Vec<String>,
    pub agency_code: String,
    pub agency_kind: String,
    pub applicants: Vec<String>,
    pub time_value: String,
    pub time_unit: String,
    pub norm_value: String,
    pub norm_unit: String,
    pub channels: Vec<String>,
    pub online_level: String,
    pub online_reason: String,
    pub steps: String,
    pub legal_bases: String,
    pub valid_from: String,
    pub valid_to: String,
    pub documents: String,
    pub fees: String,
    pub results: String,
}

fn yes(b: bool) -> &'static str {
    if b { "có" } else { "không" }
}

impl FormValues {
    fn from_pairs(pairs: Vec<(String, String)>) -> FormValues {
        let mut v = FormValues::default();
        for (key, value) in pairs {
            match key.as_str() {
                "code" => v.code = value,
                "name" => v.name = value,
                "sector" => v.sector = value,
                "levels" => v.levels.push(value),
                "agency_code" => v.agency_code = value,
                "agency_kind" => v.agency_kind = value,
                "applicants" => v.applicants.push(value),
                "time_value" => v.time_value = value,
                "time_unit" => v.time_unit = value,
                "norm_value" => v.norm_value = value,
                "norm_unit" => v.norm_unit = value,
                "channels" => v.channels.push(value),
                "online_level" => v.online_level = value,
                "online_reason" => v.online_reason = value,
                "steps" => v.steps = value,
                "legal_bases" => v.legal_bases = value,
                "valid_from" => v.valid_from = value,
                "valid_to" => v.valid_to = value,
                "documents" => v.documents = value,
                "fees" => v.fees = value,
                "results" => v.results = value,
                _ => {}
            }
        }
        v
    }

    fn from_procedure(p: &Procedure) -> FormValues {
        FormValues {
            code: p.code.to_string(),
            name: p.name.clone(),
            sector: p.sector.clone(),
            levels: p.levels.iter().map(|l| l.as_str().into()).collect(),
            agency_code: p
                .agency_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            agency_kind: p
                .agency_kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            applicants: p.applicants.iter().map(|a| a.as_str().into()).collect(),
            time_value: p.processing_time.value.to_string(),
            time_unit: p.processing_time.unit.as_str().into(),
            norm_value: p
                .service_norm
                .map(|n| n.value.to_string())
                .unwrap_or_default(),
            norm_unit: p
                .service_norm
                .map_or(p.processing_time.unit, |n| n.unit)
                .as_str()
                .into(),
            channels: p.channels.iter().map(|c| c.as_str().into()).collect(),
            online_level: p.online_level.as_str().into(),
            online_reason: p.online_reason.clone().unwrap_or_default(),
            steps: p.steps.clone(),
            legal_bases: p.legal_bases.join("\n"),
            valid_from: p.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: p.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            documents: p
                .documents
                .iter()
                .map(|d| {
                    format!(
                        "{} | {} | {} | {} | {} | {}",
                        d.name,
                        d.originals,
                        d.copies,
                        d.form_template.clone().unwrap_or_default(),
                        yes(d.digitisation_required),
                        yes(d.reusable)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            fees: p
                .fees
                .iter()
                .map(|f| format!("{} | {}", f.name, f.amount_vnd))
                .collect::<Vec<_>>()
                .join("\n"),
            results: p
                .results
                .iter()
                .map(|r| {
                    let retention = match r.retention {
                        Retention::Permanent => "vinh_vien".to_owned(),
                        Retention::Years(n) => n.to_string(),
                    };
                    format!("{} | {} | {retention}", r.name, r.form.as_str())
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The procedure the form describes, or every problem found reading it.
    fn to_procedure(&self) -> Result<Procedure, Vec<String>> {
        let mut errors = Vec::new();
        let code = take(
            &mut errors,
            "Mã thủ tục",
            ProcedureCode::parse(&self.code).map_err(|e| e.to_string()),
        );
        let levels: Vec<Level> = self.levels.iter().filter_map(|l| l.parse().ok()).collect();
        let applicants: Vec<Applicant> = self
            .applicants
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect();
        let channels: Vec<SubmissionChannel> = self
            .channels
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect();
        let agency_code = match self.agency_code.trim() {
            "" => None,
            raw => take(
                &mut errors,
                "Cơ quan thực hiện",
                AgencyCode::parse(raw).map_err(|e| e.to_string()),
            ),
        };
        let agency_kind = match self.agency_kind.trim() {
            "" => None,
            raw => take(&mut errors, "Loại cơ quan", raw.parse::<AgencyKind>()),
        };
        let number = |raw: &str| {
            raw.trim()
                .parse::<u32>()
                .map_err(|_| format!("phải là số nguyên không âm, không phải {raw:?}"))
        };
        let time_unit = take(
            &mut errors,
            "Đơn vị thời hạn",
            self.time_unit.parse::<TimeUnit>(),
        );
        let time_value = take(&mut errors, "Thời hạn giải quyết", number(&self.time_value));
        let service_norm = match self.norm_value.trim() {
            "" => None,
            raw => {
                let value = take(&mut errors, "Chuẩn phục vụ", number(raw));
                let unit = take(
                    &mut errors,
                    "Đơn vị chuẩn phục vụ",
                    self.norm_unit.parse::<TimeUnit>(),
                );
                value
                    .zip(unit)
                    .map(|(value, unit)| ProcessingTime { value, unit })
            }
        };
        let online_level = take(
            &mut errors,
            "Mức độ trực tuyến",
            self.online_level.parse::<OnlineLevel>(),
        );
        let date = |raw: &str| match raw.trim() {
            "" => Ok(None),
            raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("ngày không hợp lệ: {raw:?}")),
        };
        let valid_from = take(&mut errors, "Hiệu lực từ", date(&self.valid_from)).flatten();
        let valid_to = take(&mut errors, "Hiệu lực đến", date(&self.valid_to)).flatten();
        let flag = |raw: &str| {
            matches!(
                motcua_domain::text::fold(raw.trim()).as_str(),
                "co" | "x" | "1" | "true"
            )
        };
        let mut documents = Vec::new();
        for (i, line) in lines(&self.documents).enumerate() {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let count = |i: usize| {
                parts
                    .get(i)
                    .filter(|s| !s.is_empty())
                    .map_or(Ok(0), |s| number(s))
            };
            match (count(1), count(2)) {
                (Ok(originals), Ok(copies)) => documents.push(RequiredDocument {
                    name: parts[0].to_owned(),
                    originals,
                    copies,
                    form_template: parts
                        .get(3)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.to_string()),
                    digitisation_required: parts.get(4).is_some_and(|s| flag(s)),
                    reusable: parts.get(5).is_some_and(|s| flag(s)),
                }),
                (Err(e), _) | (_, Err(e)) => {
                    errors.push(format!("Thành phần hồ sơ, dòng {}: {e}", i + 1))
                }
            }
        }
        let mut fees = Vec::new();
        for (i, line) in lines(&self.fees).enumerate() {
            let (name, amount) = line.rsplit_once('|').unwrap_or(("", line));
            match amount.trim().replace('.', "").parse::<i64>() {
                Ok(amount_vnd) => fees.push(Fee {
                    name: name.trim().to_owned(),
                    amount_vnd,
                }),
                Err(_) => errors.push(format!(
                    "Phí, lệ phí, dòng {}: ghi \"Tên khoản | số tiền\"",
                    i + 1
                )),
            }
        }
        let mut results = Vec::new();
        for (i, line) in lines(&self.results).enumerate() {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let form = parts.get(1).copied().unwrap_or("").parse::<ResultForm>();
            let retention = match parts.get(2).copied().unwrap_or("vinh_vien") {
                "vinh_vien" | "" => Ok(Retention::Permanent),
                n => n
                    .parse::<u32>()
                    .map(Retention::Years)
                    .map_err(|_| format!("thời hạn lưu trữ không hợp lệ: {n:?}")),
            };
            match (form, retention) {
                (Ok(form), Ok(retention)) => results.push(ProcedureResult {
                    name: parts[0].to_owned(),
                    form,
                    retention,
                }),
                (Err(e), _) | (_, Err(e)) => errors.push(format!("Kết quả, dòng {}: {e}", i + 1)),
            }
        }
        let procedure = Procedure {
            code: code.ok_or_else(|| errors.clone())?,
            name: self.name.clone(),
            sector: self.sector.clone(),
            levels,
            agency_code,
            agency_kind,
            applicants,
            processing_time: match (time_value, time_unit) {
                (Some(value), Some(unit)) => ProcessingTime { value, unit },
                _ => return Err(errors),
            },
            service_norm,
            fees,
            documents,
            steps: self.steps.clone(),
            channels,
            online_level: online_level.ok_or_else(|| errors.clone())?,
            online_reason: Some(self.online_reason.clone()),
            results,
            legal_bases: lines(&self.legal_bases).map(str::to_owned).collect(),
            valid_from,
            valid_to,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        procedure.validated().map_err(|problems| {
            problems
                .iter()
                .map(|p| capitalise(&p.to_string()))
                .collect()
        })
    }
}

/// The value, or None with the problem noted.
fn take<T>(errors: &mut Vec<String>, what: &str, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(format!("{what}: {e}"));
            None
        }
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[derive(Template)]
#[template(path = "procedure_form.html")]
struct ProcedureFormPage {
    chrome: Chrome,
    editing: bool,
    action: String,
    errors: Vec<String>,
    v: FormValues,
    sector_options: Vec<Opt>,
    agency_options: Vec<Opt>,
    kind_options: Vec<Opt>,
    level_boxes: Vec<Opt>,
    applicant_boxes: Vec<Opt>,
    channel_boxes: Vec<Opt>,
    time_units: Vec<Opt>,
    norm_units: Vec<Opt>,
    online_options: Vec<Opt>,
}

fn boxes<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    checked: &[String],
) -> Vec<Opt> {
    all.iter()
        .map(|&v| Opt {
            value: code(v).into(),
            label: label(v).into(),
            selected: checked.iter().any(|c| c == code(v)),
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    chrome: Chrome,
    editing: bool,
    v: FormValues,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let sectors = state.store.sectors().await?;
    let agencies = provincial_agencies(state).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ProcedureFormPage {
        action: if editing {
            format!("/procedures/{}/edit", v.code)
        } else {
            "/procedures/new".into()
        },
        editing,
        errors,
        sector_options: options(
            std::iter::once((String::new(), "— Chọn lĩnh vực —".to_owned()))
                .chain(sectors.into_iter().map(|s| (s.code, s.name))),
            &v.sector,
        ),
        agency_options: options(
            std::iter::once((String::new(), "— Theo loại cơ quan —".to_owned())).chain(agencies),
            &v.agency_code,
        ),
        kind_options: options(
            std::iter::once((String::new(), "— Không nêu —".to_owned())).chain(
                AgencyKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), k.label_vi().to_owned())),
            ),
            &v.agency_kind,
        ),
        level_boxes: boxes(Level::ALL, Level::as_str, Level::label_vi, &v.levels),
        applicant_boxes: boxes(
            Applicant::ALL,
            Applicant::as_str,
            Applicant::label_vi,
            &v.applicants,
        ),
        channel_boxes: boxes(
            SubmissionChannel::ALL,
            SubmissionChannel::as_str,
            SubmissionChannel::label_vi,
            &v.channels,
        ),
        time_units: enum_options(
            TimeUnit::ALL,
            TimeUnit::as_str,
            TimeUnit::label_vi,
            &v.time_unit,
        ),
        norm_units: enum_options(
            TimeUnit::ALL,
            TimeUnit::as_str,
            TimeUnit::label_vi,
            &v.norm_unit,
        ),
        online_options: enum_options(
            OnlineLevel::ALL,
            OnlineLevel::as_str,
            OnlineLevel::label_vi,
            &v.online_level,
        ),
        v,
        chrome,
    };
    Ok(render(status, &page))
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let v = FormValues {
        time_unit: TimeUnit::WorkingDays.as_str().into(),
        norm_unit: TimeUnit::WorkingDays.as_str().into(),
        online_level: OnlineLevel::Full.as_str().into(),
        channels: vec!["in_person".into(), "online".into(), "postal".into()],
        applicants: vec!["citizen".into()],
        ..FormValues::default()
    };
    form_page(&state, chrome, false, v, Vec::new()).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let v = FormValues::from_pairs(pairs);
    let p = match v.to_procedure() {
        Ok(p) => p,
        Err(errors) => return form_page(&state, chrome, false, v, errors).await,
    };
    let audit = user.audit(
        "procedure.created",
        format!("procedure:{}", p.code),
        serde_json::json!({ "name": p.name, "via": "page" }),
    );
    match state.store.create_procedure(&p, crate::now(), audit).await {
        Ok(_) => {
            state.catalogue.refresh(&state.store).await;
            Ok(Redirect::to(&format!("/procedures/{}", p.code)).into_response())
        }
        Err(err) => {
            let err = ApiError::from(err);
            form_page(&state, chrome, false, v, vec![err.detail]).await
        }
    }
}

/// The newest text of a procedure: its open draft, or the published version.
fn newest(draft: Option<VersionRecord>, current: Option<VersionRecord>) -> Option<VersionRecord> {
    draft.or(current)
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let Some(record) = state.store.procedure_record(&code).await? else {
        return Ok(not_published(chrome, &code));
    };
    let Some(version) = newest(record.draft, record.current) else {
        return Ok(not_published(chrome, &code));
    };
    form_page(
        &state,
        chrome,
        true,
        FormValues::from_procedure(&version.procedure),
        Vec::new(),
    )
    .await
}

pub(super) async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut v = FormValues::from_pairs(pairs);
    v.code = code.clone();
    let p = match v.to_procedure() {
        Ok(p) => p,
        Err(errors) => return form_page(&state, chrome, true, v, errors).await,
    };
    let audit = user.audit(
        "procedure.draft_saved",
        format!("procedure:{}", p.code),
        serde_json::json!({ "name": p.name, "via": "page" }),
    );
    match state.store.save_draft(&p, crate::now(), audit).await {
        Ok(_) => {
            state.catalogue.refresh(&state.store).await;
            Ok(Redirect::to(&format!("/procedures/{code}")).into_response())
        }
        Err(err) => {
            let err = procedure_error(err);
            form_page(&state, chrome, true, v, vec![err.detail]).await
        }
    }
}

// ---------------------------------------------------------------- publication

pub(crate) struct Choice {
    pub code: String,
    pub name: String,
    pub checked: bool,
    pub note: String,
}

#[derive(Template)]
#[template(path = "publications.html")]
struct PublicationsPage {
    chrome: Chrome,
    errors: Vec<String>,
    done: Option<String>,
    number: String,
    date: String,
    signer: String,
    required_count: String,
    drafts: Vec<Choice>,
    published: Vec<Choice>,
    withdraw_open: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct PreselectQuery {
    withdraw: Option<String>,
    publish: Option<String>,
}

struct PublicationForm {
    number: String,
    date: String,
    signer: String,
    required_count: String,
    publish: Vec<String>,
    withdraw: Vec<String>,
}

async fn publications_page(
    state: &AppState,
    chrome: Chrome,
    form: PublicationForm,
    errors: Vec<String>,
    done: Option<String>,
) -> Result<Response, PageError> {
    let drafts = state.store.drafts().await?;
    let published = state.store.published_catalogue().await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PublicationsPage {
        drafts: drafts
            .into_iter()
            .map(|d| Choice {
                checked: form.publish.contains(&d.code),
                note: if d.version_no > 1 {
                    format!("phiên bản {} thay thế bản đang công bố", d.version_no)
                } else {
                    "thủ tục mới".into()
                },
                code: d.code,
                name: d.name,
            })
            .collect(),
        published: published
            .into_iter()
            .map(|e| Choice {
                checked: form.withdraw.contains(&e.version.code),
                note: format!("phiên bản {}", e.version.version_no),
                code: e.version.code,
                name: e.version.procedure.name,
            })
            .collect(),
        withdraw_open: !form.withdraw.is_empty(),
        errors,
        done,
        number: form.number,
        date: form.date,
        signer: form.signer,
        required_count: form.required_count,
        chrome,
    };
    Ok(render(status, &page))
}

pub(super) async fn publications_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(pre): Query<PreselectQuery>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let form = PublicationForm {
        number: String::new(),
        date: crate::today_vn().to_string(),
        signer: "Chủ tịch Ủy ban nhân dân tỉnh".into(),
        required_count: String::new(),
        publish: pre.publish.into_iter().collect(),
        withdraw: pre.withdraw.into_iter().collect(),
    };
    publications_page(&state, chrome, form, Vec::new(), None).await
}

pub(super) async fn publications_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut form = PublicationForm {
        number: String::new(),
        date: String::new(),
        signer: String::new(),
        required_count: String::new(),
        publish: Vec::new(),
        withdraw: Vec::new(),
    };
    for (key, value) in pairs {
        match key.as_str() {
            "number" => form.number = value,
            "date" => form.date = value,
            "signer" => form.signer = value,
            "required_count" => form.required_count = value,
            "publish" => form.publish.push(value),
            "withdraw" => form.withdraw.push(value),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d");
    if date.is_err() {
        errors.push("Ngày quyết định không hợp lệ.".to_owned());
    }
    let required_count = match form.required_count.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push("Số thủ tục phải công bố phải là số.".to_owned());
                None
            }
        },
    };
    let Ok(date) = date else {
        return publications_page(&state, chrome, form, errors, None).await;
    };
    if !errors.is_empty() {
        return publications_page(&state, chrome, form, errors, None).await;
    }
    let request = PublicationRequest {
        number: form.number.clone(),
        date,
        signer: form.signer.clone(),
        required_count,
        publish: form.publish.clone(),
        withdraw: form.withdraw.clone(),
    };
    match publish_with(&state, &user, request).await {
        Ok(outcome) => {
            let done = format!(
                "Đã ghi Quyết định số {}: công bố {} thủ tục, bãi bỏ {} thủ tục.",
                outcome.number,
                outcome.published.len(),
                outcome.withdrawn.len()
            );
            let fresh = PublicationForm {
                number: String::new(),
                date: crate::today_vn().to_string(),
                signer: form.signer,
                required_count: String::new(),
                publish: Vec::new(),
                withdraw: Vec::new(),
            };
            publications_page(&state, chrome, fresh, Vec::new(), Some(done)).await
        }
        Err(err) => publications_page(&state, chrome, form, vec![err.detail], None).await,
    }
}

// ---------------------------------------------------------------- devolution

#[derive(Template)]
#[template(path = "devolve.html")]
struct DevolvePage {
    chrome: Chrome,
    code: String,
    name: String,
    errors: Vec<String>,
    assignments: Vec<AssignmentLine>,
    from_levels: Vec<Opt>,
    to_levels: Vec<Opt>,
    agency_options: Vec<Opt>,
    kind_options: Vec<Opt>,
    effective_from: String,
    note: String,
}

#[derive(Deserialize, Default)]
pub(super) struct DevolveForm {
    #[serde(default)]
    from_level: String,
    #[serde(default)]
    to_level: String,
    #[serde(default)]
    agency_code: String,
    #[serde(default)]
    agency_kind: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    note: String,
}

async fn devolve_page(
    state: &AppState,
    chrome: Chrome,
    code: &str,
    form: DevolveForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let Some(record) = state.store.procedure_record(code).await? else {
        return Ok(not_published(chrome, code));
    };
    let Some(current) = record.current else {
        return Ok(not_published(chrome, code));
    };
    let snapshot = state
        .catalogue
        .current(&state.store)
        .await
        .map_err(|e| PageError::from(motcua_store::StoreError::Config(e.to_string())))?;
    let today = crate::today_vn();
    let agencies = provincial_agencies(state).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DevolvePage {
        code: code.to_owned(),
        name: current.procedure.name,
        errors,
        assignments: record
            .assignments
            .iter()
            .map(|a| AssignmentLine {
                level: a.assignment.level.label_vi().into(),
                agency: match (&a.assignment.agency_code, a.assignment.agency_kind) {
                    (Some(c), _) => snapshot.agency_name(c.as_str()),
                    (None, Some(k)) => k.label_vi().into(),
                    _ => "—".into(),
                },
                from: day(a.assignment.effective_from),
                to: a.assignment.effective_to.map_or_else(String::new, day),
                note: a.note.clone(),
                current: a.assignment.in_force(today),
            })
            .collect(),
        from_levels: options(
            std::iter::once((String::new(), "Mọi cấp đang thực hiện".to_owned())).chain(
                Level::ALL
                    .iter()
                    .map(|l| (l.as_str().to_owned(), l.label_vi().to_owned())),
            ),
            &form.from_level,
        ),
        to_levels: enum_options(Level::ALL, Level::as_str, Level::label_vi, &form.to_level),
        agency_options: options(
            std::iter::once((String::new(), "— Theo loại cơ quan —".to_owned())).chain(agencies),
            &form.agency_code,
        ),
        kind_options: options(
            std::iter::once((String::new(), "— Không nêu —".to_owned())).chain(
                AgencyKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), k.label_vi().to_owned())),
            ),
            &form.agency_kind,
        ),
        effective_from: form.effective_from,
        note: form.note,
        chrome,
    };
    Ok(render(status, &page))
}

pub(super) async fn devolve_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let form = DevolveForm {
        to_level: Level::Commune.as_str().into(),
        agency_kind: AgencyKind::CommuneCommittee.as_str().into(),
        effective_from: crate::today_vn().to_string(),
        ..DevolveForm::default()
    };
    devolve_page(&state, chrome, &code, form, Vec::new()).await
}

pub(super) async fn devolve_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<DevolveForm>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut errors = Vec::new();
    let from_level = match form.from_level.trim() {
        "" => None,
        raw => raw.parse::<Level>().map_err(|e| errors.push(e)).ok(),
    };
    let to_level = form
        .to_level
        .parse::<Level>()
        .map_err(|e| errors.push(e))
        .ok();
    let agency_code = match form.agency_code.trim() {
        "" => None,
        raw => AgencyCode::parse(raw)
            .map_err(|e| errors.push(e.to_string()))
            .ok(),
    };
    let agency_kind = match form.agency_kind.trim() {
        "" => None,
        raw => raw.parse::<AgencyKind>().map_err(|e| errors.push(e)).ok(),
    };
    let effective_from = NaiveDate::parse_from_str(form.effective_from.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push("Ngày hiệu lực không hợp lệ.".to_owned()))
        .ok();
    let (Some(to_level), Some(effective_from), true) =
        (to_level, effective_from, errors.is_empty())
    else {
        return devolve_page(&state, chrome, &code, form, errors).await;
    };
    let request = DevolutionRequest {
        from_level,
        to_level,
        agency_code,
        agency_kind,
        effective_from,
        note: form.note.clone(),
    };
    match devolve_with(&state, &user, &code, request).await {
        Ok(()) => Ok(Redirect::to(&format!("/procedures/{code}")).into_response()),
        Err(err) => devolve_page(&state, chrome, &code, form, vec![err.detail]).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_the_vietnamese_way() {
        assert_eq!(vnd(0), "0 đ");
        assert_eq!(vnd(8000), "8.000 đ");
        assert_eq!(vnd(10_000_000), "10.000.000 đ");
        assert_eq!(vnd(-5), "-5 đ");
    }

    #[test]
    fn the_drafting_form_round_trips_a_procedure() {
        let json = include_str!("../../../motcua/demo/lang_son_procedures.json");
        let file: serde_json::Value = serde_json::from_str(json).unwrap();
        for item in file["procedures"].as_array().unwrap() {
            let p: Procedure = serde_json::from_value(item.clone()).unwrap();
            let p = p.normalised();
            let back = FormValues::from_procedure(&p).to_procedure().unwrap();
            assert_eq!(back, p, "{}", p.code);
        }
    }

    #[test]
    fn the_drafting_form_reports_what_is_wrong() {
        let v = FormValues {
            code: "1.1".into(),
            name: "Thử".into(),
            sector: "ho_tich".into(),
            levels: vec!["commune".into()],
            agency_kind: "commune_committee".into(),
            applicants: vec!["citizen".into()],
            time_value: "2".into(),
            time_unit: "working_days".into(),
            norm_value: "3".into(),
            norm_unit: "working_days".into(),
            channels: vec!["in_person".into()],
            online_level: "none".into(),
            fees: "Lệ phí | -1".into(),
            ..FormValues::default()
        };
        let errors = v.to_procedure().unwrap_err();
        assert!(
            errors.iter().any(|e| e.starts_with("Chuẩn phục vụ")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.contains("-1 đồng")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("lý do")), "{errors:?}");
    }
}

//! The archive for administrators: what may be archived, packages, destruction lists, and
//! the province administrator's decision on a list.

use super::{NoticeQuery, human_size, when};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::documents::archive as app_archive;
use motcua_domain::account::Role;
use motcua_store::{ArchivePackageRecord, DestructionListRecord, RetentionRecord};
use serde::Deserialize;

struct RetentionRow {
    code: String,
    procedure_name: String,
    applicant_name: String,
    closed_on: String,
    retention: String,
    archive_after: String,
}

fn retention_row(r: RetentionRecord) -> RetentionRow {
    RetentionRow {
        retention: retention_text(&r.retention_years),
        archive_after: r.archive_after.map_or_else(
            || "Không tiêu hủy".to_owned(),
            |d| d.format("%d/%m/%Y").to_string(),
        ),
        closed_on: r.closed_on.format("%d/%m/%Y").to_string(),
        code: r.dossier_code,
        procedure_name: r.procedure_name,
        applicant_name: r.applicant_name,
    }
}

struct PackageRow {
    id: String,
    before: String,
    location: String,
    dossiers: i64,
    documents: i64,
    size: String,
    manifest: String,
    created: String,
    created_by: String,
}

fn package_row(p: ArchivePackageRecord) -> PackageRow {
    PackageRow {
        id: p.id.to_string(),
        before: p.before_date.format("%d/%m/%Y").to_string(),
        location: p.location,
        dossiers: p.dossiers,
        documents: p.documents,
        size: human_size(p.bytes),
        manifest: p.manifest_sha256,
        created: when(p.created_at),
        created_by: p.created_by,
    }
}

struct ListRow {
    id: String,
    before: String,
    state: String,
    state_label: &'static str,
    dossiers: i64,
    proposed: String,
    decided: String,
    note: String,
    executed: String,
    items: Vec<RetentionRow>,
}

fn list_row(l: DestructionListRecord, items: Option<Vec<RetentionRecord>>) -> ListRow {
    ListRow {
        id: l.id.to_string(),
        before: l.before_date.format("%d/%m/%Y").to_string(),
        state_label: list_state_label(&l.state),
        state: l.state,
        dossiers: l.dossiers,
        proposed: format!("{} bởi {}", when(l.proposed_at), l.proposed_by),
        decided: match (l.decided_at, l.decided_by) {
            (Some(t), Some(by)) => format!("{} bởi {}", when(t), by),
            _ => String::new(),
        },
        note: l.note.unwrap_or_default(),
        executed: match l.executed_at {
            Some(t) => format!(
                "{} ({} nội dung đã xóa)",
                when(t),
                l.blobs_deleted.unwrap_or_default()
            ),
            None => String::new(),
        },
        items: items
            .unwrap_or_default()
            .into_iter()
            .map(retention_row)
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    chrome: Chrome,
    archivable: Vec<RetentionRow>,
    packages: Vec<PackageRow>,
    lists: Vec<ListRow>,
    can_decide: bool,
    notice: Option<String>,
}

fn retention_text(years: &Option<i64>) -> String {
    match years {
        Some(n) => format!("{n} năm"),
        None => "Vĩnh viễn".into(),
    }
}

fn list_state_label(state: &str) -> &'static str {
    match state {
        "proposed" => "Chờ phê duyệt",
        "approved" => "Đã phê duyệt, chờ tiêu hủy",
        "rejected" => "Không phê duyệt",
        "executed" => "Đã tiêu hủy",
        _ => "",
    }
}

pub(in crate::pages) async fn archive(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let overview = app_archive::overview(&state.app, &user.principal(), 200)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let notice = q.notice.and_then(|n| match n.as_str() {
        "approved" => Some("Đã phê duyệt danh sách tiêu hủy. Tiêu hủy bằng lệnh `motcua archive destroy --list ID`.".to_owned()),
        "rejected" => Some("Đã không phê duyệt danh sách tiêu hủy.".to_owned()),
        _ => None,
    });
    let page = ArchivePage {
        chrome,
        archivable: overview.archivable.into_iter().map(retention_row).collect(),
        packages: overview.packages.into_iter().map(package_row).collect(),
        lists: overview
            .lists
            .into_iter()
            .map(|(l, items)| list_row(l, items))
            .collect(),
        can_decide: user.role == Role::ProvinceAdmin,
        notice,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(in crate::pages) struct DecisionForm {
    decision: String,
    note: Option<String>,
}

pub(in crate::pages) async fn archive_decide(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let approve = form.decision == "approve";
    let who = user.principal();
    let note = form.note.as_deref();
    match app_archive::decide(&state.app, &who, &id, approve, note).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/archive?notice={}",
            if approve { "approved" } else { "rejected" }
        ))
        .into_response()),
        Err(e) => Err(PageError::app(chrome, e)),
    }
}

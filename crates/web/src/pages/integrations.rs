//! `/admin/integrations`: each connector's queue, and its dead letters to retry or drop.

use super::{Chrome, PageError, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::programme::local;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::catalogue::files::ImportReport;
use motcua_app::connectors::{self, ConnectorView};
use motcua_store::Channel;
use uuid::Uuid;

/// A connector's name on the page.
pub(crate) fn connector_label(channel: Channel) -> &'static str {
    match channel {
        Channel::InApp => "Thông báo trong hệ thống",
        Channel::Email => "Thư điện tử (SMTP)",
        Channel::Sms => "Tin nhắn SMS",
        Channel::Zalo => "Zalo ZNS",
        Channel::NationalPortal => "Cổng Dịch vụ công quốc gia",
    }
}

/// An age in words: "3 phút", "2 giờ 5 phút".
pub(crate) fn age(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0 => format!("{} giây", seconds.max(0)),
        1..60 => format!("{minutes} phút"),
        _ => format!("{} giờ {} phút", minutes / 60, minutes % 60),
    }
}

struct Row {
    name: &'static str,
    key: &'static str,
    configured: bool,
    pending: i64,
    in_flight: i64,
    failed: i64,
    dead: i64,
    oldest: String,
    last_success: String,
    last_error: String,
}

struct Dead {
    id: Uuid,
    connector: &'static str,
    kind: String,
    subject: String,
    attempts: i64,
    error: String,
    at: String,
}

#[derive(Template)]
#[template(path = "integrations.html")]
struct IntegrationsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    dead: Vec<Dead>,
    may_act: bool,
    /// The national catalogue's list can be imported here.
    catalogue: bool,
    /// What the last import from it did: a summary and each bad item.
    imported: Option<(String, Vec<String>)>,
}

/// A report in words, for the page.
fn import_summary(report: ImportReport) -> (String, Vec<String>) {
    match report {
        ImportReport::Rejected { issues, rows } => (
            format!(
                "Không nhập gì: {} lỗi trong danh mục ({rows} thủ tục đọc được). Sửa ở nguồn rồi nhập lại.",
                issues.len()
            ),
            issues.iter().map(ToString::to_string).collect(),
        ),
        ImportReport::Imported {
            rows,
            dry_run: true,
            ..
        } => (
            format!("Danh mục hợp lệ: {} thủ tục; chưa ghi gì.", rows.len()),
            Vec::new(),
        ),
        ImportReport::Imported { decision, rows, .. } => {
            let created = rows.iter().filter(|r| r.outcome == "created").count();
            (
                format!(
                    "Đã nhập {} thủ tục ({created} mới, {} cập nhật), công bố theo {decision}.",
                    rows.len(),
                    rows.len() - created
                ),
                Vec::new(),
            )
        }
    }
}

fn row(view: ConnectorView) -> Row {
    let s = view.stats;
    Row {
        name: connector_label(s.channel),
        key: s.channel.as_str(),
        configured: view.configured,
        pending: s.pending,
        in_flight: s.in_flight,
        failed: s.failed,
        dead: s.dead,
        oldest: view.oldest_pending_seconds.map(age).unwrap_or_default(),
        last_success: s.last_success_at.map(local).unwrap_or_default(),
        last_error: s.last_error.unwrap_or_default(),
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    integrations_page(&state, &user, chrome, None).await
}

#[derive(serde::Deserialize)]
pub(super) struct CatalogueForm {
    #[serde(default)]
    dry_run: Option<String>,
}

/// Imports the national catalogue's list (the same use case as the API) and shows the report.
pub(super) async fn import_catalogue(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    axum::Form(form): axum::Form<CatalogueForm>,
) -> Result<Response, PageError> {
    let report = connectors::catalogue::import_national_catalogue(
        &state.app,
        &user.principal(),
        form.dry_run.is_some(),
    )
    .await?;
    integrations_page(&state, &user, chrome, Some(import_summary(report))).await
}

async fn integrations_page(
    state: &AppState,
    user: &crate::auth::AuthUser,
    chrome: Chrome,
    imported: Option<(String, Vec<String>)>,
) -> Result<Response, PageError> {
    let who = user.principal();
    let views = connectors::overview(&state.app, &who).await?;
    let mut dead = Vec::new();
    for view in views.iter().filter(|v| v.stats.dead > 0) {
        for m in connectors::dead_letters(&state.app, &who, view.stats.channel).await? {
            dead.push(Dead {
                id: m.id,
                connector: connector_label(m.channel),
                kind: m.kind,
                subject: m.subject,
                attempts: m.attempts,
                error: m.last_error.unwrap_or_default(),
                at: m.dead_at.map(local).unwrap_or_default(),
            });
        }
    }
    let page = IntegrationsPage {
        may_act: who
            .require(&[motcua_domain::account::Role::ProvinceAdmin])
            .is_ok(),
        chrome,
        rows: views.into_iter().map(row).collect(),
        dead,
        catalogue: connectors::catalogue::configured(&state.app),
        imported,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn retry(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    connectors::settle_dead_letter(&state.app, &user.principal(), id, true).await?;
    Ok(Redirect::to("/admin/integrations").into_response())
}

pub(super) async fn drop(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    connectors::settle_dead_letter(&state.app, &user.principal(), id, false).await?;
    Ok(Redirect::to("/admin/integrations").into_response())
}

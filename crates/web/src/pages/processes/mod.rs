//! Internal processes: the list (with the published procedures that still have no approved
//! process, which the province must redraw after devolution), drafting with steps and
//! budgets checked against the legal time, approval, and adjusting an approved process.

mod edit;
mod form;
mod list;

pub(super) use edit::{approve, create, detail, new_form, save};
pub(super) use list::list;

use super::dossier_common::{hours, name_of};
use super::work::SelectOpt;
use super::{Chrome, PageError, error_page_with};
use crate::AppState;
use crate::auth::AuthUser;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::processes::staff;
use motcua_domain::calendar::WORKING_DAY_MINUTES;
use motcua_domain::procedure::Level;
use motcua_store::ProcessRecord;
use std::collections::HashMap;

fn options(items: Vec<(String, String)>, current: &str) -> Vec<SelectOpt> {
    items
        .into_iter()
        .map(|(value, label)| SelectOpt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn staff_page(chrome: &Chrome, user: &AuthUser) -> Option<Response> {
    staff(&user.principal()).err().map(|_| {
        error_page_with(
            chrome.clone(),
            StatusCode::FORBIDDEN,
            "Quy trình nội bộ dành cho cán bộ và quản trị.",
        )
    })
}

fn scope_label(p: &ProcessRecord, names: &HashMap<String, String>) -> String {
    match &p.agency_code {
        Some(code) => name_of(names, code),
        None => {
            let level = match p.level {
                Level::Commune => "Mặc định cho mọi Ủy ban nhân dân cấp xã",
                Level::Province => "Mặc định cấp tỉnh",
            };
            // The department a default routes the dossiers to, if its steps name one.
            match p.steps.iter().find_map(|s| s.agency.as_ref()) {
                Some(a) => format!("{level} · giải quyết tại {}", name_of(names, a.as_str())),
                None => level.to_owned(),
            }
        }
    }
}

fn legal_text(minutes: i64) -> String {
    let day = i64::from(WORKING_DAY_MINUTES);
    if minutes % day == 0 {
        format!(
            "{} ngày làm việc ({} giờ làm việc)",
            minutes / day,
            hours(minutes)
        )
    } else {
        format!("{} giờ làm việc", hours(minutes))
    }
}

/// Published procedures by code: (name, legal time in working minutes).
async fn published(state: &AppState) -> Result<HashMap<String, (String, i64)>, PageError> {
    Ok(motcua_app::catalogue::read::published(&state.app)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.version.code.clone(),
                (
                    e.version.procedure.name.clone(),
                    e.version.procedure.processing_time.minutes(),
                ),
            )
        })
        .collect())
}

fn can_draft(user: &AuthUser) -> bool {
    motcua_app::processes::may_draft(&user.principal())
}

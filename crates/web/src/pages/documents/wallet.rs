//! The document store page: a citizen's own, or an applicant's for staff at the counter.

use super::{human_size, kind_label, when};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::account::Role;
use motcua_store::WalletItemRecord;
use serde::Deserialize;

struct WalletRow {
    item: WalletItemRecord,
    kind_label: &'static str,
    size: String,
    added: String,
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    chrome: Chrome,
    holders: Vec<String>,
    rows: Vec<WalletRow>,
    is_staff: bool,
    holder: String,
}

#[derive(Deserialize, Default)]
pub(in crate::pages) struct WalletQuery {
    holder: Option<String>,
}

pub(in crate::pages) async fn wallet(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<WalletQuery>,
) -> Result<Response, PageError> {
    let is_staff = matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader);
    let holder = q.holder.clone().unwrap_or_default();
    if is_staff && holder.trim().is_empty() {
        let page = WalletPage {
            chrome,
            holders: Vec::new(),
            rows: Vec::new(),
            is_staff,
            holder,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    let wallet =
        motcua_app::documents::wallet::wallet(&state.app, &user.principal(), q.holder.as_deref())
            .await
            .map_err(|e| PageError::app(chrome.clone(), e))?;
    let rows = wallet
        .items
        .into_iter()
        .map(|item| WalletRow {
            kind_label: kind_label(&item.kind),
            size: human_size(item.size_bytes),
            added: when(item.added_at),
            item,
        })
        .collect();
    let page = WalletPage {
        chrome,
        holders: wallet.holders,
        rows,
        is_staff,
        holder,
    };
    Ok(render(StatusCode::OK, &page))
}

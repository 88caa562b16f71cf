//! The document store page: a citizen's own, with who looked at it; or, for an officer, the
//! store of a dossier's applicant, only what that dossier may reuse.

use super::{human_size, kind_label, when};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::dossier_common::{agency_names, name_of};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::documents::wallet as app_wallet;
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
    /// The dossier an officer opened the store from.
    dossier: String,
    /// For the citizen: who looked.
    reads: Vec<ReadRow>,
}

struct ReadRow {
    at: String,
    officer: String,
    agency: String,
    dossier: String,
    what: String,
}

#[derive(Deserialize, Default)]
pub(in crate::pages) struct WalletQuery {
    dossier: Option<String>,
}

pub(in crate::pages) async fn wallet(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<WalletQuery>,
) -> Result<Response, PageError> {
    let is_staff = matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader);
    let who = user.principal();
    let wallet = app_wallet::wallet(&state.app, &who, None, q.dossier.as_deref())
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let reads = if is_staff {
        Vec::new()
    } else {
        let names = agency_names(&state)
            .await
            .map_err(|e| PageError::app(chrome.clone(), e))?;
        app_wallet::reads(&state.app, &who)
            .await
            .map_err(|e| PageError::app(chrome.clone(), e))?
            .into_iter()
            .map(|r| ReadRow {
                at: when(r.at),
                agency: r
                    .agency_code
                    .as_deref()
                    .map(|a| name_of(&names, a))
                    .unwrap_or_default(),
                officer: if r.officer_name.is_empty() {
                    r.officer
                } else {
                    format!("{} ({})", r.officer_name, r.officer)
                },
                dossier: r.dossier.unwrap_or_default(),
                what: match r.opened_document {
                    Some(name) => format!("Mở giấy tờ “{name}”"),
                    None => "Xem danh sách giấy tờ".into(),
                },
            })
            .collect()
    };
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
        dossier: wallet.dossier.unwrap_or_default(),
        reads,
    };
    Ok(render(StatusCode::OK, &page))
}

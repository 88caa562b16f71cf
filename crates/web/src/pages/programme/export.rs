//! The exports as CSV and Excel.

use super::{loaded_or_page, page_error, programme_id, reader};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError};
use crate::programme::{self as prog};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct ExportQuery {
    programme: Option<String>,
}

fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn export_failed(chrome: Chrome) -> PageError {
    page_error(
        chrome,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Không tạo được tệp xuất. Vui lòng thử lại sau.",
    )
}

pub(crate) async fn export_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    match prog::export_csv(&loaded, crate::today_vn()) {
        Ok(bytes) => Ok(attachment(
            "text/csv; charset=utf-8",
            "chuong-trinh-chuyen-doi.csv",
            bytes,
        )),
        Err(err) => {
            tracing::error!(error = %err, "CSV export failed");
            Err(export_failed(chrome))
        }
    }
}

pub(crate) async fn export_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    match prog::export_xlsx(&loaded, crate::today_vn()) {
        Ok(bytes) => Ok(attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "chuong-trinh-chuyen-doi.xlsx",
            bytes,
        )),
        Err(err) => {
            tracing::error!(error = %err, "XLSX export failed");
            Err(export_failed(chrome))
        }
    }
}

//! The officers' side: `/work`, the queue of their desk with filters, due-state marks and
//! counts per agency; a dossier with its history and one form per action this user may
//! take; the counter receipt of paper dossiers; and the printable forms 01–05.

mod actions;
mod counter;
mod dossier;
mod fees;
mod forms;
mod forms_pdf;
mod queue;
mod results;

/// Re-exported here for the pages that still take it from `work`.
pub(crate) use super::view::SelectOpt;
pub(super) use actions::act;
pub(super) use counter::{counter, counter_form};
pub(crate) use dossier::applicant_lines;
pub(super) use dossier::{document, dossier};
pub(super) use forms::print_form;
pub(crate) use forms::{FormSource, form_page};
pub(super) use queue::queue;
pub(super) use results::{declaration_pdf, form_data_csv, form_data_xlsx, result_from_form};

use super::{Chrome, error_page_with};
use crate::auth::AuthUser;
use axum::http::StatusCode;
use axum::response::Response;

fn staff_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (!user.role.is_staff()).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Trang này dành cho cán bộ. Công dân xem hồ sơ của mình tại \"Hồ sơ của tôi\" (/my/dossiers).",
        )
    })
}

//! Document pages: a dossier's documents (upload, scan, mark digitised, what is signed),
//! verifying a document by file or hash (with a QR code for printed results), the
//! citizen's document store, and the archive for administrators.

mod archive;
mod dossier;
mod verify;
mod wallet;

pub(super) use archive::{archive, archive_decide};
pub(super) use dossier::{
    dossier_digitise, dossier_documents, dossier_upload, dossier_withdraw_draft, result_print,
    result_sheets,
};
pub(crate) use verify::verify_url;
pub(super) use verify::{verify, verify_upload};
pub(super) use wallet::wallet;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A size as people read it: "1,5 MB", "340 KB" (decimal units, a comma for the point).
pub(crate) fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    let (value, unit) = if b >= 1e9 {
        (b / 1e9, "GB")
    } else if b >= 1e6 {
        (b / 1e6, "MB")
    } else if b >= 1e3 {
        (b / 1e3, "KB")
    } else {
        return format!("{bytes} byte");
    };
    let text = if value < 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{} {unit}", text.replace('.', ","))
}

/// A moment as people here read it (Vietnam time).
fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

fn kind_label(kind: &str) -> &'static str {
    motcua_domain::document::DocumentKind::parse(kind).map_or("", |k| k.label_vi())
}

#[derive(Deserialize, Default)]
pub(super) struct NoticeQuery {
    notice: Option<String>,
}

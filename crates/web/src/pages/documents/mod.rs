//! Document pages: a dossier's documents (upload, scan, mark digitised, what is signed),
//! verifying a document by file or hash (with a QR code for printed results), the
//! citizen's document store, and the archive for administrators.

mod archive;
mod dossier;
mod verify;
mod wallet;

pub(super) use archive::{archive, archive_decide};
pub(super) use dossier::{dossier_digitise, dossier_documents, dossier_upload, result_print};
pub(super) use verify::{verify, verify_upload};
pub(super) use wallet::wallet;

use chrono::{DateTime, Utc};
use serde::Deserialize;

fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.0} KiB", b / 1024.0)
    } else {
        format!("{b} B")
    }
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

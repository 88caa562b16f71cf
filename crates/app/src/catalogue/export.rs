//! The published catalogue as a file: the same bytes for the API, the pages and
//! `motcua export procedures`.

use crate::{App, AppError, AppResult};
use motcua_exchange::{Entry, Format};
use motcua_store::Store;

/// An exported catalogue: the bytes and their format (the edge names the content type).
#[derive(Debug)]
pub struct CatalogueFile {
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl CatalogueFile {
    /// The name a download is saved under.
    pub fn filename(&self) -> String {
        format!("thu-tuc-hanh-chinh.{}", self.format.as_str())
    }
}

/// The published catalogue in `format`, for anyone (the catalogue is public).
pub async fn published(app: &App, format: Format) -> AppResult<CatalogueFile> {
    export(&app.store, format).await
}

/// The published catalogue in `format`. Anyone may have it (the catalogue is public),
/// so it needs only the store: the command line exports without starting the application.
pub async fn export(store: &Store, format: Format) -> AppResult<CatalogueFile> {
    let entries: Vec<Entry> = store
        .published_catalogue()
        .await?
        .into_iter()
        .map(|e| Entry {
            procedure: e.version.procedure,
            sets: e.sets,
        })
        .collect();
    let bytes = tokio::task::spawn_blocking(move || motcua_exchange::export(&entries, format))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(CatalogueFile { format, bytes })
}

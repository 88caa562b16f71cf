//! The motcua binary's library half: opening the store, the demo, and running the
//! server, shared by `main.rs` and the integration tests.

pub mod archive;
pub mod demo;
pub mod demo_dossiers;
pub mod demo_programme;
pub mod generate;
pub mod loadgen;
pub mod samples;
pub mod server;

use anyhow::Context;
use motcua_store::{Store, StoreConfig};
use std::path::PathBuf;

/// Where every command finds its data.
#[derive(Debug, Clone)]
pub struct DataLocation {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// Where documents are stored; None: DATA_DIR/documents.
    pub documents_url: Option<String>,
}

impl DataLocation {
    /// Opens the database (creating the data folder and its documents folder) and migrates it.
    pub async fn open_and_migrate(&self) -> anyhow::Result<(Store, usize)> {
        std::fs::create_dir_all(self.data_dir.join("documents"))
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        let config = StoreConfig {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
        };
        let store = Store::open(&config)
            .await
            .context("cannot open the database")?;
        let applied = store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        Ok((store, applied))
    }
}

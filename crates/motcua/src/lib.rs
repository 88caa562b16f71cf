//! The motcua binary's library half: opening the store, the demo, and running the
//! server, shared by `main.rs` and the integration tests.

pub mod archive;
pub mod ceiling;
pub mod demo;
pub mod demo_dossiers;
pub mod demo_forms;
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
    /// How long to keep trying a database that cannot be reached at start (PostgreSQL
    /// restarting with the server, say) before giving up.
    pub database_wait: std::time::Duration,
}

/// The default of `--database-wait`.
pub const DATABASE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

impl DataLocation {
    /// Opens the database (creating the data folder and its documents folder) and migrates it.
    pub async fn open_and_migrate(&self) -> anyhow::Result<(Store, usize)> {
        std::fs::create_dir_all(self.data_dir.join("documents"))
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        let config = StoreConfig {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
        };
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(250);
        let store = loop {
            match Store::open(&config).await {
                Ok(store) => break store,
                Err(e) if e.is_unavailable() && started.elapsed() < self.database_wait => {
                    let left = self.database_wait.saturating_sub(started.elapsed());
                    tracing::warn!(
                        error = %e,
                        retry_in_ms = pause.min(left).as_millis() as u64,
                        "the database cannot be reached yet; retrying"
                    );
                    tokio::time::sleep(pause.min(left)).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(5));
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "cannot open the database (waited {} s)",
                        started.elapsed().as_secs()
                    )));
                }
            }
        };
        let applied = store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        Ok((store, applied))
    }
}

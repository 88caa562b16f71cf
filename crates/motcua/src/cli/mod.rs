//! The command line: one module per command, each a thin edge over `motcua-app` (or, for
//! `serve`, over `motcua-web`). A module holds its clap types and its `run`.

pub mod archive;
pub mod audit;
pub mod calendar;
pub mod dev;
pub mod export;
pub mod import;
pub mod quality;
pub mod serve;
pub mod transition;
pub mod user;

use motcua::DataLocation;
use motcua_app::App;
use motcua_store::Store;

/// The application over an opened store, for a command that runs use cases. The command
/// line stores documents of any size: the upload limit is the server's.
pub fn app_for(store: &Store, location: &DataLocation) -> App {
    App::new(
        store.clone(),
        &motcua_app::AppConfig {
            data_dir: location.data_dir.clone(),
            documents: motcua_app::documents::DocumentsConfig {
                url: location.documents_url.clone(),
                max_bytes: u64::MAX,
            },
            ..motcua_app::AppConfig::default()
        },
    )
}

/// Opens and migrates the store, runs `command` on the application over it, and closes the
/// store whatever the outcome.
pub async fn with_app<T>(
    location: &DataLocation,
    command: impl AsyncFnOnce(&App) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (store, _) = location.open_and_migrate().await?;
    let result = command(&app_for(&store, location)).await;
    store.close().await;
    result
}

/// Opens and migrates the store, runs `command` on it, and closes it whatever the outcome.
pub async fn with_store<T>(
    location: &DataLocation,
    command: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (store, _) = location.open_and_migrate().await?;
    let result = command(&store).await;
    store.close().await;
    result
}

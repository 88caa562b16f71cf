//! The command line: one module per command, each a thin edge over `motcua-app` (or, for
//! `serve`, over `motcua-web`). A module holds its clap types and its `run`.

pub mod archive;
pub mod audit;
pub mod calendar;
pub mod dev;
pub mod export;
pub mod identity;
pub mod import;
pub mod payments;
pub mod quality;
pub mod serve;
pub mod transition;
pub mod user;

use motcua::DataLocation;
use motcua_app::App;
use motcua_store::Store;

/// The application over an opened store, for a command that runs use cases, with the audit
/// checkpoints in `checkpoints` (None: the default folder). The command line stores documents
/// of any size: the upload limit is the server's.
fn app_for(
    store: &Store,
    location: &DataLocation,
    checkpoints: Option<&std::path::Path>,
) -> anyhow::Result<App> {
    Ok(App::new(
        store.clone(),
        &motcua_app::AppConfig {
            data_dir: location.data_dir.clone(),
            documents: motcua_app::documents::DocumentsConfig {
                url: location.documents_url.clone(),
                max_bytes: u64::MAX,
            },
            // The server's key, given the way the server takes it.
            master_key: master_key_given(
                std::env::var_os("MOTCUA_MASTER_KEY_FILE")
                    .filter(|v| !v.is_empty())
                    .map(std::path::PathBuf::from)
                    .as_deref(),
            )?,
            audit_checkpoints: checkpoints.map(std::path::Path::to_path_buf),
            national_sync: national_sync(),
            ..motcua_app::AppConfig::default()
        },
    ))
}

/// The master key given in a file or in MOTCUA_MASTER_KEY (not both); None: the default,
/// DATA_DIR/master.key.
pub fn master_key_given(
    file: Option<&std::path::Path>,
) -> anyhow::Result<Option<motcua_app::signing::MasterKey>> {
    let text = std::env::var("MOTCUA_MASTER_KEY")
        .ok()
        .filter(|t| !t.trim().is_empty());
    Ok(match (file, text) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give the master key either in a file or in MOTCUA_MASTER_KEY, not both")
        }
        (Some(path), None) => Some(motcua_app::signing::MasterKey::read_file(path)?),
        (None, Some(text)) => Some(motcua_app::signing::MasterKey::from_base64(&text)?),
        (None, None) => None,
    })
}

/// Opens and migrates the store, runs `command` on the application over it, and closes the
/// store whatever the outcome.
pub async fn with_app<T>(
    location: &DataLocation,
    command: impl AsyncFnOnce(&App) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    with_app_at(location, None, command).await
}

/// Like [`with_app`], with the audit checkpoints in `checkpoints` (None: the default folder).
pub async fn with_app_at<T>(
    location: &DataLocation,
    checkpoints: Option<&std::path::Path>,
    command: impl AsyncFnOnce(&App) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (store, _) = location.open_and_migrate().await?;
    let result = match app_for(&store, location, checkpoints) {
        Ok(app) => command(&app).await,
        Err(e) => Err(e),
    };
    store.close().await;
    result
}

/// Changes made here are told to the national portal as the server's are, when its
/// connector is set up.
fn national_sync() -> bool {
    std::env::var("MOTCUA_NATIONAL_PORTAL_URL").is_ok_and(|u| !u.is_empty())
}

/// Opens and migrates the store, runs `command` on it, and closes it whatever the outcome.
pub async fn with_store<T>(
    location: &DataLocation,
    command: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (store, _) = location.open_and_migrate().await?;
    let store = store.with_national_sync(national_sync());
    let result = command(&store).await;
    store.close().await;
    result
}

/// Flattened settings as the environment alone gives them (`motcua` run without a
/// subcommand): clap reads each `env` with no arguments.
pub(crate) fn from_environment<T: clap::Args + clap::FromArgMatches>() -> T {
    let command = T::augment_args(clap::Command::new("motcua").no_binary_name(true));
    let matches = command.get_matches_from(Vec::<String>::new());
    T::from_arg_matches(&matches).expect("settings from the environment")
}

//! `motcua export …`: the published catalogue to a file or standard output.

use anyhow::Context;
use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::catalogue::files as catalogue_files;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export the published procedure catalogue.
    Procedures {
        /// xlsx, csv or json.
        #[arg(long, default_value = "json")]
        format: motcua_exchange::Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn run(command: ExportCommand, location: &DataLocation) -> anyhow::Result<()> {
    let ExportCommand::Procedures { format, output } = command;
    let bytes = super::with_store(location, async |store| {
        catalogue_files::export(store, format).await
    })
    .await?;
    match output {
        Some(path) => {
            std::fs::write(&path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Đã ghi {} ({} byte).", path.display(), bytes.len());
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

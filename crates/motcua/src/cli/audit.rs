//! `motcua audit …`: the audit chain, through `motcua_app::audit`.

use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::Principal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Re-hash the audit chain and report any changed, deleted or inserted event, and any
    /// rollback or re-sealing that the signed checkpoints reveal. Exits 1 on any break.
    Verify {
        /// Print the report as JSON (with the head's hash, to record elsewhere).
        #[arg(long)]
        json: bool,
        /// The checkpoints' folder; by default where the server writes them.
        #[arg(long, env = "MOTCUA_AUDIT_CHECKPOINT_DIR")]
        checkpoints: Option<PathBuf>,
    },
    /// Write a signed checkpoint of the chain's head now (the server writes them every few
    /// minutes and at shutdown).
    Checkpoint {
        /// The checkpoints' folder; by default where the server writes them.
        #[arg(long, env = "MOTCUA_AUDIT_CHECKPOINT_DIR")]
        checkpoints: Option<PathBuf>,
    },
}

pub async fn run(command: AuditCommand, location: &DataLocation) -> anyhow::Result<()> {
    let folder = |given: Option<PathBuf>| {
        given.unwrap_or_else(|| location.data_dir.join(motcua_app::audit::CHECKPOINT_FOLDER))
    };
    let (json, checkpoints) = match command {
        AuditCommand::Verify { json, checkpoints } => (json, folder(checkpoints)),
        AuditCommand::Checkpoint { checkpoints } => {
            let checkpoints = folder(checkpoints);
            let written = super::with_app_at(location, Some(&checkpoints), async |app| {
                Ok(motcua_app::audit::write_checkpoint(app).await?)
            })
            .await?;
            match written {
                Some(c) => println!(
                    "Đã ghi điểm neo nhật ký tại sự kiện {}. Checkpoint written at event {} ({}).",
                    c.seq, c.seq, c.hash
                ),
                None => println!(
                    "Nhật ký không đổi từ điểm neo trước. Nothing new since the last checkpoint."
                ),
            }
            return Ok(());
        }
    };
    let report = super::with_app_at(location, Some(&checkpoints), async |app| {
        Ok(motcua_app::audit::verify_chain(app, &Principal::operator()).await?)
    })
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.is_intact() {
        println!(
            "Chuỗi nhật ký nguyên vẹn: {} sự kiện, {} điểm neo. Audit chain intact: {} events, \
             {} checkpoints. Head: {}",
            report.events, report.checkpoints, report.events, report.checkpoints, report.head_hash
        );
    } else {
        println!("Chuỗi nhật ký bị thay đổi. Audit chain broken:");
        for problem in &report.breaks {
            println!("  {}", serde_json::to_string(problem)?);
        }
    }
    if !report.is_intact() {
        std::process::exit(1);
    }
    Ok(())
}

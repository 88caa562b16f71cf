//! `motcua audit …`: the audit chain, through `motcua_app::audit`.

use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::Principal;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Re-hash the audit chain and report any changed, deleted or inserted event.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: AuditCommand, location: &DataLocation) -> anyhow::Result<()> {
    let AuditCommand::Verify { json } = command;
    let report = super::with_app(location, async |app| {
        Ok(motcua_app::audit::verify_chain(app, &Principal::operator()).await?)
    })
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.is_intact() {
        println!(
            "Chuỗi nhật ký nguyên vẹn: {} sự kiện. Audit chain intact: {} events.",
            report.events, report.events
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

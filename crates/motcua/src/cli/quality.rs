//! `motcua quality …`: the Decision 766 counters.

use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::Principal;
use std::time::Instant;

#[derive(Subcommand)]
pub enum QualityCommand {
    /// Recount the per-agency, per-month counters and each dossier's facts from the dossiers
    /// (they are kept up to date with every change; this rebuilds them, e.g. after a restore).
    Recount,
}

pub async fn run(command: QualityCommand, location: &DataLocation) -> anyhow::Result<()> {
    let QualityCommand::Recount = command;
    let started = Instant::now();
    let report = super::with_app(location, async |app| {
        Ok(motcua_app::stats::recount(app, &Principal::operator()).await?)
    })
    .await?;
    println!(
        "Đã tính lại chỉ số từ {} hồ sơ: {} dòng tổng hợp, {} hồ sơ được tính, {:.1} giây. \
         Recounted {} dossiers into {} rows ({} counted) in {:.1}s.",
        report.dossiers,
        report.rows,
        report.facts,
        started.elapsed().as_secs_f64(),
        report.dossiers,
        report.rows,
        report.facts,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

//! `motcua documents …` and `motcua archive …`: stored documents, archive packages,
//! destruction lists and destruction.

use chrono::NaiveDate;
use clap::Subcommand;
use motcua::DataLocation;
use motcua_domain::audit::AuditEntry;
use motcua_store::Store;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// Re-hash every stored blob against its SHA-256 address; flag corrupt ones and exit 1
    /// on any corrupt, unreadable or missing blob.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// Write an archive package (a folder with manifest.json, the files named by SHA-256,
    /// their signatures and statements) of the dossiers closed before DATE that are not
    /// archived yet, and mark them archived. Idempotent.
    Export {
        /// Dossiers closed before this day (YYYY-MM-DD).
        #[arg(long)]
        before: NaiveDate,
        /// The folder the package goes into.
        #[arg(long)]
        output: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Propose a destruction list: archived records whose retention ended before DATE,
    /// not permanent. A province administrator approves it at /admin/archive.
    DestructionList {
        #[arg(long)]
        before: NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// Destroy the records of an APPROVED list: their blobs are deleted unless another
    /// record (another dossier, an applicant's store) still refers to them.
    Destroy {
        #[arg(long)]
        list: uuid::Uuid,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: ArchiveCommand, location: &DataLocation) -> anyhow::Result<()> {
    super::with_store(location, async |store| {
        run_archive(store, location, command).await
    })
    .await
}

pub async fn documents(command: DocumentsCommand, location: &DataLocation) -> anyhow::Result<()> {
    let DocumentsCommand::Verify { json } = command;
    let blobs =
        motcua::archive::open_blobs(&location.data_dir, location.documents_url.clone(), u64::MAX)?;
    let report = super::with_store(location, async |store| {
        motcua::archive::verify_blobs(store, &blobs).await
    })
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "Đã kiểm tra {} nội dung: {} nguyên vẹn. Checked {} blobs: {} intact.",
            report.checked, report.intact, report.checked, report.intact
        );
        for (sha, found) in &report.corrupt {
            println!("  HỎNG / CORRUPT {sha} (bytes hash to {found})");
        }
        for (sha, why) in &report.unreadable {
            println!("  KHÔNG ĐỌC ĐƯỢC / UNREADABLE {sha}: {why}");
        }
        for sha in &report.missing {
            println!("  THIẾU / MISSING {sha}");
        }
        for name in &report.stray {
            println!("  lạ / stray object {name}");
        }
    }
    if !report.is_clean() {
        std::process::exit(1);
    }
    Ok(())
}

async fn run_archive(
    store: &Store,
    location: &DataLocation,
    command: ArchiveCommand,
) -> anyhow::Result<()> {
    let actor = |action: &str| {
        AuditEntry::system(motcua_app::now(), action, "archive", serde_json::json!({}))
    };
    let blobs =
        motcua::archive::open_blobs(&location.data_dir, location.documents_url.clone(), u64::MAX)?;
    match command {
        ArchiveCommand::Export {
            before,
            output,
            json,
        } => {
            let package =
                motcua::archive::export(store, &blobs, before, &output, &actor("archive.exported"))
                    .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&package)?);
                return Ok(());
            }
            match package {
                Some(p) => println!(
                    "Đã lập gói lưu trữ {}: {} hồ sơ, {} tài liệu, {} tệp, {} byte; manifest SHA-256 {}.\n\
                     Wrote archive package {} ({} dossiers).",
                    p.path.display(),
                    p.dossiers,
                    p.documents,
                    p.files,
                    p.bytes,
                    p.manifest_sha256,
                    p.path.display(),
                    p.dossiers
                ),
                None => println!(
                    "Không có hồ sơ nào kết thúc trước {before} chưa được lưu trữ. Nothing to archive."
                ),
            }
            Ok(())
        }
        ArchiveCommand::DestructionList { before, json } => {
            let proposed =
                motcua::archive::propose(store, before, &actor("archive.destruction_proposed"))
                    .await?;
            if json {
                let doc = proposed
                    .as_ref()
                    .map(|(list, items)| serde_json::json!({ "list": list, "items": items }));
                println!("{}", serde_json::to_string_pretty(&doc)?);
                return Ok(());
            }
            match proposed {
                Some((list, items)) => {
                    println!(
                        "Đã đề xuất danh sách tiêu hủy {} ({} hồ sơ), chờ quản trị tỉnh phê duyệt tại /admin/archive.\n\
                         Proposed destruction list {} ({} dossiers); it needs approval.",
                        list.id, list.dossiers, list.id, list.dossiers
                    );
                    for r in items {
                        println!(
                            "  {}  {}  kết thúc {}  hết hạn {}",
                            r.dossier_code,
                            r.procedure_name,
                            r.closed_on,
                            r.archive_after.map(|d| d.to_string()).unwrap_or_default()
                        );
                    }
                }
                None => println!(
                    "Không có hồ sơ nào đã lưu trữ hết thời hạn bảo quản trước {before}. Nothing to propose."
                ),
            }
            Ok(())
        }
        ArchiveCommand::Destroy { list, json } => {
            let report =
                motcua::archive::destroy(store, blobs, list, &actor("archive.destroyed")).await;
            let report = match report {
                Ok(r) => r,
                Err(e) => {
                    if let Some(motcua_app::AppError::Conflict { code, detail }) =
                        e.downcast_ref::<motcua_app::AppError>()
                    {
                        eprintln!("{detail} [{code}]");
                        std::process::exit(2);
                    }
                    return Err(e);
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "Đã tiêu hủy {} hồ sơ ({} tài liệu): xóa {} nội dung, giữ {} nội dung còn được tham chiếu.\n\
                     Destroyed {} dossiers: {} blobs deleted, {} kept (still referenced).",
                    report.dossiers,
                    report.documents,
                    report.blobs_deleted.len(),
                    report.blobs_kept.len(),
                    report.dossiers,
                    report.blobs_deleted.len(),
                    report.blobs_kept.len()
                );
            }
            Ok(())
        }
    }
}

//! `motcua import …`: registers of units, successions and agencies, procedures, and the
//! forms' code lists. All or nothing: a bad file writes nothing and names each bad row.

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::catalogue::files::{self as catalogue_files, ImportOptions, ImportReport};
use motcua_app::registers::{self as import, Report};
use motcua_store::Store;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RegisterImport {
    /// A unit list (thanglequoc JSON, dvhcvn pre-2025 JSON or CSV) in force from DATE.
    Units {
        file: PathBuf,
        /// The day the list takes effect (YYYY-MM-DD).
        #[arg(long)]
        valid_from: NaiveDate,
        /// Limit the list to this unit's descendants (e.g. `20`); otherwise it is the whole country.
        #[arg(long)]
        scope: Option<String>,
    },
    /// Succession links (dvhcvn merges.json or CSV) in force from DATE.
    Successions {
        file: PathBuf,
        #[arg(long)]
        effective: NaiveDate,
        /// The legal basis recorded with each link that does not give its own.
        #[arg(long)]
        legal_basis: Option<String>,
        /// Read successor code OLD in the file as NEW (repeatable): merges.json names two
        /// communes by the Công văn 1027 codes (06970=06978, 23737=23938).
        #[arg(long = "recode", value_name = "OLD=NEW")]
        recode: Vec<motcua_domain::import::Recode>,
    },
    /// Agencies from a CSV: code,name,kind,unit_code,parent_code[,valid_from,valid_to].
    Agencies { file: PathBuf },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    #[command(flatten)]
    Register(RegisterImport),
    /// Import procedures from an Excel (.xlsx), CSV or JSON file (the type is read from
    /// the content). All or nothing: every row is checked first, each bad row is reported
    /// (sheet, row, column, reason) and nothing is written if any row is bad. Every
    /// procedure is published under one decision.
    Procedures {
        /// The file to import.
        file: PathBuf,
        /// The decision's number, e.g. `1234/QĐ-UBND` (default: `NHAP-<date-time>`).
        #[arg(long)]
        decision: Option<String>,
        /// The decision's date, YYYY-MM-DD (default: today).
        #[arg(long)]
        decision_date: Option<chrono::NaiveDate>,
        /// Who signed the decision.
        #[arg(long)]
        signer: Option<String>,
        /// How many procedures the decision had to publish.
        #[arg(long)]
        required_count: Option<i64>,
        /// Check the file and report, without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Replace a code list of the electronic forms whole (or create it) from a UTF-8 CSV
    /// with the header `code,name[,valid_from,valid_to]`. All or nothing: each bad row is
    /// named and nothing is written. Servers see the new list within a minute.
    CodeList {
        /// The list's key, as forms name it (e.g. `dan_toc`, `quoc_tich`).
        key: String,
        file: PathBuf,
        /// The list's name (default: the stored list's, or the key).
        #[arg(long)]
        name: Option<String>,
        /// Where it comes from: the official source, or who made it (default: the file's name).
        #[arg(long)]
        source: Option<String>,
    },
}
pub async fn run(command: ImportCommand, location: &DataLocation) -> anyhow::Result<()> {
    match command {
        ImportCommand::Register(command) => {
            super::with_store(location, async |store| run_import(store, command).await).await
        }
        ImportCommand::Procedures {
            file,
            decision,
            decision_date,
            signer,
            required_count,
            dry_run,
        } => {
            let options = ImportOptions {
                decision,
                decision_date,
                signer,
                required_count,
                dry_run,
            };
            procedures(&file, &options, location).await
        }
        ImportCommand::CodeList {
            key,
            file,
            name,
            source,
        } => code_list(&key, &file, name, source, location).await,
    }
}

async fn code_list(
    key: &str,
    file: &std::path::Path,
    name: Option<String>,
    source: Option<String>,
    location: &DataLocation,
) -> anyhow::Result<()> {
    use motcua_app::forms::code_lists::{read_csv, replace_in};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let entries = match read_csv(&bytes) {
        Ok(entries) => entries,
        Err(problems) => {
            for p in &problems {
                println!("{}, dòng {}: {}", file.display(), p.row, p.message);
            }
            eprintln!(
                "Không nhập gì: {} dòng lỗi. Nothing imported: {} problem(s).",
                problems.len(),
                problems.len()
            );
            std::process::exit(1);
        }
    };
    let source = source.unwrap_or_else(|| {
        let file_name = file.file_name().unwrap_or_default().to_string_lossy();
        format!("tệp {file_name}")
    });
    let written = super::with_store(location, async |store| {
        let stored = store.code_lists().await?.into_iter().find(|l| l.key == key);
        let name = name
            .or(stored.map(|l| l.name))
            .unwrap_or_else(|| key.to_owned());
        let operator = motcua_app::Principal::operator();
        Ok(replace_in(store, &operator, key, &name, &source, entries).await)
    })
    .await?;
    match written {
        Ok(list) => {
            println!(
                "Đã thay danh mục {} ({}): {} mục. Replaced code list {} with {} entries.",
                list.key,
                list.name,
                list.entries.len(),
                list.key,
                list.entries.len()
            );
            Ok(())
        }
        Err(motcua_app::AppError::Internal(err)) => Err(anyhow::anyhow!(err)),
        Err(err) => {
            eprintln!("{} [{}]. Nothing imported.", err.detail(), err.code());
            std::process::exit(1);
        }
    }
}

async fn procedures(
    file: &std::path::Path,
    options: &ImportOptions,
    location: &DataLocation,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (store, _) = location.open_and_migrate().await?;
    let result = catalogue_files::import(
        &store,
        &bytes,
        options,
        motcua_app::now(),
        motcua_app::today_vn(),
    )
    .await;
    store.close().await;
    match result {
        Ok(ImportReport::Imported {
            decision,
            format,
            rows,
            dry_run,
        }) => {
            for r in &rows {
                let outcome = match r.outcome {
                    "created" => "thêm mới",
                    "updated" => "cập nhật",
                    _ => "hợp lệ",
                };
                println!(
                    "{}, dòng {}: {} {} — {outcome}",
                    r.sheet, r.row, r.code, r.name
                );
            }
            if dry_run {
                println!(
                    "Tệp {format} hợp lệ: {} thủ tục (chưa ghi gì). File is valid: {} procedures (nothing written).",
                    rows.len(),
                    rows.len()
                );
            } else {
                println!(
                    "Đã nhập {} thủ tục, công bố theo quyết định {decision}. Imported {} procedures.",
                    rows.len(),
                    rows.len()
                );
            }
            Ok(())
        }
        Ok(ImportReport::Rejected { issues, rows }) => {
            for issue in &issues {
                println!("{issue}");
            }
            eprintln!(
                "Không nhập gì: {} lỗi trong tệp ({rows} dòng đọc được). Nothing imported: {} problem(s).",
                issues.len(),
                issues.len()
            );
            std::process::exit(1);
        }
        Err(catalogue_files::ImportError::File(err)) => {
            let said = motcua_domain::text::sentence(&err.to_string()).into_owned();
            eprintln!("{said} [{}]. Nothing imported.", err.code());
            std::process::exit(2);
        }
        Err(err) => Err(err.into()),
    }
}

/// A progress bar on a terminal; nothing when the output goes elsewhere.
fn progress_bar(what: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_owned());
    Some(bar)
}

async fn run_import(store: &Store, command: RegisterImport) -> anyhow::Result<()> {
    let bar = progress_bar("Đang ghi");
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let (text, rejected) = match command {
        RegisterImport::Units {
            file,
            valid_from,
            scope,
        } => {
            let report =
                import::import_units(store, &file, valid_from, scope.as_deref(), &progress).await?;
            (
                import::describe_units(&report),
                matches!(report, Report::Rejected(_)),
            )
        }
        RegisterImport::Successions {
            file,
            effective,
            legal_basis,
            recode,
        } => {
            let report = import::import_successions(
                store,
                &file,
                effective,
                legal_basis.as_deref(),
                &recode,
                &progress,
            )
            .await?;
            (
                import::describe_successions(&report),
                matches!(report, Report::Rejected(_)),
            )
        }
        RegisterImport::Agencies { file } => {
            let report = import::import_agencies(store, &file).await?;
            (
                import::describe_links(&report, "cơ quan"),
                matches!(report, Report::Rejected(_)),
            )
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if rejected {
        eprint!("{text}");
        store.close().await;
        std::process::exit(2);
    }
    println!("{text}");
    Ok(())
}

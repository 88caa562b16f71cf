//! `motcua`: one binary for the whole system. Run without a command, it serves.

mod cli_calendar;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use motcua::catalogue_files::{self, ImportOptions, ImportReport};
use motcua::demo;
use motcua::import::{self, Report};
use motcua::{DataLocation, server};
use motcua_app::jobs::reminders::{Mailer, ReminderSettings};
use motcua_domain::audit::AuditEntry;
use motcua_domain::transition::{Assignment, PlanRules};
use motcua_store::Store;
use motcua_web::WebConfig;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

/// motcua: dịch vụ công một cửa cho chính quyền địa phương hai cấp.
///
/// One-stop public services for a Vietnamese province under the two-tier local
/// government: procedures, dossiers, deadlines, units and dashboards. Without a
/// command it runs the server, seeding the Lạng Sơn demo into an empty database.
#[derive(Parser)]
#[command(name = "motcua", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Folder for the SQLite database and stored documents.
    #[arg(
        long,
        env = "MOTCUA_DATA_DIR",
        default_value = "motcua-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Database URL: `postgres://…` for PostgreSQL, or `sqlite:PATH`. Default: SQLite in the data folder.
    #[arg(
        long,
        env = "MOTCUA_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Where documents are stored: a folder (default DATA_DIR/documents), `file:///path`, or
    /// `s3://bucket/prefix` (built with `--features s3`; credentials and endpoint from the
    /// standard AWS_* environment variables).
    #[arg(long, env = "MOTCUA_DOCUMENTS_URL", global = true)]
    documents_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and API); the default command.
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Lunar dates, holidays and due dates (lịch âm, ngày nghỉ, hạn giải quyết).
    #[command(subcommand)]
    Calendar(cli_calendar::CalendarCommand),
    /// Import units, successions, agencies or procedures (all or nothing).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Move agencies of abolished units, and what is bound to them, to their successors.
    #[command(subcommand)]
    Transition(TransitionCommand),
    /// Export data to a file or standard output.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Fill the database with generated data (benchmarks, demonstrations).
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Load a motcua server on this machine at a constant rate and report latency percentiles.
    Bench(BenchArgs),
    /// Stored documents.
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// Archive packages of closed dossiers, destruction lists and destruction.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// The service-quality index (Decision 766): rebuild its counters from the dossiers.
    #[command(subcommand)]
    Quality(QualityCommand),
}

#[derive(Subcommand)]
enum QualityCommand {
    /// Recount the per-agency, per-month counters and each dossier's facts from the dossiers
    /// (they are kept up to date with every change; this rebuilds them, e.g. after a restore).
    Recount,
}

#[derive(Subcommand)]
enum DocumentsCommand {
    /// Re-hash every stored blob against its SHA-256 address; flag corrupt ones and exit 1
    /// on any corrupt, unreadable or missing blob.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
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

#[derive(Subcommand)]
enum GenerateCommand {
    /// Realistic dossiers over the past days, with the sample procedures and processes.
    Dossiers {
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        /// Spread over this many past days.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Dossiers per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
}

#[derive(Args)]
struct BenchArgs {
    /// The server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    #[arg(long, value_enum)]
    scenario: motcua::loadgen::Scenario,
    /// Requests per second, kept constant.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Requests in all.
    #[arg(long, default_value_t = 5_000)]
    count: u64,
    /// Stop sending after this many seconds anyway.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
    #[arg(long, default_value_t = 256)]
    max_in_flight: usize,
    /// Who signs in (default: `congdan` to submit, `motcua.dongkinh` otherwise).
    #[arg(long)]
    user: Option<String>,
    /// Their password (default: from DATA_DIR/demo-accounts.txt).
    #[arg(long, env = "MOTCUA_BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The receiving agency for submissions (default: the agency of `motcua.dongkinh`).
    #[arg(long)]
    agency: Option<String>,
    #[arg(long, default_value = "2.000488")]
    procedure: String,
    /// Extra query string for the queue (`status=processing&due=overdue`), the dashboard or the stats API.
    #[arg(long, default_value = "")]
    query: String,
}

/// The registers of units, their successions, and agencies.
#[derive(Subcommand)]
enum RegisterImport {
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
enum ImportCommand {
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
}

#[derive(Args, Clone)]
struct TransitionArgs {
    /// The day the new units take effect (YYYY-MM-DD).
    #[arg(long)]
    effective: NaiveDate,
    /// Decide by hand: OLD=NEW, each an old/new unit code or an agency identifier. Repeatable.
    #[arg(long = "assign", value_name = "OLD=NEW")]
    assign: Vec<Assignment>,
    /// Items with an applicant's address (dossiers) of a split unit follow the new unit it names.
    #[arg(long)]
    by_address: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum TransitionCommand {
    /// List what moves where, and what cannot be decided automatically.
    Plan(TransitionArgs),
    /// Carry the plan out in one transaction (idempotent; one audit event per moved item).
    Apply(TransitionArgs),
}

#[derive(Subcommand)]
enum ExportCommand {
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

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Do not seed the demo into an empty database, and do not list demo accounts.
    #[arg(long, env = "MOTCUA_NO_DEMO")]
    no_demo: bool,
    /// Log format.
    #[arg(long, env = "MOTCUA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Mark cookies Secure: `auto` does so unless listening on a loopback address.
    #[arg(long, env = "MOTCUA_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    cookie_secure: CookieSecure,
    /// SMTP server for e-mail reminders, `smtp://[user:password@]host[:port]` (plain SMTP,
    /// e.g. a local relay). Without it, e-mail reminders are skipped; in-app ones still go.
    #[arg(long, env = "MOTCUA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of e-mail reminders.
    #[arg(
        long,
        env = "MOTCUA_SMTP_FROM",
        default_value = "motcua <noreply@localhost>"
    )]
    smtp_from: String,
    /// Minutes between runs of the reminder job (overdue and soon-due programme tasks); 0 turns it off.
    #[arg(long, env = "MOTCUA_REMINDER_INTERVAL_MINUTES", default_value_t = 60)]
    reminder_interval_minutes: u64,
    /// Remind about tasks due within this many days, besides overdue ones.
    #[arg(long, env = "MOTCUA_REMINDER_DUE_WITHIN_DAYS", default_value_t = 3)]
    reminder_due_within_days: u32,
    /// The public address of this portal, e.g. `https://dichvucong.langson.gov.vn`, for links
    /// printed on paper (the QR code of the dossier forms). Without it, the request's Host.
    #[arg(long, env = "MOTCUA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Largest document accepted, in MiB.
    #[arg(long, env = "MOTCUA_MAX_DOCUMENT_MIB", default_value_t = 20)]
    max_document_mib: u64,
    /// Days an Idempotency-Key is remembered: a retry within them gets the first answer;
    /// older keys are purged in the background. 0 keeps them for ever.
    #[arg(long, env = "MOTCUA_IDEMPOTENCY_RETENTION_DAYS", default_value_t = motcua_app::jobs::IDEMPOTENCY_RETENTION_DAYS)]
    idempotency_retention_days: u32,
    /// File with the master key (32 bytes, base64) that seals the agencies' signing keys.
    /// Without it (or MOTCUA_MASTER_KEY), DATA_DIR/master.key is used, made on first start.
    #[arg(long, env = "MOTCUA_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: "127.0.0.1:8080".parse().expect("valid address"),
            no_demo: std::env::var("MOTCUA_NO_DEMO").is_ok_and(|v| v == "1" || v == "true"),
            log_format: match std::env::var("MOTCUA_LOG_FORMAT").as_deref() {
                Ok("json") => LogFormat::Json,
                _ => LogFormat::Text,
            },
            cookie_secure: CookieSecure::Auto,
            smtp_url: std::env::var("MOTCUA_SMTP_URL")
                .ok()
                .filter(|u| !u.is_empty()),
            smtp_from: std::env::var("MOTCUA_SMTP_FROM")
                .unwrap_or_else(|_| "motcua <noreply@localhost>".into()),
            reminder_interval_minutes: std::env::var("MOTCUA_REMINDER_INTERVAL_MINUTES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
            reminder_due_within_days: std::env::var("MOTCUA_REMINDER_DUE_WITHIN_DAYS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3),
            public_url: std::env::var("MOTCUA_PUBLIC_URL")
                .ok()
                .filter(|u| !u.is_empty()),
            max_document_mib: std::env::var("MOTCUA_MAX_DOCUMENT_MIB")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(20),
            idempotency_retention_days: std::env::var("MOTCUA_IDEMPOTENCY_RETENTION_DAYS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(motcua_app::jobs::IDEMPOTENCY_RETENTION_DAYS),
            master_key_file: std::env::var_os("MOTCUA_MASTER_KEY_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum CookieSecure {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// citizen, receiver, specialist, leader, unit_admin, province_admin or auditor.
        #[arg(long)]
        role: String,
        /// The agency's identifier (required for receiver, specialist, leader, unit_admin).
        #[arg(long)]
        agency: Option<String>,
        /// The name shown on pages; defaults to the username.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (the only way, so it never shows in the process list).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Bind a citizen account to a citizen ID or tax code (after checking the person's
    /// identity): they then see that number's document store at /wallet.
    LinkIdentity {
        #[arg(long)]
        username: String,
        /// A 12-digit citizen ID or a tax code.
        #[arg(long)]
        identity: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-hash the audit chain and report any changed, deleted or inserted event.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let location = DataLocation {
        data_dir: cli.data.data_dir.clone(),
        database_url: cli.data.database_url.clone(),
        documents_url: cli.data.documents_url.clone(),
    };
    match cli.command {
        None => serve(location, ServeArgs::default()).await,
        Some(Command::Serve(args)) => serve(location, args).await,
        Some(Command::Migrate) => {
            init_logging(LogFormat::Text);
            let (store, applied) = location.open_and_migrate().await?;
            println!(
                "Đã áp dụng {applied} bản nâng cấp cơ sở dữ liệu ({}). Applied {applied} migration(s).",
                store.backend().as_str()
            );
            store.close().await;
            Ok(())
        }
        Some(Command::User(UserCommand::LinkIdentity { username, identity })) => {
            let (store, _) = location.open_and_migrate().await?;
            let result = link_identity(&app_for(&store, &location), &username, &identity).await;
            store.close().await;
            result
        }
        Some(Command::Documents(DocumentsCommand::Verify { json })) => {
            let (store, _) = location.open_and_migrate().await?;
            let blobs = motcua::archive::open_blobs(
                &location.data_dir,
                cli.data.documents_url.clone(),
                u64::MAX,
            )?;
            let report = motcua::archive::verify_blobs(&store, &blobs).await;
            store.close().await;
            let report = report?;
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
        Some(Command::Archive(command)) => {
            let (store, _) = location.open_and_migrate().await?;
            let result =
                run_archive(&store, &location, cli.data.documents_url.clone(), command).await;
            store.close().await;
            result
        }
        Some(Command::User(UserCommand::Add {
            username,
            role,
            agency,
            name,
            password_stdin: _,
        })) => {
            let (store, _) = location.open_and_migrate().await?;
            let result =
                add_user(&app_for(&store, &location), &username, &role, agency, name).await;
            store.close().await;
            result
        }
        Some(Command::Calendar(command)) => cli_calendar::run(command, &location).await,
        Some(Command::Generate(GenerateCommand::Dossiers {
            count,
            days,
            batch,
            seed,
        })) => {
            init_logging(LogFormat::Text);
            let (store, _) = location.open_and_migrate().await?;
            if demo::is_empty(&store).await? {
                let credentials = demo::seed(&store).await?;
                announce_demo(&location, &credentials)?;
            }
            let started = Instant::now();
            let options = motcua::generate::Options {
                count,
                days,
                batch: batch.max(1),
                seed,
            };
            let n = motcua::generate::dossiers(&store, &options).await?;
            store.close().await;
            println!(
                "Đã tạo {n} hồ sơ trong {:.1} giây. Generated {n} dossiers in {:.1}s.",
                started.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::Bench(args)) => bench(&location, args).await,
        Some(Command::Quality(QualityCommand::Recount)) => {
            let (store, _) = location.open_and_migrate().await?;
            let started = Instant::now();
            let report = store.recount_quality_aggregates().await?;
            store.close().await;
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
        Some(Command::Import(ImportCommand::Procedures {
            file,
            decision,
            decision_date,
            signer,
            required_count,
            dry_run,
        })) => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let (store, _) = location.open_and_migrate().await?;
            let options = ImportOptions {
                decision,
                decision_date,
                signer,
                required_count,
                dry_run,
            };
            let result = catalogue_files::import(
                &store,
                &bytes,
                &options,
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
                    eprintln!("{err} [{}]. Nothing imported.", err.code());
                    std::process::exit(2);
                }
                Err(err) => Err(err.into()),
            }
        }
        Some(Command::Import(ImportCommand::Register(command))) => {
            let (store, _) = location.open_and_migrate().await?;
            let result = run_import(&store, command).await;
            store.close().await;
            result
        }
        Some(Command::Transition(command)) => {
            let (store, _) = location.open_and_migrate().await?;
            let result = run_transition(&store, command).await;
            store.close().await;
            result
        }
        Some(Command::Audit(AuditCommand::Verify { json })) => {
            let (store, _) = location.open_and_migrate().await?;
            let report = store.verify_audit_chain().await?;
            store.close().await;
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
        Some(Command::Export(ExportCommand::Procedures { format, output })) => {
            let (store, _) = location.open_and_migrate().await?;
            let bytes = catalogue_files::export(&store, format).await;
            store.close().await;
            let bytes = bytes?;
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

async fn run_transition(store: &Store, command: TransitionCommand) -> anyhow::Result<()> {
    let (args, apply) = match command {
        TransitionCommand::Plan(args) => (args, false),
        TransitionCommand::Apply(args) => (args, true),
    };
    let rules = PlanRules {
        assignments: args.assign.clone(),
        by_address: args.by_address,
    };
    if !apply {
        let plan = motcua::transition::make_plan(store, args.effective, &rules).await?;
        if args.json {
            let doc = serde_json::json!({
                "plan": plan,
                "undecided": plan.undecided(),
                "counts": plan.counts_by_kind(),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            print!("{}", motcua::transition::describe_plan(&plan));
        }
        return Ok(());
    }
    let actor = AuditEntry::system(
        motcua_app::now(),
        "transition.applied",
        format!("transition:{}", args.effective),
        serde_json::json!({}),
    );
    let (plan, report) = motcua::transition::apply(store, args.effective, &rules, &actor).await?;
    if args.json {
        let doc = serde_json::json!({
            "plan": plan,
            "undecided": plan.undecided(),
            "counts": plan.counts_by_kind(),
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", motcua::transition::describe_plan(&plan));
        println!("\n{}", motcua::transition::describe_report(&report));
    }
    Ok(())
}

/// The demo password of `username` from DATA_DIR/demo-accounts.txt.
fn demo_password_from_file(location: &DataLocation, username: &str) -> Option<String> {
    let text = std::fs::read_to_string(location.data_dir.join("demo-accounts.txt")).ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(username))
            .then(|| words.next().map(str::to_owned))
            .flatten()
    })
}

async fn bench(location: &DataLocation, args: BenchArgs) -> anyhow::Result<()> {
    use motcua::loadgen::Scenario;
    let (store, _) = location.open_and_migrate().await?;
    let user = args.user.clone().unwrap_or_else(|| {
        match args.scenario {
            Scenario::Submit => "congdan",
            _ => "motcua.dongkinh",
        }
        .to_owned()
    });
    let password = match args.password.clone() {
        Some(p) => p,
        None => demo_password_from_file(location, &user)
            .with_context(|| format!("no password for {user}: give --password"))?,
    };
    let agency = match args.agency.clone() {
        Some(a) => a,
        None => store
            .find_user_by_username("motcua.dongkinh")
            .await?
            .and_then(|u| u.agency_code)
            .unwrap_or_default(),
    };
    let codes = if args.scenario == Scenario::Lookup {
        store.sample_dossier_codes(5_000).await?
    } else {
        Vec::new()
    };
    store.close().await;
    let report = motcua::loadgen::run(motcua::loadgen::Options {
        base: args.base.trim_end_matches('/').to_owned(),
        scenario: args.scenario,
        rate: args.rate,
        count: args.count,
        max_seconds: args.max_seconds,
        max_in_flight: args.max_in_flight.max(1),
        username: user,
        password,
        agency,
        procedure: args.procedure,
        codes,
        query: args.query,
    })
    .await?;
    report.print();
    Ok(())
}

async fn run_archive(
    store: &Store,
    location: &DataLocation,
    documents_url: Option<String>,
    command: ArchiveCommand,
) -> anyhow::Result<()> {
    let actor = |action: &str| {
        AuditEntry::system(motcua_app::now(), action, "archive", serde_json::json!({}))
    };
    let blobs = motcua::archive::open_blobs(&location.data_dir, documents_url, u64::MAX)?;
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
                    if let Some(motcua_store::StoreError::Conflict { code, detail }) =
                        e.downcast_ref::<motcua_store::StoreError>()
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

/// The application over an opened store, for commands that run a use case.
fn app_for(store: &Store, location: &DataLocation) -> motcua_app::App {
    motcua_app::App::new(
        store.clone(),
        &motcua_app::AppConfig {
            data_dir: location.data_dir.clone(),
            ..motcua_app::AppConfig::default()
        },
    )
}

async fn link_identity(
    app: &motcua_app::App,
    username: &str,
    identity: &str,
) -> anyhow::Result<()> {
    let holder = motcua_app::accounts::link_identity(app, username, identity).await?;
    println!("Đã gắn {holder} với tài khoản {username}. Linked {holder} to {username}.");
    Ok(())
}

async fn add_user(
    app: &motcua_app::App,
    username: &str,
    role: &str,
    agency: Option<String>,
    name: Option<String>,
) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let account = motcua_app::accounts::NewAccount {
        username: username.to_owned(),
        role: role.to_owned(),
        agency,
        display_name: name,
        password: password.trim_end_matches(['\n', '\r']).to_owned(),
    };
    let created = motcua_app::accounts::add_user(app, account).await?;
    println!(
        "Đã tạo tài khoản {} ({}). Created user {}.",
        created.username,
        created.role.label_vi(),
        created.username
    );
    Ok(())
}

async fn serve(location: DataLocation, args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let started = Instant::now();
    let (store, applied) = location.open_and_migrate().await?;
    if applied > 0 {
        tracing::info!(
            applied,
            backend = store.backend().as_str(),
            "database migrated"
        );
    }
    let demo_on = !args.no_demo;
    if demo_on && demo::is_empty(&store).await? {
        let credentials = demo::seed(&store).await?;
        announce_demo(&location, &credentials)?;
    }
    let demo_accounts = if demo_on
        && store.setting(demo::DEMO_SETTING).await?.as_deref() == Some(demo::DEMO_NAME)
    {
        demo::accounts_for_login_page(&store).await?
    } else {
        Vec::new()
    };
    let today = motcua_app::today_vn();
    let province_name = store
        .unit_at(demo::PROVINCE_CODE, today)
        .await?
        .map_or_else(|| format!("Tỉnh {}", demo::PROVINCE_CODE), |u| u.full_name);
    let master_key = match (
        &args.master_key_file,
        std::env::var("MOTCUA_MASTER_KEY").ok(),
    ) {
        (Some(_), Some(_)) => {
            bail!("give the master key either in a file or in MOTCUA_MASTER_KEY, not both")
        }
        (Some(path), None) => Some(motcua_app::signing::MasterKey::read_file(path)?),
        (None, Some(text)) if !text.trim().is_empty() => {
            Some(motcua_app::signing::MasterKey::from_base64(&text)?)
        }
        // None given: DATA_DIR/master.key, made (readable by its owner only) on first start.
        _ => {
            let path = location.data_dir.join("master.key");
            let (key, made) = motcua_app::signing::MasterKey::load_or_create(&path)?;
            if made {
                tracing::warn!(
                    path = %path.display(),
                    "made a master key for the agencies' signing keys; keep a copy apart from \
                     the database, or give one with --master-key-file or MOTCUA_MASTER_KEY"
                );
            }
            Some(key)
        }
    };
    let config = WebConfig {
        province_name,
        data_dir: location.data_dir.clone(),
        documents: motcua_app::documents::DocumentsConfig {
            url: location.documents_url.clone(),
            max_bytes: args.max_document_mib.saturating_mul(1024 * 1024),
        },
        master_key,
        cookie_secure: match args.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => !args.addr.ip().is_loopback(),
        },
        public_url: match args.public_url.as_deref() {
            Some(url) => Some(
                motcua_web::check_public_url(url)
                    .map_err(|e| anyhow::anyhow!("--public-url {url}: {e}"))?,
            ),
            None => None,
        },
        ..WebConfig::default()
    };
    let reminders = reminder_settings(&args)?;
    let retention = (args.idempotency_retention_days > 0)
        .then(|| chrono::Duration::days(args.idempotency_retention_days.into()));
    let running = server::start_with(
        store.clone(),
        args.addr,
        config,
        demo_accounts,
        reminders,
        retention,
    )
    .await
    .with_context(|| format!("cannot start serving on {}", args.addr))?;
    tracing::info!(addr = %running.addr, ready_ms = started.elapsed().as_millis() as u64, "ready");
    println!(
        "motcua đang phục vụ tại / serving at http://{}",
        running.addr
    );
    running.run_until_signal().await?;
    store.close().await;
    Ok(())
}

fn reminder_settings(args: &ServeArgs) -> anyhow::Result<Option<ReminderSettings>> {
    if args.reminder_interval_minutes == 0 {
        return Ok(None);
    }
    let mailer = match args.smtp_url.as_deref() {
        Some(url) => Some(std::sync::Arc::new(Mailer::new(url, &args.smtp_from)?)),
        None => {
            tracing::info!("no SMTP server configured: e-mail reminders will be skipped");
            None
        }
    };
    Ok(Some(ReminderSettings {
        interval: std::time::Duration::from_secs(args.reminder_interval_minutes * 60),
        due_within_days: args.reminder_due_within_days,
        mailer,
        ..ReminderSettings::default()
    }))
}

fn announce_demo(
    location: &DataLocation,
    credentials: &[demo::DemoCredential],
) -> anyhow::Result<()> {
    let mut text =
        String::from("Tài khoản trình diễn (demo accounts) — username / password / role\n");
    for c in credentials {
        text.push_str(&format!(
            "  {:<20} {:<18} {}\n",
            c.username, c.password, c.role
        ));
    }
    let path = location.data_dir.join("demo-accounts.txt");
    write_private(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "\nĐã nạp dữ liệu trình diễn tỉnh Lạng Sơn. Seeded the Lạng Sơn demo.\n{text}(also saved in {})\n",
        path.display()
    );
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

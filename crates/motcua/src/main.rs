//! `motcua`: one binary for the whole system. Run without a command, it serves.

mod cli;

use clap::{Args, Parser, Subcommand};
use motcua::DataLocation;
use std::path::PathBuf;

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
    /// Seconds to keep retrying a database that cannot be reached at start (0: no wait).
    #[arg(
        long,
        env = "MOTCUA_DATABASE_WAIT",
        default_value_t = 60,
        global = true
    )]
    database_wait: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and API); the default command.
    Serve(Box<cli::serve::ServeArgs>),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(cli::user::UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(cli::audit::AuditCommand),
    /// Lunar dates, holidays and due dates (lịch âm, ngày nghỉ, hạn giải quyết).
    #[command(subcommand)]
    Calendar(cli::calendar::CalendarCommand),
    /// Import units, successions, agencies or procedures (all or nothing).
    #[command(subcommand)]
    Import(cli::import::ImportCommand),
    /// Move agencies of abolished units, and what is bound to them, to their successors.
    #[command(subcommand)]
    Transition(cli::transition::TransitionCommand),
    /// Export data to a file or standard output.
    #[command(subcommand)]
    Export(cli::export::ExportCommand),
    /// Fill the database with generated data (benchmarks, demonstrations).
    #[command(subcommand)]
    Generate(cli::dev::GenerateCommand),
    /// Load a motcua server on this machine at a constant rate and report latency percentiles.
    Bench(cli::dev::BenchArgs),
    /// Stored documents.
    #[command(subcommand)]
    Documents(cli::archive::DocumentsCommand),
    /// Archive packages of closed dossiers, destruction lists and destruction.
    #[command(subcommand)]
    Archive(cli::archive::ArchiveCommand),
    /// The service-quality index (Decision 766): rebuild its counters from the dossiers.
    #[command(subcommand)]
    Quality(cli::quality::QualityCommand),
}

/// Requests build and drop many small JSON trees on several threads; glibc's allocator spent
/// a visible share of a saturated server consolidating and unlinking chunks (BENCHMARKS,
/// "Electronic forms").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let location = DataLocation {
        data_dir: cli.data.data_dir,
        database_url: cli.data.database_url,
        documents_url: cli.data.documents_url,
        database_wait: std::time::Duration::from_secs(cli.data.database_wait),
    };
    match cli.command {
        None => cli::serve::run(location, cli::serve::ServeArgs::default()).await,
        Some(Command::Serve(args)) => cli::serve::run(location, *args).await,
        Some(Command::Migrate) => cli::serve::migrate(&location).await,
        Some(Command::User(command)) => cli::user::run(command, &location).await,
        Some(Command::Audit(command)) => cli::audit::run(command, &location).await,
        Some(Command::Calendar(command)) => cli::calendar::run(command, &location).await,
        Some(Command::Import(command)) => cli::import::run(command, &location).await,
        Some(Command::Transition(command)) => cli::transition::run(command, &location).await,
        Some(Command::Export(command)) => cli::export::run(command, &location).await,
        Some(Command::Generate(command)) => cli::dev::generate(command, &location).await,
        Some(Command::Bench(args)) => cli::dev::bench(&location, args).await,
        Some(Command::Documents(command)) => cli::archive::documents(command, &location).await,
        Some(Command::Archive(command)) => cli::archive::run(command, &location).await,
        Some(Command::Quality(command)) => cli::quality::run(command, &location).await,
    }
}

//! Developer commands: `motcua generate …` fills a database for benchmarks and demonstrations,
//! `motcua bench` loads a running server. They write in bulk through the store, below the use
//! cases, on purpose: they make test data, not a province's records.

use anyhow::Context;
use clap::{Args, Subcommand};
use motcua::{DataLocation, demo};
use std::time::Instant;

#[derive(Subcommand)]
pub enum GenerateCommand {
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
pub struct BenchArgs {
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
    /// Who signs in (default: `congdan` to submit and for the form page, `motcua.dongkinh`
    /// otherwise).
    #[arg(long)]
    user: Option<String>,
    /// Nobody signs in (for the pages a visitor without an account sees).
    #[arg(long, conflicts_with = "user")]
    anonymous: bool,
    /// Their password (default: from DATA_DIR/demo-accounts.txt).
    #[arg(long, env = "MOTCUA_BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The receiving agency for submissions (default: the agency of `motcua.dongkinh`).
    #[arg(long)]
    agency: Option<String>,
    /// Default: the 30-field sample form's procedure for `submit-form` and `form-page`, the
    /// criminal record certificate (no form) otherwise.
    #[arg(long)]
    procedure: Option<String>,
    /// Extra query string for the queue (`status=processing&due=overdue`), the dashboard or the stats API.
    #[arg(long, default_value = "")]
    query: String,
}

fn demo_password_from_file(location: &DataLocation, username: &str) -> Option<String> {
    let text = std::fs::read_to_string(location.data_dir.join("demo-accounts.txt")).ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(username))
            .then(|| words.next().map(str::to_owned))
            .flatten()
    })
}

/// The receiving agency for submissions: as given, or that of `motcua.dongkinh`.
async fn bench_agency(
    store: &motcua_store::Store,
    given: Option<String>,
) -> anyhow::Result<String> {
    Ok(match given {
        Some(a) => a,
        None => store
            .find_user_by_username("motcua.dongkinh")
            .await?
            .and_then(|u| u.agency_code)
            .unwrap_or_default(),
    })
}

pub async fn bench(location: &DataLocation, args: BenchArgs) -> anyhow::Result<()> {
    use motcua::loadgen::Scenario;
    let (store, _) = location.open_and_migrate().await?;
    if args.scenario == Scenario::Ceiling {
        let agency = bench_agency(&store, args.agency.clone()).await?;
        let procedure = args
            .procedure
            .unwrap_or_else(|| args.scenario.default_procedure().to_owned());
        let citizen = args.user.unwrap_or_else(|| "congdan".into());
        let report = motcua::ceiling::run(&store, &agency, &procedure, &citizen, args.count).await;
        store.close().await;
        report?.print();
        return Ok(());
    }
    let user = match (&args.user, args.anonymous) {
        (_, true) => String::new(),
        (Some(u), false) => u.clone(),
        (None, false) if args.scenario.submits() || args.scenario == Scenario::FormPage => {
            "congdan".to_owned()
        }
        (None, false) => "motcua.dongkinh".to_owned(),
    };
    let password = match args.password.clone() {
        Some(p) => p,
        None if user.is_empty() => String::new(),
        None => demo_password_from_file(location, &user)
            .with_context(|| format!("no password for {user}: give --password"))?,
    };
    let agency = bench_agency(&store, args.agency.clone()).await?;
    // The form's addresses are in the receiving agency's commune.
    let unit = match args.scenario {
        Scenario::SubmitForm => store
            .agency(&agency)
            .await?
            .map(|a| a.unit_code)
            .with_context(|| format!("no agency {agency}"))?,
        _ => String::new(),
    };
    let codes = if args.scenario == Scenario::Lookup {
        store.sample_dossier_codes(5_000).await?
    } else {
        Vec::new()
    };
    let checks = if args.scenario == Scenario::PublicLookup {
        store.sample_dossier_checks(5_000).await?
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
        procedure: args
            .procedure
            .unwrap_or_else(|| args.scenario.default_procedure().to_owned()),
        unit,
        codes,
        checks,
        query: args.query,
    })
    .await?;
    report.print();
    Ok(())
}

pub async fn generate(command: GenerateCommand, location: &DataLocation) -> anyhow::Result<()> {
    let GenerateCommand::Dossiers {
        count,
        days,
        batch,
        seed,
    } = command;
    super::serve::init_logging(super::serve::LogFormat::Text);
    let (store, _) = location.open_and_migrate().await?;
    if let demo::DemoStart::Seeded(credentials) =
        demo::seed_or_resume(&store, &location.data_dir).await?
    {
        super::serve::announce_demo(location, &credentials);
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

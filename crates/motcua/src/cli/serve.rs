//! `motcua serve` (the default) and `motcua migrate`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use motcua::{DataLocation, demo, server};
use motcua_app::connectors::Messengers;
use motcua_app::connectors::mail::Mailer;
use motcua_app::connectors::messaging::{
    SmsConfig, SmsGateway, ZaloConfig, ZaloZns, parse_templates,
};
use motcua_app::jobs::reminders::ReminderSettings;
use motcua_web::WebConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Do not seed the demo into an empty database, and do not list demo accounts.
    /// (The environment variable takes 1, true, yes or on.)
    #[arg(long, env = "MOTCUA_NO_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    no_demo: bool,
    /// Log format.
    #[arg(long, env = "MOTCUA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Mark cookies Secure: `auto` does so unless listening on a loopback address.
    #[arg(long, env = "MOTCUA_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    cookie_secure: CookieSecure,
    /// SMTP server for applicants' notices and staff reminders:
    /// `smtp://[user:password@]host[:port]` (plain, e.g. a local relay), with `?tls=required`
    /// for STARTTLS (port 587), or `smtps://host[:port]` for TLS from the start (port 465).
    /// Without it, e-mail is not offered to applicants and e-mail reminders are skipped.
    #[arg(long, env = "MOTCUA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// A CA certificate (PEM) to trust for the SMTP server besides the usual roots.
    #[arg(long, env = "MOTCUA_SMTP_CA_FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// The SMS provider's endpoint (eSMS.vn's JSON API by default; docs/design/connectors.md).
    #[arg(
        long,
        env = "MOTCUA_SMS_URL",
        default_value = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    )]
    sms_url: String,
    /// The SMS account's API key; with it (and MOTCUA_SMS_SECRET_KEY in the environment),
    /// applicants may choose SMS.
    #[arg(long, env = "MOTCUA_SMS_API_KEY", default_value = "")]
    sms_api_key: String,
    #[arg(skip = std::env::var("MOTCUA_SMS_SECRET_KEY").unwrap_or_default())]
    sms_secret_key: String,
    /// The registered sender name (brandname) SMS come from.
    #[arg(long, env = "MOTCUA_SMS_BRANDNAME", default_value = "")]
    sms_brandname: String,
    /// Zalo's notification endpoint.
    #[arg(
        long,
        env = "MOTCUA_ZALO_URL",
        default_value = "https://business.openapi.zalo.me/message/template"
    )]
    zalo_url: String,
    /// The Zalo Official Account's access token (from the environment only); with it,
    /// applicants may choose Zalo.
    #[arg(skip = std::env::var("MOTCUA_ZALO_ACCESS_TOKEN").unwrap_or_default())]
    zalo_access_token: String,
    /// Approved ZNS template per notice: `received=…,supplement=…,apology=…,refused=…,result_ready=…`.
    #[arg(long, env = "MOTCUA_ZALO_TEMPLATES", default_value = "")]
    zalo_templates: String,
    /// Sender of e-mail.
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
    /// Wrong check digits that lock the public dossier lookup for a client address or a
    /// dossier code (right answers never count). Raise it only to load-test the lookup.
    #[arg(long, env = "MOTCUA_LOOKUP_MAX_FAILURES", default_value_t = motcua_domain::account::LOOKUP_THROTTLE.max_failures, value_parser = clap::value_parser!(i64).range(1..))]
    lookup_max_failures: i64,
    /// Minutes over which they count, and for which the lookup then stays locked.
    #[arg(long, env = "MOTCUA_LOOKUP_WINDOW_MINUTES", default_value_t = motcua_domain::account::LOOKUP_THROTTLE.window_minutes, value_parser = clap::value_parser!(i64).range(1..=1440))]
    lookup_window_minutes: i64,
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
    /// Seconds a client has to send a request's header before its connection is closed.
    #[arg(long, env = "MOTCUA_HEADER_TIMEOUT_SECS", default_value_t = 30)]
    header_timeout_secs: u64,
    /// Seconds an upload may send nothing before it is abandoned.
    #[arg(long, env = "MOTCUA_UPLOAD_IDLE_SECS", default_value_t = 60)]
    upload_idle_secs: u64,
    /// Seconds requests in flight get to finish after Ctrl-C or SIGTERM; then open
    /// connections are cut.
    #[arg(long, env = "MOTCUA_SHUTDOWN_DEADLINE_SECS", default_value_t = 30)]
    shutdown_deadline_secs: u64,
    /// Folder for the audit chain's signed checkpoints (best on other storage than the
    /// database). Without it, DATA_DIR/audit-checkpoints.
    #[arg(long, env = "MOTCUA_AUDIT_CHECKPOINT_DIR")]
    audit_checkpoint_dir: Option<PathBuf>,
    /// Minutes between audit checkpoints (one is also written at shutdown); 0: only then.
    #[arg(long, env = "MOTCUA_AUDIT_CHECKPOINT_MINUTES", default_value_t = 5)]
    audit_checkpoint_minutes: u64,
    /// The national public service portal's dossier endpoint. With it, every new dossier and
    /// change of national status is queued for the portal (docs/design/connectors.md).
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_URL")]
    national_portal_url: Option<String>,
    /// This province's client id at the national portal.
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_CLIENT_ID", default_value = "")]
    national_portal_client_id: String,
    /// The secret requests to the national portal are signed with (from the environment only).
    #[arg(skip = std::env::var("MOTCUA_NATIONAL_PORTAL_SECRET").unwrap_or_default())]
    national_portal_secret: String,
    /// A JSON object renaming our message keys to the portal's field names (our key → theirs);
    /// without it, the names in docs/design/connectors.md.
    #[arg(long, env = "MOTCUA_NATIONAL_PORTAL_MAPPING")]
    national_portal_mapping: Option<PathBuf>,
    /// Where the national catalogue's procedure list for this province is fetched (GET, signed
    /// with the portal's client id and secret); with it, administrators can import it.
    #[arg(long, env = "MOTCUA_NATIONAL_CATALOGUE_URL")]
    national_catalogue_url: Option<String>,
    /// A JSON file `{"fields": {national name: our column}, "sectors": {national code: ours}}`
    /// adjusting how the list is read (docs/design/connectors.md).
    #[arg(long, env = "MOTCUA_NATIONAL_CATALOGUE_MAPPING")]
    national_catalogue_mapping: Option<PathBuf>,
    /// The client id the national portal signs its inbound dossiers with.
    #[arg(
        long,
        env = "MOTCUA_NATIONAL_INBOUND_CLIENT_ID",
        default_value = "dvcqg"
    )]
    national_inbound_client_id: String,
    /// Its secret (from the environment only); without it, `POST /api/v1/national/dossiers`
    /// answers 404.
    #[arg(skip = std::env::var("MOTCUA_NATIONAL_INBOUND_SECRET").unwrap_or_default())]
    national_inbound_secret: String,
    #[command(flatten)]
    identity: super::identity::IdentityArgs,
    #[command(flatten)]
    payment: super::payments::PaymentArgs,
}

impl Default for ServeArgs {
    /// `motcua` without a subcommand: every setting from the environment, as `serve` reads
    /// them.
    fn default() -> Self {
        super::from_environment()
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CookieSecure {
    Auto,
    Always,
    Never,
}

/// Applies pending migrations and says how many.
pub async fn migrate(location: &DataLocation) -> anyhow::Result<()> {
    init_logging(LogFormat::Text);
    let (store, applied) = location.open_and_migrate().await?;
    println!(
        "Đã áp dụng {applied} bản nâng cấp cơ sở dữ liệu ({}). Applied {applied} migration(s).",
        store.backend().as_str()
    );
    store.close().await;
    Ok(())
}

pub fn init_logging(format: LogFormat) {
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

pub async fn run(location: DataLocation, args: ServeArgs) -> anyhow::Result<()> {
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
    if demo_on {
        // Ctrl-C or SIGTERM while seeding stops at once: a transaction in flight rolls back,
        // and the next start finishes the seed.
        let outcome = tokio::select! {
            outcome = demo::seed_or_resume(&store, &location.data_dir) => outcome?,
            () = server::shutdown_signal() => {
                tracing::warn!("stopped while seeding the demo; the next start finishes it");
                store.close().await;
                return Ok(());
            }
        };
        match outcome {
            demo::DemoStart::Seeded(credentials) => announce_demo(&location, &credentials),
            demo::DemoStart::Resumed => {
                tracing::info!("finished the demo seed an earlier start was stopped in");
            }
            demo::DemoStart::AsItWas => {}
        }
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
    let master_key = match super::master_key_given(args.master_key_file.as_deref())? {
        Some(key) => Some(key),
        // None given: DATA_DIR/master.key, made (readable by its owner only) on first start.
        None => {
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
    let messengers = messengers(&args)?;
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
        timeouts: motcua_web::Timeouts {
            header_read: Duration::from_secs(args.header_timeout_secs.max(1)),
            body_idle: Duration::from_secs(args.upload_idle_secs.max(1)),
            shutdown_deadline: Duration::from_secs(args.shutdown_deadline_secs),
        },
        audit_checkpoints: args.audit_checkpoint_dir.clone(),
        audit_checkpoint_every: (args.audit_checkpoint_minutes > 0)
            .then(|| Duration::from_secs(args.audit_checkpoint_minutes * 60)),
        national_portal: national_portal_config(&args)?,
        national_catalogue: national_catalogue_config(&args)?,
        national_inbound: if args.national_inbound_secret.is_empty() {
            Vec::new()
        } else {
            vec![motcua_app::connectors::inbound::InboundClient {
                client_id: args.national_inbound_client_id.clone(),
                secret: args.national_inbound_secret.clone(),
            }]
        },
        messengers: messengers.clone(),
        identity: args.identity.providers()?,
        payment_platform: args.payment.platform()?,
        lookup_throttle: motcua_domain::account::ThrottlePolicy {
            max_failures: args.lookup_max_failures,
            window_minutes: args.lookup_window_minutes,
        },
        ..WebConfig::default()
    };
    let reminders = reminder_settings(&args, &messengers);
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

fn national_portal_config(
    args: &ServeArgs,
) -> anyhow::Result<Option<motcua_app::connectors::NationalPortalConfig>> {
    let Some(url) = args
        .national_portal_url
        .as_deref()
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--national-portal-url {url}: expected an http(s) address");
    }
    let mut mapping = motcua_app::connectors::national::default_mapping();
    if let Some(path) = &args.national_portal_mapping {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let given: std::collections::BTreeMap<String, String> = serde_json::from_str(&text)
            .with_context(|| format!("{}: expected a JSON object of names", path.display()))?;
        mapping.extend(given);
    }
    Ok(Some(motcua_app::connectors::NationalPortalConfig {
        url: url.to_owned(),
        client_id: args.national_portal_client_id.clone(),
        secret: args.national_portal_secret.clone(),
        timeout: Duration::from_secs(20),
        mapping,
    }))
}

fn national_catalogue_config(
    args: &ServeArgs,
) -> anyhow::Result<Option<motcua_app::connectors::catalogue::NationalCatalogueConfig>> {
    let Some(url) = args
        .national_catalogue_url
        .as_deref()
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--national-catalogue-url {url}: expected an http(s) address");
    }
    let mapping = match &args.national_catalogue_mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: expected {{\"fields\": {{…}}, \"sectors\": {{…}}}}",
                    path.display()
                )
            })?
        }
        None => motcua_exchange::NationalMapping::default(),
    };
    Ok(Some(
        motcua_app::connectors::catalogue::NationalCatalogueConfig {
            url: url.to_owned(),
            client_id: args.national_portal_client_id.clone(),
            secret: args.national_portal_secret.clone(),
            timeout: Duration::from_secs(60),
            mapping,
        },
    ))
}

fn reminder_settings(args: &ServeArgs, messengers: &Messengers) -> Option<ReminderSettings> {
    if args.reminder_interval_minutes == 0 {
        return None;
    }
    Some(ReminderSettings {
        interval: std::time::Duration::from_secs(args.reminder_interval_minutes * 60),
        due_within_days: args.reminder_due_within_days,
        messengers: messengers.clone(),
        ..ReminderSettings::default()
    })
}

/// The e-mail, SMS and Zalo senders the flags set up.
fn messengers(args: &ServeArgs) -> anyhow::Result<Messengers> {
    let timeout = Duration::from_secs(20);
    let mail = match args.smtp_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Some(Mailer::new(
            url,
            &args.smtp_from,
            args.smtp_ca_file.as_deref(),
        )?),
        None => {
            tracing::info!(
                "no SMTP server configured: e-mail is not offered and reminders by e-mail are skipped"
            );
            None
        }
    };
    let sms = if args.sms_api_key.is_empty() {
        None
    } else {
        anyhow::ensure!(
            !args.sms_secret_key.is_empty(),
            "MOTCUA_SMS_API_KEY is set but MOTCUA_SMS_SECRET_KEY is not"
        );
        Some(SmsGateway::new(SmsConfig {
            url: args.sms_url.clone(),
            api_key: args.sms_api_key.clone(),
            secret_key: args.sms_secret_key.clone(),
            brandname: args.sms_brandname.clone(),
            timeout,
        })?)
    };
    let zalo = if args.zalo_access_token.is_empty() {
        None
    } else {
        let templates = parse_templates(&args.zalo_templates)
            .with_context(|| format!("--zalo-templates {:?}", args.zalo_templates))?;
        Some(ZaloZns::new(ZaloConfig {
            url: args.zalo_url.clone(),
            access_token: args.zalo_access_token.clone(),
            templates,
            timeout,
        })?)
    };
    Ok(Messengers { mail, sms, zalo })
}

pub fn announce_demo(location: &DataLocation, credentials: &[demo::DemoCredential]) {
    println!(
        "\nĐã nạp dữ liệu trình diễn tỉnh Lạng Sơn. Seeded the Lạng Sơn demo.\n{}(also saved in {})\n",
        demo::accounts_text(credentials),
        location.data_dir.join(demo::ACCOUNTS_FILE).display()
    );
}

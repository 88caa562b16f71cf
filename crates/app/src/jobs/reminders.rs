//! Reminders about programme tasks: a background job that finds overdue tasks and
//! tasks due soon, enqueues one reminder per task, recipient and day into the outbox
//! (idempotent), then claims and delivers what is pending.
//!
//! Channels: in the app (the `/notifications` list of the responsible agency's staff,
//! or of the province administrators when that agency has no accounts), and by e-mail
//! to the person answerable when the task has an address and SMTP is configured. Without
//! SMTP, e-mail reminders are marked skipped, not failed.
//!
//! Several nodes may run the job at once: enqueueing is idempotent and each message is
//! claimed by one node (see `Store::claim_messages`).

use anyhow::Context;
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::programme::{ReminderKind, days_late, reminder_for};
use motcua_store::{Channel, Delivery, NewMessage, OutboxMessage, Store, TaskRecord};
use std::sync::Arc;

/// Sends e-mail through an SMTP server given as `smtp://[user:password@]host[:port]`.
/// This build speaks plain SMTP (no TLS): point it at a local relay or MTA.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let smtp = SmtpUrl::parse(url)?;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host).port(smtp.port);
        if let Some((user, password)) = smtp.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let transport = builder
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .with_context(|| format!("invalid sender address {from:?}"))?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse::<Mailbox>().context("invalid recipient address")?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// `smtp://[user:password@]host[:port]`, the port 25 by default.
#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl SmtpUrl {
    fn parse(url: &str) -> anyhow::Result<SmtpUrl> {
        let invalid = || {
            anyhow::anyhow!(
                "invalid SMTP URL {url:?}: expected smtp://[user:password@]host[:port] \
                 (plain SMTP; this build has no TLS)"
            )
        };
        let rest = url.trim().strip_prefix("smtp://").ok_or_else(invalid)?;
        let rest = rest.trim_end_matches('/');
        let (credentials, server) = match rest.rsplit_once('@') {
            Some((creds, server)) => {
                let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
                (
                    Some((percent_decode(user), percent_decode(password))),
                    server,
                )
            }
            None => (None, rest),
        };
        // An IPv6 address comes in brackets: [::1]:2525.
        let (host, port) = match server.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']').ok_or_else(invalid)?;
                (host, after.strip_prefix(':'))
            }
            None => match server.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (server, None),
            },
        };
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| invalid())?,
            None => 25,
        };
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(invalid());
        }
        Ok(SmtpUrl {
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How the job runs.
#[derive(Clone)]
pub struct ReminderSettings {
    /// Remind about tasks due within this many days (today included), besides overdue ones.
    pub due_within_days: u32,
    /// Time between runs of the background job.
    pub interval: std::time::Duration,
    /// None: e-mail reminders are marked skipped.
    pub mailer: Option<Arc<Mailer>>,
    /// Names this node's claims.
    pub node: String,
    /// How long a claim holds before another node may take the message over.
    pub lease: Duration,
    pub batch: i64,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            due_within_days: 3,
            interval: std::time::Duration::from_secs(3600),
            mailer: None,
            node: format!(
                "node-{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7().simple()
            ),
            lease: Duration::minutes(5),
            batch: 50,
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub enqueued: u64,
    pub delivered_in_app: u64,
    pub emailed: u64,
    pub skipped: u64,
    pub failed: u64,
}

fn dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn reminder_text(task: &TaskRecord, kind: ReminderKind, today: NaiveDate) -> (String, String) {
    let subject = match kind {
        ReminderKind::Overdue => format!(
            "Nhiệm vụ {} đã quá hạn {} ngày",
            task.code(),
            days_late(task.deadline, today)
        ),
        ReminderKind::DueSoon => format!(
            "Nhiệm vụ {} đến hạn ngày {}",
            task.code(),
            dmy(task.deadline)
        ),
    };
    let body = format!(
        "{}\nCơ quan chủ trì: {}. Người chịu trách nhiệm: {}.\nHạn hoàn thành: {}. Trạng thái: {}, tiến độ {}%.",
        task.title,
        task.agency_name,
        task.person,
        dmy(task.deadline),
        task.status.label_vi(),
        task.progress.percent()
    );
    (subject, body)
}

/// Enqueues today's reminders; running it again the same day adds nothing.
pub async fn enqueue_reminders(
    store: &Store,
    today: NaiveDate,
    due_within_days: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let until = today
        .checked_add_days(Days::new(u64::from(due_within_days)))
        .unwrap_or(today);
    let tasks = store.open_tasks_due_by(until).await?;
    let mut admins = None;
    let mut messages = Vec::new();
    for task in &tasks {
        let Some(kind) = reminder_for(task.deadline, task.status, today, due_within_days) else {
            continue;
        };
        let (subject, body) = reminder_text(task, kind, today);
        let link = Some(format!("/programme/tasks/{}", task.id));
        let mut recipients = store.agency_staff(&task.agency_code).await?;
        if recipients.is_empty() {
            if admins.is_none() {
                admins = Some(store.users_with_role(Role::ProvinceAdmin).await?);
            }
            recipients = admins.clone().unwrap_or_default();
        }
        for user in recipients {
            messages.push(NewMessage {
                kind: format!("task_{}", kind.as_str()),
                channel: Channel::InApp,
                dedup_key: format!("reminder:{}:{today}:in_app:{}", task.id, user.id),
                recipient_user_id: Some(user.id),
                recipient_email: None,
                subject: subject.clone(),
                body: body.clone(),
                link: link.clone(),
                ordering_key: None,
                payload: None,
            });
        }
        if let Some(email) = task
            .person_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        {
            let address = email.trim().to_ascii_lowercase();
            messages.push(NewMessage {
                kind: format!("task_{}", kind.as_str()),
                channel: Channel::Email,
                dedup_key: format!("reminder:{}:{today}:email:{address}", task.id),
                recipient_user_id: None,
                recipient_email: Some(address),
                subject: subject.clone(),
                body: body.clone(),
                link: link.clone(),
                ordering_key: None,
                payload: None,
            });
        }
    }
    if messages.is_empty() {
        return Ok(0);
    }
    let audit = AuditEntry::system(
        now,
        "reminders.enqueued",
        "outbox:reminders",
        serde_json::json!({ "date": today, "tasks": tasks.len() }),
    );
    Ok(store.enqueue_messages(&messages, now, audit).await?)
}

/// Waits longer after each failed attempt: 5, 10, 20, 40 minutes…
fn retry_after(attempts: i64) -> Duration {
    Duration::minutes(5 * (1_i64 << attempts.clamp(1, 8).saturating_sub(1)))
}

async fn deliver(
    settings: &ReminderSettings,
    message: &OutboxMessage,
    now: DateTime<Utc>,
) -> Delivery {
    match message.channel {
        Channel::InApp => Delivery::Sent,
        Channel::Sms | Channel::Zalo | Channel::NationalPortal => {
            Delivery::Refused("Không phải kênh nhắc việc.".into())
        }
        Channel::Email => {
            let (Some(mailer), Some(to)) = (&settings.mailer, message.recipient_email.as_deref())
            else {
                return Delivery::Skipped("Chưa cấu hình máy chủ thư (SMTP).".into());
            };
            let mut body = message.body.clone();
            if let Some(link) = &message.link {
                body.push_str(&format!("\n\nXem chi tiết: {link}"));
            }
            match mailer.send(to, &message.subject, &body).await {
                Ok(()) => Delivery::Sent,
                Err(err) => Delivery::Failed {
                    error: format!("{err:#}"),
                    retry_at: now + retry_after(message.attempts),
                },
            }
        }
    }
}

/// Claims pending messages in batches and delivers them until none is left.
pub async fn deliver_pending(
    store: &Store,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<RunReport> {
    let mut report = RunReport::default();
    for _ in 0..1000 {
        let batch = store
            .claim_messages(
                &settings.node,
                &[Channel::InApp, Channel::Email],
                now,
                settings.lease,
                settings.batch,
            )
            .await?;
        if batch.is_empty() {
            break;
        }
        for message in &batch {
            let delivery = deliver(settings, message, now).await;
            let mine = store
                .finish_message(
                    message.id,
                    &settings.node,
                    now,
                    &delivery,
                    motcua_store::OUTBOX_MAX_ATTEMPTS,
                )
                .await?;
            if !mine {
                continue;
            }
            match (&delivery, message.channel) {
                (Delivery::Sent, Channel::InApp) => report.delivered_in_app += 1,
                (Delivery::Sent, Channel::Email) => report.emailed += 1,
                (Delivery::Sent, _) => {}
                (Delivery::Skipped(_), _) => report.skipped += 1,
                (Delivery::Failed { error, .. } | Delivery::Refused(error), _) => {
                    tracing::warn!(id = %message.id, error = %error, "reminder delivery failed");
                    report.failed += 1;
                }
            }
        }
    }
    Ok(report)
}

/// One run: enqueue today's reminders, then deliver everything pending.
pub async fn run_once(
    store: &Store,
    settings: &ReminderSettings,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<RunReport> {
    let enqueued = enqueue_reminders(store, today, settings.due_within_days, now).await?;
    let mut report = deliver_pending(store, settings, now).await?;
    report.enqueued = enqueued;
    Ok(report)
}

/// Runs the job every `settings.interval`, starting now, until the task is aborted.
pub fn spawn(store: Store, settings: ReminderSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_once(&store, &settings, crate::today_vn(), crate::now()).await {
                Ok(report) if report == RunReport::default() => {}
                Ok(report) => tracing::info!(?report, "reminders"),
                Err(err) => tracing::warn!(error = format!("{err:#}"), "reminder run failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off() {
        assert_eq!(retry_after(1), Duration::minutes(5));
        assert_eq!(retry_after(2), Duration::minutes(10));
        assert_eq!(retry_after(4), Duration::minutes(40));
        assert_eq!(retry_after(100), Duration::minutes(640));
    }

    #[test]
    fn smtp_urls_are_read() {
        assert_eq!(
            SmtpUrl::parse("smtp://relay.langson.example").unwrap(),
            SmtpUrl {
                host: "relay.langson.example".into(),
                port: 25,
                credentials: None
            }
        );
        assert_eq!(
            SmtpUrl::parse("smtp://motcua:p%40ss@127.0.0.1:2525/").unwrap(),
            SmtpUrl {
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: Some(("motcua".into(), "p@ss".into()))
            }
        );
        for bad in [
            "smtps://x:465",
            "http://x",
            "smtp://",
            "smtp://x:port",
            "smtp://x/y",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_urls_without_tls_are_accepted() {
        assert!(Mailer::new("smtp://127.0.0.1:2525", "motcua <noreply@langson.example>").is_ok());
        assert!(Mailer::new("smtps://mail.example:465", "noreply@langson.example").is_err());
        assert!(Mailer::new("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}

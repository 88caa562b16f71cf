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

use crate::connectors::{DeliverySettings, Messengers, deliver_round};
use chrono::{DateTime, Days, NaiveDate, Utc};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::programme::{ReminderKind, days_late, reminder_for};
use motcua_store::{Channel, NewMessage, Store, TaskRecord};

/// How the job runs.
#[derive(Clone)]
pub struct ReminderSettings {
    /// Remind about tasks due within this many days (today included), besides overdue ones.
    pub due_within_days: u32,
    /// Time between runs of the background job.
    pub interval: std::time::Duration,
    /// Who sends: without a mailer, e-mail reminders are marked skipped.
    pub messengers: Messengers,
    /// This node's claims, and the retries of a failed e-mail (5, 10, 20 minutes…, jittered).
    pub delivery: DeliverySettings,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            due_within_days: 3,
            interval: std::time::Duration::from_secs(3600),
            messengers: Messengers::default(),
            delivery: DeliverySettings {
                lease: chrono::Duration::minutes(5),
                batch: 50,
                max_attempts: motcua_store::OUTBOX_MAX_ATTEMPTS,
                backoff_base: chrono::Duration::minutes(5),
                backoff_cap: chrono::Duration::hours(8),
                ..DeliverySettings::default()
            },
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub enqueued: u64,
    /// Delivered, in the app or by e-mail.
    pub sent: u64,
    pub skipped: u64,
    /// Failed this time (tried again later) or for good.
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

/// Delivers the pending in-app and e-mail messages, round after round until none is ready.
pub async fn deliver_pending(
    store: &Store,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<RunReport> {
    let mut report = RunReport::default();
    for _ in 0..1000 {
        let round = deliver_round(
            store,
            &[Channel::InApp, Channel::Email],
            &settings.delivery,
            now,
            |m| settings.messengers.send(m),
        )
        .await?;
        if round.claimed == 0 {
            break;
        }
        report.sent += round.sent as u64;
        report.skipped += round.skipped as u64;
        report.failed += (round.failed + round.dead) as u64;
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

/// Runs the job every `settings.interval`, starting now, until the task is aborted: the
/// day's digests of dossiers due soon, then the programme's reminders, then delivery.
pub fn spawn(app: crate::App, settings: ReminderSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let store = app.store.clone();
        let mut tick = tokio::time::interval(settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match super::due_soon::enqueue_due_soon(&app, crate::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "dossiers due soon: staff told"),
                Err(err) => tracing::warn!(error = format!("{err:#}"), "due-soon digest failed"),
            }
            match run_once(&store, &settings, crate::today_vn(), crate::now()).await {
                Ok(report) if report == RunReport::default() => {}
                Ok(report) => tracing::info!(?report, "reminders"),
                Err(err) => tracing::warn!(error = format!("{err:#}"), "reminder run failed"),
            }
        }
    })
}

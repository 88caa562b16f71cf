//! Connectors: how the outbox's messages leave for outside systems, and what operators see
//! and do about them.
//!
//! Every connector runs the same loop ([`deliver_round`]): claim a batch of its messages
//! with a lease (so nodes never send one twice while it holds), send each, and record the
//! outcome. A failure is retried after an exponential, jittered delay; after the configured
//! number of tries, or when the receiver refuses for good, the message is a dead letter,
//! which holds back its dossier's later messages until an administrator retries or drops it.

pub mod catalogue;
pub mod inbound;
pub mod mail;
pub mod messaging;
pub mod national;
pub mod notices;
pub mod reconcile;

use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::{App, now};
use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::account::Role;
use motcua_domain::connector::retry_delay;
use motcua_domain::notice::NoticeChannel;
use motcua_store::{Channel, ConnectorStats, Delivery, OutboxMessage, Store};
pub use national::{NationalPortal, NationalPortalConfig};
use uuid::Uuid;

/// How one connector's loop runs.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Names this node's claims.
    pub node: String,
    /// How long a claim holds before another node may take the message over.
    pub lease: TimeDelta,
    pub batch: i64,
    /// Tries before a message becomes a dead letter.
    pub max_attempts: i64,
    /// The first retry waits about this long; each later one twice as long, up to the cap.
    pub backoff_base: TimeDelta,
    pub backoff_cap: TimeDelta,
    /// Time between rounds when the queue is empty.
    pub idle: std::time::Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            node: format!("node-{}-{}", std::process::id(), Uuid::now_v7().simple()),
            lease: TimeDelta::minutes(2),
            batch: 100,
            max_attempts: 8,
            backoff_base: TimeDelta::seconds(30),
            backoff_cap: TimeDelta::hours(1),
            idle: std::time::Duration::from_secs(1),
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RoundReport {
    pub claimed: usize,
    pub sent: usize,
    /// Not sent and not retried: the channel is not set up here.
    pub skipped: usize,
    pub failed: usize,
    pub dead: usize,
}

/// How a send ended, as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered,
    /// Worth trying again (an outage, a timeout, 5xx, 429).
    Retry(String),
    /// Never worth trying again (the receiver refuses the message itself).
    Refused(String),
    /// Not sent, and not to be: the channel (or this kind of message on it) is not set up.
    Skipped(String),
}

/// Claims up to a batch of `channels`' messages and sends them in order with `send`,
/// recording each outcome. `now` is passed in, so tests can run an outage on their own clock.
pub async fn deliver_round<F, Fut>(
    store: &Store,
    channels: &[Channel],
    settings: &DeliverySettings,
    now: DateTime<Utc>,
    send: F,
) -> anyhow::Result<RoundReport>
where
    F: Fn(OutboxMessage) -> Fut,
    Fut: std::future::Future<Output = SendOutcome>,
{
    let batch = store
        .claim_messages(
            &settings.node,
            channels,
            now,
            settings.lease,
            settings.batch,
        )
        .await?;
    let mut report = RoundReport {
        claimed: batch.len(),
        ..RoundReport::default()
    };
    for message in batch {
        let (id, attempts) = (message.id, message.attempts);
        let delivery = match send(message).await {
            SendOutcome::Delivered => Delivery::Sent,
            SendOutcome::Retry(error) => Delivery::Failed {
                error,
                retry_at: now
                    + retry_delay(
                        attempts,
                        settings.backoff_base,
                        settings.backoff_cap,
                        rand::random::<f64>(),
                    ),
            },
            SendOutcome::Refused(error) => Delivery::Refused(error),
            SendOutcome::Skipped(why) => Delivery::Skipped(why),
        };
        let mine = store
            .finish_message(id, &settings.node, now, &delivery, settings.max_attempts)
            .await?;
        if !mine {
            continue;
        }
        match delivery {
            Delivery::Sent => report.sent += 1,
            Delivery::Skipped(_) => report.skipped += 1,
            Delivery::Refused(_) => report.dead += 1,
            Delivery::Failed { .. } if attempts >= settings.max_attempts => report.dead += 1,
            _ => report.failed += 1,
        }
    }
    Ok(report)
}

/// Runs one connector's loop until the task is aborted: rounds back to back while there is
/// work, one per `idle` when there is none. `name` is for the logs.
pub fn spawn_delivery<F, Fut>(
    store: Store,
    channels: &'static [Channel],
    settings: DeliverySettings,
    name: &'static str,
    send: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(OutboxMessage) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = SendOutcome> + Send,
{
    tokio::spawn(async move {
        loop {
            match deliver_round(&store, channels, &settings, now(), &send).await {
                Ok(r) if r.claimed > 0 => {
                    if r.failed + r.dead > 0 {
                        tracing::warn!(connector = name, ?r, "some messages failed");
                    }
                    continue;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(connector = name, error = format!("{err:#}"), "round"),
            }
            tokio::time::sleep(settings.idle).await;
        }
    })
}

/// The national portal's loop.
pub fn spawn_national(
    store: Store,
    portal: NationalPortal,
    settings: DeliverySettings,
) -> tokio::task::JoinHandle<()> {
    let portal = std::sync::Arc::new(portal);
    spawn_delivery(
        store,
        &[Channel::NationalPortal],
        settings,
        "national_portal",
        move |m| {
            let portal = portal.clone();
            async move { portal.send(m).await }
        },
    )
}

/// The people-facing channels' senders this node has: in the app (always), e-mail, SMS
/// and Zalo when configured. A message for a channel without a sender is skipped.
#[derive(Clone, Default)]
pub struct Messengers {
    pub mail: Option<mail::Mailer>,
    pub sms: Option<messaging::SmsGateway>,
    pub zalo: Option<messaging::ZaloZns>,
}

impl std::fmt::Debug for Messengers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messengers")
            .field("channels", &self.channels())
            .finish()
    }
}

impl Messengers {
    /// The channels these senders serve.
    pub const CHANNELS: [Channel; 4] =
        [Channel::InApp, Channel::Email, Channel::Sms, Channel::Zalo];

    /// The applicant channels set up here.
    pub fn channels(&self) -> Vec<NoticeChannel> {
        [
            (NoticeChannel::Email, self.mail.is_some()),
            (NoticeChannel::Sms, self.sms.is_some()),
            (NoticeChannel::Zalo, self.zalo.is_some()),
        ]
        .into_iter()
        .filter_map(|(c, on)| on.then_some(c))
        .collect()
    }

    pub async fn send(&self, message: OutboxMessage) -> SendOutcome {
        let off = |what: &str| SendOutcome::Skipped(format!("Chưa cấu hình {what}."));
        match message.channel {
            // Sent means it lands in the recipient's notifications (Store::finish_message).
            Channel::InApp => SendOutcome::Delivered,
            Channel::Email => match &self.mail {
                Some(mail) => mail.send(&message).await,
                None => off("máy chủ thư (SMTP)"),
            },
            Channel::Sms => match &self.sms {
                Some(sms) => sms.send(&message).await,
                None => off("nhà cung cấp SMS"),
            },
            Channel::Zalo => match &self.zalo {
                Some(zalo) => zalo.send(&message).await,
                None => off("Zalo ZNS"),
            },
            Channel::NationalPortal => {
                SendOutcome::Refused("Tin của Cổng DVCQG không gửi qua kênh này.".into())
            }
        }
    }
}

/// The people-facing channels' loop.
pub fn spawn_messengers(
    store: Store,
    messengers: Messengers,
    settings: DeliverySettings,
) -> tokio::task::JoinHandle<()> {
    let messengers = std::sync::Arc::new(messengers);
    spawn_delivery(
        store,
        &Messengers::CHANNELS,
        settings,
        "notifications",
        move |m| {
            let messengers = messengers.clone();
            async move { messengers.send(m).await }
        },
    )
}

/// Who may watch the connectors, and who may act on their dead letters.
const WATCHERS: [Role; 2] = [Role::ProvinceAdmin, Role::Auditor];

/// One connector as operators see it.
#[derive(Debug, Clone)]
pub struct ConnectorView {
    pub stats: ConnectorStats,
    /// Whether this node is set up to deliver it (the in-app channel always is).
    pub configured: bool,
    /// The oldest undelivered message's age, in seconds.
    pub oldest_pending_seconds: Option<i64>,
}

/// Every connector's queue (province administrators and auditors).
pub async fn overview(app: &App, who: &Principal) -> AppResult<Vec<ConnectorView>> {
    who.require(&WATCHERS)?;
    connector_views(app).await
}

/// The same figures, for `/metrics` (no principal: the ops port's own access rules apply).
pub async fn connector_views(app: &App) -> AppResult<Vec<ConnectorView>> {
    let at = now();
    let stats = app.store.connector_stats(at).await?;
    Ok(stats
        .into_iter()
        .map(|stats| ConnectorView {
            configured: match stats.channel {
                Channel::InApp => true,
                Channel::NationalPortal => app.store.national_sync(),
                Channel::Email => app.mail_configured,
                Channel::Sms => app.notices.channels.contains(&NoticeChannel::Sms),
                Channel::Zalo => app.notices.channels.contains(&NoticeChannel::Zalo),
            },
            oldest_pending_seconds: stats.oldest_pending_at.map(|t| (at - t).num_seconds()),
            stats,
        })
        .collect())
}

/// A connector's dead letters, oldest first.
pub async fn dead_letters(
    app: &App,
    who: &Principal,
    channel: Channel,
) -> AppResult<Vec<OutboxMessage>> {
    who.require(&WATCHERS)?;
    Ok(app.store.dead_letters(channel, 200).await?)
}

/// Puts a dead letter back in the queue with fresh tries (`retry`), or drops it; audited.
/// Only a province administrator may.
pub async fn settle_dead_letter(
    app: &App,
    who: &Principal,
    id: Uuid,
    retry: bool,
) -> AppResult<()> {
    who.require(&[Role::ProvinceAdmin])?;
    let Some(message) = app.store.outbox_message(id).await? else {
        return Err(AppError::not_found(
            "message_not_found",
            "Không có tin này trong hàng đợi.",
        ));
    };
    let action = if retry {
        "outbox.dead_letter_retried"
    } else {
        "outbox.dead_letter_dropped"
    };
    let audit = who.audit(
        action,
        format!("outbox:{id}"),
        serde_json::json!({
            "connector": message.channel.as_str(),
            "kind": message.kind,
            "dedup_key": message.dedup_key,
            "attempts": message.attempts,
            "last_error": message.last_error,
        }),
    );
    if !app.store.settle_dead_letter(id, retry, audit).await? {
        return Err(AppError::conflict(
            "not_a_dead_letter",
            "Tin này không (còn) là tin lỗi hẳn: có thể người khác đã xử lý.",
        ));
    }
    Ok(())
}

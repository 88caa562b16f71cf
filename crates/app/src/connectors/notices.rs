//! Notices to applicants: built when an officer's action is news for them (see
//! `motcua_domain::notice`), one outbox message per channel they chose, committed with the
//! action itself; and what was sent, for the dossier's page.

use crate::{App, AppResult, Principal};
use motcua_domain::dossier::{Action, Dossier};
use motcua_domain::notice::{NoticeChannel, NoticeFacts, applicant_notice};
use motcua_store::{Channel, DossierRecord, NewMessage, OutboxMessage};

/// Which applicant channels this instance delivers, and the portal's public address the
/// messages link to.
#[derive(Debug, Clone, Default)]
pub struct NoticeSettings {
    pub channels: Vec<NoticeChannel>,
    /// `--public-url`; without it, messages give the code and lookup secret instead of a link.
    pub public_url: Option<String>,
}

pub fn outbox_channel(channel: NoticeChannel) -> Channel {
    match channel {
        NoticeChannel::Email => Channel::Email,
        NoticeChannel::Sms => Channel::Sms,
        NoticeChannel::Zalo => Channel::Zalo,
    }
}

/// The channels an applicant may choose on this instance.
pub fn offered(app: &App) -> &[NoticeChannel] {
    &app.notices.channels
}

/// The ordering key of a dossier's notices on one channel: each channel's go out in order.
fn ordering_key(channel: NoticeChannel, code: &str) -> String {
    format!("notice:{}:{code}", channel.as_str())
}

/// A phone number as providers want it: 84 and the number without its leading 0.
fn international(phone: &str) -> String {
    match phone.strip_prefix('0') {
        Some(rest) => format!("84{rest}"),
        None => phone.to_owned(),
    }
}

/// The messages `action` (taking the record's dossier to `after`) sends the applicant.
pub(crate) async fn applicant_messages(
    app: &App,
    record: &DossierRecord,
    action: &Action,
    after: &Dossier,
) -> AppResult<Vec<NewMessage>> {
    let applicant = &record.applicant;
    let chosen: Vec<NoticeChannel> = applicant
        .notify
        .iter()
        .copied()
        .filter(|c| app.notices.channels.contains(c))
        .collect();
    if chosen.is_empty()
        || motcua_domain::notice::notice_kind(action, &record.dossier, after).is_none()
    {
        return Ok(Vec::new());
    }
    let code = record.code();
    let secret = crate::dossiers::public::lookup_secret(app, code).ok();
    let link = app.notices.public_url.as_deref().map(|base| {
        let mut link = format!("{}/lookup?code={code}", base.trim_end_matches('/'));
        if let Some(secret) = &secret {
            link.push_str(&format!("&check={secret}"));
        }
        link
    });
    let agencies = crate::register::all_agencies(app).await?;
    let receiving = after.receiving_agency.as_str();
    let agency_name = agencies
        .iter()
        .find(|a| a.code.as_str() == receiving)
        .map_or(receiving, |a| a.name.as_str());
    let facts = NoticeFacts {
        applicant_name: &applicant.name,
        procedure_name: &record.procedure_name,
        receiving_agency_name: agency_name,
        lookup_link: link.as_deref(),
        lookup_secret: secret.as_deref(),
    };
    let Some(notice) = applicant_notice(action, &record.dossier, after, &facts) else {
        return Ok(Vec::new());
    };
    let phone = applicant.phone.as_ref().map(|p| p.as_str().to_owned());
    let mut messages = Vec::new();
    for channel in chosen {
        let (email, payload) = match channel {
            NoticeChannel::Email => (applicant.email.clone(), None),
            NoticeChannel::Sms => (
                None,
                phone
                    .as_ref()
                    .map(|p| serde_json::json!({ "to": p, "text": notice.short }).to_string()),
            ),
            NoticeChannel::Zalo => (
                None,
                phone.as_ref().map(|p| {
                    serde_json::json!({
                        "to": international(p),
                        "kind": notice.kind.as_str(),
                        "data": notice.fields,
                    })
                    .to_string()
                }),
            ),
        };
        if email.is_none() && payload.is_none() {
            continue;
        }
        messages.push(NewMessage {
            kind: format!("notice.{}", notice.kind.as_str()),
            channel: outbox_channel(channel),
            // One per dossier version and channel: a replayed action adds nothing.
            dedup_key: format!("notice:{code}:{}:{}", after.version, channel.as_str()),
            recipient_user_id: None,
            recipient_email: email,
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            link: link.clone(),
            ordering_key: Some(ordering_key(channel, code)),
            payload,
        });
    }
    Ok(messages)
}

/// What the applicant was sent about a dossier, and what the national portal was told,
/// oldest first, for whoever may see the dossier.
pub async fn sent_for(app: &App, who: &Principal, code: &str) -> AppResult<Vec<OutboxMessage>> {
    crate::dossiers::load_visible(app, who, code).await?;
    let mut keys: Vec<String> = NoticeChannel::ALL
        .into_iter()
        .map(|c| ordering_key(c, code))
        .collect();
    keys.push(format!("national:{code}"));
    Ok(app.store.messages_by_ordering_keys(&keys, 100).await?)
}

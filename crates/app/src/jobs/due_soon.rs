//! Staff notices of dossiers due within one working day: once a day per desk agency and
//! person, in the app, through the outbox like every other message. One digest per desk (the
//! count, the first codes and a link to the filtered queue) rather than a message per dossier,
//! so that a desk with a backlog is told, not flooded. Decree 118/2025 Art. 20 has the
//! one-stop unit follow dossiers that are near or past their appointment date.

use crate::App;
use crate::dossiers::due_soon_bound;
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::to_vn_local;
use motcua_domain::dossier::{DossierState, DueState};
use motcua_store::{Channel, DossierFilter, NewMessage, Visibility};

/// Codes named in a digest; the rest are counted.
const CODES_LISTED: i64 = 10;

/// Enqueues today's digests (again the same day adds nothing); returns how many were new.
pub async fn enqueue_due_soon(app: &App, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let store = &app.store;
    let holidays = app.calendar.holidays(store).await?;
    let soon = due_soon_bound(now, &holidays);
    let today = to_vn_local(&now).date();
    let due = store.due_soon_by_desk(now, soon).await?;
    let agencies = crate::register::all_agencies(app).await?;
    let mut messages = Vec::new();
    for (agency, due_soon) in &due {
        let staff = store.agency_staff(agency).await?;
        if staff.is_empty() {
            continue;
        }
        let filter = DossierFilter {
            visibility: Visibility::Desk(agency.clone()),
            states: DossierState::ALL
                .into_iter()
                .filter(|s| s.is_in_flight())
                .collect(),
            agency: None,
            due: Some(DueState::DueSoon),
            now,
            soon,
            q: None,
            step: None,
            assignee: None,
            procedure_code: None,
            page: 1,
            per_page: CODES_LISTED,
            keyset: None,
        };
        let page = store
            .dossier_queue_counting_to(&filter, CODES_LISTED)
            .await?;
        let name = agencies
            .iter()
            .find(|a| a.code.as_str() == agency)
            .map_or(agency.as_str(), |a| a.name.as_str());
        let mut body = format!(
            "{} hồ sơ tại {name} đến hạn trong 1 ngày làm việc tới:\n",
            due_soon
        );
        for item in &page.items {
            let due = item
                .due_at
                .map(|d| to_vn_local(&d).format("%H:%M %d/%m/%Y").to_string())
                .unwrap_or_default();
            body.push_str(&format!(
                "- {} ({}), hạn {due}\n",
                item.code, item.procedure_name
            ));
        }
        let rest = due_soon - page.items.len() as i64;
        if rest > 0 {
            body.push_str(&format!("và {rest} hồ sơ khác.\n"));
        }
        let subject = format!("{due_soon} hồ sơ sắp đến hạn tại {name}");
        let link = format!("/work?due=due_soon&scope=involved&agency={agency}");
        for user in staff {
            messages.push(NewMessage {
                kind: "dossiers_due_soon".into(),
                channel: Channel::InApp,
                dedup_key: format!("due_soon:{agency}:{today}:{}", user.id),
                recipient_user_id: Some(user.id),
                recipient_email: None,
                subject: subject.clone(),
                body: body.clone(),
                link: Some(link.clone()),
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
        "due_soon.enqueued",
        "outbox:due_soon",
        serde_json::json!({ "date": today }),
    );
    Ok(store.enqueue_messages(&messages, now, audit).await?)
}

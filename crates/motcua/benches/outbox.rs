//! The outbox's costs and speed (issue 16), on SQLite with the production settings or, with
//! `BACKEND=postgres`, a throwaway PostgreSQL from the test kit:
//!
//! 1. **Enqueue cost.** The same dossier lifecycle (submit and eight actions) through the store,
//!    once with the national portal's sync on and the applicant's e-mail and SMS notices, once
//!    with no message at all, in alternating blocks; medians per write.
//! 2. **Backlog drain.** An hour of outage at `RATE` submissions per second (default 2: a busy
//!    province's peak hour), each dossier received as well, leaves its portal and SMS messages
//!    queued; the bench then drains them to a portal and an SMS provider on loopback, as the
//!    connectors' loops do (rounds of `BATCH`), and reports the time and the rate.
//!
//! `cargo bench -p motcua --bench outbox`. Settings: `DOSSIERS` (default 1000), `RATE`, `BATCH`
//! (default 100), `BACKEND`.

mod support;

use axum::http::StatusCode;
use motcua_app::connectors::messaging::{SmsConfig, SmsGateway};
use motcua_app::connectors::{
    DeliverySettings, NationalPortal, NationalPortalConfig, SendOutcome, deliver_round,
};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::Channel as Route;
use motcua_domain::dossier::{Action, Applicant, ApplicantKind, CitizenId, PhoneNumber};
use motcua_domain::notice::{NoticeChannel, NoticeFacts, applicant_notice};
use motcua_store::{Channel, DossierRecord, NewMessage, Store, Submission};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{env_or, median};

fn applicant() -> Applicant {
    Applicant {
        kind: ApplicantKind::Person,
        name: "Người Thử".into(),
        citizen_id: Some(CitizenId::parse("020095001234").expect("a valid id")),
        tax_code: None,
        phone: Some(PhoneNumber::parse("0912345678").expect("a valid phone")),
        email: Some("nguoithu@example.vn".into()),
        address_unit: None,
        address: None,
        notify: vec![NoticeChannel::Email, NoticeChannel::Sms],
        verified: None,
    }
}

/// What `connectors::notices` would enqueue for the applicant's e-mail and SMS.
fn notices(
    record: &DossierRecord,
    action: &Action,
    after: &motcua_domain::dossier::Dossier,
) -> Vec<NewMessage> {
    let facts = NoticeFacts {
        applicant_name: &record.applicant.name,
        procedure_name: &record.procedure_name,
        receiving_agency_name: "UBND phường Đông Kinh",
        lookup_link: Some("https://dichvucong.langson.example/lookup?code=X&check=Y"),
        lookup_secret: None,
    };
    let Some(notice) = applicant_notice(action, &record.dossier, after, &facts) else {
        return Vec::new();
    };
    let code = record.code();
    [(Channel::Email, "email"), (Channel::Sms, "sms")]
        .into_iter()
        .map(|(channel, name)| NewMessage {
            kind: format!("notice.{}", notice.kind.as_str()),
            channel,
            dedup_key: format!("notice:{code}:{}:{name}", after.version),
            recipient_user_id: None,
            recipient_email: record.applicant.email.clone(),
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            link: None,
            ordering_key: Some(format!("notice:{name}:{code}")),
            payload: (channel == Channel::Sms).then(|| {
                serde_json::json!({ "to": "0912345678", "text": notice.short }).to_string()
            }),
        })
        .collect()
}

fn submission(agency: &str) -> anyhow::Result<Submission> {
    let actor = AuditEntry::system(motcua_app::now(), "bench", "bench", serde_json::json!({}));
    Ok(Submission {
        procedure_code: motcua::samples::BIRTH.into(),
        agency: motcua_domain::agency::AgencyCode::parse(agency)?,
        channel: Route::Online,
        applicant: applicant(),
        owner: None,
        idempotency: None,
        at: motcua_app::now(),
        actor,
        receive: None,
        attachments: Vec::new(),
        form: None,
        uses_draft_of: None,
    })
}

type Timings = BTreeMap<&'static str, Vec<Duration>>;

/// Takes `record` through `action`, with the applicant's notices when `tell` is on.
async fn act(
    store: &Store,
    record: DossierRecord,
    action: &Action,
    tell: bool,
) -> anyhow::Result<(DossierRecord, Duration)> {
    let at = motcua_app::now();
    let after = support::next(&record, action)?;
    let messages = if tell {
        notices(&record, action, &after)
    } else {
        Vec::new()
    };
    let actor = AuditEntry::system(at, "bench", "bench", serde_json::json!({}));
    let started = Instant::now();
    let record = store
        .commit_dossier_action_sending(&record, action, &after, at, actor, &messages)
        .await?;
    Ok((record, started.elapsed()))
}

async fn lifecycle(store: &Store, agency: &str, tell: bool, t: &mut Timings) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut record = store
        .submit_dossier(&submission(agency)?)
        .await?
        .into_record();
    t.entry("submit").or_default().push(started.elapsed());
    let actions: [(&'static str, Action); 7] = [
        ("accept", Action::Accept),
        ("forward", Action::Forward),
        (
            "assign",
            Action::Assign {
                assignee: "chuyenvien".into(),
            },
        ),
        ("forward", Action::Forward),
        ("approve", Action::Approve),
        (
            "finish",
            Action::Finish {
                result: "Giấy khai sinh".into(),
                electronic: false,
            },
        ),
        ("return_result", Action::ReturnResult),
    ];
    for (name, action) in actions {
        let (next, took) = act(store, record, &action, tell).await?;
        record = next;
        t.entry(name).or_default().push(took);
    }
    Ok(())
}

async fn fake_receivers() -> anyhow::Result<String> {
    let router = axum::Router::new()
        .route("/hoso", axum::routing::post(|| async { StatusCode::OK }))
        .route(
            "/sms",
            axum::routing::post(|| async {
                axum::Json(serde_json::json!({ "CodeResult": "100" }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dossiers: usize = env_or("DOSSIERS", 1000);
    let rate: f64 = env_or("RATE", 2.0);
    let batch: i64 = env_or("BATCH", 100);
    let dir = tempfile::tempdir()?;
    let store = support::seeded_store(dir.path()).await?;
    let agency = store
        .find_user_by_username("motcua.dongkinh")
        .await?
        .and_then(|u| u.agency_code)
        .ok_or_else(|| anyhow::anyhow!("no demo receiver"))?;
    println!("backend {}", store.backend().as_str());

    // 1. The enqueue cost, side by side.
    let connected = store.clone().with_national_sync(true);
    let silent = store.clone().with_national_sync(false);
    let (mut on, mut off) = (Timings::new(), Timings::new());
    for _ in 0..20 {
        lifecycle(&connected, &agency, true, &mut Timings::new()).await?;
        lifecycle(&silent, &agency, false, &mut Timings::new()).await?;
    }
    for i in 0..dossiers / 2 {
        if (i / 50) % 2 == 0 {
            lifecycle(&connected, &agency, true, &mut on).await?;
            lifecycle(&silent, &agency, false, &mut off).await?;
        } else {
            lifecycle(&silent, &agency, false, &mut off).await?;
            lifecycle(&connected, &agency, true, &mut on).await?;
        }
    }
    println!("enqueue cost, {dossiers} dossiers (medians):");
    println!(
        "  {:<14} {:>10} {:>10} {:>9}",
        "write", "messages", "none", "added"
    );
    let (mut all_on, mut all_off) = (Vec::new(), Vec::new());
    for (name, list) in on.iter_mut() {
        let other = off.get_mut(name).expect("the same writes");
        all_on.extend(list.iter().copied());
        all_off.extend(other.iter().copied());
        let (a, b) = (median(list), median(other));
        println!(
            "  {name:<14} {:>8.0}µs {:>8.0}µs {:>+8.1}%",
            a.as_secs_f64() * 1e6,
            b.as_secs_f64() * 1e6,
            (a.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0
        );
    }
    let (a, b) = (median(&mut all_on), median(&mut all_off));
    println!(
        "  {:<14} {:>8.0}µs {:>8.0}µs {:>+8.1}%",
        "every write",
        a.as_secs_f64() * 1e6,
        b.as_secs_f64() * 1e6,
        (a.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0
    );

    // 2. An hour's backlog, drained. What part 1 queued is dropped first.
    let base = fake_receivers().await?;
    drain(
        &store,
        &[Channel::NationalPortal, Channel::Email, Channel::Sms],
        batch,
        None,
    )
    .await?;
    let outage = (rate * 3600.0).round() as usize;
    let started = Instant::now();
    for _ in 0..outage {
        let record = connected
            .submit_dossier(&submission(&agency)?)
            .await?
            .into_record();
        act(&connected, record, &Action::Accept, true).await?;
    }
    println!(
        "backlog: {outage} dossiers ({rate}/s for an hour) submitted and received in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let portal = NationalPortal::new(NationalPortalConfig {
        url: format!("{base}/hoso"),
        client_id: "tinh-20".into(),
        secret: "bench".into(),
        timeout: Duration::from_secs(5),
        mapping: motcua_app::connectors::national::default_mapping(),
    })?;
    let sms = SmsGateway::new(SmsConfig {
        url: format!("{base}/sms"),
        api_key: "k".into(),
        secret_key: "s".into(),
        brandname: "B".into(),
        timeout: Duration::from_secs(5),
    })?;
    for (label, channel) in [
        ("national portal", Channel::NationalPortal),
        ("SMS", Channel::Sms),
    ] {
        let started = Instant::now();
        let sent = drain(&store, &[channel], batch, Some((&portal, &sms))).await?;
        let took = started.elapsed().as_secs_f64();
        println!(
            "  {label}: {sent} messages drained in {took:.1}s, {:.0} messages/s",
            sent as f64 / took
        );
    }
    store.close().await;
    Ok(())
}

/// Rounds until the queue of `channels` is empty; without senders, every message is skipped.
async fn drain(
    store: &Store,
    channels: &[Channel],
    batch: i64,
    senders: Option<(&NationalPortal, &SmsGateway)>,
) -> anyhow::Result<usize> {
    let settings = DeliverySettings {
        batch,
        ..DeliverySettings::default()
    };
    let mut sent = 0;
    loop {
        let round = deliver_round(
            store,
            channels,
            &settings,
            motcua_app::now(),
            |m| async move {
                match (senders, m.channel) {
                    (Some((portal, _)), Channel::NationalPortal) => portal.send(m).await,
                    (Some((_, sms)), Channel::Sms) => sms.send(&m).await,
                    _ => SendOutcome::Skipped("bench".into()),
                }
            },
        )
        .await?;
        if round.claimed == 0 {
            return Ok(sent);
        }
        anyhow::ensure!(
            round.failed + round.dead == 0,
            "a delivery failed: {round:?}"
        );
        sent += round.sent;
    }
}

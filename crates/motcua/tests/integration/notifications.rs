//! Notices to applicants on the channels they chose: e-mail through a real SMTP server
//! (aiosmtpd), SMS and Zalo through a fake provider on loopback that can refuse, stall and
//! see a message twice. An hour without mail or SMS (on the test's clock) loses nothing,
//! sends nothing twice and keeps each dossier's order.

use crate::common::{Api, Backend, Options, TestApp, agency_of, numbered_submission, problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use motcua::samples;
use motcua_app::connectors::mail::Mailer;
use motcua_app::connectors::messaging::{
    SmsConfig, SmsGateway, ZaloConfig, ZaloZns, parse_templates,
};
use motcua_app::connectors::{DeliverySettings, Messengers, deliver_round};
use motcua_testkit::SmtpServer;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PUBLIC_URL: &str = "https://dichvucong.langson.example";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Up,
    /// 503 to everything.
    Down,
    /// Takes the message, then answers after the client gave up (it sends it again).
    Stall,
    /// Refuses every message for good (a bad key, say).
    Refusing,
}

#[derive(Default)]
struct Provider {
    mode: Mutex<Option<Mode>>,
    /// Taken messages, in order: (route, request id, body).
    taken: Mutex<Vec<(&'static str, String, Value)>>,
    /// Requests whose id was already taken.
    repeats: Mutex<usize>,
    turned_away: Mutex<usize>,
}

impl Provider {
    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = Some(mode);
    }
    fn taken(&self, route: &str) -> Vec<Value> {
        let taken = self.taken.lock().unwrap();
        taken
            .iter()
            .filter(|(r, _, _)| *r == route)
            .map(|(_, _, b)| b.clone())
            .collect()
    }
}

async fn take(
    provider: &Provider,
    route: &'static str,
    id: String,
    body: Value,
) -> Option<Response> {
    let mode = provider.mode.lock().unwrap().unwrap_or(Mode::Up);
    match mode {
        Mode::Down => {
            *provider.turned_away.lock().unwrap() += 1;
            return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
        Mode::Refusing => return None,
        Mode::Up | Mode::Stall => {}
    }
    let repeat = {
        let mut taken = provider.taken.lock().unwrap();
        let repeat = taken.iter().any(|(r, i, _)| *r == route && *i == id);
        if !repeat {
            taken.push((route, id, body));
        }
        repeat
    };
    if repeat {
        *provider.repeats.lock().unwrap() += 1;
    }
    if mode == Mode::Stall {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
    Some(StatusCode::OK.into_response())
}

async fn sms(State(provider): State<Arc<Provider>>, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["ApiKey"], "khoa-api");
    assert_eq!(body["SecretKey"], "khoa-bi-mat");
    assert_eq!(body["Brandname"], "UBND-LANGSON");
    let id = body["RequestId"].as_str().unwrap().to_owned();
    match take(&provider, "sms", id, body).await {
        Some(r) if r.status() != StatusCode::OK => r,
        Some(_) => axum::Json(json!({ "CodeResult": "100", "SMSID": "1" })).into_response(),
        None => {
            axum::Json(json!({ "CodeResult": "101", "ErrorMessage": "Sai ApiKey" })).into_response()
        }
    }
}

async fn zns(State(provider): State<Arc<Provider>>, headers: HeaderMap, body: String) -> Response {
    assert_eq!(headers["access_token"], "ma-truy-cap");
    let body: Value = serde_json::from_str(&body).unwrap();
    let id = body["tracking_id"].as_str().unwrap().to_owned();
    match take(&provider, "zns", id, body).await {
        Some(r) if r.status() != StatusCode::OK => r,
        Some(_) => axum::Json(json!({ "error": 0, "message": "Success" })).into_response(),
        None => {
            axum::Json(json!({ "error": -124, "message": "Access token invalid" })).into_response()
        }
    }
}

async fn fake_provider() -> (String, Arc<Provider>) {
    let provider = Arc::new(Provider::default());
    let router = axum::Router::new()
        .route("/sms", axum::routing::post(sms))
        .route("/zns", axum::routing::post(zns))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), provider)
}

fn messengers(smtp: &SmtpServer, provider: &str) -> Messengers {
    let timeout = std::time::Duration::from_millis(800);
    Messengers {
        mail: Some(
            Mailer::new(
                &format!("smtp://127.0.0.1:{}", smtp.port),
                "UBND tỉnh Lạng Sơn <motcua@langson.example>",
                None,
            )
            .unwrap(),
        ),
        sms: Some(
            SmsGateway::new(SmsConfig {
                url: format!("{provider}/sms"),
                api_key: "khoa-api".into(),
                secret_key: "khoa-bi-mat".into(),
                brandname: "UBND-LANGSON".into(),
                timeout,
            })
            .unwrap(),
        ),
        zalo: Some(
            ZaloZns::new(ZaloConfig {
                url: format!("{provider}/zns"),
                access_token: "ma-truy-cap".into(),
                templates: parse_templates("received=301,supplement=302,refused=304").unwrap(),
                timeout,
            })
            .unwrap(),
        ),
    }
}

/// Delivery rounds at `now` until one claims nothing.
async fn drain(app: &TestApp, senders: &Messengers, s: &DeliverySettings, now: DateTime<Utc>) {
    for _ in 0..200 {
        let round = deliver_round(&app.store, &Messengers::CHANNELS, s, now, |m| {
            senders.send(m)
        })
        .await
        .unwrap();
        if round.claimed == 0 {
            return;
        }
    }
    panic!("the queue never emptied");
}

fn submission(agency: &str, i: usize, notify: &[&str]) -> Value {
    let mut body = numbered_submission(agency, i);
    body["applicant"]["email"] = json!(format!("nguoinop{i}@example.vn"));
    body["applicant"]["notify"] = json!(notify);
    body
}

async fn submit(citizen: &Api<'_>, body: &Value) -> String {
    let r = citizen.post("/api/v1/dossiers", body).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A received mail's subject.
fn subject(mail: &str) -> String {
    let parsed = mailparse::parse_mail(mail.as_bytes()).unwrap();
    parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref() == "Subject")
        .map(|h| h.get_value())
        .unwrap_or_default()
}

/// A received mail's text, its transfer encoding undone.
fn body_text(mail: &str) -> String {
    mailparse::parse_mail(mail.as_bytes())
        .unwrap()
        .get_body()
        .unwrap()
}

/// One header of a received mail.
fn header(mail: &str, name: &str) -> String {
    let parsed = mailparse::parse_mail(mail.as_bytes()).unwrap();
    parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
        .map(|h| h.get_value())
        .unwrap_or_default()
}

/// A fake provider, the senders to it and to `smtp`, and an app with the samples that uses
/// them (None when the backend is unavailable).
async fn connected(
    backend: Backend,
    smtp: &SmtpServer,
) -> Option<(Arc<Provider>, Messengers, TestApp)> {
    let (provider_url, provider) = fake_provider().await;
    let senders = messengers(smtp, &provider_url);
    let app = TestApp::spawn_with(
        backend,
        Options {
            messengers: senders.clone(),
            public_url: Some(PUBLIC_URL.into()),
            ..Options::default()
        },
    )
    .await?;
    samples::load(&app.store).await.unwrap();
    Some((provider, senders, app))
}

async fn applicants_are_told(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let (provider, senders, app) = match connected(backend, &smtp).await {
        Some(set) => set,
        None => return,
    };
    let citizen = Api::new(&app, "congdan").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let s = DeliverySettings::default();

    // A choice that cannot be kept is refused at once, with the field named.
    let mut no_email = submission(&agency, 1, &["email"]);
    no_email["applicant"]["email"] = Value::Null;
    let r = citizen.post("/api/v1/dossiers", &no_email).await;
    let p = problem(r, 422, "notice_without_email").await;
    assert!(p["detail"].as_str().unwrap().contains("thư điện tử"), "{p}");
    let r = citizen
        .post("/api/v1/dossiers", &submission(&agency, 1, &["fax"]))
        .await;
    problem(r, 422, "invalid_notice_channel").await;

    let told = submit(&citizen, &submission(&agency, 1, &["email", "sms", "zalo"])).await;
    let silent = submit(&citizen, &submission(&agency, 2, &[])).await;
    receiver.act_ok(&told, "accept", json!({})).await;
    receiver.act_ok(&silent, "accept", json!({})).await;
    drain(&app, &senders, &s, Utc::now()).await;

    // Received: the e-mail names the appointment date and opens the dossier from its link.
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "only the applicant who chose e-mail hears");
    let mail = &mails[0];
    assert_eq!(header(mail, "To"), "nguoinop1@example.vn", "{mail}");
    assert_eq!(subject(mail), format!("Hồ sơ {told} đã được tiếp nhận"));
    let text = body_text(mail);
    assert!(text.contains("Ngày hẹn trả kết quả: "), "{text}");
    let link = format!("{PUBLIC_URL}/lookup?code={told}&check=");
    assert!(text.contains(&link), "{text}");
    let secret = text.split(&link).nth(1).unwrap()[..10].to_owned();
    let opened = app
        .client()
        .get(app.url(&format!("/lookup?code={told}&check={secret}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        opened.contains(&told) && opened.contains("Đã tiếp nhận"),
        "the link opens the dossier"
    );
    // The SMS is plain ASCII; Zalo gets the template for "received" and its values.
    let sms = provider.taken("sms");
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["Phone"], "0912345678");
    let content = sms[0]["Content"].as_str().unwrap();
    assert!(
        content.is_ascii() && content.contains("da duoc tiep nhan"),
        "{content}"
    );
    let zns = provider.taken("zns");
    assert_eq!(zns.len(), 1);
    assert_eq!(zns[0]["phone"], "84912345678");
    assert_eq!(zns[0]["template_id"], "301");
    assert_eq!(zns[0]["template_data"]["dossier_code"], told.as_str());

    // A supplement request lists what is missing; Zalo has no template for apologies, so an
    // apology would be skipped there, not failed.
    // A date to supplement by must be still to come; given, the applicant is told it.
    let d = receiver.json(&format!("/api/v1/dossiers/{told}")).await;
    let past = receiver
        .act(
            &told,
            json!({ "action": "request_supplement", "version": d["version"],
                    "missing": ["Tờ khai"], "supplement_by": "2020-01-01" }),
        )
        .await;
    problem(past, 422, "supplement_by_past").await;
    let by = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    receiver
        .act_ok(
            &told,
            "request_supplement",
            json!({ "missing": ["Bản sao giấy chứng nhận kết hôn"],
                    "supplement_by": by.format("%Y-%m-%d").to_string() }),
        )
        .await;
    drain(&app, &senders, &s, Utc::now()).await;
    let mails = smtp.messages();
    let asked = mails
        .iter()
        .find(|m| subject(m).contains("cần bổ sung"))
        .expect("the supplement mail");
    assert!(body_text(asked).contains("- Bản sao giấy chứng nhận kết hôn"));
    assert!(
        body_text(asked).contains(&format!("Hạn bổ sung: ngày {}.", by.format("%d/%m/%Y"))),
        "{}",
        body_text(asked)
    );
    assert_eq!(provider.taken("zns")[1]["template_id"], "302");

    // The submission page offers the channels set up here; a choice made there is kept.
    let anonymous = app.client();
    let form = anonymous
        .get(app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for channel in ["email", "sms", "zalo"] {
        assert!(
            form.contains(&format!("name=\"notify_{channel}\"")),
            "{channel}"
        );
    }
    let pdf = crate::dossier_pages::PDF;
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "a.pdf", pdf),
        ("doc_1", "b.pdf", pdf),
        ("doc_2", "c.pdf", pdf),
    ];
    let r = crate::dossier_pages::submit_online_with(
        &app,
        &anonymous,
        &form,
        &agency,
        "020095001234",
        &files,
        &[("notify_email", "1"), ("notify_zalo", "1")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let code = page
        .split("id=\"dossier-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let record = app.store.dossier(code).await.unwrap().unwrap();
    assert_eq!(
        record.applicant.notify,
        [
            motcua_domain::notice::NoticeChannel::Email,
            motcua_domain::notice::NoticeChannel::Zalo
        ]
    );

    // The officer sees what went out, and when, on the dossier's page.
    let client = crate::dossier_pages::signed_in(&app, "motcua.dongkinh").await;
    let page = client
        .get(app.url(&format!("/work/dossiers/{told}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tin đã gửi"), "{page}");
    let form_02 = client
        .get(app.url(&format!("/work/dossiers/{told}/forms/02")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form_02.contains(&format!(
            "Đề nghị bổ sung trước ngày {}.",
            by.format("%d/%m/%Y")
        )),
        "the date is on form 02 too"
    );
    assert_eq!(
        page.matches("Đã gửi lúc").count(),
        6,
        "3 channels × 2 notices"
    );
    assert!(page.contains("Thư điện tử, Tin nhắn SMS, Zalo"));
    assert!(
        !page.contains("nguoinop1@example.vn\u{0}"),
        "recipients are not listed"
    );
    app.stop().await;
}

#[tokio::test]
async fn applicants_are_told_on_sqlite() {
    applicants_are_told(Backend::Sqlite).await;
}

#[tokio::test]
async fn applicants_are_told_on_postgres() {
    applicants_are_told(Backend::Postgres).await;
}

/// The maildir name starts with the arrival time (seconds, then "M" and microseconds).
fn arrival_order(mails: &[(String, String)]) -> Vec<String> {
    let mut sorted: Vec<&(String, String)> = mails.iter().collect();
    sorted.sort_by_key(|(name, _)| {
        let (secs, rest) = name.split_once(".M").unwrap();
        let micros = rest.split('P').next().unwrap();
        (secs.parse::<u64>().unwrap(), micros.parse::<u64>().unwrap())
    });
    sorted.iter().map(|(_, text)| subject(text)).collect()
}

async fn an_hour_without_mail_or_sms(backend: Backend) {
    let Some(mut smtp) = SmtpServer::start().await else {
        return;
    };
    let (provider, senders, app) = match connected(backend, &smtp).await {
        Some(set) => set,
        None => return,
    };
    let citizen = Api::new(&app, "congdan").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let admin = Api::new(&app, "quantri.tinh").await;
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let s = DeliverySettings {
        max_attempts: 30,
        ..DeliverySettings::default()
    };

    // For an hour the mail server is gone and the SMS provider answers 503; every four
    // minutes a dossier is received, and every other one is then asked for a supplement.
    smtp.stop();
    provider.set(Mode::Down);
    let t0 = Utc::now();
    let mut codes = Vec::new();
    for minute in 0..60 {
        if minute % 4 == 0 {
            let code = submit(&citizen, &submission(&agency, minute, &["email", "sms"])).await;
            receiver.act_ok(&code, "accept", json!({})).await;
            codes.push(code);
        }
        if minute % 8 == 6 {
            let code = codes.last().unwrap();
            receiver
                .act_ok(
                    code,
                    "request_supplement",
                    json!({ "missing": ["Tờ khai"] }),
                )
                .await;
        }
        let now = t0 + Duration::minutes(minute as i64);
        deliver_round(&app.store, &Messengers::CHANNELS, &s, now, |m| {
            senders.send(m)
        })
        .await
        .unwrap();
    }
    let notices = codes.len() + codes.len() / 2;
    assert!(smtp.messages().is_empty());
    assert!(provider.taken("sms").is_empty());
    assert!(
        *provider.turned_away.lock().unwrap() > 0,
        "the outage was met"
    );
    let queues = admin.json("/api/v1/integrations").await;
    let queue = |name: &str| {
        queues
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["connector"] == name)
            .cloned()
            .unwrap()
    };
    for name in ["email", "sms"] {
        let q = queue(name);
        assert_eq!(q["dead"], 0, "{q}");
        let waiting = q["pending"].as_i64().unwrap() + q["failed"].as_i64().unwrap();
        assert_eq!(waiting as usize, notices, "{name}: {q}");
    }

    // Both come back; the SMS provider stalls at first, so some messages reach it twice.
    smtp.resume().await;
    provider.set(Mode::Stall);
    deliver_round(
        &app.store,
        &[motcua_store::Channel::Sms],
        &DeliverySettings {
            batch: 1,
            ..s.clone()
        },
        t0 + Duration::hours(3),
        |m| senders.send(m),
    )
    .await
    .unwrap();
    provider.set(Mode::Up);
    for hour in [4, 6, 8] {
        drain(&app, &senders, &s, t0 + Duration::hours(hour)).await;
    }

    // Nothing lost, nothing doubled, each dossier's notices in order.
    let mails: Vec<(String, String)> = smtp.named_messages();
    assert_eq!(mails.len(), notices);
    let ids: std::collections::HashSet<String> =
        mails.iter().map(|(_, m)| header(m, "Message-ID")).collect();
    assert_eq!(ids.len(), notices, "no mail twice");
    let order = arrival_order(&mails);
    for code in &codes {
        let mine: Vec<&String> = order.iter().filter(|s| s.contains(code.as_str())).collect();
        assert!(mine[0].contains("đã được tiếp nhận"), "{code}: {mine:?}");
        if mine.len() > 1 {
            assert!(mine[1].contains("cần bổ sung"), "{code}: {mine:?}");
        }
    }
    let sms = provider.taken("sms");
    assert_eq!(sms.len(), notices, "the provider keeps one of each");
    assert!(
        *provider.repeats.lock().unwrap() >= 1,
        "the stall made a repeat"
    );
    let mut sms_by_dossier: HashMap<String, Vec<String>> = HashMap::new();
    for m in &sms {
        let text = m["Content"].as_str().unwrap().to_owned();
        let code = codes.iter().find(|c| text.contains(c.as_str())).unwrap();
        sms_by_dossier.entry(code.clone()).or_default().push(text);
    }
    for (code, texts) in sms_by_dossier {
        assert!(texts[0].contains("tiep nhan"), "{code}: {texts:?}");
    }

    // A provider that refuses for good: a dead letter, retried from the API once it is fixed.
    provider.set(Mode::Refusing);
    let late = submit(&citizen, &submission(&agency, 99, &["sms"])).await;
    receiver.act_ok(&late, "accept", json!({})).await;
    drain(&app, &senders, &s, t0 + Duration::hours(9)).await;
    let dead = admin.json("/api/v1/integrations/sms/dead-letters").await;
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("101"));
    provider.set(Mode::Up);
    let id = dead[0]["id"].as_str().unwrap();
    let r = admin
        .post(
            &format!("/api/v1/integrations/messages/{id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    drain(&app, &senders, &s, t0 + Duration::hours(10)).await;
    assert!(
        provider
            .taken("sms")
            .iter()
            .any(|m| m["Content"].as_str().unwrap().contains(late.as_str()))
    );

    // Delivered messages are kept 90 days, then purged; anything undelivered stays.
    let kept = app.store.outbox_messages(10_000).await.unwrap().len();
    let purge = motcua_app::jobs::purge_delivered_messages;
    assert_eq!(purge(&app.store, Utc::now()).await.unwrap(), 0, "not yet");
    let later = Utc::now() + Duration::days(motcua_app::jobs::DELIVERED_RETENTION_DAYS + 1);
    let gone = purge(&app.store, later).await.unwrap() as usize;
    assert_eq!(gone, kept, "every message here was delivered");
    assert!(app.store.outbox_messages(10).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_hour_without_mail_or_sms_on_sqlite() {
    an_hour_without_mail_or_sms(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_hour_without_mail_or_sms_on_postgres() {
    an_hour_without_mail_or_sms(Backend::Postgres).await;
}

fn outbox_message(to: &str) -> motcua_store::OutboxMessage {
    motcua_store::OutboxMessage {
        id: uuid::Uuid::now_v7(),
        kind: "notice.received".into(),
        channel: motcua_store::Channel::Email,
        dedup_key: "notice:test".into(),
        recipient_user_id: None,
        recipient_email: Some(to.into()),
        subject: "Hồ sơ đã được tiếp nhận".into(),
        body: "Kính gửi ông/bà Nguyễn Văn An".into(),
        link: None,
        created_at: Utc::now(),
        status: "pending".into(),
        claimed_by: None,
        claimed_until: None,
        sent_at: None,
        attempts: 1,
        last_error: None,
        ordering_key: None,
        payload: None,
        last_attempt_at: None,
        dead_at: None,
    }
}

#[tokio::test]
async fn mail_goes_over_starttls_trusting_the_given_authority() {
    let Some(smtp) = SmtpServer::start_tls().await else {
        return;
    };
    let from = "motcua <motcua@langson.example>";
    let starttls = format!("smtp://localhost:{}?tls=required", smtp.port);
    let trusted = Mailer::new(&starttls, from, Some(&smtp.ca_file())).unwrap();
    assert_eq!(
        trusted.send(&outbox_message("an@example.vn")).await,
        motcua_app::connectors::SendOutcome::Delivered
    );
    assert_eq!(smtp.messages().len(), 1);
    // Without the authority the certificate is unknown: not sent, and tried again later.
    let untrusting = Mailer::new(&starttls, from, None).unwrap();
    match untrusting.send(&outbox_message("an@example.vn")).await {
        motcua_app::connectors::SendOutcome::Retry(why) => {
            assert!(why.to_lowercase().contains("certificate"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // Plain SMTP to a server that requires STARTTLS is refused by the server.
    let plain = Mailer::new(&format!("smtp://localhost:{}", smtp.port), from, None).unwrap();
    assert!(matches!(
        plain.send(&outbox_message("an@example.vn")).await,
        motcua_app::connectors::SendOutcome::Refused(_)
    ));
    assert_eq!(
        smtp.messages().len(),
        1,
        "only the trusted mailer got through"
    );
}

#[tokio::test]
async fn staff_hear_of_dossiers_due_within_a_working_day() {
    use motcua_app::jobs::due_soon::enqueue_due_soon;
    use motcua_app::jobs::reminders::{ReminderSettings, deliver_pending};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    motcua::demo_dossiers::seed(&app.store, crate::common::demo_password)
        .await
        .unwrap();
    let handle = app.app();
    let now = motcua_app::now();
    // The demo's dossiers are in every due state; find a desk with some due soon.
    let (_, holidays) = motcua_app::calendar::load_holidays(&app.store)
        .await
        .unwrap();
    let soon = motcua_app::dossiers::due_soon_bound(now, &holidays);
    let counts = app
        .store
        .dossier_counts(&motcua_store::Visibility::All, now, soon)
        .await
        .unwrap();
    let mut desks = Vec::new();
    for c in counts.iter().filter(|c| c.due_soon > 0) {
        let staff = app.store.agency_staff(&c.agency_code).await.unwrap();
        if let Some(first) = staff.first() {
            desks.push((c.clone(), staff.len(), first.clone()));
        }
    }
    assert!(!desks.is_empty(), "a staffed desk with dossiers due soon");
    let queued = enqueue_due_soon(&handle, now).await.unwrap();
    assert_eq!(
        queued as usize,
        desks.iter().map(|(_, n, _)| n).sum::<usize>()
    );
    assert_eq!(
        enqueue_due_soon(&handle, now).await.unwrap(),
        0,
        "once a day"
    );
    let report = deliver_pending(&app.store, &ReminderSettings::default(), now)
        .await
        .unwrap();
    assert_eq!(report.sent, queued);

    let (count, _, officer) = &desks[0];
    let notes = app.store.notifications(officer.id, 10).await.unwrap();
    let note = notes
        .iter()
        .find(|n| n.subject.contains("sắp đến hạn"))
        .expect("the digest");
    assert!(
        note.subject
            .starts_with(&format!("{} hồ sơ", count.due_soon)),
        "{}",
        note.subject
    );
    assert!(note.body.contains("đến hạn trong 1 ngày làm việc"));
    assert_eq!(
        note.link.as_deref(),
        Some(
            format!(
                "/work?due=due_soon&scope=involved&agency={}",
                count.agency_code
            )
            .as_str()
        )
    );
    // The codes listed are this desk's, due soon.
    let listed: Vec<&str> = note
        .body
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(listed.len() as i64, count.due_soon.min(10));
    for code in listed {
        let record = app.store.dossier(code).await.unwrap().unwrap();
        assert_eq!(record.desk_agency, count.agency_code);
    }
    app.stop().await;
}

//! The national portal's connector against a fake portal on loopback that can refuse, stall
//! and answer twice: an hour's outage on an injected clock loses nothing, duplicates nothing
//! and keeps each dossier's order; a dead letter is retried from the API and delivered.

use crate::common::{
    Api, Backend, Options, TestApp, agency_of, csrf_from, login, numbered_submission, problem,
};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use motcua::samples;
use motcua_app::connectors::national::{default_mapping, signature};
use motcua_app::connectors::{
    DeliverySettings, NationalPortal, NationalPortalConfig, deliver_round,
};
use motcua_store::Channel;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const SECRET: &str = "bi-mat-thu-nghiem";

/// How the fake portal answers the next requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Up,
    /// 503 to everything.
    Down,
    /// Accepts, then answers too late for the client (it tries again: the key deduplicates).
    Slow,
    /// 400 to everything: a refusal for good.
    Refusing,
}

#[derive(Default)]
struct Portal {
    mode: Mutex<Option<Mode>>,
    /// Accepted messages in arrival order: (idempotency key, body).
    accepted: Mutex<Vec<(String, Value)>>,
    /// Requests that came with a key already accepted.
    repeats: Mutex<usize>,
    refused: Mutex<usize>,
}

async fn receive(
    State(portal): State<Arc<Portal>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mode = portal.mode.lock().unwrap().unwrap_or(Mode::Up);
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let timestamp: i64 = header("x-timestamp").parse().unwrap();
    assert_eq!(
        header("x-signature"),
        signature(SECRET, timestamp, body.as_bytes()),
        "every request is signed"
    );
    assert_eq!(header("x-client-id"), "tinh-20");
    match mode {
        Mode::Down => {
            *portal.refused.lock().unwrap() += 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        Mode::Refusing => return StatusCode::BAD_REQUEST,
        Mode::Up | Mode::Slow => {}
    }
    let key = header("idempotency-key");
    let repeat = {
        let mut accepted = portal.accepted.lock().unwrap();
        let repeat = accepted.iter().any(|(k, _)| *k == key);
        if !repeat {
            accepted.push((key, serde_json::from_str(&body).unwrap()));
        }
        repeat
    };
    if repeat {
        *portal.repeats.lock().unwrap() += 1;
        return StatusCode::CONFLICT;
    }
    if mode == Mode::Slow {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
    StatusCode::OK
}

async fn fake_portal() -> (String, Arc<Portal>) {
    let portal = Arc::new(Portal::default());
    let router = axum::Router::new()
        .route("/hoso", axum::routing::post(receive))
        .with_state(portal.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hoso"), portal)
}

fn settings(max_attempts: i64) -> DeliverySettings {
    DeliverySettings {
        max_attempts,
        ..DeliverySettings::default()
    }
}

/// Delivery rounds at `now` until a round claims nothing.
async fn drain(app: &TestApp, client: &NationalPortal, s: &DeliverySettings, now: DateTime<Utc>) {
    for _ in 0..100 {
        let round = deliver_round(&app.store, &[Channel::NationalPortal], s, now, |m| {
            client.send(m)
        })
        .await
        .unwrap();
        if round.claimed == 0 {
            return;
        }
    }
    panic!("the queue never emptied");
}

/// One delivery round on each node at once; how many messages they claimed in all.
async fn round_on_every_node(
    nodes: &[(motcua_store::Store, DeliverySettings)],
    client: &NationalPortal,
    now: DateTime<Utc>,
) -> usize {
    let rounds = futures_util::future::join_all(nodes.iter().map(|(store, s)| {
        deliver_round(store, &[Channel::NationalPortal], s, now, |m| {
            client.send(m)
        })
    }))
    .await;
    rounds.into_iter().map(|r| r.unwrap().claimed).sum()
}

/// Retries or drops a dead letter through the API.
async fn settle(api: &Api<'_>, id: &str, action: &str) -> reqwest::Response {
    api.post(
        &format!("/api/v1/integrations/messages/{id}/{action}"),
        &json!({}),
    )
    .await
}

async fn integrations(admin: &Api<'_>) -> Value {
    let all = admin.json("/api/v1/integrations").await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|c| c["connector"] == "national_portal")
        .cloned()
        .unwrap()
}

async fn national_portal(backend: Backend) {
    let (url, portal) = fake_portal().await;
    let config = NationalPortalConfig {
        url,
        client_id: "tinh-20".into(),
        secret: SECRET.into(),
        timeout: std::time::Duration::from_millis(800),
        mapping: default_mapping(),
    };
    let options = Options {
        national_portal: Some(config.clone()),
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options.clone()).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let client = NationalPortal::new(config).unwrap();
    let citizen = Api::new(&app, "congdan").await;
    // On PostgreSQL a second node serves and delivers beside the first, on the same database.
    let node_b = app.second_node(&options).await;
    let citizen_b = match &node_b {
        Some(b) => Some(Api::new(b, "congdan").await),
        None => None,
    };
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let admin = Api::new(&app, "quantri.tinh").await;
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let s = settings(30);
    let mut nodes = vec![(app.store.clone(), s.clone())];
    if let Some(b) = &node_b {
        let other = DeliverySettings {
            node: "node-b".into(),
            ..s.clone()
        };
        nodes.push((b.store.clone(), other));
    }

    // The portal is down for an hour while dossiers come in and are received; the clock is
    // the test's, a round a minute.
    *portal.mode.lock().unwrap() = Some(Mode::Down);
    let t0 = Utc::now();
    let mut codes = Vec::new();
    for minute in 0..60 {
        if minute % 4 == 0 {
            // Every other one through the second node, when there is one.
            let through = match &citizen_b {
                Some(b) if minute % 8 == 4 => b,
                _ => &citizen,
            };
            let r = through
                .post("/api/v1/dossiers", &numbered_submission(&agency, minute))
                .await;
            assert_eq!(r.status(), 201);
            let code = r.json::<Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned();
            codes.push(code);
        }
        if minute % 8 == 2 {
            let code = codes.last().unwrap().clone();
            receiver.act_ok(&code, "accept", json!({})).await;
        }
        let now = t0 + Duration::minutes(minute as i64);
        round_on_every_node(&nodes, &client, now).await;
    }
    assert!(portal.accepted.lock().unwrap().is_empty());
    assert!(*portal.refused.lock().unwrap() > 0, "the outage was met");
    let queue = integrations(&admin).await;
    assert_eq!(queue["configured"], true);
    assert_eq!(queue["dead"], 0, "{queue}");
    let waiting = queue["pending"].as_i64().unwrap() + queue["failed"].as_i64().unwrap();
    assert_eq!(waiting as usize, codes.len() + codes.len().div_ceil(2));
    assert!(queue["oldest_pending_seconds"].as_i64().unwrap() >= 0);

    // The portal comes back, slow at first: a late answer makes the sender try again and the
    // portal sees the key twice, but keeps one.
    *portal.mode.lock().unwrap() = Some(Mode::Slow);
    deliver_round(
        &app.store,
        &[Channel::NationalPortal],
        &DeliverySettings {
            batch: 1,
            ..s.clone()
        },
        t0 + Duration::hours(3),
        |m| client.send(m),
    )
    .await
    .unwrap();
    *portal.mode.lock().unwrap() = Some(Mode::Up);
    while round_on_every_node(&nodes, &client, t0 + Duration::hours(5)).await > 0 {}
    let accepted = portal.accepted.lock().unwrap().clone();
    assert!(
        *portal.repeats.lock().unwrap() >= 1,
        "the slow answer was retried"
    );
    let keys: HashSet<&str> = accepted.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys.len(), accepted.len(), "nothing twice");
    assert_eq!(
        accepted.len(),
        codes.len() + codes.len().div_ceil(2),
        "nothing lost"
    );
    // Per dossier, "newly registered" (1) comes before "received" (2).
    let mut statuses: HashMap<String, Vec<i64>> = HashMap::new();
    for (_, body) in &accepted {
        statuses
            .entry(body["MaHoSo"].as_str().unwrap().to_owned())
            .or_default()
            .push(body["TrangThaiHoSo"].as_i64().unwrap());
        assert_eq!(body["MaTTHC"], samples::CRIMINAL_RECORD);
        assert_eq!(body["KenhThucHien"], 2, "online");
        assert!(body["ChuHoSo"]["name"].is_string());
        assert!(body["ChuHoSo"].get("phone").is_none(), "no contact details");
    }
    for code in &codes {
        let seen = &statuses[code];
        assert!(seen == &[1] || seen == &[1, 2], "{code}: {seen:?}");
    }
    let queue = integrations(&admin).await;
    assert_eq!(queue["pending"], 0);
    assert_eq!(queue["failed"], 0);
    assert!(queue["last_success_at"].is_string());

    // A refusal for good makes a dead letter, which holds the dossier's later messages back;
    // an administrator retries it from the API and both go, in order.
    *portal.mode.lock().unwrap() = Some(Mode::Refusing);
    let r = citizen
        .post("/api/v1/dossiers", &numbered_submission(&agency, 99))
        .await;
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = citizen
        .post("/api/v1/dossiers", &numbered_submission(&agency, 98))
        .await;
    let dropped = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let t1 = t0 + Duration::hours(6);
    drain(&app, &client, &s, t1).await;
    receiver.act_ok(&code, "accept", json!({})).await;
    *portal.mode.lock().unwrap() = Some(Mode::Up);
    drain(&app, &client, &s, t1 + Duration::minutes(1)).await;
    assert!(
        !portal
            .accepted
            .lock()
            .unwrap()
            .iter()
            .any(|(_, b)| b["MaHoSo"] == code),
        "the later message waits behind the dead letter"
    );
    let queue = integrations(&admin).await;
    assert_eq!(queue["dead"], 2, "{queue}");
    assert!(queue["last_error"].as_str().unwrap().contains("400"));
    // The reconciliation lists it as never synchronised; a receiver may not read it.
    let report = admin
        .json("/api/v1/integrations/national/reconciliation")
        .await;
    let listed = report["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code.as_str())
        .cloned();
    assert!(report["never_synced"].as_i64().unwrap() >= 1, "{report}");
    if let Some(d) = listed {
        assert_eq!(d["synced_status"], Value::Null);
        assert_eq!(d["status"], 2);
    }
    problem(
        receiver
            .get("/api/v1/integrations/national/reconciliation")
            .await,
        403,
        "forbidden",
    )
    .await;
    let dead = admin
        .json("/api/v1/integrations/national_portal/dead-letters")
        .await;
    let letter_of = |dossier: &str| {
        dead.as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["idempotency_key"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("national:{dossier}:"))
            })
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let id = letter_of(&code);
    // One is dropped for good (audited); the other is retried from the page.
    let r = settle(&admin, &letter_of(&dropped), "drop").await;
    assert_eq!(r.status(), 204);
    problem(settle(&receiver, &id, "retry").await, 403, "forbidden").await;
    // The page shows it and retries it (a form with its CSRF token).
    let browser = app.client();
    let password = app.passwords["quantri.tinh"].clone();
    login(&app, &browser, "quantri.tinh", &password).await;
    let html = browser
        .get(app.url("/admin/integrations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Cổng Dịch vụ công quốc gia"), "{html}");
    assert!(html.contains("Gửi lại"), "{html}");
    assert!(
        html.contains(r#"<a href="/admin/integrations">"#),
        "in the navigation"
    );
    let r = browser
        .post(app.url(&format!("/admin/integrations/messages/{id}/retry")))
        .form(&[("csrf_token", csrf_from(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "back to the page");
    assert_eq!(r.headers()["location"], "/admin/integrations");
    problem(settle(&admin, &id, "retry").await, 409, "not_a_dead_letter").await;
    drain(&app, &client, &s, t1 + Duration::minutes(2)).await;
    let seen: Vec<i64> = portal
        .accepted
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, b)| b["MaHoSo"] == code)
        .map(|(_, b)| b["TrangThaiHoSo"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [1, 2]);
    assert_eq!(integrations(&admin).await["dead"], 0);

    // The daily reconciliation queues every dossier of the last 90 days the portal does not
    // know as it is (here the demo's, received before the connector was set up); once they
    // are delivered, the report is clean and every dossier received this month counts as
    // synchronised in the Decision 766 index.
    let queued = app
        .store
        .clone()
        .with_national_sync(true)
        .resync_national(
            t1 - Duration::days(90),
            t1 + Duration::minutes(5),
            Utc::now(),
            5_000,
            motcua_domain::audit::AuditEntry::system(
                Utc::now(),
                "national.reconciled",
                "connector:national_portal",
                json!({}),
            ),
        )
        .await
        .unwrap();
    assert!(queued > 0);
    drain(&app, &client, &s, t1 + Duration::minutes(3)).await;
    assert!(
        portal
            .accepted
            .lock()
            .unwrap()
            .iter()
            .any(|(k, b)| b["MaHoSo"] == dropped.as_str() && k.contains(":reconcile-")),
        "the dropped dossier reached the portal through the reconciliation"
    );
    let report = admin
        .json("/api/v1/integrations/national/reconciliation")
        .await;
    assert_eq!(
        (report["never_synced"].clone(), report["differing"].clone()),
        (json!(0), json!(0)),
        "{report}"
    );
    let dashboard = browser
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dashboard.contains("Đối soát đồng bộ với Cổng Dịch vụ công quốc gia"));
    assert!(dashboard.contains(" 0 hồ sơ chưa đồng bộ; 0 hồ sơ Cổng đang giữ trạng thái cũ"));
    let anonymous = reqwest::get(app.url("/dashboard"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !anonymous.contains("Đối soát đồng bộ"),
        "leaders and administrators only"
    );
    let quality = admin.json("/api/v1/stats/quality").await;
    let sync = crate::common::indicator(&quality, "portal_sync");
    assert_eq!(sync["numerator"], sync["denominator"], "{sync}");
    assert_eq!(sync["rate"], 1.0, "{sync}");
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"motcua_outbox_messages{connector="national_portal",state="dead"} 0"#),
        "{metrics}"
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn national_portal_on_sqlite() {
    national_portal(Backend::Sqlite).await;
}

#[tokio::test]
async fn national_portal_on_postgres() {
    national_portal(Backend::Postgres).await;
}

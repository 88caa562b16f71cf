//! Dossiers submitted on the national portal, sent in through the signed inbound route: every
//! refusal (unsigned, badly signed, replayed, unknown procedure or agency, malformed, too large)
//! is problem+json and leaves nothing; an accepted one lands in the receiver's queue once.

use crate::common::{Api, Backend, Options, TestApp, agency_of, numbered_submission, problem};
use chrono::Utc;
use motcua::samples;
use motcua_app::connectors::national::signature;
use serde_json::{Value, json};

const INBOUND_SECRET: &str = "bi-mat-cong-quoc-gia";

/// Posts `body` to the inbound route, signed at `timestamp` with `secret` (None: unsigned).
async fn send_in(
    app: &TestApp,
    body: &[u8],
    secret: Option<&str>,
    timestamp: i64,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/v1/national/dossiers"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(secret) = secret {
        request = request
            .header("x-client-id", "dvcqg")
            .header("x-timestamp", timestamp.to_string())
            .header("x-signature", signature(secret, timestamp, body));
    }
    request.send().await.unwrap()
}

async fn inbound(backend: Backend) {
    use base64::Engine;
    let Some(app) = TestApp::spawn_with(
        backend,
        Options {
            national_inbound: vec![motcua_app::connectors::inbound::InboundClient {
                client_id: "dvcqg".into(),
                secret: INBOUND_SECRET.into(),
            }],
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let pdf = b"%PDF-1.7\n% to khai tu Cong DVCQG\n%%EOF\n";
    let dossier = |national_id: &str| {
        let mut d = numbered_submission(&agency, 7);
        d["national_id"] = json!(national_id);
        d["documents"] = json!([{
            "name": "to-khai.pdf",
            "component": "Tờ khai",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(pdf),
        }]);
        serde_json::to_vec(&d).unwrap()
    };
    let now = || Utc::now().timestamp();
    let before = app.store.count_dossiers().await.unwrap();

    // Refused, each with its code, and nothing kept.
    let body = dossier("G22.99-261204-000001");
    problem(
        send_in(&app, &body, None, now()).await,
        401,
        "unsigned_request",
    )
    .await;
    problem(
        send_in(&app, &body, Some("sai"), now()).await,
        401,
        "bad_signature",
    )
    .await;
    problem(
        send_in(&app, &body, Some(INBOUND_SECRET), now() - 3600).await,
        401,
        "stale_request",
    )
    .await;
    let mut unknown = numbered_submission(&agency, 1);
    unknown["national_id"] = json!("G22.99-261204-000002");
    unknown["procedure_code"] = json!("9.999999");
    let unknown = serde_json::to_vec(&unknown).unwrap();
    let r = send_in(&app, &unknown, Some(INBOUND_SECRET), now()).await;
    assert_eq!(r.status(), 422, "{}", r.text().await.unwrap());
    let mut elsewhere: Value = serde_json::from_slice(&dossier("G22.99-261204-000003")).unwrap();
    elsewhere["agency_code"] = json!("000.99.99.H99");
    let elsewhere = serde_json::to_vec(&elsewhere).unwrap();
    let r = send_in(&app, &elsewhere, Some(INBOUND_SECRET), now()).await;
    assert_eq!(r.status(), 422, "{}", r.text().await.unwrap());
    problem(
        send_in(&app, b"{\"national_id\": ", Some(INBOUND_SECRET), now()).await,
        400,
        "malformed_dossier",
    )
    .await;
    problem(
        send_in(&app, b"{\"national_id\": 5}", Some(INBOUND_SECRET), now()).await,
        422,
        "invalid_dossier",
    )
    .await;
    let mut large: Value = serde_json::from_slice(&dossier("G22.99-261204-000004")).unwrap();
    let mut big = pdf.to_vec();
    big.resize(21 * 1024 * 1024, b' ');
    large["documents"][0]["content_base64"] =
        json!(base64::engine::general_purpose::STANDARD.encode(&big));
    let large = serde_json::to_vec(&large).unwrap();
    problem(
        send_in(&app, &large, Some(INBOUND_SECRET), now()).await,
        413,
        "document_too_large",
    )
    .await;
    assert_eq!(
        app.store.count_dossiers().await.unwrap(),
        before,
        "nothing stored"
    );

    // Accepted once, with its document, in the receiver's queue; a replay of the same signed
    // request is refused, and the same dossier signed anew answers the first.
    let at = now();
    let r = send_in(&app, &body, Some(INBOUND_SECRET), at).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let first: Value = r.json().await.unwrap();
    let code = first["code"].as_str().unwrap().to_owned();
    assert_eq!(first["national_status"], 1);
    problem(
        send_in(&app, &body, Some(INBOUND_SECRET), at).await,
        401,
        "replayed_request",
    )
    .await;
    let again = send_in(&app, &body, Some(INBOUND_SECRET), at + 1).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["code"], code.as_str());
    assert_eq!(app.store.count_dossiers().await.unwrap(), before + 1);
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let d = receiver.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["state"], "submitted");
    assert_eq!(d["channel"], "online");
    let documents = d["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1, "{d}");
    assert_eq!(documents[0]["name"], "to-khai.pdf");
    let queue = receiver.json("/api/v1/dossiers?status=submitted").await;
    assert!(queue.to_string().contains(&code), "in the receiver's queue");
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn national_inbound_on_sqlite() {
    inbound(Backend::Sqlite).await;
}

#[tokio::test]
async fn national_inbound_on_postgres() {
    inbound(Backend::Postgres).await;
}

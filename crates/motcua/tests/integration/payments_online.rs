//! Paying online through the payment platform, against a fake platform on loopback (the
//! real one cannot be reached here): the signed order it is sent, and notifications that
//! pay, fail, repeat, or are forged, replayed, for another amount or an unknown order.

use crate::common::{Backend, Options, TestApp, csrf_from, problem};
use crate::payments::payable;
use axum::extract::{Query, State};
use axum::routing::get;
use chrono::{Duration, Utc};
use motcua_app::payments::keys::PlatformKeys;
use motcua_app::payments::platform::PlatformConfig;
use motcua_domain::payment::{sign, verify};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const SECRET: &str = "bi-mat-dung-chung-voi-nen-tang-0123";

/// The fake platform: its pay page checks the order's signature and keeps the order.
#[derive(Default)]
struct Platform {
    orders: Mutex<Vec<BTreeMap<String, String>>>,
}

async fn pay_page(
    State(platform): State<Arc<Platform>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> (StatusCode, &'static str) {
    let signature = q.get("signature").cloned().unwrap_or_default();
    if !verify(&q, &signature, SECRET.as_bytes()) {
        return (StatusCode::BAD_REQUEST, "chữ ký sai");
    }
    platform.orders.lock().unwrap().push(q);
    (StatusCode::OK, "Cổng thanh toán (giả lập)")
}

async fn fake_platform() -> (String, Arc<Platform>) {
    let platform = Arc::new(Platform::default());
    let app = axum::Router::new()
        .route("/pay", get(pay_page))
        .with_state(platform.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), platform)
}

/// A notification as the platform sends it now: our names mapped to its, signed with `secret`.
fn notice(order: &str, txn: &str, amount: i64, status: &str, secret: &str) -> Value {
    notice_sent(order, txn, amount, status, secret, (Utc::now(), Utc::now()))
}

/// The same, paid and sent at the given times.
fn notice_sent(
    order: &str,
    txn: &str,
    amount: i64,
    status: &str,
    secret: &str,
    (paid, sent): (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> Value {
    let mut f: BTreeMap<String, String> = [
        ("ma_don_hang", order.to_owned()),
        ("transaction_id", txn.to_owned()),
        ("so_tien", amount.to_string()),
        ("status", status.to_owned()),
        ("paid_at", paid.to_rfc3339()),
        ("sent_at", sent.to_rfc3339()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // Signed as sent, under the platform's names.
    let signature = sign(&f, secret.as_bytes());
    f.insert("signature".into(), signature);
    json!(f)
}

/// An app connected to the fake platform at `base`, which renames two of our fields.
fn connected(base: &str) -> Options {
    Options {
        payment_platform: Some(PlatformConfig {
            pay_url: format!("{base}/pay"),
            merchant_id: "UBND-LANGSON".into(),
            keys: PlatformKeys::hmac(SECRET).unwrap(),
            mapping: [("order_id", "ma_don_hang"), ("amount", "so_tien")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
            order_minutes: 15,
        }),
        ..Options::default()
    }
}

/// The applicant's lookup address (the code and the phone's last digits).
async fn lookup_of(app: &TestApp, code: &str) -> String {
    let record = app.store.dossier(code).await.unwrap().unwrap();
    let phone = record.applicant.phone.as_ref().unwrap().as_str().to_owned();
    app.url(&format!(
        "/lookup?code={code}&check={}",
        &phone[phone.len() - 4..]
    ))
}

/// No payment was recorded for the dossier, which still waits for one.
async fn nothing_recorded(app: &TestApp, officer: &crate::common::Api<'_>, code: &str) {
    let txns = app.store.ledger(code).await.unwrap();
    assert!(txns.is_empty(), "{txns:?}");
    let d = officer.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["state"], "awaiting_payment");
}

pub(crate) async fn text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// A dossier asked for `amount` đồng (with the reason another amount needs).
async fn asked(app: &TestApp, amount: i64) -> (crate::common::Api<'_>, String) {
    let (officer, code) = payable(app).await;
    officer
        .act_ok(
            &code,
            "request_payment",
            json!({ "amount_vnd": amount, "reason": "Phí sao y" }),
        )
        .await;
    (officer, code)
}

#[tokio::test]
async fn online_payment_is_believed_only_from_a_signed_notification() {
    let (base, platform) = fake_platform().await;
    let options = connected(&base);
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (officer, code) = asked(&app, 50_000).await;
    // The applicant's page offers paying online; the order goes signed to the platform.
    let applicant = app.client();
    let lookup = lookup_of(&app, &code).await;
    let html = text(&applicant, &lookup).await;
    assert!(html.contains("Thanh toán trực tuyến"), "{html}");
    let pay = |html: String| {
        let csrf = csrf_from(&html);
        applicant
            .post(app.url(&format!("/lookup/{code}/pay")))
            .form(&[("csrf_token", csrf)])
            .send()
    };
    let r = pay(html.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("{base}/pay?")), "{to}");
    let r = reqwest::get(&to).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the platform accepts the signature"
    );
    let order = platform.orders.lock().unwrap()[0].clone();
    assert_eq!(order["so_tien"], "50000");
    assert_eq!(order["dossier_code"], code);
    assert_eq!(order["merchant_id"], "UBND-LANGSON");
    let order_id = order["ma_don_hang"].clone();
    // Asking again sends to the same order.
    let r = pay(html).await.unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains(&order_id)
    );

    // Coming back says nothing was established yet.
    let back = app.url(&format!("/payments/return?order={order_id}"));
    let page = app
        .client()
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Đang chờ nền tảng thanh toán xác nhận"),
        "{page}"
    );

    // Notifications that must not be believed: each refused, audited, nothing recorded.
    let notify = |body: Value| {
        reqwest::Client::new()
            .post(app.url("/api/v1/payments/notifications"))
            .json(&body)
            .send()
    };
    let forged = notice(&order_id, "T-1", 50_000, "paid", "not-the-secret");
    problem(
        notify(forged).await.unwrap(),
        401,
        "payment_signature_invalid",
    )
    .await;
    let short = notice(&order_id, "T-1", 40_000, "paid", SECRET);
    problem(notify(short).await.unwrap(), 409, "payment_amount_mismatch").await;
    let unknown = notice("khong-co", "T-1", 50_000, "paid", SECRET);
    problem(notify(unknown).await.unwrap(), 404, "payment_order_unknown").await;
    let stale = notice_sent(
        &order_id,
        "T-1",
        50_000,
        "paid",
        SECRET,
        (Utc::now(), Utc::now() - Duration::hours(1)),
    );
    problem(notify(stale).await.unwrap(), 401, "payment_notice_replayed").await;
    nothing_recorded(&app, &officer, &code).await;
    let refused = app
        .store
        .audit_events_for("payment:khong-co")
        .await
        .unwrap();
    assert_eq!(refused[0].entry.action, "payment.notification_refused");

    // The real one: recorded once, the dossier moves on; told twice, nothing changes.
    let paid = notice(&order_id, "T-1", 50_000, "paid", SECRET);
    let r: Value = notify(paid.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(r["result"], "recorded");
    let r: Value = notify(paid).await.unwrap().json().await.unwrap();
    assert_eq!(r["result"], "repeated");
    let d = officer.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_ne!(d["state"], "awaiting_payment");
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(summary["paid_vnd"], 50_000);
    assert_eq!(summary["outstanding_vnd"], 0);
    let page = app
        .client()
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("đã xác nhận khoản nộp"), "{page}");

    // Decision 766 counts it: fee-bearing procedures are payable online while the platform
    // is connected, and this dossier was paid online.
    let admin = crate::common::Api::new(&app, "quantri.tinh").await;
    let quality = admin.json("/api/v1/stats/quality").await;
    let payable = crate::common::indicator(&quality, "fees_payable_online");
    assert!(payable["denominator"].as_i64().unwrap() > 0, "{payable}");
    assert_eq!(payable["numerator"], payable["denominator"], "{payable}");
    let paid_online = crate::common::indicator(&quality, "paid_online");
    assert!(
        paid_online["numerator"].as_i64().unwrap() >= 1,
        "{paid_online}"
    );

    // A second payment is refused before anyone is sent to pay; one arriving anyway is kept
    // and marked for a refund.
    let html = text(&applicant, &lookup).await;
    assert!(!html.contains("Thanh toán trực tuyến"));
    let csrf = csrf_from(&html);
    let r = applicant
        .post(app.url(&format!("/lookup/{code}/pay")))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let again = notice(&order_id, "T-2", 50_000, "paid", SECRET);
    let r: Value = notify(again).await.unwrap().json().await.unwrap();
    assert_eq!(r["result"], "refund_due");
    let txns: Vec<(String, i64, i64)> = (app.store.ledger(&code).await.unwrap().into_iter())
        .map(|t| (t.transaction_id, t.amount_vnd, t.refund_due_vnd))
        .collect();
    assert_eq!(
        txns,
        vec![("T-1".into(), 50_000, 0), ("T-2".into(), 50_000, 50_000)]
    );
    // Each payment has its numbered, signed receipt, the one due back too.
    let receipts = summary_receipts(&officer, &code).await;
    assert_eq!(receipts.len(), 2, "{receipts:?}");
    assert_eq!(receipts[0]["number"], "0000001");
    assert_eq!(receipts[1]["number"], "0000002");
    assert!(receipts.iter().all(|r| r["document_sha256"].is_string()));
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(summary["paid_vnd"], 50_000, "a refund due is not a payment");
}

#[tokio::test]
async fn a_failed_payment_closes_the_order_and_records_nothing() {
    let (base, _platform) = fake_platform().await;
    let options = connected(&base);
    let Some(app) = TestApp::spawn_with(Backend::Postgres, options).await else {
        return;
    };
    let (officer, code) = asked(&app, 20_000).await;
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(summary["payment_url"], format!("/lookup/{code}/pay"));
    let applicant = app.client();
    let lookup = lookup_of(&app, &code).await;
    let html = text(&applicant, &lookup).await;
    let r = applicant
        .post(app.url(&format!("/lookup/{code}/pay")))
        .form(&[("csrf_token", csrf_from(&html))])
        .send()
        .await
        .unwrap();
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let order_id = reqwest::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "ma_don_hang")
        .unwrap()
        .1
        .into_owned();
    let failed = notice(&order_id, "T-9", 20_000, "failed", SECRET);
    let r: Value = reqwest::Client::new()
        .post(app.url("/api/v1/payments/notifications"))
        .json(&failed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"], "failed");
    let page = (app.client())
        .get(app.url(&format!("/payments/return?order={order_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Giao dịch không thành công"), "{page}");
    nothing_recorded(&app, &officer, &code).await;
    // Paying again makes a new order.
    let r = applicant
        .post(app.url(&format!("/lookup/{code}/pay")))
        .form(&[("csrf_token", csrf_from(&html))])
        .send()
        .await
        .unwrap();
    assert!(
        !r.headers()["location"]
            .to_str()
            .unwrap()
            .contains(&order_id)
    );
}

async fn summary_receipts(officer: &crate::common::Api<'_>, code: &str) -> Vec<Value> {
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    summary["receipts"].as_array().cloned().unwrap_or_default()
}

/// The order the applicant was sent to pay, read from the redirect.
async fn order_of(app: &TestApp, code: &str) -> (String, BTreeMap<String, String>) {
    let applicant = app.client();
    let html = text(&applicant, &lookup_of(app, code).await).await;
    let r = applicant
        .post(app.url(&format!("/lookup/{code}/pay")))
        .form(&[("csrf_token", csrf_from(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let fields: BTreeMap<String, String> = to.query_pairs().into_owned().collect();
    (fields["ma_don_hang"].clone(), fields)
}

async fn notify_json(app: &TestApp, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/payments/notifications"))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_payment_made_in_time_and_told_late_counts_but_not_one_made_after_the_order_ran_out() {
    let (base, _platform) = fake_platform().await;
    let app = TestApp::spawn_with(Backend::Sqlite, connected(&base))
        .await
        .unwrap();
    let (officer, code) = asked(&app, 30_000).await;
    // Two orders that ran out five minutes ago: the platform went quiet (timed out) on them.
    let now = Utc::now();
    let expired = |id: &str| motcua_store::PaymentOrder {
        id: id.into(),
        dossier_code: code.clone(),
        amount_vnd: 30_000,
        status: "pending".into(),
        created_at: now - Duration::minutes(20),
        expires_at: now - Duration::minutes(5),
    };
    for id in ["late-but-in-time", "paid-too-late"] {
        let audit =
            motcua_domain::audit::AuditEntry::system(now, "payment.order_created", "t", json!({}));
        app.store
            .create_payment_order(&expired(id), audit)
            .await
            .unwrap();
    }
    let page = text(
        &app.client(),
        &app.url("/payments/return?order=late-but-in-time"),
    )
    .await;
    assert!(
        page.contains("đã hết hạn"),
        "an order nobody confirmed reads as expired"
    );

    // Paid after the order ran out: refused, nothing recorded.
    let after = notice_sent(
        "paid-too-late",
        "T-L1",
        30_000,
        "paid",
        SECRET,
        (now - Duration::minutes(1), now),
    );
    problem(
        notify_json(&app, &after).await,
        409,
        "payment_order_expired",
    )
    .await;
    nothing_recorded(&app, &officer, &code).await;

    // Paid ten minutes ago, in time, and told only now: recorded.
    let told = notice_sent(
        "late-but-in-time",
        "T-L2",
        30_000,
        "paid",
        SECRET,
        (now - Duration::minutes(10), now),
    );
    let r: Value = notify_json(&app, &told).await.json().await.unwrap();
    assert_eq!(r["result"], "recorded");
    let ledger = app.store.ledger(&code).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        ledger[0].paid_at.timestamp(),
        (now - Duration::minutes(10)).timestamp()
    );
    let page = text(
        &app.client(),
        &app.url("/payments/return?order=late-but-in-time"),
    )
    .await;
    assert!(page.contains("đã xác nhận"), "{page}");
    // The applicant finds the receipt on their page and prints it.
    let applicant = app.client();
    let html = text(&applicant, &lookup_of(&app, &code).await).await;
    let at = html
        .find(&format!("/lookup/{code}/receipts/"))
        .expect("a receipt link");
    let link = &html[at..at + html[at..].find('"').unwrap()];
    let receipt = text(&applicant, &app.url(link)).await;
    assert!(receipt.contains("Ba mươi nghìn đồng"), "{receipt}");
    assert!(receipt.contains("Thanh toán trực tuyến"));
}

#[tokio::test]
async fn a_platform_that_signs_with_rsa_checks_our_orders_and_we_check_its_notifications() {
    use base64::Engine;
    use rsa::pkcs1v15::{SigningKey, VerifyingKey};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    use rsa::signature::{SignatureEncoding, Signer, Verifier};
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut rng = rsa::rand_core::OsRng;
    let ours = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let theirs = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let pem = |k: &rsa::RsaPrivateKey| k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public_pem =
        |k: &rsa::RsaPrivateKey| k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap();
    assert!(PlatformKeys::rsa("not a key", &public_pem(&theirs)).is_err());
    let weak = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    assert!(
        PlatformKeys::rsa(&pem(&weak), &public_pem(&theirs)).is_err(),
        "1024 bits is weak"
    );

    let (base, _platform) = fake_platform().await;
    let mut options = connected(&base);
    if let Some(p) = options.payment_platform.as_mut() {
        p.keys = PlatformKeys::rsa(&pem(&ours), &public_pem(&theirs)).unwrap();
    }
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (officer, code) = asked(&app, 40_000).await;

    // The platform checks our order with our public key.
    let (order_id, mut order) = order_of(&app, &code).await;
    let signature = b64.decode(order.remove("signature").unwrap()).unwrap();
    let canonical = motcua_domain::payment::canonical(&order);
    let ours_public = VerifyingKey::<sha2::Sha256>::new(ours.to_public_key());
    let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).unwrap();
    assert!(ours_public.verify(canonical.as_bytes(), &signature).is_ok());

    // A notification signed with the shared-secret scheme, or another key, is refused.
    let hmac = notice(&order_id, "T-R1", 40_000, "paid", SECRET);
    problem(
        notify_json(&app, &hmac).await,
        401,
        "payment_signature_invalid",
    )
    .await;
    let sign_with = |key: &rsa::RsaPrivateKey| {
        let mut body: BTreeMap<String, String> = serde_json::from_value(hmac.clone()).unwrap();
        body.remove("signature");
        let text = motcua_domain::payment::canonical(&body);
        let sig = SigningKey::<sha2::Sha256>::new(key.clone()).sign(text.as_bytes());
        body.insert("signature".into(), b64.encode(sig.to_bytes()));
        json!(body)
    };
    problem(
        notify_json(&app, &sign_with(&ours)).await,
        401,
        "payment_signature_invalid",
    )
    .await;
    nothing_recorded(&app, &officer, &code).await;
    let r: Value = notify_json(&app, &sign_with(&theirs))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"], "recorded", "{r}");
}

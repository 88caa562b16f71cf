//! Paying online through the payment platform, against a fake platform on loopback (the
//! real one cannot be reached here): the signed order it is sent, and notifications that
//! pay, fail, repeat, or are forged, replayed, for another amount or an unknown order.

use crate::common::{Backend, Options, TestApp, csrf_from, problem};
use crate::payments::payable;
use axum::extract::{Query, State};
use axum::routing::get;
use chrono::{Duration, Utc};
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
            secret: SECRET.into(),
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
    let txns = app.store.payment_transactions(code).await.unwrap();
    assert!(txns.is_empty(), "{txns:?}");
    let d = officer.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["state"], "awaiting_payment");
}

async fn text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn online_payment_is_believed_only_from_a_signed_notification() {
    let (base, platform) = fake_platform().await;
    let options = connected(&base);
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (officer, code) = payable(&app).await;
    officer
        .act_ok(
            &code,
            "request_payment",
            json!({ "amount_vnd": 50_000, "reason": "Lệ phí cấp bản sao" }),
        )
        .await;
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
    let txns = app.store.payment_transactions(&code).await.unwrap();
    assert_eq!(
        txns,
        vec![("T-1".into(), 50_000, false), ("T-2".into(), 50_000, true)]
    );
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
    let (officer, code) = payable(&app).await;
    officer
        .act_ok(
            &code,
            "request_payment",
            json!({ "amount_vnd": 20_000, "reason": "Phí sao y" }),
        )
        .await;
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

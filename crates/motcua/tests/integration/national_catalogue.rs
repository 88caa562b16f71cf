//! Importing the procedure list the national catalogue publishes for the province, from a
//! fake portal on loopback that can serve a bad list, fail or stall: all or nothing, with every
//! bad item named by its national field.

use crate::common::{Api, Backend, Options, TestApp, csrf_from, login, problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::connectors::catalogue::NationalCatalogueConfig;
use motcua_app::connectors::national::signature;
use motcua_exchange::NationalMapping;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const SECRET: &str = "bi-mat-danh-muc";

#[derive(Default)]
struct Source {
    /// What `GET` answers: a status and a body.
    answer: Mutex<Option<(StatusCode, String)>>,
    stall: Mutex<bool>,
}

async fn list(State(source): State<Arc<Source>>, headers: HeaderMap) -> Response {
    let timestamp: i64 = headers["x-timestamp"].to_str().unwrap().parse().unwrap();
    assert_eq!(headers["x-client-id"], "tinh-20");
    assert_eq!(
        headers["x-signature"].to_str().unwrap(),
        signature(SECRET, timestamp, b""),
        "the request is signed"
    );
    if *source.stall.lock().unwrap() {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
    let (status, body) = source.answer.lock().unwrap().clone().unwrap();
    (status, [("content-type", "application/json")], body).into_response()
}

fn item(code: &str, name: &str) -> Value {
    json!({
        "MaTTHC": code,
        "TenTTHC": name,
        "MaLinhVuc": "G09-HT",
        "CapThucHien": "Cấp Xã",
        "DoiTuongThucHien": "Công dân Việt Nam",
        "ThoiHanGiaiQuyet": 3,
        "CachThucThucHien": "Trực tiếp; Trực tuyến",
        "MucDoDVC": "Toàn trình",
        "CanCuPhapLy": ["Luật Hộ tịch 2014"],
        "ThanhPhanHoSo": [{ "TenGiayTo": "Tờ khai", "SoBanChinh": 1 }],
        "PhiLePhi": [{ "TenPhiLePhi": "Lệ phí", "MucPhi": "8.000" }],
        "KetQuaThucHien": [{ "TenKetQua": "Trích lục", "HinhThuc": "Bản điện tử" }]
    })
}

async fn national_catalogue(backend: Backend) {
    let source = Arc::new(Source::default());
    let router = axum::Router::new()
        .route("/tthc", axum::routing::get(list))
        .with_state(source.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let config = NationalCatalogueConfig {
        url: format!("http://{addr}/tthc"),
        client_id: "tinh-20".into(),
        secret: SECRET.into(),
        timeout: std::time::Duration::from_millis(800),
        mapping: NationalMapping {
            fields: BTreeMap::new(),
            sectors: BTreeMap::from([("G09-HT".into(), "ho_tich".into())]),
        },
    };
    let Some(app) = TestApp::spawn_with(
        backend,
        Options {
            national_catalogue: Some(config),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = Api::new(&app, "quantri.tinh").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let import = "/api/v1/integrations/national/catalogue-import";
    let stored = |code: &'static str| {
        let admin = &admin;
        async move {
            admin
                .get(&format!("/api/v1/procedures/{code}"))
                .await
                .status()
        }
    };
    let set = |status: StatusCode, body: Value| {
        *source.answer.lock().unwrap() = Some((status, body.to_string()));
    };

    // A list with bad items: nothing is imported, and each one is named.
    let mut district = item("2.000002", "Thủ tục cấp huyện");
    district["CapThucHien"] = json!("Cấp Huyện");
    let mut unknown_sector = item("2.000003", "Thủ tục lĩnh vực lạ");
    unknown_sector["MaLinhVuc"] = json!("G99-XX");
    set(
        StatusCode::OK,
        json!({ "data": [item("2.000001", "Đăng ký khai sinh (DVCQG)"), district, unknown_sector] }),
    );
    let report: Value = admin.post(import, &json!({})).await.json().await.unwrap();
    assert_eq!(report["imported"], false, "{report}");
    let issues = report["issues"].as_array().unwrap();
    let named = |row: i64, field: &str| {
        issues
            .iter()
            .any(|i| i["row"] == row && i["field"] == field)
    };
    assert!(named(2, "CapThucHien"), "{report}");
    assert!(named(3, "MaLinhVuc"), "{report}");
    assert_eq!(
        stored("2.000001").await,
        StatusCode::NOT_FOUND,
        "all or nothing"
    );

    // The portal fails or stalls: a clear answer, and nothing stored.
    set(StatusCode::SERVICE_UNAVAILABLE, json!({}));
    problem(
        admin.post(import, &json!({})).await,
        503,
        "national_catalogue_unreachable",
    )
    .await;
    set(
        StatusCode::OK,
        json!({ "data": [item("2.000001", "Đăng ký khai sinh (DVCQG)")] }),
    );
    *source.stall.lock().unwrap() = true;
    let p = problem(
        admin.post(import, &json!({})).await,
        503,
        "national_catalogue_unreachable",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("không trả lời kịp"),
        "{p}"
    );
    *source.stall.lock().unwrap() = false;
    set(StatusCode::OK, json!({ "nothing": "here" }));
    problem(
        admin.post(import, &json!({})).await,
        422,
        "national_catalogue_unreadable",
    )
    .await;
    problem(receiver.post(import, &json!({})).await, 403, "forbidden").await;
    assert_eq!(stored("2.000001").await, StatusCode::NOT_FOUND);

    // A good list: checked first, then imported; again, it updates.
    set(
        StatusCode::OK,
        json!({ "data": [item("2.000001", "Đăng ký khai sinh (DVCQG)"), item("2.000004", "Đăng ký kết hôn (DVCQG)")] }),
    );
    let dry: Value = admin
        .post(&format!("{import}?dry_run=true"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (dry["imported"].clone(), dry["dry_run"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(dry["rows"][0]["outcome"], "valid");
    assert_eq!(stored("2.000001").await, StatusCode::NOT_FOUND);
    let done: Value = admin.post(import, &json!({})).await.json().await.unwrap();
    assert_eq!(done["imported"], true, "{done}");
    assert!(done["decision"].as_str().unwrap().starts_with("DVCQG-"));
    assert_eq!(done["rows"].as_array().unwrap().len(), 2);
    assert!(
        done["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "created")
    );
    let published = admin.json("/api/v1/procedures/2.000001").await;
    assert_eq!(published["state"], "published");
    let procedure = &published["procedure"];
    assert_eq!(
        procedure["name"], "Đăng ký khai sinh (DVCQG)",
        "{procedure}"
    );
    assert_eq!(procedure["sector"], "ho_tich");
    assert_eq!(procedure["agency_kind"], "commune_committee");
    assert_eq!(procedure["channels"], json!(["in_person", "online"]));
    assert_eq!(procedure["fees"][0]["amount_vnd"], 8000);
    assert_eq!(procedure["results"][0]["form"], "electronic");

    // The page offers the same import (with its CSRF token) and says what it did.
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
    assert!(html.contains("Nhập danh mục từ Cổng DVCQG"), "{html}");
    let page = browser
        .post(app.url("/admin/integrations/national-catalogue"))
        .form(&[("csrf_token", csrf_from(&html))])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Đã nhập 2 thủ tục (0 mới, 2 cập nhật)"),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test]
async fn national_catalogue_on_sqlite() {
    national_catalogue(Backend::Sqlite).await;
}

#[tokio::test]
async fn national_catalogue_on_postgres() {
    national_catalogue(Backend::Postgres).await;
}

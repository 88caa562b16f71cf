//! Electronic forms (issue 15): the published form and its JSON Schema, declarations
//! checked at their paths and stored with the dossier, shown masked where the applicant
//! is, found in the queue, covered by the receipt; forms changed only through a new draft;
//! code lists replaced whole; the submission page drawing the form without script.

use crate::common::{Api, Backend, TestApp, agency_of, csrf_from, hidden, officer, problem};
use crate::dossier_pages::{BOUNDARY, multipart, signed_in};
use motcua_domain::account::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BIRTH: &str = "1.001193";
const HOUSEHOLD_BUSINESS: &str = "2.000720";
/// Phường Đông Kinh since 1 July 2025; 05980 is the ward of that name before it.
const LIVE_UNIT: &str = "05977";
const ENDED_UNIT: &str = "05980";

/// A birth declaration the demo form takes.
pub(crate) fn birth_declaration(child: &str) -> Value {
    json!({
        "nyc_ho_ten": "Nguyễn Văn An",
        "nyc_so_dinh_danh": "020095001234",
        "nyc_noi_cu_tru": {"unit": LIVE_UNIT, "street": "12 Lê Lợi"},
        "nyc_quan_he": "02",
        "ks_ho_ten": child,
        "ks_gioi_tinh": "2",
        "ks_ngay_sinh": "2026-11-20",
        "ks_noi_sinh": "Bệnh viện Đa khoa tỉnh Lạng Sơn",
        "ks_dan_toc": "01",
        "ks_quoc_tich": "VN",
        "me_ho_ten": "Trần Thị Bình",
        "me_ngay_sinh": "1995-04-02",
        "me_dan_toc": "02",
        "me_quoc_tich": "VN",
        "has_father": false,
        "cap_ban_sao": true,
        "so_ban_sao": 2,
        "cam_doan": true
    })
}

fn applicant() -> Value {
    json!({"kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234", "phone": "0912345678"})
}

#[tokio::test]
async fn the_published_form_and_its_json_schema() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = reqwest::Client::new();
    let r = client
        .get(app.url(&format!("/api/v1/procedures/{BIRTH}/form")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let form: Value = r.json().await.unwrap();
    assert_eq!(form["procedure_code"], BIRTH);
    assert_eq!(form["form"]["title"], "TỜ KHAI ĐĂNG KÝ KHAI SINH");
    let keys: Vec<&str> = form["form"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"cha"), "{keys:?}");

    let r = client
        .get(app.url(&format!(
            "/api/v1/procedures/{BIRTH}/form?format=json-schema"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/schema+json");
    let schema: Value = r.json().await.unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&json!("ks_ho_ten")));
    // The father's fields are asked only when there is a father: not required by the schema.
    assert!(!required.contains(&json!("cha_ho_ten")));
    assert_eq!(schema["properties"]["ks_ngay_sinh"]["format"], "date");

    let bad = client
        .get(app.url(&format!("/api/v1/procedures/{BIRTH}/form?format=xml")))
        .send()
        .await
        .unwrap();
    problem(bad, 400, "invalid_format").await;
    let none = client
        .get(app.url("/api/v1/procedures/2.000488/form"))
        .send()
        .await
        .unwrap();
    problem(none, 404, "form_not_found").await;
    let lists: Value = client
        .get(app.url("/api/v1/code-lists"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ethnic = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "dan_toc")
        .unwrap();
    assert_eq!(ethnic["entries"].as_array().unwrap().len(), 54);
    app.stop().await;
}

/// The demo's approved processes, as `cargo run` has them (the test demo has none).
pub(crate) async fn with_processes(app: &TestApp) {
    motcua::demo_dossiers::approve_processes(&app.store, motcua_app::now())
        .await
        .unwrap();
}

async fn declaration_round_trip(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    with_processes(&app).await;
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let citizen = Api::new(&app, "congdan").await;
    let submit = |form_data: Value| json!({"procedure_code": BIRTH, "agency_code": commune, "applicant": applicant(), "form_data": form_data});
    let before = app.store.count_dossiers().await.unwrap();

    // Every problem at once, each at its path, and nothing stored.
    let mut wrong = birth_declaration("Nguyễn Thị Mai");
    wrong["biet_danh"] = json!("Bống");
    wrong["ks_ngay_sinh"] = json!(20261120);
    wrong["ks_gioi_tinh"] = json!("9");
    wrong["nyc_noi_cu_tru"]["unit"] = json!(ENDED_UNIT);
    wrong["so_ban_sao"] = json!(50);
    wrong["me_ngay_sinh"] = json!("2027-01-01");
    let refused = problem(
        citizen.post("/api/v1/dossiers", &submit(wrong)).await,
        422,
        "invalid_form_data",
    )
    .await;
    let errors: Vec<(String, String)> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("biet_danh", "unknown_field"),
        ("ks_ngay_sinh", "wrong_type"),
        ("ks_gioi_tinh", "not_in_code_list"),
        ("nyc_noi_cu_tru.unit", "unit_not_live"),
        ("so_ban_sao", "out_of_range"),
        ("me_ngay_sinh", "date_in_future"),
    ] {
        assert!(
            errors
                .iter()
                .any(|(p, c)| (p.as_str(), c.as_str()) == expected),
            "{expected:?} not in {errors:?}"
        );
    }
    assert!(
        refused["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .chars()
            .next()
            .unwrap()
            .is_uppercase()
    );
    // Online, the declaration is data: none at all is every required field missing.
    let missing = problem(
        citizen
            .post(
                "/api/v1/dossiers",
                &json!({"procedure_code": BIRTH, "agency_code": commune, "applicant": applicant()}),
            )
            .await,
        422,
        "invalid_form_data",
    )
    .await;
    assert!(missing["errors"].as_array().unwrap().len() > 5, "{missing}");
    // Too deep or of the wrong shape altogether.
    let nested = problem(
        citizen
            .post("/api/v1/dossiers", &submit(json!([[[[1]]]])))
            .await,
        422,
        "invalid_form_data",
    )
    .await;
    assert_eq!(nested["errors"][0]["path"], "");
    assert_eq!(app.store.count_dossiers().await.unwrap(), before);

    // A good one is stored as checked (trimmed, NFC) and comes back with the dossier.
    let r = citizen
        .post(
            "/api/v1/dossiers",
            &submit(birth_declaration("  Nguyễn Thị Mai ")),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let dossier: Value = r.json().await.unwrap();
    let code = dossier["code"].as_str().unwrap().to_owned();
    assert_eq!(dossier["form_data"]["ks_ho_ten"], "Nguyễn Thị Mai");
    // Answered from what the submission wrote, not read back: exactly what a read gives.
    assert_eq!(
        dossier,
        citizen.json(&format!("/api/v1/dossiers/{code}")).await
    );
    assert_eq!(dossier["events"].as_array().unwrap().len(), 1, "{dossier}");
    assert_eq!(dossier["form_data"]["so_ban_sao"], 2);
    // Hidden by its condition (no father): nothing of the father is kept.
    assert!(dossier["form_data"].get("cha_ho_ten").is_none());

    // The officers find it by the child's name, typed without diacritics.
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let found = receiver.json("/api/v1/dossiers?q=thi%20mai").await;
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == code.as_str()),
        "{found}"
    );
    let full = receiver.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(full["form_data"]["ks_ho_ten"], "Nguyễn Thị Mai");
    // An auditor sees personal fields masked, as the applicant is.
    let auditor = Api::new(&app, "thanhtra").await;
    let masked = auditor.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(masked["form_data"]["ks_ho_ten"], "N. T. Mai");
    assert_ne!(masked["form_data"]["me_ho_ten"], "Trần Thị Bình");
    // The officers' page shows it as a declaration, in words.
    let officer = signed_in(&app, "motcua.dongkinh").await;
    let page = officer
        .get(app.url(&format!("/work/dossiers/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"declaration\""), "{page}");
    assert!(
        page.contains("20/11/2026") && page.contains("Nữ") && page.contains("Phường Đông Kinh"),
        "{page}"
    );
    // Printed as the official declaration, A4, with the motto and the template's number.
    let pdf = officer
        .get(app.url(&format!("/work/dossiers/{code}/declaration.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.headers()["cache-control"], "no-store");
    let pdf = pdf.bytes().await.unwrap();
    if let Some(text) = crate::common::pdf_text(&pdf) {
        for expected in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "TỜ KHAI ĐĂNG KÝ KHAI SINH",
            "Mẫu Tờ khai đăng ký khai sinh",
            "Kính gửi",
            "Nguyễn Thị Mai",
            "20/11/2026",
            code.as_str(),
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }
    // The applicant reads it back on their own page, and prints it too.
    let own = signed_in(&app, "congdan").await;
    let mine = own
        .get(app.url(&format!("/lookup/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("id=\"declaration-heading\"") && mine.contains("Nguyễn Thị Mai"),
        "{mine}"
    );
    let printed = own
        .get(app.url(&format!("/lookup/{code}/declaration.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(printed.status(), 200);
    assert!(printed.bytes().await.unwrap().starts_with(b"%PDF"));

    // At the counter, typed from the paper declaration and received at once: the signed
    // receipt (form 01) covers it.
    let r = receiver
        .post(
            "/api/v1/dossiers",
            &json!({"procedure_code": BIRTH, "channel": "paper", "applicant": applicant(),
                    "form_data": birth_declaration("Lê Văn Cường")}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let counter: Value = r.json().await.unwrap();
    let counter_code = counter["code"].as_str().unwrap();
    let counter = receiver
        .json(&format!("/api/v1/dossiers/{counter_code}"))
        .await;
    let receipt = counter["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "receipt")
        .expect("a receipt")
        .clone();
    let bytes = receiver
        .get(&format!(
            "/api/v1/dossiers/{counter_code}/documents/{}",
            receipt["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let signed: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(signed["form_data"]["ks_ho_ten"], "Lê Văn Cường");
    // The declarations as a table for statistics: the officers' agency in full, the
    // province masked for an auditor, nothing for a citizen.
    let table: Value = receiver
        .json(&format!("/api/v1/procedures/{BIRTH}/form-data?format=json"))
        .await;
    let names: Vec<&str> = table
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ks_ho_ten"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Nguyễn Thị Mai") && names.contains(&"Lê Văn Cường"),
        "{table}"
    );
    assert_eq!(table[0]["so_ban_sao"], "2");
    let masked: Value = auditor
        .json(&format!("/api/v1/procedures/{BIRTH}/form-data?format=json"))
        .await;
    assert!(
        !masked.to_string().contains("Nguyễn Thị Mai") && masked.to_string().contains("N. T. Mai")
    );
    let csv = receiver
        .get(&format!("/api/v1/procedures/{BIRTH}/form-data"))
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.text()
            .await
            .unwrap()
            .starts_with("\u{feff}ma_ho_so,thoi_diem_nop,")
    );
    problem(
        citizen
            .get(&format!("/api/v1/procedures/{BIRTH}/form-data"))
            .await,
        403,
        "forbidden",
    )
    .await;
    // A paper dossier may also come without data (its declaration is the scan).
    let r = receiver
        .post(
            "/api/v1/dossiers",
            &json!({"procedure_code": BIRTH, "channel": "paper", "applicant": applicant()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    app.stop().await;
}

#[tokio::test]
async fn a_declaration_is_checked_stored_found_and_masked_on_sqlite() {
    declaration_round_trip(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_declaration_is_checked_stored_found_and_masked_on_postgres() {
    declaration_round_trip(Backend::Postgres).await;
}

#[tokio::test]
async fn a_form_changes_only_through_a_new_draft_and_code_lists_whole() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    with_processes(&app).await;
    let admin = Api::new(&app, "quantri.tinh").await;
    let put = |path: String, body: Value| {
        let admin = &admin;
        async move {
            admin
                .client
                .put(admin.app.url(&path))
                .bearer_auth(&admin.token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let published: Value = admin
        .json(&format!("/api/v1/procedures/{BIRTH}/form"))
        .await;
    let mut form = published["form"].clone();

    // Refused when saved: a cycle in the conditions, a key used twice, a rule never met.
    let mut broken = form.clone();
    broken["sections"][0]["fields"][0]["show_when"] = json!({"field": "ks_ho_ten"});
    broken["sections"][1]["fields"][0]["show_when"] = json!({"field": "nyc_ho_ten"});
    broken["sections"][1]["fields"][1]["key"] = json!("ks_ho_ten");
    broken["sections"][1]["fields"][3]["rules"] = json!([{"rule": "length", "min": 9, "max": 3}]);
    let refused = problem(
        put(format!("/api/v1/procedures/{BIRTH}/form"), broken).await,
        422,
        "invalid_form_data",
    )
    .await;
    let codes: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in [
        "form_condition_cycle",
        "duplicate_form_key",
        "impossible_rule",
    ] {
        assert!(codes.contains(&code), "{code} not in {refused}");
    }
    // A citizen may not.
    let citizen = Api::new(&app, "congdan").await;
    let r = citizen
        .client
        .put(app.url(&format!("/api/v1/procedures/{BIRTH}/form")))
        .bearer_auth(&citizen.token)
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A new field makes a draft; the published form stays until a decision publishes it.
    form["sections"][1]["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "key": "ks_ten_goi_khac", "label": "Tên gọi khác", "kind": "text"
        }));
    let r = put(format!("/api/v1/procedures/{BIRTH}/form"), form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let draft: Value = r.json().await.unwrap();
    assert_eq!(draft["state"], "draft");
    let still: Value = admin
        .json(&format!("/api/v1/procedures/{BIRTH}/form"))
        .await;
    assert_eq!(still["version_no"], published["version_no"]);
    assert!(!still["form"].to_string().contains("ks_ten_goi_khac"));
    let decision = json!({"number": "3001/QĐ-UBND", "date": "2026-12-01", "signer": "Chủ tịch UBND tỉnh", "publish": [BIRTH]});
    let r = admin.post("/api/v1/publications", &decision).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let now: Value = admin
        .json(&format!("/api/v1/procedures/{BIRTH}/form"))
        .await;
    assert!(now["form"].to_string().contains("ks_ten_goi_khac"));

    // A code list is replaced whole: a bad entry changes nothing, naming the entry.
    let list =
        |entries: Value| json!({"name": "Giới tính", "source": "Sở Tư pháp", "entries": entries});
    let refused = problem(
        put(
            "/api/v1/code-lists/gioi_tinh".into(),
            list(json!([{"code": "1", "name": "Nam"}, {"code": "1", "name": "Nữ"}])),
        )
        .await,
        422,
        "invalid_code_list",
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("dòng 2"),
        "{refused}"
    );
    let lists: Value = admin.json("/api/v1/code-lists").await;
    let sexes = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "gioi_tinh")
        .unwrap();
    assert_eq!(sexes["entries"].as_array().unwrap().len(), 2);
    let r = put(
        "/api/v1/code-lists/gioi_tinh".into(),
        list(json!([{"code": "1", "name": "Nam"}, {"code": "2", "name": "Nữ"}, {"code": "3", "name": "Chưa xác định"}])),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The new entry is offered at once.
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let mut data = birth_declaration("Hoàng An");
    data["ks_gioi_tinh"] = json!("3");
    let r = citizen
        .post("/api/v1/dossiers", &json!({"procedure_code": BIRTH, "agency_code": commune, "applicant": applicant(), "form_data": data}))
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.stop().await;
}

#[tokio::test]
async fn the_submission_page_draws_the_form_in_steps_and_keeps_what_was_typed() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    with_processes(&app).await;
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let citizen = signed_in(&app, "congdan").await;
    let url = app.url(&format!("/procedures/{HOUSEHOLD_BUSINESS}/submit"));
    let html = citizen
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // A long form: its first step, with a progress line; the applicant comes last.
    assert!(html.contains("name=\"f.ten_ho_kinh_doanh\""), "{html}");
    assert!(
        html.contains("aria-current=\"step\" class=\"current\">Bước 1/5"),
        "{html}"
    );
    assert!(!html.contains("id=\"citizen_id\""), "{html}");
    assert!(
        !html.contains("name=\"f.chu_ho_ho_ten\" type=\"text\""),
        "{html}"
    );

    let post = |fields: Vec<(&'static str, String)>, html: String| {
        let citizen = citizen.clone();
        let url = url.clone();
        async move {
            let csrf = csrf_from(&html);
            let key = hidden(&html, "idempotency_key");
            let mut all: Vec<(&str, String)> = vec![("csrf_token", csrf), ("idempotency_key", key)];
            all.extend(fields);
            let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            citizen
                .post(&url)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(multipart(&borrowed, &[]))
                .send()
                .await
                .unwrap()
        }
    };
    let first_step = |capital: &str| {
        vec![
            ("step", "0".to_owned()),
            ("f.ten_ho_kinh_doanh", "Tạp hóa Bình An".to_owned()),
            ("f.dia_chi_tru_so.unit", "05977".to_owned()),
            ("f.dia_chi_tru_so.street", "3 Bắc Sơn".to_owned()),
            ("f.dien_thoai", "0912345678".to_owned()),
            ("f.nganh_nghe", "Bán lẻ tạp hóa".to_owned()),
            ("f.von_kinh_doanh", capital.to_owned()),
            ("f.chu_the_thanh_lap", "2".to_owned()),
            ("form_action", "step:1".to_owned()),
        ]
    };
    let before = app.store.count_dossiers().await.unwrap();
    // Forward only once the step is right: the problem beside its field, the text kept.
    let r = post(first_step("mười triệu"), html.clone()).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"form-errors\""), "{page}");
    assert!(page.contains("href=\"#f-von_kinh_doanh\""), "{page}");
    assert!(page.contains("id=\"f-von_kinh_doanh-error\""), "{page}");
    assert!(
        page.contains("value=\"mười triệu\""),
        "what was typed stays: {page}"
    );
    assert!(page.contains("class=\"current\">Bước 1/5"), "{page}");
    // Right: the next step, prefilled from the verified identity, the first carried hidden.
    let r = post(first_step("10.000.000"), page).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("class=\"current\">Bước 2/5"), "{page}");
    assert!(
        page.contains(
            "name=\"f.chu_ho_so_dinh_danh\" type=\"text\" maxlength=\"500\" value=\"020095001234\""
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "<input type=\"hidden\" name=\"f.ten_ho_kinh_doanh\" value=\"Tạp hóa Bình An\">"
        ),
        "{page}"
    );
    // The members' step: a round trip adds one, keeping what was typed.
    let mut fields = first_step("10.000.000");
    fields.retain(|(k, _)| !matches!(*k, "step" | "form_action"));
    fields.extend([
        ("step", "2".to_owned()),
        ("n.thanh_vien", "1".to_owned()),
        ("f.thanh_vien[0].tv_ho_ten", "Trần Thị Bình".to_owned()),
        ("form_action", "add:thanh_vien".to_owned()),
    ]);
    let r = post(fields, html.clone()).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("name=\"f.thanh_vien[1].tv_ho_ten\""),
        "{page}"
    );
    assert!(page.contains("value=\"Trần Thị Bình\""), "{page}");
    assert!(page.contains("class=\"current\">Bước 3/5"), "{page}");
    // Submitted from the last step with a mistake on an earlier one: that step again.
    let mut fields = first_step("mười triệu");
    fields.retain(|(k, _)| *k != "form_action" && *k != "step");
    fields.extend([
        ("step", "4".to_owned()),
        ("kind", "person".to_owned()),
        ("name", "Nguyễn Văn An".to_owned()),
        ("citizen_id", "020095001234".to_owned()),
        ("phone", "0912345678".to_owned()),
        ("agency", commune.clone()),
    ]);
    let r = post(fields, html).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("class=\"current\">Bước 1/5")
            && page.contains("id=\"f-von_kinh_doanh-error\""),
        "{page}"
    );
    assert_eq!(app.store.count_dossiers().await.unwrap(), before);
    app.stop().await;
}

/// A birth registration from its declaration to the extract: the specialist sets the
/// "Trích lục khai sinh" from the data as a PDF draft, approval signs it, and `/verify` says
/// what it certifies.
#[tokio::test]
async fn a_result_is_made_from_the_declaration_signed_and_verified() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    with_processes(&app).await;
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let citizen = Api::new(&app, "congdan").await;
    let r = citizen
        .post(
            "/api/v1/dossiers",
            &json!({"procedure_code": BIRTH, "agency_code": commune, "applicant": applicant(),
                    "form_data": birth_declaration("Nguyễn Thị Mai")}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let specialist = officer(&app, "chuyenvien.dk", Role::Specialist, &commune).await;
    let leader = officer(&app, "lanhdao.dk", Role::Leader, &commune).await;
    let from_form = format!("/api/v1/dossiers/{code}/results/from-form");
    // Not before it is received, and never by the applicant.
    problem(
        receiver.post(&from_form, &json!({})).await,
        409,
        "result_not_expected",
    )
    .await;
    receiver.act_ok(&code, "accept", json!({})).await;
    problem(citizen.post(&from_form, &json!({})).await, 403, "forbidden").await;
    problem(
        receiver
            .post(&from_form, &json!({"register_no": "12\u{202E}3"}))
            .await,
        422,
        "invalid_characters",
    )
    .await;

    // The officers' page offers it; a bad number is said on the page and nothing is made.
    let desk = signed_in(&app, "motcua.dongkinh").await;
    let work = desk
        .get(app.url(&format!("/work/dossiers/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(work.contains("id=\"result-from-form\""), "{work}");
    let refused = desk
        .post(app.url(&format!("/work/dossiers/{code}/results/from-form")))
        .form(&[
            ("csrf_token", csrf_from(&work)),
            ("register_no", "9".repeat(60)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let said = refused.text().await.unwrap();
    assert!(
        said.contains("Số đăng ký dài quá 50 ký tự") && said.contains("id=\"result-from-form\""),
        "{said}"
    );
    // Staff download what the procedure's dossiers declared from its page.
    let page = desk
        .get(app.url(&format!("/procedures/{BIRTH}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"form-data-export\""), "{page}");
    let xlsx = desk
        .get(app.url(&format!("/procedures/{BIRTH}/form-data.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let r = receiver
        .post(&from_form, &json!({"register_no": "125/2026"}))
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let draft: Value = r.json().await.unwrap();
    assert_eq!(
        (draft["kind"].as_str(), draft["signed"].as_bool()),
        (Some("result"), Some(false))
    );
    assert_eq!(draft["content_type"], "application/pdf");
    let id = draft["id"].as_str().unwrap().to_owned();
    let pdf = receiver
        .get(&format!("/api/v1/dossiers/{code}/documents/{id}"))
        .await
        .bytes()
        .await
        .unwrap();
    if let Some(text) = crate::common::pdf_text(&pdf) {
        for expected in [
            "TRÍCH LỤC KHAI SINH",
            "Nguyễn Thị Mai",
            "125/2026",
            "20/11/2026",
            "Nữ",
            "Trần Thị Bình",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "TM. ỦY BAN NHÂN DÂN",
            code.as_str(),
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }

    // Through the commune's steps to approval, which signs the draft.
    receiver.act_ok(&code, "forward", json!({})).await;
    specialist.act_ok(&code, "forward", json!({})).await;
    leader.act_ok(&code, "approve", json!({})).await;
    let sha = Sha256::digest(&pdf);
    let verified: Value = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/v1/documents/verify?sha256={}",
            hex::encode(sha)
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["valid"], true, "{verified}");
    let certifies = &verified["signatures"][0]["certifies"];
    assert_eq!(certifies["title"], "TRÍCH LỤC KHAI SINH");
    let rows = certifies["rows"].as_array().unwrap();
    assert!(
        rows.contains(&json!(["Họ, chữ đệm, tên", "Nguyễn Thị Mai"])),
        "{certifies}"
    );
    assert!(rows.contains(&json!(["Số", "125/2026"])), "{certifies}");
    // The public page says it too.
    let page = reqwest::Client::new()
        .get(app.url(&format!("/verify?sha256={}", hex::encode(sha))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"certifies\"") && page.contains("Nguyễn Thị Mai"),
        "{page}"
    );
    app.stop().await;
}

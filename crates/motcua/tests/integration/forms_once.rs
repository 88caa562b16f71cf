//! Electronic forms, continued (issue 15): a signed-in citizen's drafts (saved, continued,
//! listed with their expiry, deleted, gone once used or expired), and "only once": the form
//! filled from the account, the citizen's earlier dossiers and the results in their store, a
//! component their store holds chosen instead of an upload, and each value reused recorded
//! with the new dossier.

use crate::common::{Api, Backend, TestApp, agency_of, csrf_from, hidden, officer};
use crate::dossier_pages::{BOUNDARY, multipart, signed_in};
use crate::forms::{birth_declaration, with_processes};
use motcua_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

const BIRTH: &str = "1.001193";
const HOUSEHOLD_BUSINESS: &str = "2.000720";
const MARITAL_STATUS: &str = "1.004873";
const ID_CARD: &str = "Căn cước hoặc giấy tờ tùy thân có ảnh (xuất trình, hoặc khai thác từ Cơ sở dữ liệu quốc gia về dân cư)";

async fn page(client: &reqwest::Client, url: &str) -> String {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {url}");
    r.text().await.unwrap()
}

/// Posts the submission page `html` came from, as a browser does (multipart, the token first).
async fn post_form(
    client: &reqwest::Client,
    url: &str,
    html: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (csrf, key) = (csrf_from(html), hidden(html, "idempotency_key"));
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", &csrf), ("idempotency_key", &key)];
    all.extend_from_slice(fields);
    client
        .post(url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&all, &[]))
        .send()
        .await
        .unwrap()
}

/// A declaration's top-level fields as the page's inputs (`f.key`, `f.key.unit`).
fn inputs_of(declaration: &Value) -> Vec<(String, String)> {
    let mut inputs = Vec::new();
    for (key, value) in declaration.as_object().unwrap() {
        match value {
            Value::Object(parts) => {
                for (part, v) in parts {
                    inputs.push((format!("f.{key}.{part}"), v.as_str().unwrap().to_owned()));
                }
            }
            Value::String(text) => inputs.push((format!("f.{key}"), text.clone())),
            other => inputs.push((format!("f.{key}"), other.to_string())),
        }
    }
    inputs
}

/// How many steps a submission page has ("Bước 1/4").
fn steps_of(html: &str) -> usize {
    (html.split("Bước 1/").nth(1))
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("a form in steps: {html}"))
}

/// A birth registration through the API by the signed-in citizen; its dossier code.
async fn submit_birth(api: &Api<'_>, commune: &str, child: &str) -> String {
    let body = json!({"procedure_code": BIRTH, "agency_code": commune,
        "applicant": {"kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234", "phone": "0912345678"},
        "form_data": birth_declaration(child)});
    let r = api.post("/api/v1/dossiers", &body).await;
    assert_eq!(r.status(), 201);
    let answer: Value = r.json().await.unwrap();
    answer["code"].as_str().unwrap().to_owned()
}

/// The detail of a dossier's `dossier.submitted` audit event.
async fn submitted_detail(app: &TestApp, code: &str) -> Value {
    let events = (app.store.audit_events_for(&format!("dossier:{code}")).await).unwrap();
    let submitted = (events.iter())
        .find(|e| e.entry.action == "dossier.submitted")
        .unwrap();
    serde_json::from_str(&submitted.entry.detail).unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The day a draft saved now is kept to, as the pages say it.
fn kept_until() -> String {
    let until = motcua_app::now() + chrono::Duration::days(motcua_app::forms::drafts::DRAFT_DAYS);
    motcua_domain::calendar::to_vn_local(&until)
        .format("%d/%m/%Y")
        .to_string()
}

async fn drafts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    with_processes(&app).await;
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let citizen = signed_in(&app, "congdan").await;
    let owner = (app.store.find_user_by_username("congdan").await.unwrap())
        .unwrap()
        .id;
    let url = app.url(&format!("/procedures/{HOUSEHOLD_BUSINESS}/submit"));
    let html = page(&citizen, &url).await;
    assert!(
        html.contains("name=\"form_action\" value=\"save\""),
        "{html}"
    );

    // Only for a signed-in citizen: no button for others, and a save posted anyway keeps nothing.
    let anonymous = app.client();
    let theirs = page(&anonymous, &url).await;
    assert!(!theirs.contains("value=\"save\""), "{theirs}");
    let r = post_form(
        &anonymous,
        &url,
        &theirs,
        &[
            ("f.ten_ho_kinh_doanh", "Quán Ẩn Danh"),
            ("form_action", "save"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Saved half done (nothing is checked), and the page comes back from it with its expiry.
    let half_done = [
        ("step", "0"),
        ("f.ten_ho_kinh_doanh", "Tạp hóa Bình An"),
        ("f.von_kinh_doanh", "mười triệu"),
        ("f.dia_chi_tru_so.unit", "05977"),
        ("agency", commune.as_str()),
        ("wallet_doc_1", "not-kept"),
        ("form_action", "save"),
    ];
    let r = post_form(&citizen, &url, &html, &half_done).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/procedures/{HOUSEHOLD_BUSINESS}/submit?draft=saved")
    );
    let back = page(&citizen, &app.url(&location(&r))).await;
    assert!(
        back.contains("id=\"draft-notice\"") && back.contains("Đã lưu bản nháp"),
        "{back}"
    );
    assert!(
        back.contains("được giữ đến") && back.contains(&kept_until()),
        "{back}"
    );
    assert!(
        back.contains("value=\"Tạp hóa Bình An\"") && back.contains("value=\"mười triệu\""),
        "{back}"
    );
    assert!(back.contains("<option value=\"05977\" selected>"), "{back}");
    let stored = (app
        .store
        .form_draft(owner, HOUSEHOLD_BUSINESS, motcua_app::now())
        .await)
        .unwrap()
        .unwrap();
    let kept: Value = serde_json::from_str(&stored.inputs).unwrap();
    assert_eq!(kept["agency"], commune.as_str());
    assert!(
        kept.get("wallet_doc_1").is_none() && kept.get("csrf_token").is_none(),
        "tokens and choices are not kept: {kept}"
    );
    let events = (app
        .store
        .audit_events_for(&format!("procedure:{HOUSEHOLD_BUSINESS}"))
        .await)
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.entry.action == "form_draft.saved" && e.entry.actor == "congdan"),
        "{events:?}"
    );

    // Listed with the dossiers, with its expiry; deleted from there.
    let mine = page(&citizen, &app.url("/my/dossiers")).await;
    assert!(
        mine.contains("id=\"drafts\"")
            && mine.contains(&format!("href=\"/procedures/{HOUSEHOLD_BUSINESS}/submit\""))
            && mine.contains(&kept_until()),
        "{mine}"
    );
    let delete = app.url(&format!("/my/drafts/{HOUSEHOLD_BUSINESS}/delete"));
    let r = citizen
        .post(&delete)
        .form(&[("csrf_token", csrf_from(&mine))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = page(&citizen, &app.url(&location(&r))).await;
    assert!(
        mine.contains("Đã xoá bản nháp") && !mine.contains("id=\"drafts\""),
        "{mine}"
    );
    let fresh = page(&citizen, &url).await;
    assert!(!fresh.contains("id=\"draft-notice\""), "{fresh}");

    // Expired: no longer offered, and the hourly purge takes it away.
    let r = post_form(&citizen, &url, &fresh, &half_done).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let later =
        motcua_app::now() + chrono::Duration::days(motcua_app::forms::drafts::DRAFT_DAYS + 1);
    assert!(
        (app.store.form_draft(owner, HOUSEHOLD_BUSINESS, later).await)
            .unwrap()
            .is_none()
    );
    assert_eq!(app.store.purge_expired_form_drafts(later).await.unwrap(), 1);
    assert!(!page(&citizen, &url).await.contains("id=\"draft-notice\""));

    // Used: the submission (here through the API) takes the draft away.
    let birth_url = app.url(&format!("/procedures/{BIRTH}/submit"));
    let birth = page(&citizen, &birth_url).await;
    let r = post_form(
        &citizen,
        &birth_url,
        &birth,
        &[("f.ks_ho_ten", "Nguyễn Thị Mai"), ("form_action", "save")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let api = Api::new(&app, "congdan").await;
    let code = submit_birth(&api, &commune, "Nguyễn Thị Mai").await;
    assert!(
        (app.store.form_draft(owner, BIRTH, motcua_app::now()).await)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        submitted_detail(&app, &code).await["data"]["draft_deleted"],
        true
    );
    // The next dossier has no draft left to use.
    let code = submit_birth(&api, &commune, "Nguyễn Thị Lan").await;
    let detail = submitted_detail(&app, &code).await;
    assert!(detail["data"].get("draft_deleted").is_none(), "{detail}");
    app.stop().await;
}

#[tokio::test]
async fn a_citizen_saves_a_draft_comes_back_and_it_goes_on_sqlite() {
    drafts(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_citizen_saves_a_draft_comes_back_and_it_goes_on_postgres() {
    drafts(Backend::Postgres).await;
}

/// What the marital status form (1.004873) asks, as the page prefilled it.
fn marital_declaration() -> Value {
    json!({
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1995-03-01",
        "gioi_tinh": "1",
        "dan_toc": "01",
        "quoc_tich": "VN",
        "so_dinh_danh": "020095001234",
        "noi_cu_tru": {"unit": "05977", "street": "12 Lê Lợi"},
        "dien_thoai": "0987654321",
        "xac_nhan_noi_khac": false,
        "tinh_trang_hon_nhan": "1",
        "muc_dich_su_dung": "02",
        "so_ban": 1,
        "cam_doan": true
    })
}

#[tokio::test]
async fn only_once_the_form_is_filled_from_what_the_citizen_gave_before() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    with_processes(&app).await;
    let commune = agency_of(&app, "motcua.dongkinh").await;
    let api = Api::new(&app, "congdan").await;
    let citizen = signed_in(&app, "congdan").await;
    let marital_url = app.url(&format!("/procedures/{MARITAL_STATUS}/submit"));

    // Nothing given before: the account's name and ID number only.
    let first = page(&citizen, &marital_url).await;
    assert!(
        first.contains("value=\"020095001234\"")
            && first.contains("Đã điền sẵn từ tài khoản của bạn"),
        "{first}"
    );
    assert!(!first.contains("value=\"12 Lê Lợi\""), "{first}");

    // A birth registered online gives an address on its form and a phone as its applicant.
    let r = api
        .post(
            "/api/v1/dossiers",
            &json!({"procedure_code": BIRTH, "agency_code": commune,
                    "applicant": {"kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234", "phone": "0912345678"},
                    "form_data": birth_declaration("Nguyễn Thị Mai")}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let birth_code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let filled = page(&citizen, &marital_url).await;
    let from_birth = format!("Đã điền sẵn từ hồ sơ {birth_code} bạn đã nộp");
    assert!(
        filled.contains(
            "name=\"f.noi_cu_tru.street\" type=\"text\" maxlength=\"200\" value=\"12 Lê Lợi\""
        ) && filled.contains("<option value=\"05977\" selected>")
            && filled.contains(&from_birth),
        "{filled}"
    );
    assert!(
        filled
            .contains("name=\"f.dien_thoai\" type=\"tel\" maxlength=\"500\" value=\"0912345678\""),
        "{filled}"
    );
    // Anonymous applicants are told nothing.
    let anonymous = page(&app.client(), &marital_url).await;
    assert!(
        !anonymous.contains("12 Lê Lợi") && !anonymous.contains("020095001234"),
        "{anonymous}"
    );

    // Through the API nothing was offered, so nothing is said to be reused.
    let r = api
        .post(
            "/api/v1/dossiers",
            &json!({"procedure_code": MARITAL_STATUS, "agency_code": commune,
                    "applicant": {"kind": "person", "name": "Nguyễn Văn An", "citizen_id": "020095001234", "phone": "0912345678"},
                    "form_data": marital_declaration()}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let api_code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        submitted_detail(&app, &api_code).await["data"]
            .get("data_reused")
            .is_none()
    );

    // Submitted on the page as filled: the values kept are recorded with the new dossier.
    let steps = steps_of(&filled);
    // The phone is changed; the rest kept as the latest dossier (the API's) gave it.
    let mut inputs = inputs_of(&marital_declaration());
    inputs.retain(|(k, _)| k != "f.dien_thoai");
    inputs.extend(
        [
            ("f.dien_thoai", "0911111111".to_owned()),
            ("step", (steps - 1).to_string()),
            ("kind", "person".to_owned()),
            ("name", "Nguyễn Văn An".to_owned()),
            ("citizen_id", "020095001234".to_owned()),
            ("phone", "0912345678".to_owned()),
            ("agency", commune.clone()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let fields: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (csrf, key) = (csrf_from(&filled), hidden(&filled, "idempotency_key"));
    let mut all = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
    ];
    all.extend(fields);
    let r = citizen
        .post(&marital_url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(
            &all,
            &[(
                "doc_0",
                "can-cuoc.pdf",
                b"%PDF-1.7\n% can cuoc\n".as_slice(),
            )],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let code = location(&r)
        .trim_start_matches("/lookup/")
        .trim_end_matches("/submitted")
        .to_owned();
    let detail = submitted_detail(&app, &code).await;
    let reused = detail["data"]["data_reused"].as_array().unwrap();
    for expected in [
        json!({"field": "so_dinh_danh", "from": "account"}),
        json!({"field": "noi_cu_tru", "from": format!("dossier:{api_code}")}),
        json!({"field": "ngay_sinh", "from": format!("dossier:{api_code}")}),
    ] {
        assert!(reused.contains(&expected), "{expected} not in {detail}");
    }
    // A value the citizen changed is not said to be reused.
    assert!(
        !reused.iter().any(|r| r["field"] == "dien_thoai"),
        "{detail}"
    );

    // A component the birth dossier digitised, once it is finished, is in the store: the
    // next form chooses it instead of asking for the file.
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    receiver.act_ok(&birth_code, "accept", json!({})).await;
    let r = receiver
        .client
        .post(app.url(&format!("/api/v1/dossiers/{birth_code}/documents")))
        .query(&[
            ("name", "can-cuoc.pdf"),
            ("digitised", "true"),
            ("component", ID_CARD),
        ])
        .bearer_auth(&receiver.token)
        .header("content-type", "application/octet-stream")
        .body(b"%PDF-1.7\n% can cuoc\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let specialist = officer(&app, "chuyenvien.dk", Role::Specialist, &commune).await;
    let leader = officer(&app, "lanhdao.dk", Role::Leader, &commune).await;
    let r = receiver
        .post(
            &format!("/api/v1/dossiers/{birth_code}/results/from-form"),
            &json!({"register_no": "125/2026"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    receiver.act_ok(&birth_code, "forward", json!({})).await;
    specialist.act_ok(&birth_code, "forward", json!({})).await;
    leader.act_ok(&birth_code, "approve", json!({})).await;
    leader
        .act_ok(
            &birth_code,
            "finish",
            json!({"result": "Trích lục khai sinh", "electronic": true}),
        )
        .await;
    // The files come on the last step of this long form: walk to it with the declaration.
    let start = page(&citizen, &marital_url).await;
    let steps = steps_of(&start);
    let mut inputs = inputs_of(&marital_declaration());
    inputs.push(("step".into(), (steps - 2).to_string()));
    inputs.push(("form_action".into(), format!("step:{}", steps - 1)));
    let fields: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = post_form(&citizen, &marital_url, &start, &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = r.text().await.unwrap();
    let chosen = again
        .split("<select id=\"wallet_doc_0\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .unwrap_or_else(|| panic!("the stored item is offered: {again}"));
    assert!(
        chosen.contains("selected>Căn cước hoặc giấy tờ tùy thân có ảnh"),
        "{chosen}"
    );
    assert!(
        !again.contains("id=\"doc_0\" name=\"doc_0\" type=\"file\" required"),
        "the file is not asked for: {again}"
    );

    // The extract issued from data is in the store too: a request for its copy is filled
    // with its number and the agency that registered it (on the form's second step).
    let copy_url = app.url("/procedures/2.000635/submit");
    let start = page(&citizen, &copy_url).await;
    let r = post_form(
        &citizen,
        &copy_url,
        &start,
        &[("step", "1"), ("form_action", "step:1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let copy = r.text().await.unwrap();
    assert!(
        copy.contains("name=\"f.so_dang_ky\" type=\"text\" maxlength=\"500\" value=\"125/2026\"")
            && copy.contains(&format!(
                "Đã điền sẵn từ kết quả của hồ sơ {birth_code} trong kho dữ liệu của bạn"
            )),
        "{copy}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_receiver_types_the_paper_declaration_at_the_counter() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    with_processes(&app).await;
    let desk = signed_in(&app, "motcua.dongkinh").await;
    let counter = app.url("/work/counter");
    let html = page(&desk, &app.url(&format!("/work/counter?procedure={BIRTH}"))).await;
    assert!(
        html.contains("id=\"eform-note\"") && html.contains("name=\"f.ks_ho_ten\""),
        "{html}"
    );
    // Optional here: the browser is not told to insist on any of it.
    let form_part = html.split("id=\"eform-note\"").nth(1).unwrap();
    assert!(!form_part.contains(" required"), "{form_part}");
    let applicant = [
        ("procedure", BIRTH),
        ("channel", "paper"),
        ("kind", "person"),
        ("name", "Nguyễn Văn An"),
        ("citizen_id", "020095001234"),
        ("phone", "0912345678"),
    ];
    let post = |extra: Vec<(String, String)>, html: String| {
        let desk = desk.clone();
        let counter = counter.clone();
        async move {
            let mut fields: Vec<(String, String)> = vec![
                ("csrf_token".into(), csrf_from(&html)),
                ("idempotency_key".into(), hidden(&html, "idempotency_key")),
            ];
            fields.extend(
                applicant
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            fields.extend(extra);
            desk.post(&counter).form(&fields).send().await.unwrap()
        }
    };
    let before = app.store.count_dossiers().await.unwrap();

    // Typed with a mistake: said beside the field, nothing received.
    let mut typed = inputs_of(&birth_declaration("Nguyễn Thị Mai"));
    typed.retain(|(k, _)| k != "f.ks_ngay_sinh");
    typed.push(("f.ks_ngay_sinh".into(), "2099-01-01".into()));
    let r = post(typed, html.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = r.text().await.unwrap();
    assert!(
        said.contains("href=\"#f-ks_ngay_sinh\"") && said.contains("id=\"f-ks_ngay_sinh-error\""),
        "{said}"
    );
    assert!(said.contains("value=\"Nguyễn Thị Mai\""), "kept: {said}");
    assert_eq!(app.store.count_dossiers().await.unwrap(), before);

    // Typed right: the dossier carries the data.
    let r = post(inputs_of(&birth_declaration("Nguyễn Thị Mai")), said).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r)
        .trim_start_matches("/work/dossiers/")
        .trim_end_matches("/forms/01")
        .to_owned();
    let data: Value =
        serde_json::from_str(&app.store.dossier_form(&code).await.unwrap().unwrap()).unwrap();
    assert_eq!(data["ks_ho_ten"], "Nguyễn Thị Mai");

    // Left empty: the paper declaration is received as it is.
    let html = page(&desk, &app.url(&format!("/work/counter?procedure={BIRTH}"))).await;
    let r = post(Vec::new(), html).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r)
        .trim_start_matches("/work/dossiers/")
        .trim_end_matches("/forms/01")
        .to_owned();
    assert!(app.store.dossier_form(&code).await.unwrap().is_none());
    app.stop().await;
}

#[tokio::test]
async fn an_operator_replaces_a_code_list_from_the_command_line() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("loai.csv");
    std::fs::write(
        &good,
        "code,name,valid_from\nA,Loại một,\nB,Loại hai,2025-07-01\n",
    )
    .unwrap();
    let path = good.to_str().unwrap();
    let out = app.cli(&[
        "import",
        "code-list",
        "loai_thu",
        path,
        "--name",
        "Loại thử",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 mục"),
        "{out:?}"
    );
    let lists = app.store.code_lists().await.unwrap();
    let list = lists.iter().find(|l| l.key == "loai_thu").unwrap();
    assert_eq!((list.name.as_str(), list.entries.len()), ("Loại thử", 2));
    assert_eq!(list.source, "tệp loai.csv");

    // All or nothing: each bad row named, the list as it was.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name\nA,Một\nA,Lặp lại\n,Không mã\nC,Ba\n").unwrap();
    let out = app.cli(&["import", "code-list", "loai_thu", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("dòng 3") && said.contains("dòng 4"), "{said}");
    assert!(!said.contains("dòng 5"), "{said}");
    let lists = app.store.code_lists().await.unwrap();
    let list = lists.iter().find(|l| l.key == "loai_thu").unwrap();
    assert_eq!(list.entries.len(), 2);
    // A key forms cannot name is refused too.
    let out = app.cli(&["import", "code-list", "Loại Thử", path]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    app.stop().await;
}

//! The procedure catalogue against the real server: search, statistics, publication,
//! withdrawal, devolution, access rules, several nodes, imports and exports.

use crate::common::{self, Backend, TestApp, api_token, csrf_from, login, problem};
use crate::dossier_pages::between;
use chrono::Days;
use motcua_app::catalogue::files::{self as catalogue_files, ImportOptions, ImportReport};
use motcua_exchange::Format;
use motcua_store::Store;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = reqwest::get(app.url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

use crate::common::item_codes as codes;

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

fn q(text: &str) -> String {
    let url = reqwest::Url::parse_with_params("http://x/api/v1/procedures", [("q", text)]).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap())
}

/// The words of a name, lowercased, as the search sees them.
fn has_word(name: &str, word: &str) -> bool {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

async fn search_and_stats(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // The demo's figures, live from the catalogue.
    let stats = get_json(&app, "/api/v1/catalogue/stats").await;
    assert_eq!(stats["total"], 53);
    let count = |group: &str, key: &str| {
        stats[group]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    assert_eq!(
        (count("by_level", "province"), count("by_level", "commune")),
        (23, 30)
    );
    assert_eq!(
        count("by_online_level", "full")
            + count("by_online_level", "partial")
            + count("by_online_level", "none"),
        53
    );
    assert!(count("by_sector", "ho_tich") >= 8);
    let essential = &stats["sets"][0];
    assert_eq!(
        (
            essential["code"].as_str(),
            essential["total"].as_u64(),
            essential["full"].as_u64()
        ),
        (Some("dvc_thiet_yeu"), Some(25), Some(21))
    );
    let decision = &stats["decisions"][0];
    assert_eq!(decision["number"], "1150/QĐ-UBND");
    assert_eq!(
        (
            decision["required"].as_i64(),
            decision["published"].as_i64()
        ),
        (Some(53), Some(53))
    );

    // With or without diacritics, the same procedure first.
    for text in [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "DANG KY KHAI SINH",
        "đăng ký khai sinh",
    ] {
        let list = get_json(&app, &q(text)).await;
        assert_eq!(codes(&list)[0], "1.001193", "{text}: {list}");
        assert!(list["total"].as_u64().unwrap() >= 3, "{text}");
    }
    // Exact-diacritic matches rank above folded ones: "bán" (sell) before "bản" (copy).
    for word in ["bán", "bản"] {
        let list = get_json(&app, &q(word)).await;
        let names = names(&list);
        let exact: Vec<bool> = names.iter().map(|n| has_word(n, word)).collect();
        assert!(exact[0], "{word}: {names:?}");
        let first_folded = exact.iter().position(|e| !e).unwrap_or(exact.len());
        assert!(
            exact[first_folded..].iter().all(|e| !e),
            "{word}: exact matches must come first: {names:?}"
        );
        assert!(
            first_folded < names.len(),
            "{word}: folded matches also found: {names:?}"
        );
    }
    // A code finds its procedure.
    assert_eq!(codes(&get_json(&app, &q("2.000488")).await)[0], "2.000488");

    // Filters: level, sector, agency, online level; pages.
    let list = get_json(
        &app,
        "/api/v1/procedures?level=commune&sector=ho_tich&per_page=50",
    )
    .await;
    for item in list["items"].as_array().unwrap() {
        assert_eq!(item["sector"], "ho_tich");
        assert!(
            item["levels"]
                .as_array()
                .unwrap()
                .contains(&json!("commune"))
        );
    }
    assert_eq!(list["total"], 9);
    let full_province = get_json(
        &app,
        "/api/v1/procedures?level=province&online=full&per_page=200",
    )
    .await;
    assert!(
        full_province["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["online_level"] == "full"
                && i["levels"].as_array().unwrap().contains(&json!("province")))
    );
    let justice = get_json(&app, "/api/v1/procedures?agency=000.00.02.H37").await;
    assert!(codes(&justice).contains(&"2.000488".to_string()));
    assert!(!codes(&justice).contains(&"1.001193".to_string()));
    // A commune People's Committee handles what every commune committee handles.
    let dong_kinh = app
        .store
        .agencies(Some(motcua_domain::agency::AgencyKind::CommuneCommittee))
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Ủy ban nhân dân phường Đông Kinh")
        .unwrap();
    let commune = get_json(
        &app,
        &format!("/api/v1/procedures?agency={}&q=khai+sinh", dong_kinh.code),
    )
    .await;
    assert!(codes(&commune).contains(&"1.001193".to_string()));
    let page2 = get_json(&app, "/api/v1/procedures?per_page=10&page=2").await;
    assert_eq!(
        (
            page2["items"].as_array().unwrap().len(),
            page2["pages"].as_u64()
        ),
        (10, Some(6))
    );
    let bad = reqwest::get(app.url("/api/v1/procedures?level=huyen"))
        .await
        .unwrap();
    problem(bad, 400, "invalid_query").await;

    // Details.
    let detail = get_json(&app, "/api/v1/procedures/1.001193").await;
    assert_eq!(detail["procedure"]["name"], "Đăng ký khai sinh");
    assert_eq!(detail["state"], "published");
    assert_eq!(detail["processing_minutes"], 480);
    assert_eq!(detail["published_decision"]["number"], "1150/QĐ-UBND");
    assert_eq!(detail["sets"], json!(["dvc_thiet_yeu"]));
    assert_eq!(detail["assignments"][0]["level"], "commune");
    let missing = reqwest::get(app.url("/api/v1/procedures/9.999999"))
        .await
        .unwrap();
    problem(missing, 404, "procedure_not_found").await;
    let sectors = get_json(&app, "/api/v1/sectors").await;
    assert!(
        sectors
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "dat_dai")
    );
    app.stop().await;
}

#[tokio::test]
async fn search_and_stats_on_sqlite() {
    search_and_stats(Backend::Sqlite).await;
}

#[tokio::test]
async fn search_and_stats_on_postgres() {
    search_and_stats(Backend::Postgres).await;
}

fn new_procedure(code: &str) -> Value {
    json!({
        "code": code,
        "name": "Cấp giấy phép tổ chức lễ hội truyền thống",
        "sector": "van_hoa",
        "levels": ["province"],
        "agency_code": "000.00.06.H37",
        "agency_kind": "department",
        "applicants": ["citizen", "business"],
        "processing_time": {"value": 10, "unit": "working_days"},
        "service_norm": {"value": 7, "unit": "working_days"},
        "fees": [{"name": "Lệ phí", "amount_vnd": 0}],
        "documents": [{"name": "Văn bản đăng ký tổ chức lễ hội", "originals": 1}],
        "steps": "Nộp hồ sơ; nhận kết quả.",
        "channels": ["in_person", "online"],
        "online_level": "full",
        "results": [{"name": "Văn bản chấp thuận", "form": "electronic", "retention": {"years": 5}}],
        "legal_bases": ["Nghị định số 110/2018/NĐ-CP"],
        "valid_from": "2025-07-01"
    })
}

async fn admin_flows(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let client = reqwest::Client::new();
    let admin = api_token(&app, "quantri.tinh").await;
    let citizen = api_token(&app, "congdan").await;
    let post = |path: &str, token: Option<&str>, body: &Value| {
        let mut request = client.post(app.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let put = |path: &str, token: &str, body: &Value| {
        client
            .put(app.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
    };

    // Access rules: writes are for province administrators only.
    let body = new_procedure("1.012999");
    problem(
        post("/api/v1/procedures", None, &body).await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    problem(
        post("/api/v1/procedures", Some(&citizen), &body)
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let officer = api_token(&app, "lanhdao.tuphap").await;
    let publication =
        json!({"number": "X/QĐ", "date": "2025-08-01", "signer": "A", "publish": ["1.012999"]});
    problem(
        post("/api/v1/publications", Some(&officer), &publication)
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;

    // Bad drafts are refused with stable codes.
    let mut bad = body.clone();
    bad["service_norm"] = json!({"value": 11, "unit": "working_days"});
    problem(
        post("/api/v1/procedures", Some(&admin), &bad)
            .await
            .unwrap(),
        422,
        "service_norm_exceeds_legal_time",
    )
    .await;
    let mut bad = body.clone();
    bad["fees"] = json!([{"name": "Lệ phí", "amount_vnd": -1000}]);
    problem(
        post("/api/v1/procedures", Some(&admin), &bad)
            .await
            .unwrap(),
        422,
        "invalid_fee",
    )
    .await;
    let mut bad = body.clone();
    bad["sector"] = json!("khong_co");
    problem(
        post("/api/v1/procedures", Some(&admin), &bad)
            .await
            .unwrap(),
        422,
        "unknown_sector",
    )
    .await;
    let mut bad = body.clone();
    bad["agency_code"] = json!("000.00.77.H37");
    problem(
        post("/api/v1/procedures", Some(&admin), &bad)
            .await
            .unwrap(),
        422,
        "unknown_agency",
    )
    .await;
    let mut bad = body.clone();
    bad["online_level"] = json!("partial");
    problem(
        post("/api/v1/procedures", Some(&admin), &bad)
            .await
            .unwrap(),
        422,
        "online_reason_required",
    )
    .await;
    problem(
        post(
            "/api/v1/procedures",
            Some(&admin),
            &new_procedure("1.001193"),
        )
        .await
        .unwrap(),
        409,
        "duplicate_procedure_code",
    )
    .await;

    // A draft is not public until published.
    let created = post("/api/v1/procedures", Some(&admin), &body)
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["version_no"].as_i64(), created["state"].as_str()),
        (Some(1), Some("draft"))
    );
    assert_eq!(get_json(&app, &q("le hoi truyen thong")).await["total"], 0);
    problem(
        reqwest::get(app.url("/api/v1/procedures/1.012999"))
            .await
            .unwrap(),
        404,
        "procedure_not_found",
    )
    .await;
    let draft: Value = client
        .get(app.url("/api/v1/procedures/1.012999?version=1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(draft["state"], "draft", "administrators see drafts");

    let publication = json!({
        "number": "2001/QĐ-UBND", "date": "2025-08-01", "signer": "Chủ tịch UBND tỉnh",
        "required_count": 1, "publish": ["1.012999"]
    });
    let published = post("/api/v1/publications", Some(&admin), &publication)
        .await
        .unwrap();
    assert_eq!(published.status(), 201);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["published"][0]["code"], "1.012999");
    for text in ["le hoi truyen thong", "lễ hội truyền thống"] {
        assert_eq!(
            codes(&get_json(&app, &q(text)).await),
            ["1.012999"],
            "{text}"
        );
    }
    let stats = get_json(&app, "/api/v1/catalogue/stats").await;
    assert_eq!(stats["total"], 54);
    let decision = stats["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["number"] == "2001/QĐ-UBND")
        .unwrap()
        .clone();
    assert_eq!(
        (
            decision["required"].as_i64(),
            decision["published"].as_i64()
        ),
        (Some(1), Some(1))
    );
    problem(
        post("/api/v1/publications", Some(&admin), &publication)
            .await
            .unwrap(),
        409,
        "duplicate_decision_number",
    )
    .await;

    // A new version: the dossier's old version stays readable.
    let mut v2: Value = get_json(&app, "/api/v1/procedures/1.001193").await["procedure"].clone();
    v2["processing_time"] = json!({"value": 3, "unit": "working_hours"});
    v2["service_norm"] = Value::Null;
    problem(
        put("/api/v1/procedures/1.000656", &admin, &v2)
            .await
            .unwrap(),
        422,
        "code_mismatch",
    )
    .await;
    problem(
        put("/api/v1/procedures/1.001193", &citizen, &v2)
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let saved = put("/api/v1/procedures/1.001193", &admin, &v2)
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    assert_eq!(saved.json::<Value>().await.unwrap()["version_no"], 2);
    assert_eq!(
        get_json(&app, "/api/v1/procedures/1.001193").await["version_no"],
        1
    );
    let again = json!({"number": "2002/QĐ-UBND", "date": "2025-08-02", "signer": "Chủ tịch UBND tỉnh", "publish": ["1.001193"]});
    assert_eq!(
        post("/api/v1/publications", Some(&admin), &again)
            .await
            .unwrap()
            .status(),
        201
    );
    let current = get_json(&app, "/api/v1/procedures/1.001193").await;
    assert_eq!(
        (
            current["version_no"].as_i64(),
            current["processing_minutes"].as_i64()
        ),
        (Some(2), Some(180))
    );
    let old = get_json(&app, "/api/v1/procedures/1.001193?version=1").await;
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["ended_decision"]["number"], "2002/QĐ-UBND");
    let nothing = json!({"number": "2003/QĐ-UBND", "date": "2025-08-03", "signer": "A", "publish": ["1.001193"]});
    problem(
        post("/api/v1/publications", Some(&admin), &nothing)
            .await
            .unwrap(),
        409,
        "invalid_state_transition",
    )
    .await;

    // Devolution: the criminal record certificate moves to the communes from today.
    let today = motcua_app::today_vn();
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap();
    let devolution = json!({
        "from_level": "province", "to_level": "commune", "agency_kind": "commune_committee",
        "effective_from": today, "note": "Phân cấp theo nghị định"
    });
    problem(
        post(
            "/api/v1/procedures/2.000488/devolutions",
            Some(&citizen),
            &devolution,
        )
        .await
        .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let response = post(
        "/api/v1/procedures/2.000488/devolutions",
        Some(&admin),
        &devolution,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let commune = get_json(&app, "/api/v1/procedures?level=commune&q=ly+lich+tu+phap").await;
    assert_eq!(codes(&commune), ["2.000488"]);
    let province = get_json(&app, "/api/v1/procedures?level=province&q=ly+lich+tu+phap").await;
    assert_eq!(province["total"], 0);
    let level_at = |rows: &Value, code: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["code"] == code)
            .map(|r| r["level"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let before = get_json(
        &app,
        &format!("/api/v1/catalogue/applicable?at={yesterday}"),
    )
    .await;
    let after = get_json(&app, &format!("/api/v1/catalogue/applicable?at={today}")).await;
    assert_eq!(level_at(&before, "2.000488"), ["province"]);
    assert_eq!(level_at(&after, "2.000488"), ["commune"]);
    let at_commune = get_json(
        &app,
        &format!("/api/v1/catalogue/applicable?at={today}&level=commune"),
    )
    .await;
    assert!(
        at_commune
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["level"] == "commune")
    );
    let unknown =
        json!({"to_level": "province", "agency_code": "000.00.77.H37", "effective_from": today});
    problem(
        post(
            "/api/v1/procedures/2.000488/devolutions",
            Some(&admin),
            &unknown,
        )
        .await
        .unwrap(),
        422,
        "unknown_agency",
    )
    .await;
    problem(
        post(
            "/api/v1/procedures/9.9/devolutions",
            Some(&admin),
            &devolution,
        )
        .await
        .unwrap(),
        404,
        "procedure_not_found",
    )
    .await;

    // Withdrawal: gone from search and from the essential count, still in history.
    let withdrawal = json!({"number": "2004/QĐ-UBND", "date": today, "signer": "Chủ tịch UBND tỉnh", "withdraw": ["1.000894"]});
    assert_eq!(
        post("/api/v1/publications", Some(&admin), &withdrawal)
            .await
            .unwrap()
            .status(),
        201
    );
    assert!(!codes(&get_json(&app, &q("dang ky ket hon")).await).contains(&"1.000894".to_string()));
    let stats = get_json(&app, "/api/v1/catalogue/stats").await;
    assert_eq!(
        (
            stats["sets"][0]["total"].as_u64(),
            stats["sets"][0]["full"].as_u64()
        ),
        (Some(24), Some(21))
    );
    let before = get_json(
        &app,
        &format!("/api/v1/catalogue/applicable?at={yesterday}"),
    )
    .await;
    assert_eq!(level_at(&before, "1.000894"), ["commune"]);
    let after = get_json(&app, &format!("/api/v1/catalogue/applicable?at={today}")).await;
    assert!(level_at(&after, "1.000894").is_empty());
    let withdrawn = get_json(&app, "/api/v1/procedures/1.000894?version=1").await;
    assert_eq!(withdrawn["state"], "withdrawn");

    // Every write left its audit event, by whom, and the chain holds.
    let actions = |events: Vec<motcua_domain::audit::AuditEvent>| {
        events
            .into_iter()
            .map(|e| (e.entry.action, e.entry.actor))
            .collect::<Vec<_>>()
    };
    let events = actions(
        app.store
            .audit_events_for("procedure:2.000488")
            .await
            .unwrap(),
    );
    assert_eq!(
        events.last().unwrap(),
        &("procedure.devolved".to_string(), "quantri.tinh".to_string())
    );
    let events = actions(
        app.store
            .audit_events_for("procedure:1.012999")
            .await
            .unwrap(),
    );
    assert_eq!(
        events.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["procedure.created", "procedure.published"]
    );
    assert!(
        !app.store
            .audit_events_for("decision:2004/QĐ-UBND")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn admin_flows_on_sqlite() {
    admin_flows(Backend::Sqlite).await;
}

#[tokio::test]
async fn admin_flows_on_postgres() {
    admin_flows(Backend::Postgres).await;
}

#[tokio::test]
async fn several_nodes_agree_on_the_catalogue() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    // A second node on the same database, with its own index.
    let other = motcua::server::start(
        app.store.clone(),
        "127.0.0.1:0".parse().unwrap(),
        motcua_web::WebConfig::default(),
        Vec::new(),
    )
    .await
    .unwrap();
    let other_url = |path: &str| format!("http://{}{path}", other.addr);
    let admin = api_token(&app, "quantri.tinh").await;
    let client = reqwest::Client::new();
    let total = |url: String| async move {
        reqwest::get(url)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(total(other_url("/api/v1/procedures?q=le+hoi")).await, 0);
    let created = client
        .post(app.url("/api/v1/procedures"))
        .bearer_auth(&admin)
        .json(&new_procedure("1.012999"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let publication = json!({"number": "3001/QĐ-UBND", "date": "2025-08-01", "signer": "A", "publish": ["1.012999"]});
    let published = client
        .post(app.url("/api/v1/publications"))
        .bearer_auth(&admin)
        .json(&publication)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 201);
    // The node that did not write sees it at once.
    assert_eq!(total(other_url("/api/v1/procedures?q=le+hoi")).await, 1);
    assert_eq!(
        reqwest::get(other_url("/api/v1/catalogue/stats"))
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["total"],
        54
    );
    other.shutdown().await.unwrap();
    app.stop().await;
}

// ------------------------------------------------------------------ files

/// A database with the demo's units, agencies and accounts but no catalogue.
async fn empty_catalogue_store(dir: &tempfile::TempDir) -> Store {
    let store = Store::open_sqlite(&dir.path().join("empty.sqlite3"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let (mut seed, _) = motcua::demo::build(common::demo_password).unwrap();
    seed.catalogue = None;
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "demo.seeded",
        "demo:lang_son",
        json!({}),
    );
    store
        .load_seed(&seed, motcua_app::now(), audit)
        .await
        .unwrap();
    store
}

fn options() -> ImportOptions {
    ImportOptions {
        decision: Some("4001/QĐ-UBND".into()),
        decision_date: chrono::NaiveDate::from_ymd_opt(2025, 6, 30),
        signer: Some("Chủ tịch UBND tỉnh".into()),
        required_count: None,
        dry_run: false,
    }
}

async fn import(store: &Store, bytes: &[u8]) -> Result<ImportReport, catalogue_files::ImportError> {
    catalogue_files::import(
        store,
        bytes,
        &options(),
        motcua_app::now(),
        motcua_app::today_vn(),
    )
    .await
}

#[tokio::test]
async fn export_then_import_into_an_empty_catalogue_gives_the_same_catalogue() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let json = catalogue_files::export(&app.store, Format::Json)
        .await
        .unwrap();
    for format in [Format::Json, Format::Csv, Format::Xlsx] {
        let first = catalogue_files::export(&app.store, format).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = empty_catalogue_store(&dir).await;
        match import(&store, &first).await.unwrap() {
            ImportReport::Imported { rows, .. } => {
                assert_eq!(rows.len(), 53);
                assert!(rows.iter().all(|r| r.outcome == "created"));
            }
            ImportReport::Rejected { issues, .. } => panic!("{format}: {issues:#?}"),
        }
        let second = catalogue_files::export(&store, format).await.unwrap();
        if format == Format::Xlsx {
            // The workbook's own metadata holds its creation time: compare the content.
            let a = motcua_exchange::parse(&first).unwrap().entries();
            let b = motcua_exchange::parse(&second).unwrap().entries();
            assert_eq!(a, b);
        } else {
            assert_eq!(second, first, "{format}");
        }
        assert_eq!(
            catalogue_files::export(&store, Format::Json).await.unwrap(),
            json,
            "{format}: the same catalogue"
        );
        store.close().await;
    }
    app.stop().await;
}

/// Exports the demo, changes it, imports it: the import must refuse with this report
/// and write nothing.
async fn refused(store: &Store, bytes: &[u8], expected: (&str, usize, Option<&str>, &str)) {
    let before = store.catalogue_revision().await.unwrap();
    let decisions = store.decisions().await.unwrap().len();
    match import(store, bytes).await.unwrap() {
        ImportReport::Rejected { issues, .. } => {
            let found: Vec<_> = issues
                .iter()
                .map(|i| (i.sheet.as_str(), i.row, i.column.as_deref(), i.code))
                .collect();
            assert!(found.contains(&expected), "{expected:?} not in {found:#?}");
            assert!(issues.iter().all(|i| !i.message.is_empty()));
        }
        ImportReport::Imported { .. } => panic!("{expected:?}: imported"),
    }
    assert_eq!(
        store.catalogue_revision().await.unwrap(),
        before,
        "nothing written"
    );
    assert_eq!(store.decisions().await.unwrap().len(), decisions);
}

fn csv_with(original: &[u8], edit: impl Fn(&mut Vec<Vec<String>>)) -> Vec<u8> {
    let text = std::str::from_utf8(original)
        .unwrap()
        .trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    edit(&mut rows);
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0].iter().position(|h| h == name).unwrap()
}

#[tokio::test]
async fn bad_files_are_refused_with_a_report_per_row_and_nothing_imported() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = empty_catalogue_store(&dir).await;
    let csv = catalogue_files::export(&app.store, Format::Csv)
        .await
        .unwrap();
    let json = catalogue_files::export(&app.store, Format::Json)
        .await
        .unwrap();

    // A duplicate code: the second of the two rows is named.
    let dup = csv_with(&csv, |rows| {
        let code = column(rows, "ma_thu_tuc");
        rows[5][code] = rows[3][code].clone();
    });
    refused(
        &store,
        &dup,
        ("CSV", 6, Some("ma_thu_tuc"), "duplicate_procedure_code"),
    )
    .await;
    // A missing column.
    let missing = csv_with(&csv, |rows| {
        let sector = column(rows, "linh_vuc");
        for row in rows.iter_mut() {
            row.remove(sector);
        }
    });
    refused(
        &store,
        &missing,
        ("CSV", 1, Some("linh_vuc"), "missing_column"),
    )
    .await;
    // An unknown sector.
    let sector = csv_with(&csv, |rows| {
        let sector = column(rows, "linh_vuc");
        rows[10][sector] = "khong_co".into();
    });
    refused(
        &store,
        &sector,
        ("CSV", 11, Some("linh_vuc"), "unknown_sector"),
    )
    .await;
    // A service norm above the legal time, in JSON.
    let mut value: Value = serde_json::from_slice(&json).unwrap();
    value["procedures"][2]["service_norm"] = json!({"value": 99, "unit": "working_days"});
    let norm = serde_json::to_vec(&value).unwrap();
    refused(
        &store,
        &norm,
        (
            "procedures",
            3,
            Some("service_norm"),
            "service_norm_exceeds_legal_time",
        ),
    )
    .await;
    // A negative fee and an unknown agency, in Excel: each reported on its own sheet's row.
    let mut entries = motcua_exchange::parse(&json).unwrap().entries();
    let with_fees = entries
        .iter()
        .position(|e| !e.procedure.fees.is_empty())
        .unwrap();
    entries[with_fees].procedure.fees[0].amount_vnd = -2000;
    let provincial = entries
        .iter()
        .position(|e| e.procedure.agency_code.is_some())
        .unwrap();
    entries[provincial].procedure.agency_code =
        Some(motcua_domain::agency::AgencyCode::parse("000.00.77.H37").unwrap());
    let xlsx = motcua_exchange::export(&entries, Format::Xlsx).unwrap();
    let fee_row = 2 + entries[..with_fees]
        .iter()
        .map(|e| e.procedure.fees.len())
        .sum::<usize>();
    refused(
        &store,
        &xlsx,
        ("Phí, lệ phí", fee_row, Some("so_tien_vnd"), "invalid_fee"),
    )
    .await;
    refused(
        &store,
        &xlsx,
        (
            "Thủ tục",
            provincial + 2,
            Some("co_quan_thuc_hien"),
            "unknown_agency",
        ),
    )
    .await;
    // A file of the wrong type.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    match import(&store, png).await {
        Err(catalogue_files::ImportError::File(e)) => assert_eq!(e.code(), "wrong_file_type"),
        other => panic!("{other:?}"),
    }
    assert!(store.published_catalogue().await.unwrap().is_empty());
    store.close().await;
    app.stop().await;
}

// ------------------------------------------------------------------ the command line

fn motcua(data_dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"));
    cmd.arg("--data-dir").arg(data_dir);
    cmd.env_remove("MOTCUA_DATABASE_URL");
    cmd
}

#[tokio::test]
async fn the_command_line_imports_and_exports() {
    // Commune-level procedures name no agency: they import into a brand-new database.
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let json = catalogue_files::export(&app.store, Format::Json)
        .await
        .unwrap();
    app.stop().await;
    let entries: Vec<_> = motcua_exchange::parse(&json)
        .unwrap()
        .entries()
        .into_iter()
        .filter(|e| e.procedure.agency_code.is_none())
        .collect();
    assert!(entries.len() >= 25);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("thu-tuc.xlsx");
    std::fs::write(
        &file,
        motcua_exchange::export(&entries, Format::Xlsx).unwrap(),
    )
    .unwrap();

    let data = dir.path().join("data");
    let out = motcua(&data)
        .args(["import", "procedures"])
        .arg(&file)
        .args([
            "--decision",
            "5001/QĐ-UBND",
            "--decision-date",
            "2025-06-30",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Thủ tục, dòng 2: "), "{stdout}");
    assert!(stdout.contains("thêm mới"));
    assert!(
        stdout.contains(&format!("Đã nhập {} thủ tục", entries.len())),
        "{stdout}"
    );

    // Export to standard output and to a file.
    let csv = motcua(&data)
        .args(["export", "procedures", "--format", "csv"])
        .output()
        .unwrap();
    assert!(csv.status.success());
    assert_eq!(
        csv.stdout,
        motcua_exchange::export(&entries, Format::Csv).unwrap()
    );
    let exported = dir.path().join("out.json");
    let out = motcua(&data)
        .args(["export", "procedures", "--format", "json", "--output"])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        motcua_exchange::export(&entries, Format::Json).unwrap()
    );

    // A bad file: the report names the row, the exit code says no, nothing changes.
    let mut bad = entries.clone();
    bad[0].procedure.fees = vec![motcua_domain::procedure::Fee {
        name: "Lệ phí".into(),
        amount_vnd: -1,
        ..Default::default()
    }];
    bad[0].procedure.name = "Đã sửa".into();
    let bad_file = dir.path().join("sai.csv");
    std::fs::write(
        &bad_file,
        motcua_exchange::export(&bad, Format::Csv).unwrap(),
    )
    .unwrap();
    let out = motcua(&data)
        .args(["import", "procedures"])
        .arg(&bad_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CSV, dòng 2, cột phi_le_phi") && stdout.contains("[invalid_fee]"),
        "{stdout}"
    );
    let png = dir.path().join("anh.xlsx");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n").unwrap();
    let out = motcua(&data)
        .args(["import", "procedures"])
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Sai loại tệp"));
    let after = motcua(&data)
        .args(["export", "procedures", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        after.stdout,
        motcua_exchange::export(&entries, Format::Json).unwrap()
    );
}

/// The export API and `motcua export procedures` run the same use case: the same bytes.
#[tokio::test]
async fn the_export_api_gives_the_command_lines_bytes() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    for format in [Format::Json, Format::Csv, Format::Xlsx] {
        let path = format!("/api/v1/catalogue/export?format={}", format.as_str());
        let response = reqwest::get(app.url(&path)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], format.content_type());
        let api = response.bytes().await.unwrap();
        let cli = catalogue_files::export(&app.store, format).await.unwrap();
        if format == Format::Xlsx {
            // A workbook records when it was written: compare what it holds.
            let entries = |bytes: &[u8]| -> Vec<motcua_exchange::Entry> {
                let parsed = motcua_exchange::parse(bytes).unwrap();
                parsed.rows.into_iter().map(|r| r.entry).collect()
            };
            assert_eq!(entries(&api), entries(&cli));
            assert_eq!(entries(&api).len(), 53);
        } else {
            assert_eq!(api.as_ref(), cli.as_slice(), "{path}");
        }
    }
    app.stop().await;
}

// ------------------------------------------------------------------ pages

async fn text(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_public_pages_show_counts_search_and_details() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let (status, html) = text(&client, app.url("/procedures")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<strong id=\"total-published\">53</strong>"),
        "{html}"
    );
    assert!(html.contains("<strong>21/25</strong>"));
    assert!(html.contains("href=\"/procedures.xlsx\""));
    assert!(html.contains("<label for=\"q\">"));
    let (_, home) = text(&client, app.url("/")).await;
    assert!(home.contains("href=\"/procedures\">Thủ tục hành chính</a>"));

    let (_, html) = text(
        &client,
        app.url("/procedures?q=dang+ky+khai+sinh&level=commune"),
    )
    .await;
    let first = html.find("href=\"/procedures/1.001193\"").expect("found");
    assert!(html.contains("Tìm thấy"));
    assert!(
        first
            < html
                .find("href=\"/procedures/1.004884\"")
                .unwrap_or(usize::MAX)
    );
    // As people type: i for y, and one typo in a longer word.
    for typed in ["dang+ki+khai+sinh", "dang+ky+khai+sinhh"] {
        let (_, html) = text(&client, app.url(&format!("/procedures?q={typed}"))).await;
        let found = html.find("href=\"/procedures/1.001193\"");
        assert!(found.is_some(), "{typed}");
        assert!(!html.contains("id=\"suggestions\""), "{typed}");
    }
    // Nothing matches: close procedures are suggested.
    let (_, html) = text(&client, app.url("/procedures?q=dang+kys+khai+sinhh")).await;
    assert!(html.contains("Tìm thấy <strong>0</strong>"), "{html}");
    let suggested = between(&html, "id=\"suggestions\"", "</section>");
    assert!(suggested.contains("Có phải bạn tìm"));
    assert!(
        suggested.contains("href=\"/procedures/1.001193\""),
        "{suggested}"
    );
    let (_, html) = text(&client, app.url("/procedures?per_page=20&page=2")).await;
    assert!(
        html.contains("Trang 2/3") && html.contains("rel=\"prev\""),
        "{html}"
    );
    let (status, _) = text(&client, app.url("/procedures?online=mot_nua")).await;
    assert_eq!(status, 400);

    let (status, html) = text(&client, app.url("/procedures/1.001193")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Đăng ký khai sinh</h1>"));
    assert!(html.contains("href=\"/procedures/1.001193/submit\">Nộp hồ sơ trực tuyến</a>"));
    assert!(html.contains("Tờ khai đăng ký khai sinh") && html.contains("Luật Hộ tịch"));
    assert!(html.contains("1150/QĐ-UBND"));
    assert!(!html.contains("/edit"), "no administration for the public");
    let (_, html) = text(&client, app.url("/procedures/2.000884")).await;
    assert!(
        !html.contains("Nộp hồ sơ trực tuyến"),
        "not online: no button"
    );
    assert!(
        html.contains("ký trước mặt người thực hiện chứng thực"),
        "the published reason"
    );
    let (_, html) = text(&client, app.url("/procedures/2.000488")).await;
    assert!(html.contains("200.000 đ"));
    let (status, _) = text(&client, app.url("/procedures/9.999")).await;
    assert_eq!(status, 404);
    let css = text(&client, app.url("/static/motcua.css")).await.1;
    assert!(css.contains("@media print") && css.contains(".no-print"));

    let response = client
        .get(app.url("/procedures.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(motcua_exchange::parse(&bytes).unwrap().rows.len(), 53);
    let csv = client
        .get(app.url("/procedures.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        csv.as_ref(),
        catalogue_files::export(&app.store, Format::Csv)
            .await
            .unwrap()
    );
    let api = client
        .get(app.url("/api/v1/catalogue/export?format=json"))
        .send()
        .await
        .unwrap();
    assert!(
        api.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("thu-tuc-hanh-chinh.json")
    );
    app.stop().await;
}

#[tokio::test]
async fn administrators_draft_publish_and_devolve_through_pages() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Signed out: to the login page. A citizen: refused.
    let anonymous = app.client();
    let response = anonymous
        .get(app.url("/procedures/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let citizen = app.client();
    login(&app, &citizen, "congdan", &app.passwords["congdan"]).await;
    assert_eq!(
        citizen
            .get(app.url("/publications"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        citizen
            .get(app.url("/procedures/1.001193/edit"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let admin = app.client();
    login(&app, &admin, "quantri.tinh", &app.passwords["quantri.tinh"]).await;
    let (_, html) = text(&admin, app.url("/procedures")).await;
    assert!(html.contains("href=\"/procedures/new\""));
    let (status, form) = text(&admin, app.url("/procedures/new")).await;
    assert_eq!(status, 200);
    let token = csrf_from(&form);
    let fields = |norm: &str| {
        vec![
            ("csrf_token", token.clone()),
            ("code", "1.013000".into()),
            ("name", "Công nhận tuyến du lịch cộng đồng".into()),
            ("sector", "van_hoa".into()),
            ("levels", "commune".into()),
            ("agency_kind", "commune_committee".into()),
            ("applicants", "citizen".into()),
            ("applicants", "business".into()),
            ("time_value", "5".into()),
            ("time_unit", "working_days".into()),
            ("norm_value", norm.into()),
            ("norm_unit", "working_days".into()),
            ("channels", "in_person".into()),
            ("channels", "online".into()),
            ("online_level", "full".into()),
            (
                "documents",
                "Đơn đề nghị | 1 | 0 | Mẫu 01 | có | không".into(),
            ),
            ("fees", "Lệ phí | 0".into()),
            ("results", "Quyết định công nhận | electronic | 10".into()),
            ("legal_bases", "Luật Du lịch 2017".into()),
            ("valid_from", "2025-07-01".into()),
        ]
    };
    let rejected = admin
        .post(app.url("/procedures/new"))
        .form(&fields("6"))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 422);
    let html = rejected.text().await.unwrap();
    assert!(
        html.contains("Chuẩn phục vụ")
            && html.contains("value=\"Công nhận tuyến du lịch cộng đồng\""),
        "{html}"
    );
    let created = admin
        .post(app.url("/procedures/new"))
        .form(&fields("3"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/procedures/1.013000");
    let (_, html) = text(&admin, app.url("/procedures/1.013000")).await;
    assert!(html.contains("dự thảo") && html.contains("/publications?publish=1.013000"));
    assert_eq!(
        text(&anonymous, app.url("/procedures/1.013000")).await.0,
        404
    );

    let (_, html) = text(&admin, app.url("/publications?publish=1.013000")).await;
    assert!(html.contains("value=\"1.013000\" checked"));
    let published = admin
        .post(app.url("/publications"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("number", "6001/QĐ-UBND"),
            ("date", "2025-08-01"),
            ("signer", "Chủ tịch UBND tỉnh"),
            ("required_count", "1"),
            ("publish", "1.013000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    assert!(
        published
            .text()
            .await
            .unwrap()
            .contains("công bố 1 thủ tục")
    );
    let (status, html) = text(&anonymous, app.url("/procedures?q=tuyen+du+lich")).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/procedures/1.013000\""));

    // Editing makes a draft; the published text stays until the next decision.
    let (_, form) = text(&admin, app.url("/procedures/1.013000/edit")).await;
    assert!(form.contains("Đơn đề nghị | 1 | 0 | Mẫu 01 | có | không"));
    let mut edited = fields("3");
    edited[2].1 = "Công nhận tuyến du lịch cộng đồng (sửa đổi)".into();
    let saved = admin
        .post(app.url("/procedures/1.013000/edit"))
        .form(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&anonymous, app.url("/procedures/1.013000")).await;
    assert!(html.contains("<h1>Công nhận tuyến du lịch cộng đồng</h1>"));

    // Devolution through its page.
    let today = motcua_app::today_vn().to_string();
    let moved = admin
        .post(app.url("/procedures/2.001914/devolve"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("from_level", "province"),
            ("to_level", "commune"),
            ("agency_kind", "commune_committee"),
            ("effective_from", today.as_str()),
            ("note", "Thử phân cấp"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&anonymous, app.url("/procedures/2.001914")).await;
    assert!(html.contains("Thử phân cấp") && html.contains("(hiện hành)"));
    let events = app
        .store
        .audit_events_for("procedure:2.001914")
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().entry.action, "procedure.devolved");
    // Forms without the CSRF token are refused.
    let forged = admin
        .post(app.url("/publications"))
        .form(&[
            ("number", "X"),
            ("date", "2025-08-01"),
            ("signer", "A"),
            ("withdraw", "1.001193"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    app.stop().await;
}

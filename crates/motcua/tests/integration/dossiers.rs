//! Dossiers end to end through the API, on both backends: submission, the queue, actions
//! under the access rules, concurrency, documents, the public lookup and rating, processes.

use crate::common::agency_of;
use crate::common::{
    Api, Backend, Options, TestApp, demo_password, login, other_commune_receiver, problem,
};
use motcua::samples;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn actions(d: &Value) -> Vec<String> {
    d["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect()
}

/// The samples loaded and one dossier submitted at Đông Kinh by the demo citizen: the
/// citizen's client and the dossier's code.
pub(crate) async fn one_submitted(app: &TestApp) -> (Api<'_>, String) {
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(app, "motcua.dongkinh").await;
    let citizen = Api::new(app, "congdan").await;
    let d: Value = citizen
        .post("/api/v1/dossiers", &submission(&dongkinh))
        .await
        .json()
        .await
        .unwrap();
    let code = d["code"].as_str().unwrap().to_owned();
    (citizen, code)
}

pub(crate) fn submission(agency: &str) -> Value {
    json!({
        "procedure_code": samples::CRIMINAL_RECORD,
        "agency_code": agency,
        "applicant": {
            "kind": "person",
            "name": "Nguyễn Văn An",
            "citizen_id": "020095001234",
            "phone": "0912 345 678",
            "email": "an@example.vn"
        }
    })
}

fn lists_procedure(missing: &Value, code: &str) -> bool {
    missing
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["procedure_code"] == code)
}

async fn end_to_end(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let citizen = Api::new(&app, "congdan").await;
    let admin = Api::new(&app, "quantri.tinh").await;

    // The demo publishes the procedure, but no approved process handles it yet.
    let r = citizen
        .post("/api/v1/dossiers", &submission(&dongkinh))
        .await;
    problem(r, 422, "no_approved_process").await;
    let missing: Value = admin.json("/api/v1/processes/missing").await;
    assert!(
        lists_procedure(&missing, samples::CRIMINAL_RECORD),
        "{missing}"
    );
    samples::load(&app.store).await.unwrap();
    let missing: Value = admin.json("/api/v1/processes/missing").await;
    assert!(
        !lists_procedure(&missing, samples::CRIMINAL_RECORD),
        "{missing}"
    );
    assert!(!lists_procedure(&missing, samples::BIRTH), "{missing}");

    // Online submission with an idempotency key: a retry answers the same dossier.
    let send = |key: &str, body: &Value| {
        citizen
            .client
            .post(app.url("/api/v1/dossiers"))
            .bearer_auth(&citizen.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let body = submission(&dongkinh);
    let first = send("lan-1", &body).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let code = first["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with(&format!("{dongkinh}-")), "{code}");
    assert!(code.ends_with("-0001"), "{code}");
    assert_eq!(first["state"], "submitted");
    assert_eq!(first["national_status"], 1);
    assert_eq!(first["procedure_version_no"], 1);
    assert_eq!(first["process_version_no"], 1);
    assert_eq!(actions(&first), ["withdraw"], "the applicant may withdraw");
    let again = send("lan-1", &body).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["code"], code.as_str());
    let mut other = body.clone();
    other["applicant"]["name"] = json!("Nguyễn Văn Bình");
    problem(
        send("lan-1", &other).await.unwrap(),
        409,
        "idempotency_key_reused",
    )
    .await;
    let mut bad = body.clone();
    bad["applicant"]["citizen_id"] = json!("12345");
    problem(
        send("lan-2", &bad).await.unwrap(),
        422,
        "invalid_citizen_id",
    )
    .await;

    // The receiver at Đông Kinh finds it and receives it.
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let queue = receiver.json("/api/v1/dossiers?status=submitted").await;
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["code"], code.as_str());
    let by_name = receiver.json("/api/v1/dossiers?q=nguyen%20van").await;
    assert_eq!(by_name["total"], 1);
    let d = receiver.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(
        actions(&d),
        [
            "accept",
            "request_supplement",
            "refuse_at_receipt",
            "withdraw"
        ]
    );
    assert_eq!(d["applicant"]["citizen_id"], "020095001234");
    // A stale version loses; an action out of order is refused with a stable code.
    let r = receiver
        .act(&code, json!({ "action": "accept", "version": 0 }))
        .await;
    problem(r, 409, "stale_version").await;
    let r = receiver
        .act(
            &code,
            json!({ "action": "approve", "version": d["version"] }),
        )
        .await;
    problem(r, 409, "action_not_allowed").await;
    let r = receiver
        .act(&code, json!({ "action": "fly", "version": d["version"] }))
        .await;
    problem(r, 422, "unknown_action").await;
    let d = receiver.act_ok(&code, "accept", json!({})).await;
    assert_eq!(d["state"], "received");
    assert_eq!(d["national_status"], 2);
    assert!(d["due_at"].as_str().unwrap().ends_with("+07:00"));
    assert_eq!(d["due_state"], "on_time");

    // Step 0 is the receiver's; the specialist of Sở Tư pháp sees the dossier (a later
    // step is theirs) but may not act yet.
    let specialist = Api::new(&app, "chuyenvien.tuphap").await;
    let seen = specialist.json(&format!("/api/v1/dossiers/{code}")).await;
    assert!(actions(&seen).is_empty(), "{:?}", actions(&seen));
    let r = specialist
        .act(
            &code,
            json!({ "action": "forward", "version": seen["version"] }),
        )
        .await;
    problem(r, 403, "forbidden").await;
    let d = receiver.act_ok(&code, "forward", json!({})).await;
    assert_eq!(d["desk_agency"], samples::JUSTICE_DEPARTMENT);
    assert_eq!(d["current_step"]["name"], "Thẩm định, xác minh");
    let mine = specialist.json("/api/v1/dossiers").await;
    assert_eq!(mine["total"], 1);
    let counts: Value = admin.json("/api/v1/dossiers/counts").await;
    assert_eq!(counts[0]["agency_code"], samples::JUSTICE_DEPARTMENT);
    // The receiving commune sees where the dossiers it received are now, its own desk aside.
    let theirs: Value = receiver.json("/api/v1/dossiers/counts").await;
    let at = |desk: &str| {
        (theirs.as_array().unwrap().iter())
            .find(|c| c["agency_code"] == desk)
            .map(|c| c["open"].clone())
    };
    let justice = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["agency_code"] == samples::JUSTICE_DEPARTMENT)
        .unwrap();
    assert_eq!(
        at(samples::JUSTICE_DEPARTMENT),
        Some(justice["open"].clone()),
        "{theirs}"
    );

    // The leader assigns, the specialist forwards, the leader approves and finishes.
    let leader = Api::new(&app, "lanhdao.tuphap").await;
    let r = leader
        .act(
            &code,
            json!({ "action": "assign", "version": d["version"], "assignee": "motcua.dongkinh" }),
        )
        .await;
    problem(r, 422, "invalid_assignee").await;
    let d = leader
        .act_ok(&code, "assign", json!({ "assignee": "chuyenvien.tuphap" }))
        .await;
    assert_eq!(d["assignee"], "chuyenvien.tuphap");
    let assigned = specialist.json("/api/v1/dossiers?assignee=me").await;
    assert_eq!(assigned["total"], 1);
    assert!(
        actions(&specialist.json(&format!("/api/v1/dossiers/{code}")).await)
            .contains(&"forward".to_owned())
    );
    specialist.act_ok(&code, "forward", json!({})).await;
    let d = leader.act_ok(&code, "approve", json!({})).await;
    assert_eq!(d["state"], "approved");
    let d = leader
        .act_ok(
            &code,
            "finish",
            json!({ "result": "Phiếu lý lịch tư pháp số 1", "electronic": true }),
        )
        .await;
    assert_eq!(
        (d["state"].as_str(), d["national_status"].as_i64()),
        (Some("finished"), Some(9))
    );
    assert_eq!(
        d["desk_agency"],
        dongkinh.as_str(),
        "back at the counter to hand over"
    );

    // An auditor reads everything and changes nothing; an administrator sees it too.
    let auditor = Api::new(&app, "thanhtra").await;
    let seen = auditor.json(&format!("/api/v1/dossiers/{code}")).await;
    assert!(actions(&seen).is_empty());
    // Administrators and auditors do not need the applicant's numbers: masked, as on pages.
    for reader in [&auditor, &admin] {
        let v = reader.json(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(v["applicant"]["citizen_id"], "********1234", "{v}");
        assert_eq!(v["applicant"]["phone"], "091****678", "{v}");
        assert!(!v.to_string().contains("020095001234"));
    }
    let r = auditor
        .act(
            &code,
            json!({ "action": "return_result", "version": seen["version"] }),
        )
        .await;
    problem(r, 403, "forbidden").await;
    assert_eq!(
        admin.json("/api/v1/dossiers?status=finished").await["total"],
        1
    );
    // A receiver of another commune does not learn the dossier exists.
    let stranger = other_commune_receiver(&app).await;
    problem(
        stranger.get(&format!("/api/v1/dossiers/{code}")).await,
        404,
        "dossier_not_found",
    )
    .await;
    let r = stranger
        .act(
            &code,
            json!({ "action": "return_result", "version": seen["version"] }),
        )
        .await;
    problem(r, 404, "dossier_not_found").await;
    assert_eq!(stranger.json("/api/v1/dossiers").await["total"], 0);

    let d = receiver.act_ok(&code, "return_result", json!({})).await;
    assert_eq!(d["national_status"], 10);

    // The citizen sees their dossiers, and rates through the public lookup.
    let own = citizen.json("/api/v1/dossiers").await;
    assert_eq!(own["total"], 1);
    let public = reqwest::Client::new();
    let lookup = |check: &str| {
        public
            .get(app.url(&format!("/api/v1/public/dossiers/{code}?check={check}")))
            .send()
    };
    let view: Value = lookup("5678").await.unwrap().json().await.unwrap();
    assert_eq!(view["state"], "returned");
    assert_eq!(view["applicant"]["name"], "N. V. An");
    assert_eq!(view["applicant"]["citizen_id"], "********1234");
    assert_eq!(view["applicant"]["phone"], "091****678");
    assert!(!view.to_string().contains("020095001234"), "{view}");
    assert_eq!(view["can_rate"], true);
    assert_eq!(view["steps"].as_array().unwrap().len(), 3);
    problem(lookup("0000").await.unwrap(), 404, "dossier_not_found").await;
    let rate = |check: &str| {
        public
            .post(app.url(&format!("/api/v1/public/dossiers/{code}/rating")))
            .json(&json!({ "check": check, "scores": { "timeliness": 2, "staff_attitude": 1 }, "comment": "Tốt" }))
            .send()
    };
    let rated = rate("1234").await.unwrap();
    assert_eq!(rated.status(), 200);
    let rated: Value = rated.json().await.unwrap();
    assert_eq!(rated["rating"]["average"], 1.5);
    problem(rate("1234").await.unwrap(), 409, "already_rated").await;

    // History: every event, and the control sheet (form 05).
    let history = auditor
        .json(&format!("/api/v1/dossiers/{code}/events"))
        .await;
    let names: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "submitted",
            "accept",
            // The signed receipt (form 01) is issued on acceptance.
            "receipt_issued",
            "forward",
            "assign",
            "forward",
            "approve",
            "finish",
            "return_result",
            "rate"
        ]
    );
    let accept = &history["events"][1];
    assert_eq!(
        (
            accept["from_state"].as_str(),
            accept["to_state"].as_str(),
            accept["actor"].as_str()
        ),
        (Some("submitted"), Some("received"), Some("motcua.dongkinh"))
    );
    let sheet = history["control_sheet"].as_array().unwrap();
    assert_eq!(sheet.len(), 3, "{sheet:?}");
    assert_eq!(sheet[0]["step_name"], "Tiếp nhận hồ sơ");
    assert_eq!(sheet[1]["handler"], "chuyenvien.tuphap");
    assert!(sheet.iter().all(|r| r["time_out"].is_string()));

    // Counter receipt by a receiver: received at once.
    let mut counter = submission(&dongkinh);
    counter["channel"] = json!("paper");
    let r = receiver.post("/api/v1/dossiers", &counter).await;
    assert_eq!(r.status(), 201);
    let paper: Value = r.json().await.unwrap();
    assert_eq!(paper["state"], "received");
    assert!(paper["code"].as_str().unwrap().ends_with("-0002"));
    assert_eq!(paper["owner"], Value::Null);
    // A receiver may not receive for another agency; a specialist does not receive at all.
    problem(
        receiver
            .post("/api/v1/dossiers", &submission("000.01.40.H37"))
            .await,
        403,
        "forbidden",
    )
    .await;
    problem(
        specialist
            .post("/api/v1/dossiers", &submission(&dongkinh))
            .await,
        403,
        "forbidden",
    )
    .await;

    // Idempotency keys expire: within the retention a retry is still answered with the
    // first dossier; past it the key is purged and the same key makes a new dossier.
    let now = motcua_app::now();
    let week = chrono::Duration::days(7);
    let purge = |at| motcua_app::jobs::purge_idempotency_keys(&app.store, at, week);
    assert_eq!(purge(now + chrono::Duration::days(6)).await.unwrap(), 0);
    let kept = send("lan-1", &body).await.unwrap();
    assert_eq!(kept.headers()["idempotent-replayed"], "true");
    assert_eq!(kept.json::<Value>().await.unwrap()["code"], code.as_str());
    assert_eq!(purge(now + chrono::Duration::days(8)).await.unwrap(), 1);
    let anew = send("lan-1", &body).await.unwrap();
    assert_eq!(anew.status(), StatusCode::CREATED);
    assert!(anew.headers().get("idempotent-replayed").is_none());
    assert_ne!(anew.json::<Value>().await.unwrap()["code"], code.as_str());

    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn dossiers_end_to_end_on_sqlite() {
    end_to_end(Backend::Sqlite).await;
}

#[tokio::test]
async fn dossiers_end_to_end_on_postgres() {
    end_to_end(Backend::Postgres).await;
}

/// Two officers acting at once on one dossier: exactly one succeeds.
/// The queue counts up to a cap (lowered to 2 here) and says when its total is a floor.
async fn capped_total(backend: Backend) {
    let options = Options {
        queue_count_cap: Some(2),
        ..Options::default()
    };
    let Some(app) = TestApp::spawn_with(backend, options).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let citizen = Api::new(&app, "congdan").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let mut codes = Vec::new();
    for n in 1..=3 {
        let r = citizen
            .post("/api/v1/dossiers", &submission(&dongkinh))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        codes.push(
            r.json::<Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let queue = receiver.json("/api/v1/dossiers?status=submitted").await;
        let exact = n <= 2;
        assert_eq!(queue["total"], n.min(2), "{queue}");
        assert_eq!(queue["total_exact"], exact, "{queue}");
    }
    let capped = receiver
        .json("/api/v1/dossiers?status=submitted&per_page=2")
        .await;
    assert_eq!(capped["items"].as_array().unwrap().len(), 2, "{capped}");
    let one = receiver
        .json(&format!("/api/v1/dossiers?q={}", codes[0]))
        .await;
    assert_eq!(
        (&one["total"], &one["total_exact"]),
        (&json!(1), &json!(true))
    );

    // The page says "more than" and promises no page count.
    let client = app.client();
    login(
        &app,
        &client,
        "motcua.dongkinh",
        &demo_password("motcua.dongkinh"),
    )
    .await;
    let page = client
        .get(app.url("/work?status=submitted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>hơn 2</strong> hồ sơ"), "{page}");
    assert!(!page.contains("trang 1/"), "{page}");
    assert!(!page.contains("Trang sau"), "three dossiers fit one page");
}

#[tokio::test]
async fn capped_total_on_sqlite() {
    capped_total(Backend::Sqlite).await;
}

#[tokio::test]
async fn capped_total_on_postgres() {
    capped_total(Backend::Postgres).await;
}

async fn concurrent_actions(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let mut counter = submission(&dongkinh);
    counter["channel"] = json!("paper");
    counter["receive"] = json!(false);
    for round in 0..5 {
        let d: Value = receiver
            .post("/api/v1/dossiers", &counter)
            .await
            .json()
            .await
            .unwrap();
        let code = d["code"].as_str().unwrap();
        let version = d["version"].clone();
        let (a, b) = tokio::join!(
            receiver.act(code, json!({ "action": "accept", "version": version })),
            receiver.act(
                code,
                json!({ "action": "refuse_at_receipt", "version": version, "reason": "Không thuộc thẩm quyền" })
            ),
        );
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        assert!(
            statuses.contains(&200) && statuses.contains(&409),
            "round {round}: {statuses:?}"
        );
        let loser = if a.status() == 409 { a } else { b };
        problem(loser, 409, "stale_version").await;
        let events = app.store.dossier_events(code).await.unwrap();
        let changes = events.iter().filter(|e| e.to_state.is_some()).count();
        assert_eq!(changes, 2, "one submission and one winning action");
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_actions_on_sqlite() {
    concurrent_actions(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_actions_on_postgres() {
    concurrent_actions(Backend::Postgres).await;
}

#[tokio::test]
async fn documents_are_stored_by_content_with_limits() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (citizen, code) = one_submitted(&app).await;
    let code = code.as_str();
    let upload = |bytes: Vec<u8>| {
        citizen
            .client
            .post(app.url(&format!(
                "/api/v1/dossiers/{code}/documents?name=to-khai.pdf"
            )))
            .bearer_auth(&citizen.token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let r = upload(pdf.clone()).await.unwrap();
    assert_eq!(r.status(), 201);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["content_type"], "application/pdf");
    let sha = doc["sha256"].as_str().unwrap().to_owned();
    let blob = app
        .data_dir
        .path()
        .join("documents/sha256")
        .join(&sha[..2])
        .join(&sha);
    assert_eq!(std::fs::read(&blob).unwrap(), pdf);
    // The same content again: one blob, two rows.
    assert_eq!(upload(pdf.clone()).await.unwrap().status(), 201);
    let back = citizen
        .get(&format!(
            "/api/v1/dossiers/{code}/documents/{}",
            doc["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(back.headers()["content-type"], "application/pdf");
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf);
    problem(upload(vec![]).await.unwrap(), 422, "empty_document").await;
    problem(
        upload(b"MZ\x90\x00not a pdf".to_vec()).await.unwrap(),
        415,
        "unsupported_document_type",
    )
    .await;
    let mut big = b"%PDF-".to_vec();
    big.resize(motcua_app::dossiers::MAX_DOCUMENT_BYTES + 1, b'x');
    problem(upload(big).await.unwrap(), 413, "document_too_large").await;
    // Nothing staged is left behind.
    let tmp = app.data_dir.path().join("documents/tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "orphan blobs in {}", tmp.display());
    let detail = citizen.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(detail["documents"].as_array().unwrap().len(), 2);
    // Another citizen's dossier is invisible; an auditor may not upload.
    let auditor = Api::new(&app, "thanhtra").await;
    let r = auditor
        .client
        .post(app.url(&format!("/api/v1/dossiers/{code}/documents")))
        .bearer_auth(&auditor.token)
        .body(pdf)
        .send()
        .await
        .unwrap();
    problem(r, 403, "forbidden").await;
    app.stop().await;
}

#[tokio::test]
async fn processes_are_drafted_within_the_legal_time_and_approved() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let admin = Api::new(&app, "quantri.tinh").await;
    let leader = Api::new(&app, "lanhdao.tuphap").await;
    let specialist = Api::new(&app, "chuyenvien.tuphap").await;
    let citizen = Api::new(&app, "congdan").await;
    let body = |hours: u32| {
        json!({
            "procedure_code": samples::CRIMINAL_RECORD,
            "agency_code": samples::JUSTICE_DEPARTMENT,
            "steps": [
                { "name": "Tiếp nhận", "role": "receiver", "budget_hours": 4 },
                { "name": "Thẩm định", "role": "specialist", "budget_hours": hours },
                { "name": "Phê duyệt", "role": "leader", "budget_minutes": 480 }
            ],
            "note": "Sở Tư pháp tự tiếp nhận"
        })
    };
    problem(
        leader.post("/api/v1/processes", &body(80)).await,
        422,
        "process_over_legal_time",
    )
    .await;
    problem(
        specialist.post("/api/v1/processes", &body(40)).await,
        403,
        "forbidden",
    )
    .await;
    problem(citizen.get("/api/v1/processes").await, 403, "forbidden").await;
    let r = leader.post("/api/v1/processes", &body(40)).await;
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.unwrap();
    assert_eq!(
        (draft["state"].as_str(), draft["budget_minutes"].as_i64()),
        (Some("draft"), Some(52 * 60))
    );
    let id = draft["id"].as_str().unwrap();
    let approved = leader
        .post(&format!("/api/v1/processes/{id}/approve"), &json!({}))
        .await;
    assert_eq!(approved.status(), 200);
    problem(
        leader
            .post(&format!("/api/v1/processes/{id}/approve"), &json!({}))
            .await,
        409,
        "process_not_draft",
    )
    .await;
    let list: Value = admin
        .json(&format!(
            "/api/v1/processes?procedure={}",
            samples::CRIMINAL_RECORD
        ))
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "own and the level default"
    );
    // Procedures published without an approved process show up as missing; these have one.
    let missing: Value = admin
        .json("/api/v1/processes/missing?date=2026-03-02")
        .await;
    assert!(
        !lists_procedure(&missing, samples::CRIMINAL_RECORD),
        "{missing}"
    );
    assert!(!lists_procedure(&missing, samples::BIRTH), "{missing}");
    app.stop().await;
}

//! Documents end to end, on both backends: receipts and results signed and verified,
//! digitisation, the applicant's store and its reuse, bad input that stores nothing,
//! corrupt blobs, the master key, archive packages and destruction with approval.

use crate::common::{self, Api, Backend, Options, TestApp, problem};
use crate::dossier_pages::between;
use motcua::demo::DEMO_CITIZEN_ID;
use motcua::samples;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A connection per request: some responses here are cut short on purpose.
async fn fresh_api<'a>(app: &'a TestApp, user: &str) -> Api<'a> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    Api::with_client(app, user, client).await
}

impl Api<'_> {
    async fn upload(&self, code: &str, query: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.client
            .post(
                self.app
                    .url(&format!("/api/v1/dossiers/{code}/documents?{query}")),
            )
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }
}

/// A page's status and text.
async fn fetch(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {tag}\n1 0 obj\n<<>>\nendobj\n").into_bytes()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn applicant(citizen_id: &str) -> Value {
    json!({ "kind": "person", "name": "Nguyễn Văn An", "citizen_id": citizen_id, "phone": "0912 345 678" })
}

/// A paper dossier received at the counter of Đông Kinh (so its receipt is issued at once).
async fn counter_dossier(receiver: &Api<'_>, procedure: &str, citizen_id: &str) -> Value {
    let r = receiver
        .post(
            "/api/v1/dossiers",
            &json!({ "procedure_code": procedure, "channel": "paper", "applicant": applicant(citizen_id) }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn blob_path(app: &TestApp, sha: &str) -> PathBuf {
    app.data_dir
        .path()
        .join("documents/sha256")
        .join(&sha[..2])
        .join(sha)
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

fn document<'v>(d: &'v Value, kind: &str) -> Vec<&'v Value> {
    d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == kind)
        .collect()
}

/// A received dossier through the justice department's steps, up to its approval.
async fn approve(receiver: &Api<'_>, leader: &Api<'_>, specialist: &Api<'_>, code: &str) {
    receiver.act_ok(code, "forward", json!({})).await;
    leader
        .act_ok(code, "assign", json!({ "assignee": "chuyenvien.tuphap" }))
        .await;
    specialist.act_ok(code, "forward", json!({})).await;
    leader.act_ok(code, "approve", json!({})).await;
}

async fn signatures_and_wallet(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let citizen = fresh_api(&app, "congdan").await;
    let leader = fresh_api(&app, "lanhdao.tuphap").await;
    let specialist = fresh_api(&app, "chuyenvien.tuphap").await;
    let anonymous = reqwest::Client::new();

    // Received at the counter: the receipt (form 01) is issued and signed at once.
    let d = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let code = d["code"].as_str().unwrap().to_owned();
    assert_eq!(d["state"], "received");
    let receipts = document(&d, "receipt");
    assert_eq!(receipts.len(), 1, "{d}");
    let receipt = receipts[0].clone();
    assert_eq!(receipt["signed"], true);
    assert_eq!(receipt["origin"], "issued");
    assert_eq!(d["digitisation"]["receipt_signed"], true);
    let receiving = d["receiving_agency"].as_str().unwrap().to_owned();

    // Verify by hash (public): what was signed, by whom, for which dossier, when.
    let r = anonymous
        .get(app.url(&format!(
            "/api/v1/documents/verify?sha256={}",
            receipt["sha256"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");
    let s = &v["signatures"][0];
    assert_eq!(s["kind"], "receipt");
    assert_eq!(s["dossier_code"], code.as_str());
    assert_eq!(s["agency_code"], receiving.as_str());
    assert!(s["statement"].as_str().unwrap().contains(&code));
    // The public key the signature was checked against is the agency's published key.
    let key: Value = anonymous
        .get(app.url(&format!("/api/v1/agencies/{receiving}/signing-key")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(key["algorithm"], "Ed25519");
    assert_eq!(key["public_key"], s["public_key"]);
    problem(
        anonymous
            .get(app.url("/api/v1/agencies/000.00.07.H37/signing-key"))
            .send()
            .await
            .unwrap(),
        404,
        "no_signing_key",
    )
    .await;

    // Verify by file: the receipt downloaded and sent back.
    let bytes = receiver
        .get(&format!(
            "/api/v1/dossiers/{code}/documents/{}",
            receipt["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let receipt_json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(receipt_json["format"], "motcua-receipt/1");
    assert_eq!(receipt_json["dossier_code"], code.as_str());
    let r = anonymous
        .post(app.url("/api/v1/documents/verify"))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["valid"], true);
    // Unknown content, a bad hash, an empty file.
    problem(
        anonymous
            .post(app.url("/api/v1/documents/verify"))
            .body(pdf("never signed"))
            .send()
            .await
            .unwrap(),
        404,
        "not_signed",
    )
    .await;
    problem(
        anonymous
            .get(app.url("/api/v1/documents/verify?sha256=xyz"))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_sha256",
    )
    .await;

    // Digitisation at receipt: a scan marked at once, and one marked afterwards.
    let form = pdf("to khai");
    let r = receiver
        .upload(
            &code,
            "name=to-khai.pdf&digitised=true&component=T%E1%BB%9D%20khai",
            form.clone(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let scanned: Value = r.json().await.unwrap();
    assert_eq!(scanned["digitised_by"], "motcua.dongkinh");
    assert!(scanned["digitised_at"].is_string());
    let r = receiver
        .upload(
            &code,
            "name=cu-tru.pdf&component=Gi%E1%BA%A5y%20t%E1%BB%9D%20ch%E1%BB%A9ng%20minh%20n%C6%A1i%20c%C6%B0%20tr%C3%BA",
            pdf("cu tru"),
        )
        .await;
    let later: Value = r.json().await.unwrap();
    assert!(later["digitised_at"].is_null());
    let mark = format!(
        "/api/v1/dossiers/{code}/documents/{}/digitised",
        later["id"].as_str().unwrap()
    );
    let auditor = fresh_api(&app, "thanhtra").await;
    problem(auditor.post(&mark, &json!({})).await, 403, "forbidden").await;
    let r = receiver.post(&mark, &json!({})).await;
    assert_eq!(r.status(), 200);
    let marked: Value = r.json().await.unwrap();
    assert_eq!(marked["digitised_by"], "motcua.dongkinh");
    let d = receiver.json(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["digitisation"]["components"], 2);
    assert_eq!(d["digitisation"]["components_digitised"], 2);
    assert_eq!(d["digitisation"]["complete"], true);
    let required = d["digitisation"]["required"].as_array().unwrap();
    assert!(
        !required.is_empty(),
        "the demo procedure lists its components"
    );
    let events: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"document_digitised"), "{events:?}");

    // No result belongs to a dossier not received yet.
    let r = citizen
        .post(
            "/api/v1/dossiers",
            &json!({ "procedure_code": samples::CRIMINAL_RECORD, "channel": "online",
                     "agency_code": receiving, "applicant": applicant(DEMO_CITIZEN_ID) }),
        )
        .await;
    let submitted: Value = r.json().await.unwrap();
    assert_eq!(submitted["state"], "submitted", "{submitted}");
    problem(
        receiver
            .upload(
                submitted["code"].as_str().unwrap(),
                "name=ket-qua.pdf&kind=result",
                pdf("ket qua"),
            )
            .await,
        409,
        "result_not_expected",
    )
    .await;

    // While the dossier is handled, a result is a draft: unsigned, and not the applicant's.
    let result_bytes = pdf("phieu ly lich tu phap");
    let r = leader
        .upload(
            &code,
            "name=phieu-ly-lich.pdf&kind=result",
            result_bytes.clone(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let result_doc: Value = r.json().await.unwrap();
    assert_eq!(result_doc["signed"], false, "a draft until approval");
    problem(
        auditor
            .upload(&code, "name=ket-qua.pdf&kind=result", pdf("x"))
            .await,
        403,
        "forbidden",
    )
    .await;
    problem(
        citizen
            .upload(&code, "name=ket-qua.pdf&kind=result", pdf("x"))
            .await,
        404,
        "dossier_not_found",
    )
    .await;
    let verify_result = || {
        anonymous
            .get(app.url(&format!(
                "/api/v1/documents/verify?sha256={}",
                sha(&result_bytes)
            )))
            .send()
    };
    problem(verify_result().await.unwrap(), 404, "not_signed").await;
    // A wrong draft is withdrawn, so approval does not sign it.
    let r = leader
        .upload(
            &code,
            "name=du-thao-sai.pdf&kind=result",
            pdf("du thao sai"),
        )
        .await;
    assert_eq!(r.status(), 201);
    let wrong: Value = r.json().await.unwrap();
    let withdraw = format!(
        "/api/v1/dossiers/{code}/documents/{}/withdrawn",
        wrong["id"].as_str().unwrap()
    );
    problem(auditor.post(&withdraw, &json!({})).await, 403, "forbidden").await;
    let r = specialist.post(&withdraw, &json!({})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert!(r.json::<Value>().await.unwrap()["destroyed_at"].is_string());
    problem(
        specialist.post(&withdraw, &json!({})).await,
        404,
        "document_not_found",
    )
    .await;

    // Approval signs it (Decree 61/2018, art. 18); it reaches the applicant once finished.
    approve(&receiver, &leader, &specialist, &code).await;
    let d = leader.json(&format!("/api/v1/dossiers/{code}")).await;
    let results = document(&d, "result");
    assert_eq!(results[0]["signed"], true, "{d}");
    assert_eq!(
        results[1]["signed"], false,
        "the withdrawn draft stays unsigned"
    );
    let signed_at_approval = format!(
        "/api/v1/dossiers/{code}/documents/{}/withdrawn",
        results[0]["id"].as_str().unwrap()
    );
    problem(
        leader.post(&signed_at_approval, &json!({})).await,
        409,
        "not_a_draft",
    )
    .await;
    let v: Value = verify_result().await.unwrap().json().await.unwrap();
    assert_eq!(v["valid"], true);
    let wallet = citizen.json("/api/v1/wallet").await;
    assert!(
        !wallet["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "result"),
        "not the applicant's before the dossier is finished: {wallet}"
    );
    let d = leader
        .act_ok(
            &code,
            "finish",
            json!({ "result": "Phiếu lý lịch tư pháp số 1", "electronic": true }),
        )
        .await;
    let delivered: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("result_"))
        .collect();
    assert_eq!(
        delivered,
        [
            "result_draft_withdrawn",
            "result_signed",
            "result_delivered"
        ],
        "{d}"
    );
    let results = document(&d, "result");
    assert_eq!(results[0]["signed"], true, "{d}");
    assert!(results[0]["digitised_at"].is_string());
    assert_eq!(d["digitisation"]["results_signed"], 1);
    let v: Value = verify_result().await.unwrap().json().await.unwrap();
    assert_eq!(v["signatures"][0]["kind"], "result");
    assert_eq!(v["signatures"][0]["agency_code"], d["handling_agency"]);

    // The applicant's store: the result and the digitised components, under their ID.
    let wallet = citizen.json("/api/v1/wallet").await;
    assert_eq!(wallet["holders"], json!([DEMO_CITIZEN_ID]));
    let items = wallet["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(items.len(), 3, "{wallet}");
    assert!(kinds.contains(&"result") && kinds.contains(&"component"));
    let result_item = items.iter().find(|i| i["kind"] == "result").unwrap();
    assert_eq!(result_item["signed"], true);
    assert_eq!(result_item["source_dossier"], code.as_str());
    let content = citizen
        .get(&format!(
            "/api/v1/wallet/{}/content",
            result_item["id"].as_str().unwrap()
        ))
        .await;
    // Uploaded bytes never run as one of our pages, even opened in the browser.
    assert!(
        content.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(
        content.headers()["content-security-policy"],
        "sandbox; default-src 'none'"
    );
    let content = content.bytes().await.unwrap();
    assert_eq!(content.to_vec(), result_bytes);
    // A citizen reads only their own identities' stores.
    problem(
        citizen.get("/api/v1/wallet?holder=001099012345").await,
        403,
        "forbidden",
    )
    .await;
    // Officers never look a store up by ID alone, nor through a dossier they no longer handle.
    problem(
        receiver
            .get(&format!("/api/v1/wallet?holder={DEMO_CITIZEN_ID}"))
            .await,
        422,
        "dossier_required",
    )
    .await;
    // A receiver of another commune does not even learn the dossier exists.
    let stranger = common::other_commune_receiver(&app).await;
    problem(
        stranger
            .get(&format!("/api/v1/wallet?dossier={code}"))
            .await,
        404,
        "dossier_not_found",
    )
    .await;

    // A later submission reuses the result instead of uploading it: recorded.
    let item_id = result_item["id"].as_str().unwrap();
    let r = citizen
        .post(
            "/api/v1/dossiers",
            &json!({
                "procedure_code": samples::CRIMINAL_RECORD,
                "agency_code": receiving,
                "applicant": applicant(DEMO_CITIZEN_ID),
                "documents": [{ "from_wallet": item_id, "component": "Phiếu lý lịch tư pháp" }],
            }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let second: Value = r.json().await.unwrap();
    let reused = &second["documents"][0];
    assert_eq!(reused["origin"], "wallet");
    assert_eq!(reused["sha256"], sha(&result_bytes).as_str());
    assert!(reused["digitised_at"].is_string());
    assert_eq!(second["digitisation"]["reused"], 1);
    let second_code = second["code"].as_str().unwrap();
    assert_eq!(app.store.reuses_of(second_code).await.unwrap(), 1);
    // The receiving officer opens the applicant's store through this open dossier: only the
    // documents it may reuse (the proof of residence, a reusable component), not the form
    // nor the criminal record (not components of this procedure that may be reused).
    let through = receiver
        .json(&format!("/api/v1/wallet?dossier={second_code}"))
        .await;
    assert_eq!(through["holders"], json!([DEMO_CITIZEN_ID]));
    let names: Vec<&str> = through["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cu-tru.pdf"], "{through}");
    let residence = through["items"][0]["id"].as_str().unwrap().to_owned();
    let r = receiver
        .get(&format!(
            "/api/v1/wallet/{residence}/content?dossier={second_code}"
        ))
        .await;
    assert_eq!(r.status(), 200);
    problem(
        receiver
            .get(&format!(
                "/api/v1/wallet/{item_id}/content?dossier={second_code}"
            ))
            .await,
        404,
        "not_found",
    )
    .await;
    problem(
        receiver
            .get(&format!("/api/v1/wallet/{residence}/content"))
            .await,
        422,
        "dossier_required",
    )
    .await;
    // The citizen sees who looked, when, through which dossier.
    let reads = citizen.json("/api/v1/wallet/reads").await;
    let reads = reads.as_array().unwrap();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(reads.iter().all(|r| r["officer"] == "motcua.dongkinh"
        && r["dossier"] == second_code
        && r["agency_code"] == receiving.as_str()));
    assert_eq!(reads[0]["opened_document"], "cu-tru.pdf", "newest first");
    assert!(reads[1]["opened_document"].is_null());
    problem(receiver.get("/api/v1/wallet/reads").await, 403, "forbidden").await;
    let events: Vec<&str> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["submitted", "document_reused"]);
    // Someone else's store may not be reused, by a citizen or at the counter.
    let r = citizen
        .post(
            "/api/v1/dossiers",
            &json!({
                "procedure_code": samples::CRIMINAL_RECORD,
                "agency_code": receiving,
                "applicant": applicant("001099012345"),
                "documents": [{ "from_wallet": item_id }],
            }),
        )
        .await;
    problem(r, 422, "wallet_item_not_applicants").await;
    let r = receiver
        .post(
            "/api/v1/dossiers",
            &json!({
                "procedure_code": samples::CRIMINAL_RECORD, "channel": "paper",
                "applicant": applicant("001099012345"),
                "documents": [{ "from_wallet": item_id }],
            }),
        )
        .await;
    problem(r, 422, "wallet_item_not_applicants").await;
    let r = receiver
        .post(
            "/api/v1/dossiers",
            &json!({
                "procedure_code": samples::CRIMINAL_RECORD, "channel": "paper",
                "applicant": applicant(DEMO_CITIZEN_ID),
                "documents": [{ "from_wallet": uuid::Uuid::now_v7() }],
            }),
        )
        .await;
    problem(r, 422, "wallet_item_not_found").await;

    // The 766 counts for the dashboard.
    let from = motcua_app::now() - chrono::Duration::days(1);
    let to = motcua_app::now() + chrono::Duration::days(1);
    let counts = app
        .store
        .digitisation_counts(Some(&receiving), from, to)
        .await
        .unwrap();
    assert_eq!(counts.received, 1, "{counts:?}");
    assert_eq!(counts.digitised, 1, "{counts:?}");
    assert_eq!(counts.components, 2);
    assert_eq!(counts.components_digitised, 2);
    let all = app.store.digitisation_counts(None, from, to).await.unwrap();
    assert_eq!(all.results_issued, 1, "{all:?}");
    assert_eq!(all.results_digitised, 1, "{all:?}");
    // The reuse counts once the second dossier is received.
    receiver.act_ok(second_code, "accept", json!({})).await;
    let counts = app
        .store
        .digitisation_counts(Some(&receiving), from, to)
        .await
        .unwrap();
    assert_eq!(
        (counts.received, counts.with_reuse, counts.reuses),
        (2, 1, 1)
    );
    // The Decision 766 scorecard reads the same records: the month's two dossiers, both
    // linked with the applicant's store (the first's signed result was put into it, the
    // second reused a component from it), one of them reusing data.
    let q: serde_json::Value = receiver
        .get(&format!(
            "/api/v1/stats/quality?level=agency&code={receiving}&period=month"
        ))
        .await
        .json()
        .await
        .unwrap();
    let pair = |code: &str| {
        let i = common::indicator(&q, code);
        (i["numerator"].clone(), i["denominator"].clone())
    };
    assert_eq!(pair("digitised"), (json!(counts.digitised), json!(2)));
    assert_eq!(pair("reuse"), (json!(1), json!(2)));
    assert_eq!(pair("document_store_links"), (json!(2), json!(2)));
    // 1 of 2 reusing is 50% of an 80% threshold: 2 × 0.5 ÷ 0.8.
    assert_eq!(common::indicator(&q, "reuse")["points"], 1.25);
    // The one result signed as an electronic document counts, where its dossier was handled.
    let province: serde_json::Value = receiver
        .get("/api/v1/stats/quality?period=month")
        .await
        .json()
        .await
        .unwrap();
    let electronic = common::indicator(&province, "electronic_result");
    assert_eq!(electronic["numerator"], json!(all.results_digitised));
    assert_eq!(electronic["numerator"], 1);
    assert_eq!(electronic["denominator"], 1);
    assert_eq!(electronic["points"], 6.0);

    // Pages: verification with a QR code, the citizen's store, the dossier's documents.
    let page = anonymous
        .get(app.url(&format!("/verify?sha256={}", sha(&result_bytes))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("id=\"verdict\"") && html.contains("Hợp lệ"),
        "{html}"
    );
    assert!(html.contains("<svg"), "a QR code");
    assert!(html.contains(&code));
    let page = anonymous
        .get(app.url(&format!("/verify?sha256={}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let browser = app.client();
    common::login(&app, &browser, "congdan", &app.passwords["congdan"]).await;
    let html = browser
        .get(app.url("/wallet"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("phieu-ly-lich.pdf") && html.contains("Đã ký số"),
        "{html}"
    );
    assert!(
        !html.contains("from_wallet"),
        "no API instructions for citizens"
    );
    // Reuse is a choice on the online form: a stored document supplies a component.
    let form_url = app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD));
    let form = browser
        .get(form_url.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"wallet_doc_0\""), "{form}");
    let stored = between(&form, "name=\"wallet_doc_2\">", "</select>");
    let item = between(stored, "<option value=\"\">", "</option>");
    assert!(item.contains("Không, tôi tải tệp lên"));
    let choice = between(stored, "</option><option value=\"", "\"").to_owned();
    let boundary = "----motcua-wallet-choice";
    let mut body = String::new();
    for (name, value) in [
        ("csrf_token", common::csrf_from(&form)),
        ("idempotency_key", common::hidden(&form, "idempotency_key")),
        ("kind", "person".into()),
        ("name", "Nguyễn Văn An".into()),
        ("citizen_id", DEMO_CITIZEN_ID.into()),
        ("phone", "0912345678".into()),
        ("agency", common::agency_of(&app, "motcua.dongkinh").await),
        ("wallet_doc_2", choice.clone()),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (i, file) in ["to-khai.pdf", "can-cuoc.pdf"].iter().enumerate() {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"doc_{i}\"; filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 {file}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let r = browser
        .post(form_url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let confirmation = r.headers()["location"].to_str().unwrap().to_owned();
    let done = fetch(&browser, &app.url(&confirmation)).await.1;
    let reused_code = between(&done, "id=\"dossier-code\">", "<").to_owned();
    let docs = app.store.documents(&reused_code).await.unwrap();
    assert_eq!(docs.len(), 3, "{docs:?}");
    assert!(
        docs.iter()
            .any(|d| d.origin == "wallet" && d.component.is_some()),
        "{docs:?}"
    );
    // And who looked: the officer by name, the dossier, what they opened.
    assert!(html.contains("Ai đã xem kho dữ liệu của bạn"), "{html}");
    assert!(
        html.contains("Hoàng Thị Bình (motcua.dongkinh)")
            && html.contains("Mở giấy tờ “cu-tru.pdf”"),
        "{html}"
    );
    let officer = app.client();
    common::login(
        &app,
        &officer,
        "motcua.dongkinh",
        &app.passwords["motcua.dongkinh"],
    )
    .await;
    let html = officer
        .get(app.url(&format!("/dossiers/{code}/documents")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Thành phần đã số hóa: <strong>2/2</strong>"),
        "{html}"
    );
    let wallet_html = officer
        .get(app.url(&format!("/wallet?dossier={second_code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        wallet_html.contains(&format!("content?dossier={second_code}\">cu-tru.pdf"))
            && !wallet_html.contains("to-khai.pdf"),
        "{wallet_html}"
    );
    assert!(html.contains("Đã ký số"));

    // The printed result: signature, hash and a QR code holding the verification's address.
    assert!(
        html.contains(&format!("/dossiers/{code}/results/print")),
        "{html}"
    );
    let print = format!("/dossiers/{code}/results/print");
    let (status, sheet) = fetch(&officer, &app.url(&print)).await;
    assert_eq!(status, 200);
    let result_sha = sha(&result_bytes);
    let link = format!("{}/verify?sha256={result_sha}", app.base);
    let result_id = results[0]["id"].as_str().unwrap();
    assert!(
        sheet.contains(&format!("id=\"result-{result_id}\"")),
        "{sheet}"
    );
    assert!(sheet.contains("Phiếu lý lịch tư pháp số 1") && sheet.contains("phieu-ly-lich.pdf"));
    assert!(
        sheet.contains(&code)
            && sheet.contains(&format!("<code class=\"sha256\">{result_sha}</code>"))
    );
    assert!(
        sheet.contains(&format!("<span class=\"qr-url verify-link\">{link}</span>")),
        "{sheet}"
    );
    let key_id = v["signatures"][0]["key_id"].as_str().unwrap();
    assert!(key_id.starts_with("ed25519:"), "{v}");
    assert!(
        sheet.contains(&format!("<code class=\"key-id\">{key_id}</code>")),
        "{sheet}"
    );
    let signed_at =
        chrono::DateTime::parse_from_rfc3339(v["signatures"][0]["signed_at"].as_str().unwrap())
            .unwrap();
    assert!(
        sheet.contains(&signed_at.format("%d/%m/%Y %H:%M:%S").to_string()),
        "{sheet}"
    );
    assert!(sheet.contains(v["signatures"][0]["agency_name"].as_str().unwrap()));
    assert!(!sheet.contains("KHÔNG hợp lệ"));
    // The QR code is the one for that address (and not for another).
    let qr = motcua_web::qr_svg(&link, "Mã QR kiểm tra phieu-ly-lich.pdf");
    assert!(qr.starts_with("<svg") && sheet.contains(&qr), "{sheet}");
    assert!(!sheet.contains(&motcua_web::qr_svg(
        &format!("{}/verify?sha256={}", app.base, "0".repeat(64)),
        "Mã QR kiểm tra phieu-ly-lich.pdf"
    )));
    // The key id is the one the agency publishes.
    let handling = d["handling_agency"].as_str().unwrap();
    let published: Value = serde_json::from_str(
        &fetch(
            &anonymous,
            &app.url(&format!("/api/v1/agencies/{handling}/signing-key")),
        )
        .await
        .1,
    )
    .unwrap();
    assert_eq!(published["key_id"], key_id);
    let work = fetch(&officer, &app.url(&format!("/work/dossiers/{code}")))
        .await
        .1;
    assert!(
        work.contains(&format!("href=\"{print}\" id=\"print-result\"")),
        "{work}"
    );
    // The applicant prints theirs from their own dossier (submitted online, received above).
    approve(&receiver, &leader, &specialist, second_code).await;
    let own_result = pdf("ket qua truc tuyen");
    let r = leader
        .upload(
            second_code,
            "name=ket-qua-2.pdf&kind=result",
            own_result.clone(),
        )
        .await;
    assert_eq!(r.status(), 201);
    leader
        .act_ok(
            second_code,
            "finish",
            json!({ "result": "Phiếu lý lịch tư pháp số 2", "electronic": true }),
        )
        .await;
    let own = fetch(&browser, &app.url(&format!("/my/dossiers/{second_code}")))
        .await
        .1;
    assert!(
        own.contains(&format!("href=\"/lookup/{second_code}/results/print\"")),
        "the owner's page offers the signed result: {own}"
    );
    let own_print = format!("/dossiers/{second_code}/results/print");
    let own_docs = fetch(
        &browser,
        &app.url(&format!("/dossiers/{second_code}/documents")),
    )
    .await
    .1;
    assert!(own_docs.contains(&own_print), "{own_docs}");
    assert!(
        !own_docs.contains("lanhdao.tuphap"),
        "officers by name, never by username: {own_docs}"
    );
    let (status, own_sheet) = fetch(&browser, &app.url(&own_print)).await;
    assert_eq!(status, 200);
    let own_link = format!("{}/verify?sha256={}", app.base, sha(&own_result));
    assert!(
        own_sheet.contains(&motcua_web::qr_svg(
            &own_link,
            "Mã QR kiểm tra ket-qua-2.pdf"
        )),
        "{own_sheet}"
    );
    assert!(
        !own_sheet.contains(&result_sha),
        "only this dossier's results"
    );
    // The counter dossier has no owner: not the citizen's to see.
    assert_eq!(fetch(&browser, &app.url(&print)).await.0, 404);
    // Another agency's officer, another citizen's dossier, nobody signed in: refused.
    let elsewhere = app.client();
    // (the receiver of another commune added above; the demo's officers of abolished
    // communes no longer sign in)
    common::login(
        &app,
        &elsewhere,
        "motcua.khac",
        &common::demo_password("motcua.khac"),
    )
    .await;
    let (status, body) = fetch(&elsewhere, &app.url(&print)).await;
    assert_eq!(status, 404);
    assert!(!body.contains(&result_sha));
    let r = app.client().get(app.url(&print)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert!(!r.text().await.unwrap().contains(&result_sha));

    // A page upload (multipart) with the page's CSRF token, scanned at receipt.
    let third = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let third_code = third["code"].as_str().unwrap();
    let r = officer
        .get(app.url(&format!("/dossiers/{third_code}/results/print")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no signed result yet");
    let html = officer
        .get(app.url(&format!("/dossiers/{third_code}/documents")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_from(&html);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("kind", "component")
        .text("component", "Tờ khai")
        .text("digitised", "1")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf("scan"))
                .file_name("ban-quet.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = officer
        .post(app.url(&format!("/dossiers/{third_code}/documents")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let d = receiver
        .json(&format!("/api/v1/dossiers/{third_code}"))
        .await;
    let scans = document(&d, "component");
    assert_eq!(scans[0]["name"], "ban-quet.pdf");
    assert_eq!(scans[0]["digitised_by"], "motcua.dongkinh");

    // Tampering with a stored signature is caught (SQLite: the database file is at hand).
    if backend == Backend::Sqlite {
        let db = sqlx::SqlitePool::connect(&format!(
            "sqlite:{}",
            app.data_dir.path().join("motcua.sqlite3").display()
        ))
        .await
        .unwrap();
        let signature: String =
            sqlx::query_scalar("SELECT signature FROM document_signatures WHERE sha256 = $1")
                .bind(sha(&result_bytes))
                .fetch_one(&db)
                .await
                .unwrap();
        let mut flipped = signature.into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        sqlx::query("UPDATE document_signatures SET signature = $1 WHERE sha256 = $2")
            .bind(String::from_utf8(flipped).unwrap())
            .bind(sha(&result_bytes))
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
        let v: Value = anonymous
            .get(app.url(&format!(
                "/api/v1/documents/verify?sha256={}",
                sha(&result_bytes)
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["valid"], false, "{v}");
        assert_eq!(v["signatures"][0]["problem"], "signature_invalid");
        let html = anonymous
            .get(app.url(&format!("/verify?sha256={}", sha(&result_bytes))))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("KHÔNG hợp lệ"), "{html}");
        let sheet = fetch(
            &officer,
            &app.url(&format!("/dossiers/{code}/results/print")),
        )
        .await
        .1;
        assert!(
            sheet.contains("KHÔNG hợp lệ"),
            "a tampered signature is not printed as valid"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn signatures_digitisation_and_wallet_on_sqlite() {
    signatures_and_wallet(Backend::Sqlite).await;
}

#[tokio::test]
async fn signatures_digitisation_and_wallet_on_postgres() {
    signatures_and_wallet(Backend::Postgres).await;
}

async fn bad_input(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        Options {
            max_document_bytes: Some(64 * 1024),
            ..Options::default()
        },
    )
    .await
    else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let d = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let code = d["code"].as_str().unwrap();
    let blobs_before = app.store.blobs().await.unwrap().len();
    let files_before = count_files(&app.data_dir.path().join("documents/sha256"));
    let docs_before = app.store.documents(code).await.unwrap().len();

    let mut big = pdf("big");
    big.resize(64 * 1024 + 1, b'x');
    problem(
        receiver.upload(code, "name=a.pdf", big).await,
        413,
        "document_too_large",
    )
    .await;
    problem(
        receiver
            .upload(
                code,
                "name=a.exe",
                b"MZ\x90\x00\x03\x00\x00\x00program".to_vec(),
            )
            .await,
        415,
        "unsupported_document_type",
    )
    .await;
    // A PDF by name is not a PDF by content.
    problem(
        receiver
            .upload(code, "name=a.pdf", b"<html>not a pdf</html>".to_vec())
            .await,
        415,
        "unsupported_document_type",
    )
    .await;
    for name in [
        "..%2F..%2Fetc%2Fpasswd",
        "a%2Fb.pdf",
        "a%5Cb.pdf",
        "..",
        "CON",
        "lpt1.txt",
    ] {
        problem(
            receiver
                .upload(code, &format!("name={name}"), pdf("p"))
                .await,
            422,
            "invalid_document_name",
        )
        .await;
    }
    // A hidden character anywhere in the address is refused at the edge, before any handler.
    for name in ["%00.pdf", "gpj%E2%80%AEexe.pdf"] {
        problem(
            receiver
                .upload(code, &format!("name={name}"), pdf("p"))
                .await,
            422,
            "invalid_characters",
        )
        .await;
    }
    problem(
        receiver.upload(code, "name=a.pdf", Vec::new()).await,
        422,
        "empty_document",
    )
    .await;
    problem(
        receiver
            .upload(
                code,
                &format!("name=a.pdf&sha256={}", "0".repeat(64)),
                pdf("h"),
            )
            .await,
        422,
        "hash_mismatch",
    )
    .await;
    let r = receiver
        .client
        .post(app.url(&format!("/api/v1/dossiers/{code}/documents?name=a.pdf")))
        .bearer_auth(&receiver.token)
        .header("x-content-sha256", sha(b"something else"))
        .body(pdf("h"))
        .send()
        .await
        .unwrap();
    problem(r, 422, "hash_mismatch").await;
    problem(
        receiver
            .upload(code, "name=a.pdf&sha256=abc", pdf("h"))
            .await,
        422,
        "invalid_sha256",
    )
    .await;
    problem(
        receiver
            .upload(code, "name=a.pdf&kind=receipt", pdf("h"))
            .await,
        422,
        "invalid_document_kind",
    )
    .await;

    // Nothing stored: no row, no blob, no spool file.
    assert_eq!(app.store.documents(code).await.unwrap().len(), docs_before);
    assert_eq!(app.store.blobs().await.unwrap().len(), blobs_before);
    assert_eq!(
        count_files(&app.data_dir.path().join("documents/sha256")),
        files_before
    );
    assert_eq!(count_files(&app.data_dir.path().join("documents/tmp")), 0);

    // The right hash is accepted; the same content twice is one blob.
    let ok = pdf("ok");
    for _ in 0..2 {
        let r = receiver
            .upload(
                code,
                &format!("name=ok.pdf&sha256={}", sha(&ok)),
                ok.clone(),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    assert_eq!(
        count_files(&app.data_dir.path().join("documents/sha256")),
        files_before + 1
    );
    assert_eq!(app.store.blobs().await.unwrap().len(), blobs_before + 1);
    assert_eq!(count_files(&app.data_dir.path().join("documents/tmp")), 0);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_stores_nothing_on_sqlite() {
    bad_input(Backend::Sqlite).await;
}

#[tokio::test]
async fn bad_input_stores_nothing_on_postgres() {
    bad_input(Backend::Postgres).await;
}

async fn corrupt_blobs(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let d = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let code = d["code"].as_str().unwrap();
    let mut bytes = pdf("will rot");
    bytes.resize(300 * 1024, b'.');
    let doc: Value = receiver
        .upload(code, "name=rot.pdf", bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    let hash = doc["sha256"].as_str().unwrap().to_owned();
    let blobs = motcua::archive::open_blobs(app.data_dir.path(), None, u64::MAX).unwrap();
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert!(report.checked >= 2, "the receipt and the upload");

    // Same size, other bytes.
    let mut rotten = bytes.clone();
    rotten[200 * 1024] ^= 0x55;
    std::fs::write(blob_path(&app, &hash), &rotten).unwrap();
    let path = format!(
        "/api/v1/dossiers/{code}/documents/{}",
        doc["id"].as_str().unwrap()
    );
    // The answer starts before the bytes are all read, so the client sees the stream cut
    // short: while reading the body, or, when the abort wins the race, before the headers.
    let cut_short = match receiver
        .client
        .get(app.url(&path))
        .bearer_auth(&receiver.token)
        .send()
        .await
    {
        Err(_) => true,
        Ok(r) => {
            assert_eq!(r.status(), 200);
            r.bytes().await.is_err()
        }
    };
    assert!(cut_short, "the body is cut short");
    let mut flagged = false;
    for _ in 0..50 {
        if app
            .store
            .blob(&hash)
            .await
            .unwrap()
            .unwrap()
            .corrupt_at
            .is_some()
        {
            flagged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(flagged, "the read flags the blob");
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert_eq!(report.corrupt.len(), 1, "{report:?}");
    assert_eq!(report.corrupt[0].0, hash);
    // Truncated: caught before any byte is sent.
    std::fs::write(blob_path(&app, &hash), &bytes[..10]).unwrap();
    let r = receiver
        .get(&format!(
            "/api/v1/dossiers/{code}/documents/{}",
            doc["id"].as_str().unwrap()
        ))
        .await;
    problem(r, 500, "document_corrupt").await;
    // Missing.
    std::fs::remove_file(blob_path(&app, &hash)).unwrap();
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert_eq!(report.missing, vec![hash.clone()]);

    if backend == Backend::Sqlite {
        // The command line says so too, and exits 1.
        std::fs::write(blob_path(&app, &hash), &rotten).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .arg("--data-dir")
            .arg(app.data_dir.path())
            .args(["documents", "verify"])
            .env_remove("MOTCUA_DATABASE_URL")
            .env_remove("MOTCUA_DOCUMENTS_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&hash) && text.contains("CORRUPT"), "{text}");
        std::fs::write(blob_path(&app, &hash), &bytes).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .arg("--data-dir")
            .arg(app.data_dir.path())
            .args(["documents", "verify", "--json"])
            .env_remove("MOTCUA_DATABASE_URL")
            .env_remove("MOTCUA_DOCUMENTS_URL")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            app.store
                .blob(&hash)
                .await
                .unwrap()
                .unwrap()
                .corrupt_at
                .is_none()
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn corrupt_blobs_are_caught_on_read_and_by_verify_on_sqlite() {
    corrupt_blobs(Backend::Sqlite).await;
}

#[tokio::test]
async fn corrupt_blobs_are_caught_on_read_and_by_verify_on_postgres() {
    corrupt_blobs(Backend::Postgres).await;
}

/// The process dies after a document row committed and before its bytes took their
/// address: the next start puts the staged bytes in place, before serving, and clears
/// what no row wants (an orphan staged file, an upload cut off).
async fn crash_recovery(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let d = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let code = d["code"].as_str().unwrap().to_owned();
    let blobs = motcua::archive::open_blobs(app.data_dir.path(), None, u64::MAX).unwrap();
    let spool = app.data_dir.path().join("documents/tmp");
    let mut bytes = pdf("committed, then the power went");
    bytes.resize(700 * 1024, b'.');
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(
        bytes.clone(),
    ))]);
    let staged = blobs.receive(body, None).await.unwrap();
    let hash = staged.sha256.clone();
    let doc = motcua_store::NewDocument::upload(
        &code,
        &hash,
        "to-khai.pdf",
        staged.content_type,
        staged.size as i64,
        motcua_app::now(),
    );
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "dossier.document_added",
        format!("dossier:{code}"),
        json!({}),
    );
    let row = app.store.add_document(&doc, audit).await.unwrap();
    // Killed here: no `keep`, and no drop to clean up either.
    std::mem::forget(staged);
    let path = format!("/api/v1/dossiers/{code}/documents/{}", row.id);
    problem(receiver.get(&path).await, 500, "document_missing").await;
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert_eq!(report.missing, vec![hash.clone()], "verify says so");
    // Staged with no row (its transaction never committed), and an upload cut off, both
    // left by a run before the grace period.
    let orphan = blobs
        .stage_bytes(pdf("never committed"), "application/pdf")
        .await
        .unwrap();
    let orphan_hash = orphan.sha256.clone();
    std::mem::forget(orphan);
    std::fs::write(spool.join("0190-cut-off.part"), pdf("cut off")).unwrap();
    let earlier = std::time::SystemTime::now() - 2 * motcua_app::documents::SPOOL_GRACE;
    for entry in std::fs::read_dir(&spool).unwrap().flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&hash) {
            std::fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap()
                .set_modified(earlier)
                .unwrap();
        }
    }
    assert_eq!(count_files(&spool), 3);

    drop(receiver);
    app.restart().await;
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let r = receiver.get(&path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert_eq!(count_files(&spool), 0, "the spool is empty");
    assert!(!blobs.exists(&orphan_hash).await);
    let report = motcua::archive::verify_blobs(&app.store, &blobs)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    drop(receiver);
    app.stop().await;
}

#[tokio::test]
async fn a_crash_between_row_and_blob_is_recovered_at_start_on_sqlite() {
    crash_recovery(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_crash_between_row_and_blob_is_recovered_at_start_on_postgres() {
    crash_recovery(Backend::Postgres).await;
}

#[tokio::test]
async fn a_wrong_master_key_is_refused_with_a_clear_error() {
    use motcua_app::signing::{KeyError, MasterKey, Signer};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    // The app made DATA_DIR/master.key (0600) and sealed the agency's key with it.
    counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let key_file = app.data_dir.path().join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let right = MasterKey::read_file(&key_file).unwrap();
    assert!(Signer::new(right.clone()).check(&app.store).await.is_ok());
    let wrong = MasterKey::generate();
    match Signer::new(wrong.clone()).check(&app.store).await {
        Err(KeyError::WrongMasterKey(_)) => {}
        other => panic!("{other:?}"),
    }
    // A server with the wrong key does not start.
    let config = motcua_web::WebConfig {
        data_dir: app.data_dir.path().to_path_buf(),
        master_key: Some(wrong),
        cookie_secure: false,
        ..motcua_web::WebConfig::default()
    };
    let err = motcua::server::start(
        app.store.clone(),
        "127.0.0.1:0".parse().unwrap(),
        config,
        vec![],
    )
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("master key"), "{err}");
    // A malformed key on the command line: a clear message, no start.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--data-dir")
        .arg(app.data_dir.path().join("other"))
        .args(["serve", "--addr", "127.0.0.1:0", "--no-demo"])
        .env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_MASTER_KEY_FILE")
        .env("MOTCUA_MASTER_KEY", "bm90IDMyIGJ5dGVz")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("32 bytes"), "{text}");
    app.stop().await;
}

async fn archive(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = fresh_api(&app, "motcua.dongkinh").await;
    let admin = fresh_api(&app, "quantri.tinh").await;
    let auditor = fresh_api(&app, "thanhtra").await;
    // Two closed dossiers of a procedure kept 5 years, one of a permanent one, one open.
    let shared = pdf("shared content");
    let mut closed = Vec::new();
    for (i, procedure) in [
        samples::CRIMINAL_RECORD,
        samples::CRIMINAL_RECORD,
        samples::BIRTH,
    ]
    .into_iter()
    .enumerate()
    {
        let d = counter_dossier(&receiver, procedure, DEMO_CITIZEN_ID).await;
        let code = d["code"].as_str().unwrap().to_owned();
        let own = pdf(&format!("own {i}"));
        assert_eq!(
            receiver.upload(&code, "name=own.pdf", own).await.status(),
            201
        );
        assert_eq!(
            receiver
                .upload(&code, "name=shared.pdf", shared.clone())
                .await
                .status(),
            201
        );
        // A digitised component goes into the applicant's store: it must outlive the dossier.
        let kept = pdf(&format!("kept {i}"));
        assert_eq!(
            receiver
                .upload(&code, "name=kept.pdf&digitised=true", kept)
                .await
                .status(),
            201
        );
        receiver
            .act_ok(
                &code,
                "withdraw",
                json!({ "reason": "Người nộp rút hồ sơ" }),
            )
            .await;
        closed.push(code);
    }
    let open = counter_dossier(&receiver, samples::CRIMINAL_RECORD, DEMO_CITIZEN_ID).await;
    let open_code = open["code"].as_str().unwrap();
    receiver
        .upload(open_code, "name=shared.pdf", shared.clone())
        .await;
    let retention = app.store.retention(&closed[0]).await.unwrap().unwrap();
    assert_eq!(retention.retention_years, Some(5));
    assert_eq!(
        retention.archive_after,
        retention
            .closed_on
            .checked_add_months(chrono::Months::new(60))
    );
    let permanent = app.store.retention(&closed[2]).await.unwrap().unwrap();
    assert_eq!(
        (permanent.retention_years, permanent.archive_after),
        (None, None)
    );
    assert!(app.store.retention(open_code).await.unwrap().is_none());
    let listed = admin.json("/api/v1/archive/archivable").await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    problem(
        receiver.get("/api/v1/archive/archivable").await,
        403,
        "forbidden",
    )
    .await;

    // Export: a folder with manifest.json, the files named by their hash, signatures.
    let out = tempfile::tempdir().unwrap();
    let tomorrow = motcua_app::today_vn().succ_opt().unwrap();
    let blobs = motcua::archive::open_blobs(app.data_dir.path(), None, u64::MAX).unwrap();
    let actor = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "archive.exported",
        "archive",
        json!({}),
    );
    let package = motcua::archive::export(&app.store, &blobs, tomorrow, out.path(), &actor)
        .await
        .unwrap()
        .expect("a package");
    assert_eq!(package.dossiers, 3);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(package.path.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["format"], "motcua-archive/1");
    let recorded = std::fs::read_to_string(package.path.join("manifest.json.sha256")).unwrap();
    assert!(recorded.starts_with(&package.manifest_sha256));
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(package.path.join(file["path"].as_str().unwrap())).unwrap();
        assert_eq!(sha(&bytes), file["sha256"].as_str().unwrap());
        assert_eq!(bytes.len() as u64, file["size_bytes"].as_u64().unwrap());
    }
    let dossiers = manifest["dossiers"].as_array().unwrap();
    assert_eq!(dossiers.len(), 3);
    for d in dossiers {
        let docs = d["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 4, "receipt, own, shared, kept: {d}");
        for doc in docs {
            let bytes = std::fs::read(package.path.join(doc["file"].as_str().unwrap())).unwrap();
            assert_eq!(sha(&bytes), doc["sha256"].as_str().unwrap());
        }
        let receipt = docs.iter().find(|x| x["kind"] == "receipt").unwrap();
        let sig = &receipt["signatures"][0];
        assert!(
            sig["statement"]
                .as_str()
                .unwrap()
                .contains(receipt["sha256"].as_str().unwrap())
        );
        let agency = sig["agency_code"].as_str().unwrap();
        assert!(manifest["signing_keys"][agency]["public_key"].is_string());
        assert!(!d["events"].as_array().unwrap().is_empty());
    }
    // Idempotent: nothing left to archive, nothing written.
    let again = motcua::archive::export(&app.store, &blobs, tomorrow, out.path(), &actor)
        .await
        .unwrap();
    assert!(again.is_none());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    let packages = admin.json("/api/v1/archive/packages").await;
    assert_eq!(packages.as_array().unwrap().len(), 1);
    assert!(
        app.store
            .retention(&closed[0])
            .await
            .unwrap()
            .unwrap()
            .archived_at
            .is_some()
    );

    // Nothing has expired yet; far ahead, the two 5-year dossiers (not the permanent one).
    assert!(
        motcua::archive::propose(&app.store, tomorrow, &actor)
            .await
            .unwrap()
            .is_none()
    );
    let far = chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let (list, items) = motcua::archive::propose(&app.store, far, &actor)
        .await
        .unwrap()
        .expect("a list");
    let mut on_list: Vec<&str> = items.iter().map(|r| r.dossier_code.as_str()).collect();
    on_list.sort();
    assert_eq!(on_list, [closed[0].as_str(), closed[1].as_str()]);
    assert!(
        motcua::archive::propose(&app.store, far, &actor)
            .await
            .unwrap()
            .is_none(),
        "once"
    );

    // Not before approval.
    let err = motcua::archive::destroy(&app.store, blobs.clone(), list.id, &actor)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("phê duyệt"), "{err}");
    let first_docs = app.store.documents(&closed[0]).await.unwrap();
    assert!(
        first_docs
            .iter()
            .all(|d| blob_path(&app, &d.sha256).exists())
    );
    // Approval: province administrators only, once.
    let decide = format!("/api/v1/archive/destruction-lists/{}/decision", list.id);
    problem(
        auditor.post(&decide, &json!({ "approve": true })).await,
        403,
        "forbidden",
    )
    .await;
    let page = app.client();
    common::login(&app, &page, "quantri.tinh", &app.passwords["quantri.tinh"]).await;
    let html = page
        .get(app.url("/admin/archive"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&list.id.to_string()) && html.contains("Phê duyệt tiêu hủy"),
        "{html}"
    );
    let token = common::csrf_from(&html);
    let r = page
        .post(app.url(&format!("/admin/archive/lists/{}", list.id)))
        .form(&[
            ("csrf_token", token.as_str()),
            ("decision", "approve"),
            ("note", "Hết thời hạn bảo quản"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    problem(
        admin.post(&decide, &json!({ "approve": false })).await,
        409,
        "destruction_list_decided",
    )
    .await;
    let detail = admin
        .json(&format!("/api/v1/archive/destruction-lists/{}", list.id))
        .await;
    assert_eq!(detail["state"], "approved");
    assert_eq!(detail["decided_by"], "quantri.tinh");

    let report = motcua::archive::destroy(&app.store, blobs.clone(), list.id, &actor)
        .await
        .unwrap();
    assert_eq!(report.dossiers, 2);
    // Their own uploads and receipts go; what the open dossier, the permanent one or the
    // applicant's store still refers to stays.
    for d in &first_docs {
        let gone = !blob_path(&app, &d.sha256).exists();
        let expect_gone = d.name == "own.pdf" || d.kind == "receipt";
        assert_eq!(gone, expect_gone, "{} ({})", d.name, d.kind);
    }
    assert!(blob_path(&app, &sha(&shared)).exists());
    assert!(report.blobs_kept.contains(&sha(&shared)));
    let gone = app.store.documents(&closed[0]).await.unwrap();
    assert!(gone.iter().all(|d| d.destroyed_at.is_some()));
    let r = admin
        .get(&format!(
            "/api/v1/dossiers/{}/documents/{}",
            closed[0], gone[0].id
        ))
        .await;
    problem(r, 410, "document_destroyed").await;
    let permanent_docs = app.store.documents(&closed[2]).await.unwrap();
    assert!(permanent_docs.iter().all(|d| d.destroyed_at.is_none()));
    assert!(
        permanent_docs
            .iter()
            .all(|d| blob_path(&app, &d.sha256).exists())
    );
    // Once only; every step audited.
    assert!(
        motcua::archive::destroy(&app.store, blobs.clone(), list.id, &actor)
            .await
            .is_err()
    );
    let events = app
        .store
        .audit_events_for(&format!("destruction_list:{}", list.id))
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "archive.destruction_proposed",
            "archive.destruction_approved",
            "archive.destroyed"
        ]
    );
    let exported = app
        .store
        .audit_events_for(&format!("archive_package:{}", package.id))
        .await
        .unwrap();
    assert_eq!(exported.len(), 1);
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());

    if backend == Backend::Sqlite {
        // The command line: export (nothing left), propose (nothing left), destroy refused.
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
                .arg("--data-dir")
                .arg(app.data_dir.path())
                .args(args)
                .env_remove("MOTCUA_DATABASE_URL")
                .env_remove("MOTCUA_DOCUMENTS_URL")
                .output()
                .unwrap()
        };
        let out_dir = out.path().display().to_string();
        let o = run(&[
            "archive",
            "export",
            "--before",
            "2100-01-01",
            "--output",
            &out_dir,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("Nothing to archive"));
        let o = run(&[
            "archive",
            "destruction-list",
            "--before",
            "2100-01-01",
            "--json",
        ]);
        assert!(o.status.success());
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "null");
        let o = run(&["archive", "destroy", "--list", &list.id.to_string()]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn archive_export_and_approved_destruction_on_sqlite() {
    archive(Backend::Sqlite).await;
}

#[tokio::test]
async fn archive_export_and_approved_destruction_on_postgres() {
    archive(Backend::Postgres).await;
}

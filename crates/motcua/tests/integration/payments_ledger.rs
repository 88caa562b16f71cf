//! Fees assessed from the catalogue (per copy, exemptions), cash at the counter with its
//! e-receipt, bank statements reconciled (CSV and XLSX, broken rows, a second import) and
//! refunds proposed and decided.

use crate::common::{Api, Backend, TestApp, agency_of, csrf_from, officer, problem};
use crate::dossier_pages::signed_in;
use crate::payments_online::text;
use motcua::samples::COPY_EXTRACT;
use motcua_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CITIZEN_ID: &str = "020095001234";

struct Desk<'a> {
    receiver: Api<'a>,
    specialist: Api<'a>,
    agency: String,
}

/// The samples with the per-copy fee procedure, Đông Kinh's receiver and a specialist at
/// the desk that handles it.
async fn desk(app: &TestApp) -> Desk<'_> {
    motcua::samples::load(&app.store).await.unwrap();
    motcua::samples::load_fees(&app.store).await.unwrap();
    let agency = agency_of(app, "motcua.dongkinh").await;
    Desk {
        receiver: Api::new(app, "motcua.dongkinh").await,
        specialist: officer(app, "cv.phi", Role::Specialist, &agency).await,
        agency,
    }
}

/// A copy-extract dossier received at Đông Kinh, with `copies` asked for by the specialist.
async fn owing(app: &TestApp, desk: &Desk<'_>, i: usize, copies: u32) -> String {
    let citizen = Api::new(app, "congdan").await;
    let body = json!({
        "procedure_code": COPY_EXTRACT, "agency_code": desk.agency,
        "applicant": { "kind": "person", "name": format!("Người Nộp {i}"),
                       "citizen_id": CITIZEN_ID, "phone": "0912345678" }
    });
    let r = citizen.post("/api/v1/dossiers", &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    desk.receiver.act_ok(&code, "accept", json!({})).await;
    (desk.specialist)
        .act_ok(
            &code,
            "request_payment",
            json!({ "fees": [{ "quantity": copies }] }),
        )
        .await;
    code
}

async fn payment(api: &Api<'_>, code: &str) -> Value {
    api.json(&format!("/api/v1/dossiers/{code}/payment")).await
}

#[tokio::test]
async fn fees_are_assessed_per_copy_and_cash_gets_a_signed_receipt_in_the_applicants_store() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let desk = desk(&app).await;
    let code = owing(&app, &desk, 1, 3).await;
    let s = payment(&desk.receiver, &code).await;
    assert_eq!(s["requested_vnd"], 24_000, "3 copies at 8.000 đ");
    assert_eq!(s["awaiting_payment"], true);

    // Another dossier: bad choices and an unexplained amount are refused, nothing recorded.
    let other = owing(&app, &desk, 2, 1).await;
    desk.receiver
        .act_ok(&other, "record_payment", json!({ "amount_vnd": 8_000 }))
        .await;
    let third = {
        let citizen = Api::new(&app, "congdan").await;
        let body = json!({
            "procedure_code": COPY_EXTRACT, "agency_code": desk.agency,
            "applicant": { "kind": "person", "name": "Người Nộp 3",
                           "citizen_id": CITIZEN_ID, "phone": "0912345678" }
        });
        let r = citizen.post("/api/v1/dossiers", &body).await;
        let code = r.json::<Value>().await.unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        desk.receiver.act_ok(&code, "accept", json!({})).await;
        code
    };
    let d = desk
        .specialist
        .json(&format!("/api/v1/dossiers/{third}"))
        .await;
    let ask = |extra: Value| {
        let mut body = json!({ "action": "request_payment", "version": d["version"] });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        desk.specialist.act(&third, body)
    };
    problem(
        ask(json!({ "fees": [{ "quantity": 1001 }] })).await,
        422,
        "fee_quantity_invalid",
    )
    .await;
    problem(
        ask(json!({ "fees": [{ "quantity": 1, "exemption": 3 }] })).await,
        422,
        "fee_exemption_unknown",
    )
    .await;
    problem(
        ask(json!({ "fees": [{ "quantity": 2 }], "amount_vnd": 10_000 })).await,
        422,
        "adjustment_reason_required",
    )
    .await;
    // Exempt: nothing to ask for.
    let r = ask(json!({ "fees": [{ "quantity": 2, "exemption": 0 }] })).await;
    assert_eq!(r.status(), 422, "{}", r.text().await.unwrap());
    let after = desk
        .specialist
        .json(&format!("/api/v1/dossiers/{third}"))
        .await;
    assert_eq!(after["version"], d["version"], "refusals change nothing");

    // Cash at the counter: the dossier moves on and the receipt is numbered and signed.
    let paid = desk
        .receiver
        .act_ok(&code, "record_payment", json!({ "amount_vnd": 24_000 }))
        .await;
    assert_eq!(paid["state"], "processing");
    let s = payment(&desk.receiver, &code).await;
    assert_eq!(s["paid_vnd"], 24_000);
    let receipts = s["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1);
    let r = &receipts[0];
    assert_eq!(
        r["number"], "0000002",
        "the second receipt of the agency's series"
    );
    assert_eq!(r["channel"], "counter");
    assert_eq!(r["payer"], "Người Nộp 1");
    assert_eq!(r["amount_in_words"], "Hai mươi tư nghìn đồng");
    assert_eq!(
        r["items"][0]["name"],
        "Phí cấp bản sao trích lục hộ tịch (3 bản)"
    );
    assert_eq!(r["items"][0]["quantity"], 3);
    let sha = r["document_sha256"].as_str().expect("signed").to_owned();
    let signatures = app.store.signatures_for_hash(&sha).await.unwrap();
    assert_eq!(signatures.len(), 1);
    assert_eq!(signatures[0].kind, "fee_receipt");
    let wallet = app.store.wallet(&[CITIZEN_ID.to_owned()]).await.unwrap();
    assert!(
        wallet
            .iter()
            .any(|w| w.sha256 == sha && w.kind == "fee_receipt"),
        "the receipt is in the applicant's store"
    );
    let audit = app
        .store
        .audit_events_for(&format!("dossier:{code}"))
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.entry.action == "dossier.fee_receipt_issued")
    );

    // The printed receipt, for the officer.
    let officer_pages = signed_in(&app, "motcua.dongkinh").await;
    let page = officer_pages
        .get(app.url(&format!(
            "/work/dossiers/{code}/receipts/{}",
            r["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("BIÊN LAI THU PHÍ, LỆ PHÍ"));
    assert!(html.contains("Hai mươi tư nghìn đồng"));
    assert!(html.contains(&format!("/verify?sha256={sha}")));
    // Another dossier's receipt under this one's address is not found.
    let wrong = officer_pages
        .get(app.url(&format!(
            "/work/dossiers/{other}/receipts/{}",
            r["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
}

/// Sets the agency's receiving account through the administrator's page.
async fn account(app: &TestApp, agency: &str) {
    let admin = signed_in(app, "quantri.tinh").await;
    let page = text(&admin, &app.url(&format!("/admin/agencies/{agency}"))).await;
    let r = admin
        .post(app.url(&format!("/admin/agencies/{agency}/payment-account")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("bank_bin", "970415"),
            ("account_no", "113000066888"),
            ("account_name", "UBND PHUONG DONG KINH"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn import(api: &Api<'_>, query: &str, body: Vec<u8>) -> reqwest::Response {
    api.client
        .post(api.app.url(&format!("/api/v1/payments/statements?{query}")))
        .bearer_auth(&api.token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn squeezed(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[tokio::test]
async fn a_bank_statement_is_matched_once_and_what_is_due_back_is_refunded_with_approval() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let desk = desk(&app).await;
    account(&app, &desk.agency).await;
    let exact = owing(&app, &desk, 1, 3).await; // 24.000
    let short = owing(&app, &desk, 2, 1).await; // 8.000
    let over = owing(&app, &desk, 3, 2).await; // 16.000
    let twice = owing(&app, &desk, 4, 1).await; // 8.000, paid at the counter first
    desk.receiver
        .act_ok(&twice, "record_payment", json!({ "amount_vnd": 8_000 }))
        .await;
    let query = format!("agency={}&file_name=saoke.csv", desk.agency);

    // Broken rows refuse the whole file, each one named; nothing is recorded.
    let broken = format!(
        "\u{feff}Số tham chiếu;Ngày giao dịch;Số tiền ghi có;Nội dung\n\
         FT1;05/12/2026;24.000;NOP PHI {exact}\n\
         ;05/12/2026;8.000;{short}\n\
         FT3;31/02/2026;16.000;{over}\n\
         FT4;05/12/2026;mười nghìn;{twice}\n"
    );
    let r = import(&desk.receiver, &query, broken.into_bytes()).await;
    let p = problem(r, 422, "statement_rows_invalid").await;
    let paths: Vec<&str> = (p["errors"].as_array().unwrap().iter())
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3, "{p}");
    assert!(paths.iter().any(|p| p.starts_with("CSV!3")), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("CSV!4")), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("CSV!5")), "{paths:?}");
    assert_eq!(payment(&desk.receiver, &exact).await["paid_vnd"], 0);

    // Only officers of the account's agency import it.
    let specialist = import(&desk.specialist, &query, b"x".to_vec()).await;
    assert_eq!(specialist.status(), 403);

    // A good statement: written out, run together, short, over, twice, unknown, a debit.
    let statement = format!(
        "Số tham chiếu,Ngày giao dịch,Số tiền ghi có,Nội dung\n\
         FT1,05/12/2026,24.000,NOP PHI HS {exact}\n\
         FT2,05/12/2026,5.000,MBVCB {} nop phi\n\
         FT3,05/12/2026,20.000,HS {over}\n\
         FT4,05/12/2026,8.000,{twice} chuyen lai\n\
         FT5,05/12/2026,100.000,tien an trua\n\
         FT6,05/12/2026,,phi dich vu\n",
        squeezed(&short)
    );
    let dry = import(
        &desk.receiver,
        &format!("{query}&dry_run=true"),
        statement.clone().into_bytes(),
    )
    .await;
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(dry["recorded"], 4);
    assert_eq!(
        payment(&desk.receiver, &exact).await["paid_vnd"],
        0,
        "a dry run records nothing"
    );

    let r = import(&desk.receiver, &query, statement.clone().into_bytes()).await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    let outcomes: Vec<(&str, &str)> = (report["lines"].as_array().unwrap().iter())
        .map(|l| {
            (
                l["reference"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("FT1", "matched"),
            ("FT2", "short_paid"),
            ("FT3", "overpaid"),
            ("FT4", "paid_twice"),
            ("FT5", "unmatched"),
        ]
    );
    assert_eq!(report["recorded"], 4);
    assert_eq!(report["skipped_debits"], 1);
    assert_eq!(report["lines"][2]["refund_due_vnd"], 4_000);
    let state = |code: String| {
        let api = &desk.receiver;
        async move { api.json(&format!("/api/v1/dossiers/{code}")).await["state"].clone() }
    };
    assert_eq!(state(exact.clone()).await, "processing");
    assert_eq!(state(short.clone()).await, "awaiting_payment");
    assert_eq!(
        payment(&desk.receiver, &short).await["outstanding_vnd"],
        3_000
    );
    assert_eq!(state(over.clone()).await, "processing");
    // The printed payment request carries the rest in its VietQR code.
    let pages = signed_in(&app, "motcua.dongkinh").await;
    let request = app.url(&format!("/work/dossiers/{short}/payment-request"));
    let html = text(&pages, &request).await;
    assert!(html.contains("THÔNG BÁO NỘP PHÍ, LỆ PHÍ") && html.contains("Ba nghìn đồng"));
    let svg_at = html
        .find("<svg role=\"img\" aria-label=\"Mã VietQR")
        .unwrap();
    let svg = &html[svg_at..svg_at + html[svg_at..].find("</svg>").unwrap() + 6];
    let qr = motcua_domain::vietqr::decode(&crate::payments::decode_qr(svg)).unwrap();
    assert_eq!(qr.amount_vnd, Some(3_000));
    assert_eq!(qr.purpose.as_deref(), Some(short.as_str()));
    assert_eq!(qr.account, "113000066888");

    let ledger = app.store.ledger(&exact).await.unwrap();
    assert_eq!(ledger[0].channel, "bank");
    assert_eq!(ledger[0].reference.as_deref(), Some("FT1"));
    let receipt = &payment(&desk.receiver, &exact).await["receipts"][0];
    assert_eq!(receipt["channel_label"], "Chuyển khoản");
    assert!(receipt["document_sha256"].is_string());

    // The same statement again changes nothing.
    let again: Value = import(&desk.receiver, &query, statement.into_bytes())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["recorded"], 0);
    assert!(again["imported_before"].is_string());
    assert!(
        (again["lines"].as_array().unwrap().iter().take(4))
            .all(|l| l["outcome"] == "already_recorded")
    );
    assert_eq!(app.store.ledger(&exact).await.unwrap().len(), 1);

    // The same lines in Excel under the bank's own headers, below its preamble: one more
    // line pays the short dossier's rest.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write(0, 0, "NGÂN HÀNG TMCP CÔNG THƯƠNG - SAO KÊ TÀI KHOẢN")
        .unwrap();
    for (c, h) in ["Mã GD", "Ngày", "Ghi có", "Diễn giải"].iter().enumerate() {
        sheet.write(2, c as u16, *h).unwrap();
    }
    let rows = [
        ("FT1", 24_000, format!("NOP PHI HS {exact}")),
        ("FT7", 3_000, short.clone()),
    ];
    for (i, (reference, amount, text)) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write(row, 0, *reference).unwrap();
        sheet.write(row, 1, "06/12/2026").unwrap();
        sheet.write(row, 2, *amount as f64).unwrap();
        sheet.write(row, 3, text.as_str()).unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let columns = "columns=reference%3DM%C3%A3%20GD%2Cbooked_at%3DNg%C3%A0y%2Camount%3DGhi%20c%C3%B3%2Cdescription%3DDi%E1%BB%85n%20gi%E1%BA%A3i";
    let r = import(&desk.receiver, &format!("{query}&{columns}"), xlsx).await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["lines"][0]["outcome"], "already_recorded");
    assert_eq!(report["lines"][1]["outcome"], "matched");
    assert_eq!(state(short.clone()).await, "processing");

    // Refunds: what was taken beyond what was owed.
    let due: Value = desk.receiver.json("/api/v1/payments/refunds").await;
    let due = due.as_array().unwrap();
    let line = |code: &str| {
        due.iter()
            .find(|d| d["dossier_code"] == code)
            .unwrap_or_else(|| panic!("{code} in {due:?}"))
            .clone()
    };
    assert_eq!(line(&over)["refund_due_vnd"], 4_000);
    assert_eq!(line(&twice)["refund_due_vnd"], 8_000);
    let tx = line(&over)["transaction_id"].as_str().unwrap().to_owned();
    let refund_path = format!("/api/v1/payments/refunds/{tx}");
    let propose = |body: Value| {
        let (api, path) = (&desk.receiver, refund_path.clone());
        async move { api.post(&path, &body).await }
    };
    problem(
        propose(json!({ "reason": "" })).await,
        422,
        "refund_reason_required",
    )
    .await;
    problem(
        propose(json!({ "reason": "Nộp thừa", "amount_vnd": 30_000 })).await,
        422,
        "refund_amount_invalid",
    )
    .await;
    let r = propose(json!({ "reason": "Nộp thừa so với thông báo" })).await;
    assert_eq!(r.status(), 201);
    let proposed: Value = r.json().await.unwrap();
    assert_eq!(proposed["amount_vnd"], 4_000, "by default what is due back");
    problem(
        propose(json!({ "reason": "Lần nữa" })).await,
        409,
        "refund_exists",
    )
    .await;

    // Only a leader decides; a rejection needs its reason.
    let decide = format!("/api/v1/payments/refunds/{tx}/decision");
    let r = desk
        .receiver
        .post(&decide, &json!({ "approve": true }))
        .await;
    assert_eq!(r.status(), 403);
    let leader = officer(&app, "ld.phi", Role::Leader, &desk.agency).await;
    problem(
        leader.post(&decide, &json!({ "approve": false })).await,
        422,
        "refund_rejection_reason_required",
    )
    .await;
    let r = leader.post(&decide, &json!({ "approve": true })).await;
    assert_eq!(r.status(), 200);
    let decided: Value = r.json().await.unwrap();
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decided_by"], "ld.phi");
    problem(
        leader.post(&decide, &json!({ "approve": true })).await,
        409,
        "refund_not_pending",
    )
    .await;
    let audit = app
        .store
        .audit_events_for(&format!("dossier:{over}"))
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.entry.action == "payment.refund_approved")
    );

    // The officer's pages: the refunds list, and the statement form (a dry run of a statement
    // whose one line was recorded before, and another that matches nothing).
    let html = text(&pages, &app.url("/payments/refunds")).await;
    assert!(html.contains(&twice) && html.contains("Đã duyệt hoàn trả"));
    let html = text(&pages, &app.url("/payments/statements")).await;
    assert!(
        html.contains("Số tiền ghi có"),
        "the default headers are shown"
    );
    let csv = format!(
        "Số tham chiếu,Ngày giao dịch,Số tiền ghi có,Nội dung\n\
         FT1,05/12/2026,24000,{exact}\nFT9,05/12/2026,1000,an trua\n"
    );
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf_from(&html))
        .text("agency", desk.agency.clone())
        .text("columns", "")
        .text("dry_run", "1")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("saoke.csv"),
        );
    let r = (pages.post(app.url("/payments/statements")).multipart(form))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã ghi nhận trước đây"), "{html}");
    assert!(html.contains("Không khớp hồ sơ"), "{html}");
    assert!(html.contains("sẽ ghi nhận 0 khoản"), "{html}");
}

//! The applicant's side end to end through the pages, without an account: a supplement
//! asked for and sent online against its component, the desk told, the dossier handled to
//! the end, the signed result and receipt downloaded byte for byte, the forms the agency
//! issued opened, and the handling rated. Everything behind `/lookup/{code}` needs the pass
//! a right lookup sets, scoped to that dossier.

use crate::common::{Backend, TestApp, agency_of, csrf_from};
use crate::dossier_pages::{
    BOUNDARY, PDF, act_ok, between, multipart, signed_in, submit_online, text,
};
use motcua::samples;
use motcua_domain::dossier::DossierState;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

/// Sends one file for a component through the supplement form of the applicant's page.
async fn send_supplement(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    csrf: &str,
    component: &str,
    file: &str,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/lookup/{code}/supplement")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(
            &[("csrf_token", csrf), ("component", component)],
            &[("file", file, PDF)],
        ))
        .send()
        .await
        .unwrap()
}

/// Downloads a link of the applicant's page as a browser asking for gzip would, and
/// checks the bytes against the hash the server states.
async fn download_whole(app: &TestApp, client: &reqwest::Client, href: &str) -> Vec<u8> {
    let r = client
        .get(app.url(href))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{href}");
    assert!(
        r.headers().get("content-encoding").is_none(),
        "a stored document goes out as it is: {href}"
    );
    let stated = r.headers()["x-content-sha256"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(!bytes.is_empty(), "{href}");
    assert_eq!(hex::encode(Sha256::digest(&bytes)), stated, "{href}");
    bytes
}

/// The address of the link whose attributes after `href` start with `after`.
fn href_before<'a>(html: &'a str, after: &str) -> &'a str {
    let end = html
        .find(&format!("\" {after}"))
        .unwrap_or_else(|| panic!("no link {after}"));
    let start = html[..end].rfind("href=\"").unwrap() + "href=\"".len();
    &html[start..end]
}

fn hrefs_with<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    html.split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .filter(|h| h.starts_with(prefix))
        .collect()
}

async fn journey(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let phone = app.client();
    let form_url = app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD));
    let (_, form) = text(&phone, &form_url).await;
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "can-cuoc.pdf", PDF),
        ("doc_2", "cu-tru.pdf", PDF),
    ];
    let r = submit_online(&app, &phone, &form, &dongkinh, "020095001234", &files).await;
    assert_eq!(r.status(), StatusCode::OK);
    let code = between(&r.text().await.unwrap(), "id=\"dossier-code\">", "<").to_owned();

    // The receiver asks for one component again, with a word on why.
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (_, work) = text(&receiver, &app.url(&format!("/work/dossiers/{code}"))).await;
    let missing = between(&work, "name=\"missing\" value=\"", "\"").to_owned();
    act_ok(
        &app,
        &receiver,
        &code,
        "request_supplement",
        &[
            ("missing", missing.as_str()),
            ("reason", "Bản chụp bị mờ, không đọc được số"),
        ],
    )
    .await;

    let (_, queue) = text(&receiver, &app.url("/work")).await;
    assert!(queue.contains(&code) && !queue.contains("Đã có bổ sung"));

    // Without the check, the dossier's pages send people to the lookup form.
    let stranger = app.client();
    for path in ["", "/forms/02", "/results/print"] {
        let r = stranger
            .get(app.url(&format!("/lookup/{code}{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/lookup?code="), "{to}");
    }

    // The applicant looks the dossier up with the last digits of their phone.
    let r = phone
        .get(app.url(&format!("/lookup?code={code}&check=5678")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("motcua_pass=")
            && cookie.contains(&format!("Path=/lookup/{code}"))
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("Cơ quan đề nghị bổ sung hồ sơ"), "{page}");
    assert!(page.contains(&missing));
    assert!(page.contains("Hồ sơ sẽ được tiếp nhận khi đã đủ thành phần"));
    assert!(page.contains("Lý do, hướng dẫn: Bản chụp bị mờ, không đọc được số"));
    assert!(
        !page.contains("Cổng Dịch vụ công quốc gia"),
        "no portal jargon"
    );
    assert!(page.contains(&format!("href=\"/lookup/{code}/forms/02\"")));
    let (status, form02) = text(&phone, &app.url(&format!("/lookup/{code}/forms/02"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form02.contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"));
    assert!(form02.contains(&missing));
    assert!(
        form02.contains("Lý do: Bản chụp bị mờ, không đọc được số."),
        "{form02}"
    );
    assert!(
        !form02.contains("020095001234"),
        "masked for someone holding only the check"
    );
    let form02_pdf = phone
        .get(app.url(&format!("/lookup/{code}/forms/02.pdf")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = crate::common::pdf_text(&form02_pdf) {
        // pdftotext keeps the layout: compare words, not line breaks.
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            missing.as_str(),
            "Lý do: Bản chụp bị mờ, không đọc được số.",
        ] {
            assert!(
                words.contains(expected),
                "{expected:?} not in form 02:\n{text}"
            );
        }
        assert!(!words.contains("020095001234"), "masked in the PDF too");
    }
    let (status, _) = text(&phone, &app.url(&format!("/lookup/{code}/forms/03"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was refused");

    // A component not asked for is refused, and nothing is kept.
    let csrf = csrf_from(&page);
    let before = app.store.documents(&code).await.unwrap().len();
    let r = send_supplement(&app, &phone, &code, &csrf, "Giấy tờ khác", "khac.pdf").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("không có trong yêu cầu bổ sung")
    );
    assert_eq!(app.store.documents(&code).await.unwrap().len(), before);
    // Another browser's pass does not open this dossier.
    let r = send_supplement(&app, &stranger, &code, &csrf, &missing, "bo-sung.pdf").await;
    assert!(
        matches!(r.status().as_u16(), 303 | 403),
        "refused or sent to the lookup: {}",
        r.status()
    );
    assert_eq!(app.store.documents(&code).await.unwrap().len(), before);

    // The right one is kept against its component, and the desk is told.
    let r = send_supplement(&app, &phone, &code, &csrf, &missing, "bo-sung.pdf").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/lookup/{code}?notice=supplement_sent"));
    let (_, page) = text(&phone, &app.url(&back)).await;
    assert!(page.contains("Đã gửi tài liệu bổ sung"), "{page}");
    assert!(page.contains("Đã gửi: bo-sung.pdf"), "{page}");
    let docs = app.store.documents(&code).await.unwrap();
    assert_eq!(docs.len(), before + 1);
    let sent = docs.iter().find(|d| d.name == "bo-sung.pdf").unwrap();
    assert_eq!(sent.component.as_deref(), Some(missing.as_str()));
    let told = app.store.outbox_messages(100).await.unwrap();
    let receiver_id = app
        .store
        .find_user_by_username("motcua.dongkinh")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        told.iter().any(|m| m.kind == "supplement_arrived"
            && m.recipient_user_id == Some(receiver_id)
            && m.subject.contains(&code)),
        "{told:?}"
    );

    let (_, queue) = text(&receiver, &app.url("/work")).await;
    assert!(queue.contains("Đã có bổ sung, chờ kiểm tra"), "{queue}");

    // The desk takes the supplement, receives, and the dossier is handled to the end.
    act_ok(&app, &receiver, &code, "supplement_received", &[]).await;
    act_ok(&app, &receiver, &code, "accept", &[]).await;
    // Every choice of agency offers only those working today, by level.
    let abolished: Vec<String> = app
        .store
        .agencies(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.valid_to.is_some())
        .map(|a| a.code.to_string())
        .collect();
    assert!(!abolished.is_empty(), "the demo has abolished agencies");
    let (_, work) = text(&receiver, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert!(
        crate::dossier_pages::offered(&work).contains(&"assign".to_owned()),
        "the receiver assigns within the agency"
    );
    act_ok(&app, &receiver, &code, "forward", &[]).await;
    let specialist = signed_in(&app, "chuyenvien.tuphap").await;
    let (_, work) = text(&specialist, &app.url(&format!("/work/dossiers/{code}"))).await;
    let transfer = between(&work, "name=\"to_agency\">", "</select>");
    assert!(
        transfer.contains("<optgroup label=\"UBND cấp xã\">"),
        "{transfer}"
    );
    let (_, catalogue) = text(&phone, &app.url("/procedures")).await;
    let filter = between(&catalogue, "name=\"agency\"", "</select>");
    for gone in &abolished {
        let option = format!("value=\"{gone}\"");
        assert!(!transfer.contains(&option), "{gone} offered for transfer");
        assert!(!filter.contains(&option), "{gone} offered as a filter");
    }
    act_ok(&app, &specialist, &code, "forward", &[]).await;
    let leader = signed_in(&app, "lanhdao.tuphap").await;
    act_ok(&app, &leader, &code, "approve", &[]).await;
    attach_result(&app, &leader, &code).await;
    act_ok(
        &app,
        &leader,
        &code,
        "finish",
        &[
            ("result", "Phiếu lý lịch tư pháp số 9"),
            ("electronic", "1"),
        ],
    )
    .await;

    // The applicant, still without an account, gets the signed result and the receipt.
    let (_, page) = text(&phone, &app.url(&format!("/lookup/{code}"))).await;
    assert!(page.contains("Kết quả giải quyết"), "{page}");
    let results = hrefs_with(&page, &format!("/lookup/{code}/documents/"));
    assert!(
        results.len() >= 2,
        "result, receipt and components: {results:?}"
    );
    let result_href = href_before(&page, "class=\"result-download\"");
    let result = download_whole(&app, &phone, result_href).await;
    assert_eq!(result, PDF);
    let receipt_href = href_before(&page, "id=\"receipt-json\"");
    let receipt = download_whole(&app, &phone, receipt_href).await;
    let receipt: serde_json::Value = serde_json::from_slice(&receipt).unwrap();
    assert_eq!(receipt["dossier_code"], code.as_str(), "{receipt}");
    let (status, sheet) = text(&phone, &app.url(&format!("/lookup/{code}/results/print"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sheet.contains("phieu-ly-lich.pdf") && sheet.contains("<svg"));
    let (status, slip) = text(&phone, &app.url(&format!("/lookup/{code}/forms/01"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(slip.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    receipt_as_pdf(&app, &phone, &code, &slip).await;
    // A stranger cannot fetch the same links.
    let r = stranger.get(app.url(result_href)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    act_ok(&app, &receiver, &code, "return_result", &[]).await;
    let (_, page) = text(&phone, &app.url(&format!("/lookup/{code}"))).await;
    let r = phone
        .post(app.url(&format!("/lookup/{code}/rating")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("score_timeliness", "2"),
            ("score_staff_attitude", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "rated, then sent back");
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.dossier.state, DossierState::Returned);
    assert_eq!(record.dossier.rating.unwrap().average(), 2.0);
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn an_applicant_without_an_account_supplements_and_gets_the_result_on_sqlite() {
    journey(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_applicant_without_an_account_supplements_and_gets_the_result_on_postgres() {
    journey(Backend::Postgres).await;
}

/// The online form's fields with a good or bad ID number, and extra fields (kept files).
fn form_body(
    form_html: &str,
    agency: &str,
    citizen_id: &str,
    extra: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    let csrf = csrf_from(form_html);
    let key = crate::common::hidden(form_html, "idempotency_key");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "person"),
        ("name", "Nguyễn Văn An"),
        ("citizen_id", citizen_id),
        ("phone", "0912 345 678"),
        ("agency", agency),
    ];
    fields.extend_from_slice(extra);
    multipart(&fields, files)
}

#[tokio::test]
async fn the_online_form_keeps_chosen_files_and_ties_each_to_its_component() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let browser = app.client();
    let url = app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD));
    let (_, form) = text(&browser, &url).await;
    let post = |body: Vec<u8>| {
        browser
            .post(url.clone())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };

    // A wrong ID number and a program instead of a scan: both said, the good files kept.
    let first: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "can-cuoc.pdf", PDF),
        ("doc_2", "virus.exe", b"MZ\x90\x00 not a document"),
    ];
    let r = post(form_body(&form, &dongkinh, "12345", &[], &first))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Tệp «virus.exe»"),
        "the refused file is named: {page}"
    );
    assert!(
        page.contains("Đã chọn: <strong>to-khai.pdf</strong>"),
        "{page}"
    );
    assert!(page.contains("Đã chọn: <strong>can-cuoc.pdf</strong>"));
    assert!(
        !page.contains("name=\"kept_doc_2\""),
        "the refused file is not kept"
    );
    let kept_0 = crate::common::hidden(&page, "kept_doc_0");
    let kept_1 = crate::common::hidden(&page, "kept_doc_1");
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);

    // A token that is not ours keeps nothing.
    let forged = format!("{}x", &kept_0[..kept_0.len() - 1]);
    let only_last: Vec<(&str, &str, &[u8])> = vec![("doc_2", "cu-tru.pdf", PDF)];
    let r = post(form_body(
        &page,
        &dongkinh,
        "020095001234",
        &[
            ("kept_doc_0", forged.as_str()),
            ("kept_doc_1", kept_1.as_str()),
        ],
        &only_last,
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("không còn được giữ"), "{page}");
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);

    // Put right, with only the missing file chosen: three documents, one per component.
    let kept_1 = crate::common::hidden(&page, "kept_doc_1");
    let kept_2 = crate::common::hidden(&page, "kept_doc_2");
    let again: Vec<(&str, &str, &[u8])> = vec![("doc_0", "to-khai-2.pdf", PDF)];
    let r = post(form_body(
        &page,
        &dongkinh,
        "020095001234",
        &[
            ("kept_doc_1", kept_1.as_str()),
            ("kept_doc_2", kept_2.as_str()),
        ],
        &again,
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "post, redirect, get");
    let confirmation = r.headers()["location"].to_str().unwrap().to_owned();
    // Reloading the confirmation shows it again and posts nothing.
    for _ in 0..2 {
        let (status, _) = text(&browser, &app.url(&confirmation)).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(app.store.count_dossiers().await.unwrap(), 1);
    let (_, done) = text(&browser, &app.url(&confirmation)).await;
    let code = between(&done, "id=\"dossier-code\">", "<").to_owned();
    assert_eq!(confirmation, format!("/lookup/{code}/submitted"));
    assert!(
        done.contains("Tờ khai") || done.contains(": to-khai-2.pdf"),
        "{done}"
    );
    // Another browser does not see the confirmation (the secret is on it).
    let (status, elsewhere) = text(&app.client(), &app.url(&confirmation)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{elsewhere}");
    let docs = app.store.documents(&code).await.unwrap();
    let mut names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["can-cuoc.pdf", "cu-tru.pdf", "to-khai-2.pdf"]);
    let procedure = app
        .store
        .procedure_version(samples::CRIMINAL_RECORD, 1)
        .await
        .unwrap()
        .unwrap()
        .procedure;
    for (i, required) in procedure.documents.iter().enumerate() {
        let doc = docs
            .iter()
            .find(|d| d.component.as_deref() == Some(required.name.as_str()))
            .unwrap_or_else(|| panic!("component {i} {} not supplied: {docs:?}", required.name));
        assert_eq!(doc.name, ["to-khai-2.pdf", "can-cuoc.pdf", "cu-tru.pdf"][i]);
    }
    // The desk sees every component supplied.
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (_, documents) = text(&receiver, &app.url(&format!("/dossiers/{code}/documents"))).await;
    let table = between(
        &documents,
        "<caption>Thành phần hồ sơ theo thủ tục</caption>",
        "</table>",
    );
    assert!(!table.contains("<td>Chưa</td><td>Chưa</td>"), "{table}");
    assert_eq!(
        table.matches("<td>Có</td><td>Chưa</td></tr>").count(),
        3,
        "{table}"
    );
    app.stop().await;
}

/// The leader attaches the result document through the documents page.
async fn attach_result(app: &TestApp, officer: &reqwest::Client, code: &str) {
    let (_, documents) = text(officer, &app.url(&format!("/dossiers/{code}/documents"))).await;
    let r = officer
        .post(app.url(&format!("/dossiers/{code}/documents")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(
            &[("csrf_token", &csrf_from(&documents)), ("kind", "result")],
            &[("file", "phieu-ly-lich.pdf", PDF)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// The officers' side through the pages, for a dossier whose applicant sent a supplement:
/// supplement received, accepted, appraised with a draft result, approved (which signs
/// the draft), finished and returned.
pub(crate) async fn officers_finish(app: &TestApp, code: &str) {
    let receiver = signed_in(app, "motcua.dongkinh").await;
    act_ok(app, &receiver, code, "supplement_received", &[]).await;
    act_ok(app, &receiver, code, "accept", &[]).await;
    act_ok(app, &receiver, code, "forward", &[]).await;
    let specialist = signed_in(app, "chuyenvien.tuphap").await;
    attach_result(app, &specialist, code).await;
    act_ok(app, &specialist, code, "forward", &[]).await;
    let leader = signed_in(app, "lanhdao.tuphap").await;
    let (_, work) = text(&leader, &app.url(&format!("/work/dossiers/{code}"))).await;
    let approve_form = between(&work, "data-action=\"approve\"", "</form>");
    assert!(
        approve_form.contains("Dự thảo kết quả") && approve_form.contains("phieu-ly-lich.pdf"),
        "the leader sees the draft they approve: {approve_form}"
    );
    assert!(work.contains("dự thảo kết quả;"), "{work}");
    act_ok(app, &leader, code, "approve", &[]).await;
    let (_, work) = text(&leader, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert!(
        work.contains("kết quả đã ký số;"),
        "approval signed the draft: {work}"
    );
    act_ok(
        app,
        &leader,
        code,
        "finish",
        &[("result", "Phiếu lý lịch tư pháp"), ("electronic", "1")],
    )
    .await;
    act_ok(app, &receiver, code, "return_result", &[]).await;
}

/// The officer at the counter asks for the first component again.
pub(crate) async fn ask_for_supplement(app: &TestApp, code: &str) -> String {
    let receiver = signed_in(app, "motcua.dongkinh").await;
    let (_, work) = text(&receiver, &app.url(&format!("/work/dossiers/{code}"))).await;
    let missing = between(&work, "name=\"missing\" value=\"", "\"").to_owned();
    act_ok(
        app,
        &receiver,
        code,
        "request_supplement",
        &[("missing", missing.as_str())],
    )
    .await;
    missing
}

/// Form 01 as a PDF file: offered from the printable page, with the receipt's own words
/// in it (read back through the embedded font), and not for a stranger.
async fn receipt_as_pdf(app: &TestApp, phone: &reqwest::Client, code: &str, slip: &str) {
    assert!(
        slip.contains("href=\"01.pdf\""),
        "the PDF is offered: {slip}"
    );
    let r = phone
        .get(app.url(&format!("/lookup/{code}/forms/01.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Kept for a look: target/pdf/mau-01.pdf.
    let kept = crate::browser::artefact("pdf/mau-01.pdf");
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::write(&kept, &pdf).unwrap();
    assert!(
        pdf.len() < 200_000,
        "only the glyphs used are embedded: {} bytes",
        pdf.len()
    );
    if let Some(text) = crate::common::pdf_text(&pdf) {
        let secret = between(slip, "id=\"lookup-secret\">", "<");
        let due = between(slip, "id=\"due-at\">", "<");
        for expected in [
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            code,
            secret,
            due,
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not in the PDF:\n{text}"
            );
        }
    }
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = stranger
        .get(app.url(&format!("/lookup/{code}/forms/01.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "asked for the code again"
    );
}

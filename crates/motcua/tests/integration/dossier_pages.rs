//! Dossiers through the pages, over HTTP against the real server: the online form with a
//! real multipart upload, the public lookup and rating, the officers' queue, dossier page,
//! actions, counter receipt and printed forms, the process pages, and the demo's seeding.

use crate::common::agency_of;
use crate::common::{self, Backend, TestApp, csrf_from, hidden, login};
use motcua::{demo_dossiers, samples};
use motcua_domain::account::{Role, Username};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{DossierState, DueState};
use motcua_store::{DossierFilter, NewUser, Visibility};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";
pub(crate) const BOUNDARY: &str = "----motcua-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body, as a browser sends the online form.
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn text(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

pub(crate) fn between<'a>(html: &'a str, before: &str, after: &str) -> &'a str {
    let start = html
        .find(before)
        .unwrap_or_else(|| panic!("{before} not in page"))
        + before.len();
    &html[start..start + html[start..].find(after).unwrap()]
}

pub(crate) async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.client();
    let r = login(app, &client, username, &app.passwords[username]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{username} signs in");
    client
}

/// Loads the online form and sends it as multipart with the form's own key and token.
pub(crate) async fn submit_online(
    app: &TestApp,
    client: &reqwest::Client,
    form_html: &str,
    agency: &str,
    citizen_id: &str,
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    submit_online_with(app, client, form_html, agency, citizen_id, files, &[]).await
}

/// [`submit_online`] with more fields (checkboxes, say).
pub(crate) async fn submit_online_with(
    app: &TestApp,
    client: &reqwest::Client,
    form_html: &str,
    agency: &str,
    citizen_id: &str,
    files: &[(&str, &str, &[u8])],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = csrf_from(form_html);
    let key = hidden(form_html, "idempotency_key");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "person"),
        ("name", "Nguyễn Văn An"),
        ("citizen_id", citizen_id),
        ("phone", "0912 345 678"),
        ("email", "an@example.vn"),
        ("address", "Phường Đông Kinh"),
        ("agency", agency),
    ];
    fields.extend_from_slice(extra);
    let body = multipart(&fields, files);
    let r = client
        .post(app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD)))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    if r.status() != StatusCode::SEE_OTHER {
        return r;
    }
    // Post, redirect, get: the confirmation is a page of its own.
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/lookup/") && to.contains("/submitted"),
        "{to}"
    );
    client.get(app.url(&to)).send().await.unwrap()
}

#[tokio::test]
async fn online_submission_idempotency_lookup_and_masking() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let anonymous = app.client();

    // The form: applicant fields, the receiving agencies, one file input per document.
    let form_url = app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD));
    let (status, form) = text(&anonymous, &form_url).await;
    assert_eq!(status, 200);
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    // The token travels as the form's first field, never in the address.
    assert!(!form.contains("?csrf_token="));
    let first_field = form
        .split("enctype=\"multipart/form-data\"")
        .nth(1)
        .unwrap();
    assert!(
        first_field.trim_start_matches(|c| c != '<')[..200].contains("name=\"csrf_token\""),
        "{first_field}"
    );
    assert!(
        form.contains(&format!("value=\"{dongkinh}\"")),
        "communes receive too"
    );
    assert!(
        form.contains("value=\"000.00.02.H37\""),
        "the department in charge"
    );
    for i in 0..3 {
        assert!(
            form.contains(&format!("name=\"doc_{i}\" type=\"file\"")),
            "doc_{i}"
        );
    }
    assert!(form.contains("<label for=\"citizen_id\">"));

    // Server-side validation: every problem named, nothing registered.
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "can-cuoc.pdf", PDF),
        ("doc_2", "cu-tru.pdf", PDF),
    ];
    let r = submit_online(&app, &anonymous, &form, &dongkinh, "12345", &files[..2]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("12 chữ số"), "{page}");
    assert!(page.contains("Chưa đính kèm"), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);
    let not_pdf: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "virus.exe", b"MZ\x90\x00 not a document"),
        ("doc_2", "cu-tru.pdf", PDF),
    ];
    let r = submit_online(&app, &anonymous, &form, &dongkinh, "020095001234", &not_pdf).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Chỉ nhận tệp PDF, PNG hoặc JPEG")
    );
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);

    // A file name with a NUL or a hidden character is said to be what it is, not "too large".
    for bad_name in ["to\0khai.pdf", "gpj\u{202E}exe.pdf"] {
        let odd: Vec<(&str, &str, &[u8])> = vec![
            ("doc_0", bad_name, PDF),
            ("doc_1", "can-cuoc.pdf", PDF),
            ("doc_2", "cu-tru.pdf", PDF),
        ];
        let r = submit_online(&app, &anonymous, &form, &dongkinh, "020095001234", &odd).await;
        assert!(
            r.status() == StatusCode::BAD_REQUEST || r.status() == StatusCode::UNPROCESSABLE_ENTITY,
            "{bad_name:?}: {}",
            r.status()
        );
        let page = r.text().await.unwrap();
        assert!(!page.contains("quá lớn"), "{page}");
        assert!(
            page.contains("Tên tệp không hợp lệ") || page.contains("không đọc được"),
            "{page}"
        );
    }
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);

    // A real submission: the answer is the dossier code and how to look it up.
    let r = submit_online(&app, &anonymous, &form, &dongkinh, "020095001234", &files).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let code = between(&page, "id=\"dossier-code\">", "<").to_owned();
    assert!(code.starts_with(&format!("{dongkinh}-")), "{code}");
    assert!(page.contains("/lookup?code="), "lookup link");
    assert!(page.contains("4 chữ số cuối"), "lookup instructions");
    // The lookup secret, printed and in the QR code's address.
    let secret = between(&page, "id=\"lookup-secret\">", "<").to_owned();
    assert_eq!(secret.len(), 11, "{secret}");
    assert!(page.contains("<svg") && page.contains("Mã QR tra cứu hồ sơ"));
    let plain_secret = secret.replace('-', "");
    assert!(page.contains(&format!("check={plain_secret}")), "{page}");
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.dossier.state, DossierState::Submitted);
    assert_eq!(record.owner, None, "anonymous");
    let docs = app.store.documents(&code).await.unwrap();
    assert_eq!(docs.len(), 3);
    assert!(docs.iter().all(|d| d.content_type == "application/pdf"));
    let blob = app
        .data_dir
        .path()
        .join("documents/sha256")
        .join(&docs[0].sha256[..2])
        .join(&docs[0].sha256);
    assert_eq!(std::fs::read(blob).unwrap(), PDF);

    // The receiving officers see the documents and download them.
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (status, page) = text(&receiver, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert_eq!(status, 200);
    let link = format!("/work/dossiers/{code}/documents/{}", docs[0].id);
    assert!(page.contains(&link), "{page}");
    assert!(
        page.contains("020095001234"),
        "officers see the applicant in full"
    );
    let r = receiver.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);

    // A double click sends the same form twice: the same dossier, no second one.
    let again = submit_online(&app, &anonymous, &form, &dongkinh, "020095001234", &files).await;
    assert_eq!(again.status(), StatusCode::OK);
    let page = again.text().await.unwrap();
    assert_eq!(between(&page, "id=\"dossier-code\">", "<"), code);
    assert!(page.contains("không có hồ sơ nào bị tạo thêm"));
    assert_eq!(app.store.count_dossiers().await.unwrap(), 1);
    assert_eq!(app.store.documents(&code).await.unwrap().len(), 3);

    // The lookup: wrong check digits say so without telling which part was wrong.
    let (status, page) = text(
        &anonymous,
        &app.url(&format!("/lookup?code={code}&check=0000")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("4 chữ số kiểm tra chưa đúng"), "{page}");
    assert!(!page.contains("Nguyễn"));
    let (status, page) = text(
        &anonymous,
        &app.url(&format!("/lookup?code={code}&check=5678")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Mới đăng ký, chờ tiếp nhận"), "{page}");
    assert!(
        !page.contains("Cổng Dịch vụ công quốc gia"),
        "citizens are not told the portal's status numbers"
    );
    assert!(page.contains("********1234") && page.contains("091****678"));
    assert!(page.contains("N. V. An"));
    assert!(!page.contains("020095001234") && !page.contains("0912345678"));
    assert!(page.contains("Thẩm định, xác minh"), "the steps");
    let (status, page) = text(
        &anonymous,
        &app.url(&format!("/lookup?code={code}&check=1234")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the citizen ID's last digits work too"
    );
    assert!(
        !page.contains("name=\"score_timeliness\""),
        "no rating before return"
    );

    // Too many wrong tries lock the lookup, with a readable message.
    for i in 0..motcua_domain::account::LOOKUP_THROTTLE.max_failures {
        let _ = text(
            &anonymous,
            &app.url(&format!("/lookup?code={code}&check={:04}", 9000 + i)),
        )
        .await;
    }
    let (status, page) = text(
        &anonymous,
        &app.url(&format!("/lookup?code={code}&check=5678")),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("thử lại sau 15 phút"), "{page}");
    // Whatever others tried on the code, its owner's secret still opens it, as typed or
    // from the QR code; a wrong secret says nothing more than a wrong code.
    for typed in [secret.to_lowercase(), plain_secret.clone()] {
        let (status, page) = text(
            &anonymous,
            &app.url(&format!("/lookup?code={code}&check={typed}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{typed}");
        assert!(page.contains("Mới đăng ký, chờ tiếp nhận"), "{page}");
    }
    let api: serde_json::Value = anonymous
        .get(app.url(&format!(
            "/api/v1/public/dossiers/{code}?check={plain_secret}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["code"], code.as_str());
    let wrong = if plain_secret.starts_with('A') {
        "B"
    } else {
        "A"
    };
    let (status, _) = text(
        &anonymous,
        &app.url(&format!(
            "/lookup?code={code}&check={wrong}{}",
            &plain_secret[1..]
        )),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn signed_in_citizens_are_linked_and_see_their_dossiers() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    let citizen = signed_in(&app, "congdan").await;
    let (_, home) = text(&citizen, &app.url("/")).await;
    assert!(home.contains("href=\"/my/dossiers\"") && home.contains("href=\"/lookup\""));
    assert!(!home.contains("href=\"/work\""));
    let (_, form) = text(
        &citizen,
        &app.url(&format!("/procedures/{}/submit", samples::CRIMINAL_RECORD)),
    )
    .await;
    assert!(
        form.contains("value=\"Nguyễn Văn An\""),
        "name from the account"
    );
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "a.pdf", PDF),
        ("doc_1", "b.pdf", PDF),
        ("doc_2", "c.pdf", PDF),
    ];
    let r = submit_online(&app, &citizen, &form, &dongkinh, "020095001234", &files).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let code = between(&page, "id=\"dossier-code\">", "<").to_owned();
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.owner.as_deref(), Some("congdan"));
    let (status, mine) = text(&citizen, &app.url("/my/dossiers")).await;
    assert_eq!(status, 200);
    assert!(mine.contains(&code), "{mine}");
    let (status, one) = text(&citizen, &app.url(&format!("/my/dossiers/{code}"))).await;
    assert_eq!(status, 200);
    assert!(one.contains("Mới đăng ký, chờ tiếp nhận"));
    // Staff have their own pages; another citizen's dossier stays hidden.
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (status, _) = text(&receiver, &app.url("/my/dossiers")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = text(&citizen, &app.url("/work")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// A receiver of another commune, signed in through the pages.
async fn other_commune_receiver(app: &TestApp) -> reqwest::Client {
    let username = "motcua.xakhac";
    let password = common::demo_password(username);
    let user = NewUser {
        username: Username::parse(username).unwrap(),
        display_name: "Cán bộ xã khác".into(),
        password_hash: motcua_app::password::hash_password(&password),
        role: Role::Receiver,
        agency_code: Some("000.01.40.H37".into()),
    };
    let audit = AuditEntry::system(motcua_app::now(), "user.created", "user:x", json!({}));
    app.store
        .create_user(&user, motcua_app::now(), audit)
        .await
        .unwrap();
    let client = app.client();
    let r = login(app, &client, username, &password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    client
}

/// The action forms a dossier page offers, by their `data-action`.
pub(crate) fn offered(html: &str) -> Vec<String> {
    html.split("data-action=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// Posts one action form of the dossier page as the browser would.
pub(crate) async fn act(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let (status, page) = text(client, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert_eq!(status, 200);
    assert!(
        offered(&page).iter().any(|a| a == action),
        "{action} not offered: {:?}",
        offered(&page)
    );
    let version = hidden(&page, "version");
    let csrf = csrf_from(&page);
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("action", action),
        ("version", version.as_str()),
    ];
    form.extend_from_slice(extra);
    client
        .post(app.url(&format!("/work/dossiers/{code}/actions")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn act_ok(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    action: &str,
    extra: &[(&str, &str)],
) {
    let r = act(app, client, code, action, extra).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/work/dossiers/{code}?done={action}"));
    let (_, page) = text(client, &app.url(&location)).await;
    assert!(page.contains("Đã thực hiện"), "{page}");
}

async fn officer_flow(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (_, home) = text(&receiver, &app.url("/")).await;
    assert!(home.contains("href=\"/work\"") && !home.contains("href=\"/my/dossiers\""));

    // Counter receipt: register and receive in one go, then form 01 to print.
    let (status, counter) = text(&receiver, &app.url("/work/counter")).await;
    assert_eq!(status, 200);
    let csrf = csrf_from(&counter);
    let key = hidden(&counter, "idempotency_key");
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("procedure", samples::CRIMINAL_RECORD),
        ("channel", "paper"),
        ("kind", "person"),
        ("name", "Trần Thị Bình"),
        ("citizen_id", "020195004321"),
        ("phone", "0987654321"),
        ("address", "Phường Đông Kinh"),
    ];
    let mut bad = fields.to_vec();
    bad[7] = ("phone", "12345");
    let r = receiver
        .post(app.url("/work/counter"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Số điện thoại không hợp lệ")
    );
    let r = receiver
        .post(app.url("/work/counter"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .strip_prefix("/work/dossiers/")
        .and_then(|l| l.strip_suffix("/forms/01"))
        .unwrap()
        .to_owned();
    // The same form sent twice registers one dossier.
    let r = receiver
        .post(app.url("/work/counter"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"].to_str().unwrap(), location);
    assert_eq!(app.store.count_dossiers().await.unwrap(), 1);
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.dossier.state, DossierState::Received);
    let due = record
        .dossier
        .due_at
        .unwrap()
        .format("%H:%M %d/%m/%Y")
        .to_string();
    let (status, slip) = text(&receiver, &app.url(&location)).await;
    assert_eq!(status, 200);
    assert!(slip.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    assert!(slip.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(slip.contains("Độc lập - Tự do - Hạnh phúc"));
    assert!(
        slip.contains(&code) && slip.contains(&due),
        "code and due date {due}"
    );
    assert!(
        slip.contains("<svg") && slip.contains("role=\"img\""),
        "a QR code"
    );
    assert!(
        slip.contains(&format!("/lookup?code={code}")),
        "the QR's lookup link"
    );
    assert!(slip.contains("ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH"));
    assert!(slip.contains("Hoàng Thị Bình"), "the receiver signs");
    // The lookup secret is printed, and with the code it opens the public lookup.
    let secret = between(&slip, "id=\"lookup-secret\">", "<").to_owned();
    let (status, page) = text(
        &app.client(),
        &app.url(&format!("/lookup?code={code}&check={secret}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains(&code), "{page}");
    assert!(
        slip.contains("020195004321"),
        "the receiver sees the applicant in full"
    );

    // The receiver may forward step 1 (theirs) but not approve.
    let (_, page) = text(&receiver, &app.url(&format!("/work/dossiers/{code}"))).await;
    let actions = offered(&page);
    assert!(actions.contains(&"forward".to_owned()), "{actions:?}");
    assert!(!actions.contains(&"approve".to_owned()), "{actions:?}");
    assert!(page.contains("Lịch sử xử lý") && page.contains("Tiếp nhận"));
    let stale_version = hidden(&page, "version");
    act_ok(&app, &receiver, &code, "forward", &[]).await;

    // A stale form changes nothing and says why.
    let r = receiver
        .post(app.url(&format!("/work/dossiers/{code}/actions")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("action", "request_supplement"),
            ("version", stale_version.as_str()),
            ("missing", "Tờ khai"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("vừa được người khác cập nhật"), "{page}");
    let after = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(after.dossier.version.to_string(), {
        let v: i64 = stale_version.parse().unwrap();
        (v + 1).to_string()
    });
    assert_eq!(after.dossier.state, DossierState::Processing);

    // The Department of Justice: the specialist forwards, the leader approves and finishes.
    let specialist = signed_in(&app, "chuyenvien.tuphap").await;
    let (_, queue) = text(&specialist, &app.url("/work")).await;
    assert!(queue.contains(&code), "on the department's desk");
    assert!(queue.contains("✔ Trong hạn"), "due state in words");
    act_ok(&app, &specialist, &code, "forward", &[]).await;
    let leader = signed_in(&app, "lanhdao.tuphap").await;
    let (_, page) = text(&leader, &app.url(&format!("/work/dossiers/{code}"))).await;
    let actions = offered(&page);
    assert!(actions.contains(&"approve".to_owned()), "{actions:?}");
    assert!(!actions.contains(&"return_result".to_owned()));
    // Not this leader's to take: refused, nothing changes.
    let before = app
        .store
        .dossier(&code)
        .await
        .unwrap()
        .unwrap()
        .dossier
        .version;
    let r = leader
        .post(app.url(&format!("/work/dossiers/{code}/actions")))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("action", "accept"),
            ("version", &before.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Chưa thực hiện được"));
    assert_eq!(
        app.store
            .dossier(&code)
            .await
            .unwrap()
            .unwrap()
            .dossier
            .version,
        before
    );
    act_ok(&app, &leader, &code, "approve", &[]).await;
    act_ok(
        &app,
        &leader,
        &code,
        "finish",
        &[
            ("result", "Phiếu lý lịch tư pháp số 7"),
            ("electronic", "1"),
        ],
    )
    .await;
    act_ok(&app, &receiver, &code, "return_result", &[]).await;
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.dossier.state, DossierState::Returned);

    // An auditor reads everything, masked, and has no action to take.
    let auditor = signed_in(&app, "thanhtra").await;
    let (status, page) = text(&auditor, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert_eq!(status, 200);
    assert!(offered(&page).is_empty(), "{:?}", offered(&page));
    assert!(page.contains("id=\"no-actions\""));
    assert!(page.contains("********4321") && !page.contains("020195004321"));
    assert!(page.contains("098****321"));
    // The API renders the same read model: the same masking, the same event labels.
    let api: serde_json::Value = auditor
        .get(app.url(&format!("/api/v1/dossiers/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let applicant = &api["applicant"];
    assert_eq!(applicant["citizen_id"], "********4321", "{applicant}");
    assert_eq!(applicant["phone"], "098****321", "{applicant}");
    assert!(
        applicant["email"].is_null() && applicant["address"].is_null(),
        "{applicant}"
    );
    let events = api["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["action"] == "receipt_issued"),
        "a received dossier has its signed receipt: {events:?}"
    );
    for event in events {
        let label = event["label"].as_str().unwrap();
        assert!(
            !label.contains('_'),
            "an event shown by its raw name: {label}"
        );
        assert!(
            page.contains(label),
            "the page lacks the API's label {label:?}"
        );
    }
    assert!(!page.contains("receipt_issued"));
    // A receiver of another commune does not learn the dossier exists.
    let stranger = other_commune_receiver(&app).await;
    let (status, _) = text(&stranger, &app.url(&format!("/work/dossiers/{code}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = text(
        &stranger,
        &app.url(&format!("/work/dossiers/{code}/forms/01")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Form 05 from the events: each step, its handler, time in and out.
    let (status, sheet) = text(
        &receiver,
        &app.url(&format!("/work/dossiers/{code}/forms/05")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(sheet.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    assert!(sheet.contains("Tiếp nhận hồ sơ") && sheet.contains("Thẩm định, xác minh"));
    assert!(sheet.contains("Lý Văn Cường"), "the specialist by name");
    assert!(sheet.contains("Sở Tư pháp"));
    assert_eq!(sheet.matches("Đúng hạn").count(), 3, "{sheet}");
    let (status, _) = text(
        &receiver,
        &app.url(&format!("/work/dossiers/{code}/forms/02")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no supplement was requested");

    // The applicant rates through the lookup, once.
    let public = app.client();
    let (_, page) = text(
        &public,
        &app.url(&format!("/lookup?code={code}&check=4321")),
    )
    .await;
    assert!(page.contains("Đã trả kết quả"), "{page}");
    assert!(
        page.contains("name=\"score_timeliness\""),
        "the rating form"
    );
    let rate = |csrf: String| {
        public
            .post(app.url(&format!("/lookup/{code}/rating")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("check", "4321"),
                ("score_timeliness", "2"),
                ("score_staff_attitude", "1"),
                ("score_online_service", ""),
                ("comment", "Nhanh gọn"),
            ])
            .send()
    };
    let r = rate(csrf_from(&page)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "post, redirect, get");
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/lookup/{code}?notice=rated"));
    let (_, rated) = text(&public, &app.url(&back)).await;
    assert!(rated.contains("Cảm ơn bạn đã đánh giá"), "{rated}");
    assert!(rated.contains("1,5"), "the average");
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.dossier.rating.unwrap().average(), 1.5);
    let r = rate(csrf_from(&rated)).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("đã được đánh giá"));
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn officers_work_through_the_pages_on_sqlite() {
    officer_flow(Backend::Sqlite).await;
}

#[tokio::test]
async fn officers_work_through_the_pages_on_postgres() {
    officer_flow(Backend::Postgres).await;
}

#[tokio::test]
async fn process_pages_check_the_legal_time_and_approve() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    samples::load(&app.store).await.unwrap();
    let admin = signed_in(&app, "quantri.tinh").await;
    let (_, home) = text(&admin, &app.url("/")).await;
    assert!(home.contains("href=\"/processes\""));
    let (status, list) = text(&admin, &app.url("/processes")).await;
    assert_eq!(status, 200);
    assert!(list.contains("id=\"missing-list\""));
    assert!(
        list.contains("1.000656"),
        "Đăng ký khai tử has no process yet"
    );
    let (status, form) = text(
        &admin,
        &app.url("/processes/new?procedure=1.000656&scope=level:commune"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(form.contains("1 ngày làm việc (8 giờ làm việc)"), "{form}");
    assert_eq!(hidden(&form, "step_hours_1").as_str(), "5", "a suggestion");
    let csrf = csrf_from(&form);
    let steps = |hours: [&'static str; 3]| {
        vec![
            ("csrf_token", csrf.clone()),
            ("procedure", "1.000656".to_owned()),
            ("scope", "level:commune".to_owned()),
            ("step_name_0", "Tiếp nhận".to_owned()),
            ("step_role_0", "receiver".to_owned()),
            ("step_hours_0", hours[0].to_owned()),
            ("step_name_1", "Thẩm định".to_owned()),
            ("step_role_1", "specialist".to_owned()),
            ("step_hours_1", hours[1].to_owned()),
            ("step_name_2", "Ký trích lục".to_owned()),
            ("step_role_2", "leader".to_owned()),
            ("step_hours_2", hours[2].to_owned()),
            ("note", "Quy trình khai tử".to_owned()),
        ]
    };
    let r = admin
        .post(app.url("/processes/new"))
        .form(&steps(["2", "6", "2"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Tổng thời gian các bước là 10 giờ làm việc, vượt thời hạn giải quyết theo quy định là 1 ngày làm việc"),
        "{page}"
    );
    assert!(
        page.contains("value=\"Ký trích lục\""),
        "the entered rows stay"
    );
    assert!(
        app.store
            .processes(Some("1.000656"), None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let r = admin
        .post(app.url("/processes/new"))
        .form(&steps(["1", "5", "1,5"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, page) = text(&admin, &app.url(&location)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Đã lưu dự thảo") && page.contains("Dự thảo"));
    assert!(page.contains("Phê duyệt quy trình"));
    assert!(
        page.contains("7,5 giờ làm việc trên thời hạn 1 ngày làm việc"),
        "{page}"
    );
    let id = location
        .strip_prefix("/processes/")
        .and_then(|l| l.split('?').next())
        .unwrap()
        .to_owned();
    // A specialist reads processes but neither drafts nor approves.
    let specialist = signed_in(&app, "chuyenvien.tuphap").await;
    let (status, _) = text(&specialist, &app.url("/processes/new")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, seen) = text(&specialist, &app.url(&format!("/processes/{id}"))).await;
    assert!(!seen.contains("Phê duyệt quy trình"));
    let r = admin
        .post(app.url(&format!("/processes/{id}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = text(&admin, &app.url(&format!("/processes/{id}"))).await;
    assert!(page.contains("Đã phê duyệt"));
    assert!(page.contains("Điều chỉnh (soạn phiên bản mới)"));
    let missing = app
        .store
        .procedures_without_process(motcua_app::today_vn())
        .await
        .unwrap();
    assert!(!missing.iter().any(|m| m.procedure_code == "1.000656"));
    // Approving twice is refused readably.
    let r = admin
        .post(app.url(&format!("/processes/{id}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("chỉ phê duyệt được bản dự thảo")
    );
    app.stop().await;
}

async fn demo_seeding(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let seeded = demo_dossiers::seed(&app.store, common::demo_password)
        .await
        .unwrap();
    let officers: Vec<&str> = seeded
        .credentials
        .iter()
        .map(|c| c.username.as_str())
        .collect();
    assert_eq!(
        officers,
        ["chuyenvien.dongkinh", "lanhdao.dongkinh", "motcua.tinh"]
    );
    assert_eq!(seeded.devolved, 3);
    assert!(seeded.processes >= 45, "{seeded:?}");
    assert!((25..=40).contains(&seeded.dossiers), "{seeded:?}");
    let again = demo_dossiers::seed(&app.store, common::demo_password)
        .await
        .unwrap();
    assert_eq!(
        (
            again.devolved,
            again.processes,
            again.dossiers,
            again.credentials.len()
        ),
        (0, 0, 0, 0),
        "idempotent"
    );
    // The "missing" list: exactly the recently devolved procedures.
    let mut missing: Vec<String> = app
        .store
        .procedures_without_process(motcua_app::today_vn())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.procedure_code)
        .collect();
    missing.sort();
    let mut devolved = demo_dossiers::DEVOLVED.map(str::to_owned).to_vec();
    devolved.sort();
    assert_eq!(missing, devolved);
    // Sample dossiers in every due state, across agencies.
    let now = motcua_app::now();
    let (_, holidays) = motcua_app::calendar::load_holidays(&app.store)
        .await
        .unwrap();
    let soon = motcua_app::dossiers::due_soon_bound(now, &holidays);
    let count = |due: Option<DueState>, states: Vec<DossierState>| {
        let filter = DossierFilter {
            visibility: Visibility::All,
            states,
            agency: None,
            due,
            now,
            soon,
            q: None,
            step: None,
            assignee: None,
            procedure_code: None,
            page: 1,
            per_page: 200,
            keyset: None,
        };
        let store = app.store.clone();
        async move { store.dossier_queue(&filter).await.unwrap().total }
    };
    assert!(count(Some(DueState::Overdue), vec![]).await >= 3);
    assert!(count(Some(DueState::DueSoon), vec![]).await >= 3);
    assert!(count(Some(DueState::OnTime), vec![]).await >= 3);
    assert!(count(None, vec![DossierState::Submitted]).await >= 3);
    assert!(count(None, vec![DossierState::Returned]).await >= 3);
    let counts = app
        .store
        .dossier_counts(&Visibility::All, now, soon)
        .await
        .unwrap();
    let desks: Vec<&str> = counts.iter().map(|c| c.agency_code.as_str()).collect();
    assert!(desks.contains(&"000.00.02.H37"), "Sở Tư pháp: {desks:?}");
    assert!(desks.len() >= 4, "{desks:?}");
    let dongkinh = agency_of(&app, "motcua.dongkinh").await;
    assert!(desks.contains(&dongkinh.as_str()));
    // Rated ones, and the demo citizen's own.
    let rated = app
        .store
        .dossier_queue(&DossierFilter {
            visibility: Visibility::Owner("congdan".into()),
            states: vec![],
            agency: None,
            due: None,
            now,
            soon,
            q: None,
            step: None,
            assignee: None,
            procedure_code: None,
            page: 1,
            per_page: 50,
            keyset: None,
        })
        .await
        .unwrap();
    assert!(rated.total >= 3, "congdan's dossiers");

    // Out of the box: the pages show them.
    let receiver = signed_in(&app, "motcua.dongkinh").await;
    let (status, queue) = text(&receiver, &app.url("/work")).await;
    assert_eq!(status, 200);
    assert!(queue.contains("<span class=\"due due-overdue\">✖ Quá hạn</span></td>"));
    assert!(queue.contains("<span class=\"due due-due_soon\">⚠ Sắp đến hạn"));
    assert!(queue.contains("Sở Tư pháp"), "counts per agency");
    let (_, overdue) = text(&receiver, &app.url("/work?due=overdue")).await;
    assert!(!overdue.contains("✔ Trong hạn</span></td>"));
    let admin = signed_in(&app, "quantri.tinh").await;
    let (_, processes) = text(&admin, &app.url("/processes")).await;
    assert!(processes.contains("Thủ tục chưa có quy trình được phê duyệt: 3"));
    for code in demo_dossiers::DEVOLVED {
        assert!(processes.contains(code), "{code}");
    }
    let (status, form) = text(
        &app.client(),
        &app.url(&format!(
            "/procedures/{}/submit",
            demo_dossiers::DEVOLVED[0]
        )),
    )
    .await;
    assert_eq!(status, 200);
    assert!(form.contains("id=\"closed\""), "no form without a process");
    let citizen = signed_in(&app, "congdan").await;
    let (_, mine) = text(&citizen, &app.url("/my/dossiers")).await;
    assert!(mine.contains("Đã trả kết quả"), "{mine}");
    // Every form of the demo's dossiers prints.
    let auditor = signed_in(&app, "thanhtra").await;
    let all = app
        .store
        .dossier_queue(&DossierFilter {
            visibility: Visibility::All,
            states: vec![],
            agency: None,
            due: None,
            now,
            soon,
            q: None,
            step: None,
            assignee: None,
            procedure_code: None,
            page: 1,
            per_page: 200,
            keyset: None,
        })
        .await
        .unwrap();
    let mut printed = std::collections::BTreeSet::new();
    for d in &all.items {
        let (status, page) = text(&auditor, &app.url(&format!("/work/dossiers/{}", d.code))).await;
        assert_eq!(status, 200, "{}", d.code);
        for no in ["01", "02", "03", "04", "05"] {
            if page.contains(&format!("/forms/{no}\"")) {
                let (status, form) = text(
                    &auditor,
                    &app.url(&format!("/work/dossiers/{}/forms/{no}", d.code)),
                )
                .await;
                assert_eq!(status, 200, "{} form {no}", d.code);
                assert!(form.contains("<svg"));
                printed.insert(no);
            }
        }
    }
    assert_eq!(printed.len(), 5, "every form has an example: {printed:?}");
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn the_demo_seeds_processes_and_sample_dossiers_on_sqlite() {
    demo_seeding(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_demo_seeds_processes_and_sample_dossiers_on_postgres() {
    demo_seeding(Backend::Postgres).await;
}

//! The transformation programme: API, pages, review, exports and reminders, against the
//! real server seeded with the demo programme.

use crate::common::agency_of;
use crate::common::{Backend, TestApp, api_token, csrf_from, login, problem};
use chrono::{NaiveDate, TimeZone, Utc};
use motcua_app::connectors::mail::Mailer;
use motcua_app::jobs::reminders::{self, ReminderSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let response = get(app, path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn tasks(programme: &Value) -> Vec<Value> {
    programme["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tasks"].as_array().unwrap().clone())
        .collect()
}

fn codes(tasks: &[Value]) -> Vec<String> {
    tasks
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect()
}

fn task_by_code(programme: &Value, code: &str) -> Value {
    tasks(programme)
        .into_iter()
        .find(|t| t["code"] == code)
        .unwrap()
}

async fn programme_api(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = api_token(&app, "quantri.tinh").await;
    let all = get_ok(&app, "/api/v1/programme?as_of=2025-07-10", &admin).await;
    assert_eq!(
        all["title"],
        "Chuẩn bị vận hành chính quyền địa phương 2 cấp"
    );
    assert_eq!(all["groups"].as_array().unwrap().len(), 6);
    let every = tasks(&all);
    assert_eq!(every.len(), 24);
    let late: Vec<Value> = every
        .iter()
        .filter(|t| t["overdue"] == true)
        .cloned()
        .collect();
    assert_eq!(codes(&late), ["2.4", "5.3"], "late on 10/7/2025");
    assert_eq!(late[0]["days_late"], 10);
    let t24 = task_by_code(&all, "2.4");
    assert_eq!(t24["agency"]["name"], "Ủy ban nhân dân phường Đông Kinh");
    assert!(t24["person"].as_str().unwrap().starts_with("Nông Văn Đức"));
    assert_eq!(
        (t24["status"].as_str(), t24["progress"].as_i64()),
        (Some("in_progress"), Some(60))
    );

    // Filters: status, overdue at a date, and an agency leading or cooperating.
    let done = get_ok(&app, "/api/v1/programme?status=done", &admin).await;
    assert_eq!(tasks(&done).len(), 13);
    let overdue = get_ok(
        &app,
        "/api/v1/programme?overdue=true&as_of=2025-08-01",
        &admin,
    )
    .await;
    assert_eq!(
        codes(&tasks(&overdue)),
        ["1.3", "2.3", "2.4", "3.3", "3.4", "5.3"]
    );
    let dong_kinh = agency_of(&app, "quantri.dongkinh").await;
    let mine = get_ok(
        &app,
        &format!("/api/v1/programme?agency={dong_kinh}"),
        &admin,
    )
    .await;
    assert_eq!(codes(&tasks(&mine)), ["2.2", "2.4", "4.2", "4.4", "6.1"]);
    problem(
        get(&app, "/api/v1/programme?status=finished", Some(&admin)).await,
        400,
        "invalid_task_status",
    )
    .await;

    // The review: shares by group, late tasks with who answers for them, changes since
    // the demo's review session of 4/7/2025.
    let review = get_ok(&app, "/api/v1/programme/review?as_of=2025-07-10", &admin).await;
    assert_eq!(
        (
            review["total"].as_i64(),
            review["done"].as_i64(),
            review["late"].as_i64(),
            review["share_done"].as_i64()
        ),
        (Some(24), Some(13), Some(2), Some(54))
    );
    let shares: Vec<i64> = review["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["share_done"].as_i64().unwrap())
        .collect();
    assert_eq!(shares, [50, 50, 50, 50, 50, 75]);
    let group2 = &review["groups"][1];
    assert_eq!(group2["late"].as_array().unwrap().len(), 1);
    assert_eq!(group2["late"][0]["code"], "2.4");
    assert_eq!(
        group2["late"][0]["agency"]["name"],
        "Ủy ban nhân dân phường Đông Kinh"
    );
    assert!(
        group2["late"][0]["person"]
            .as_str()
            .unwrap()
            .contains("Nông Văn Đức")
    );
    assert_eq!(review["groups"][4]["late"][0]["code"], "5.3");
    assert_eq!(review["last_review_at"], "2025-07-04T02:00:00Z");
    let changed: Vec<&str> = review["changes_since_last_review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["1.4", "2.3", "1.3", "4.2", "6.2"]);
    let c42 = &review["changes_since_last_review"][3];
    assert_eq!(
        (c42["from_status"].as_str(), c42["to_status"].as_str()),
        (Some("in_progress"), Some("done"))
    );

    // Access: staff read; citizens and anonymous callers do not.
    problem(
        get(&app, "/api/v1/programme", None).await,
        401,
        "unauthenticated",
    )
    .await;
    let citizen = api_token(&app, "congdan").await;
    problem(
        get(&app, "/api/v1/programme", Some(&citizen)).await,
        403,
        "forbidden",
    )
    .await;
    let auditor = api_token(&app, "thanhtra").await;
    let path = format!("/api/v1/programme/tasks/{}", t24["id"].as_str().unwrap());
    let detail = get_ok(&app, &path, &auditor).await;
    assert_eq!(detail["can_update"], false);
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    let report = json!({"status": "done", "progress": 100, "note": "Đã cấp đủ chữ ký số.", "links": ["https://dongkinh.langson.gov.vn/tin/chu-ky-so"]});
    let updates = format!("{path}/updates");
    problem(
        post(&app, &updates, &auditor, &report).await,
        403,
        "forbidden",
    )
    .await;
    let tu_phap = api_token(&app, "lanhdao.tuphap").await;
    problem(
        post(&app, &updates, &tu_phap, &report).await,
        403,
        "forbidden",
    )
    .await;

    // The responsible agency's staff report, with validation first.
    let ward = api_token(&app, "quantri.dongkinh").await;
    assert_eq!(get_ok(&app, &path, &ward).await["can_update"], true);
    for (body, code) in [
        (
            json!({"status": "done", "progress": 90}),
            "status_progress_mismatch",
        ),
        (
            json!({"status": "in_progress", "progress": 101}),
            "invalid_progress",
        ),
        (
            json!({"status": "later", "progress": 10}),
            "invalid_task_status",
        ),
        (
            json!({"status": "in_progress", "progress": 60}),
            "nothing_changed",
        ),
        (
            json!({"status": "in_progress", "progress": 70, "links": ["javascript:alert(1)"]}),
            "invalid_evidence_link",
        ),
    ] {
        problem(post(&app, &updates, &ward, &body).await, 400, code).await;
    }
    problem(
        post(&app, &updates, &ward, &json!({"status": "done"})).await,
        422,
        "invalid_json_fields",
    )
    .await;
    problem(
        post(
            &app,
            "/api/v1/programme/tasks/not-a-task/updates",
            &ward,
            &report,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let response = post(&app, &updates, &ward, &report).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let after: Value = response.json().await.unwrap();
    assert_eq!(
        (
            after["task"]["status"].as_str(),
            after["task"]["progress"].as_i64(),
            after["task"]["overdue"].as_bool()
        ),
        (Some("done"), Some(100), Some(false))
    );
    let last = &after["history"][1];
    assert_eq!(
        (
            last["actor"].as_str(),
            last["old_status"].as_str(),
            last["old_progress"].as_i64(),
            last["links"][0].as_str()
        ),
        (
            Some("quantri.dongkinh"),
            Some("in_progress"),
            Some(60),
            Some("https://dongkinh.langson.gov.vn/tin/chu-ky-so")
        )
    );
    // The province administrator may report on any task.
    let t13 = task_by_code(&all, "1.3");
    let response = post(
        &app,
        &format!(
            "/api/v1/programme/tasks/{}/updates",
            t13["id"].as_str().unwrap()
        ),
        &admin,
        &json!({"status": "in_progress", "progress": 90}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let review = get_ok(&app, "/api/v1/programme/review?as_of=2025-07-10", &admin).await;
    assert_eq!(
        (review["done"].as_i64(), review["late"].as_i64()),
        (Some(14), Some(1))
    );
    assert_eq!(review["changes_since_last_review"][0]["code"], "1.3");
    assert_eq!(review["changes_since_last_review"][1]["code"], "2.4");

    let events = app
        .store
        .audit_events_for(&format!("task:{}", t24["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        events
            .last()
            .map(|e| (e.entry.action.as_str(), e.entry.actor.as_str())),
        Some(("programme.task_updated", "quantri.dongkinh"))
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn programme_api_on_sqlite() {
    programme_api(Backend::Sqlite).await;
}

#[tokio::test]
async fn programme_api_on_postgres() {
    programme_api(Backend::Postgres).await;
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.client();
    let response = login(app, &client, username, &app.passwords[username]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    client
}

#[tokio::test]
async fn programme_pages_review_and_reports() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let anonymous = app
        .client()
        .get(app.url("/programme"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let citizen = signed_in(&app, "congdan").await;
    assert_eq!(
        page(&citizen, &app, "/programme").await.0,
        StatusCode::FORBIDDEN
    );

    let admin = signed_in(&app, "quantri.tinh").await;
    let (status, html) = page(&admin, &app, "/programme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Chuẩn bị vận hành chính quyền địa phương 2 cấp</h1>"));
    assert!(html.contains("Hiển thị 24/24 nhiệm vụ"), "{html}");
    assert!(html.contains("6. Truyền thông và thông tin cho người dân"));
    assert!(html.contains("href=\"/programme/export.xlsx?programme="));
    assert!(
        html.contains("<a href=\"/programme\">Chương trình chuyển đổi</a>"),
        "the nav link"
    );
    let (_, html) = page(
        &admin,
        &app,
        "/programme?status=not_started&agency=&overdue=",
    )
    .await;
    assert!(html.contains("Hiển thị 3/24 nhiệm vụ"), "{html}");
    assert!(html.contains("<option value=\"not_started\" selected>"));
    let (status, _) = page(&admin, &app, "/programme?status=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The review page: a bar per group, and the province administrator closes the session.
    let (status, html) = page(&admin, &app, "/programme/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Đã hoàn thành <strong>13/24</strong> nhiệm vụ (54%)"),
        "{html}"
    );
    assert!(html.contains("Hoàn thành 3/4 (75%)"));
    assert!(html.contains("aria-label=\"Tỷ lệ hoàn thành 75%\""));
    assert!(html.contains("width=\"75\""), "the bar is drawn to scale");
    assert!(
        html.contains("Nông Văn Đức, Chánh Văn phòng HĐND và UBND phường"),
        "who answers for a late task"
    );
    assert!(
        html.contains("4.2 Chuyển hồ sơ đang giải quyết"),
        "changes since the last review"
    );
    assert!(html.contains("(mới hoàn thành)"));
    let token = csrf_from(&html);
    let response = admin
        .post(app.url("/programme/review"))
        .form(&[("csrf_token", token.as_str()), ("note", "Phiên 2")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(
        &admin,
        &app,
        response.headers()["location"].to_str().unwrap(),
    )
    .await;
    assert!(html.contains("Đã kết thúc phiên rà soát"));
    assert!(
        html.contains("Không có thay đổi nào."),
        "nothing since the session just closed"
    );
    assert!(html.contains("(quantri.tinh)"));

    // Only province administrators close sessions; auditors read without forms.
    let auditor = signed_in(&app, "thanhtra").await;
    let (_, html) = page(&auditor, &app, "/programme/review").await;
    assert!(!html.contains("Kết thúc phiên rà soát</button>"));
    let response = auditor
        .post(app.url("/programme/review"))
        .form(&[("csrf_token", csrf_from(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A task page and its report form.
    let programme = app.store.programmes().await.unwrap().remove(0);
    let tasks = app.store.programme_tasks(programme.id).await.unwrap();
    let t24 = tasks.iter().find(|t| t.code() == "2.4").unwrap();
    let path = format!("/programme/tasks/{}", t24.id);
    let (_, html) = page(&auditor, &app, &path).await;
    assert!(html.contains("Phân công nhiệm vụ, cấp tài khoản"));
    assert!(!html.contains("Cập nhật tiến độ"), "auditors read only");
    let ward = signed_in(&app, "quantri.dongkinh").await;
    let (_, html) = page(&ward, &app, &path).await;
    assert!(html.contains("Cập nhật tiến độ"));
    let token = csrf_from(&html);
    let form = |status: &'static str, progress: &'static str, links: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("status", status.to_owned()),
            ("progress", progress.to_owned()),
            ("note", "Đã cấp chữ ký số".to_owned()),
            ("links", links.to_owned()),
        ]
    };
    let response = ward
        .post(app.url(&path))
        .form(&form("done", "50", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Nhiệm vụ đã hoàn thành phải có tiến độ 100%"),
        "{html}"
    );
    assert!(
        html.contains("value=\"50\""),
        "the form keeps what was typed"
    );
    let response = ward
        .post(app.url(&path))
        .form(&form(
            "done",
            "100",
            "https://dongkinh.langson.gov.vn/a\n\nhttps://dongkinh.langson.gov.vn/b",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(
        &ward,
        &app,
        response.headers()["location"].to_str().unwrap(),
    )
    .await;
    assert!(html.contains("Đã ghi nhận cập nhật."));
    assert!(
        html.contains("<span class=\"status status-done\" id=\"task-status\">Đã hoàn thành</span>")
    );
    assert!(html.contains("href=\"https://dongkinh.langson.gov.vn/b\""));
    assert!(html.contains("Đang thực hiện (60%) → Đã hoàn thành (100%)"));
    // Not the ward's task: no form, and a refused post.
    let other = tasks.iter().find(|t| t.code() == "1.1").unwrap();
    let other_path = format!("/programme/tasks/{}", other.id);
    let (_, html) = page(&ward, &app, &other_path).await;
    assert!(!html.contains("Cập nhật tiến độ"));
    let response = ward
        .post(app.url(&other_path))
        .form(&form("done", "100", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        page(&ward, &app, "/programme/tasks/nope").await.0,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn exports_in_csv_and_xlsx() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let auditor = signed_in(&app, "thanhtra").await;
    let response = auditor
        .get(app.url("/programme/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheet programs"
    );
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Mã");
    assert_eq!(&headers[5], "Người chịu trách nhiệm");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 24);
    let r24 = rows.iter().find(|r| &r[0] == "2.4").unwrap();
    assert_eq!(&r24[3], "Ủy ban nhân dân phường Đông Kinh");
    assert_eq!(
        (&r24[7], &r24[8], &r24[9]),
        ("2025-06-30", "Đang thực hiện", "60")
    );
    assert_eq!(&r24[10], "Có", "late today");

    let response = auditor
        .get(app.url("/programme/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip file");
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(workbook.sheet_names(), ["Nhiệm vụ"]);
    let range = workbook.worksheet_range("Nhiệm vụ").unwrap();
    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String(
            "Chuẩn bị vận hành chính quyền địa phương 2 cấp".into()
        ))
    );
    assert_eq!(range.get_value((2, 0)), Some(&Data::String("Mã".into())));
    let data: Vec<_> = range.rows().skip(3).collect();
    assert_eq!(data.len(), 24);
    let row = data
        .iter()
        .find(|r| r[0] == Data::String("2.4".into()))
        .unwrap();
    assert_eq!(row[9], Data::Float(60.0), "progress is a number");
    assert!(
        matches!(row[7], Data::DateTime(_)),
        "the deadline is a date: {:?}",
        row[7]
    );

    let citizen = signed_in(&app, "congdan").await;
    let response = citizen
        .get(app.url("/programme/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

fn at(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn settings(node: &str) -> ReminderSettings {
    let mut settings = ReminderSettings::default();
    settings.delivery.node = node.into();
    settings
}

async fn reminders_in_the_app(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // On 1/7/2025: 2.4 (Đông Kinh, due 30/6) is overdue; 5.3 (the service centre, which
    // has no accounts, so the province administrators hear of it) is due that day.
    let today = date(2025, 7, 1);
    let now = at(2025, 7, 1, 1);
    let first = reminders::run_once(&app.store, &settings("node-a"), today, now)
        .await
        .unwrap();
    assert_eq!(
        (first.enqueued, first.sent, first.skipped, first.failed),
        (5, 3, 2, 0),
        "3 in-app reminders and 2 e-mails, skipped without SMTP"
    );
    let again = reminders::run_once(&app.store, &settings("node-b"), today, now)
        .await
        .unwrap();
    assert_eq!(
        again,
        reminders::RunReport::default(),
        "once per task per day"
    );
    let outbox = app.store.outbox_messages(100).await.unwrap();
    assert_eq!(outbox.len(), 5);
    let mut emails: Vec<&str> = outbox
        .iter()
        .filter_map(|m| m.recipient_email.as_deref())
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        [
            "duc.nv@dongkinh.langson.example",
            "hoa.tt@ttpvhcc.langson.example"
        ]
    );
    assert!(
        outbox
            .iter()
            .filter(|m| m.recipient_email.is_some())
            .all(|m| m.status == "skipped")
    );

    // The next day brings a new reminder; two nodes deliver it without doubling anything.
    let next = date(2025, 7, 2);
    let enqueued = reminders::enqueue_reminders(&app.store, next, 3, at(2025, 7, 2, 1))
        .await
        .unwrap();
    assert_eq!(enqueued, 5);
    let (node_a, node_b) = (settings("node-a"), settings("node-b"));
    let (a, b) = tokio::join!(
        reminders::deliver_pending(&app.store, &node_a, at(2025, 7, 2, 1)),
        reminders::deliver_pending(&app.store, &node_b, at(2025, 7, 2, 1))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 3);
    assert_eq!(a.skipped + b.skipped, 2);

    let ward = app
        .store
        .find_user_by_username("quantri.dongkinh")
        .await
        .unwrap()
        .unwrap();
    let notes = app.store.notifications(ward.id, 10).await.unwrap();
    assert_eq!(notes.len(), 2, "one per day");
    assert_eq!(notes[0].subject, "Nhiệm vụ 2.4 đã quá hạn 2 ngày");
    assert_eq!(notes[1].subject, "Nhiệm vụ 2.4 đã quá hạn 1 ngày");
    let admin = app
        .store
        .find_user_by_username("quantri.tinh")
        .await
        .unwrap()
        .unwrap();
    let notes = app.store.notifications(admin.id, 10).await.unwrap();
    assert_eq!(notes[1].subject, "Nhiệm vụ 5.3 đến hạn ngày 01/07/2025");

    // The in-app channel: a count in the header and a list, marked read at will.
    let client = signed_in(&app, "quantri.dongkinh").await;
    let (_, html) = page(&client, &app, "/").await;
    assert!(
        html.contains("<span class=\"badge\" id=\"unread-count\">2<span class=\"visually-hidden\"> chưa đọc</span>"),
        "{html}"
    );
    let (_, html) = page(&client, &app, "/notifications").await;
    assert!(html.contains("Nhiệm vụ 2.4 đã quá hạn 1 ngày"));
    assert!(html.contains("Cơ quan chủ trì: Ủy ban nhân dân phường Đông Kinh"));
    assert!(html.contains("href=\"/programme/tasks/"));
    let token = csrf_from(&html);
    let response = client
        .post(app.url("/notifications/read"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&client, &app, "/notifications").await;
    assert!(!html.contains("unread-count"));
    assert!(!html.contains("Đánh dấu tất cả là đã đọc"));
    app.stop().await;
}

#[tokio::test]
async fn reminders_in_the_app_on_sqlite() {
    reminders_in_the_app(Backend::Sqlite).await;
}

#[tokio::test]
async fn reminders_in_the_app_on_postgres() {
    reminders_in_the_app(Backend::Postgres).await;
}

#[tokio::test]
async fn email_reminders_go_out_through_smtp() {
    let Some(mut smtp) = motcua_testkit::SmtpServer::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let port = smtp.port;
    let mailer = |node: &str| {
        let mut s = settings(node);
        s.messengers.mail = Some(
            Mailer::new(
                &format!("smtp://127.0.0.1:{port}"),
                "motcua <noreply@langson.example>",
                None,
            )
            .unwrap(),
        );
        s
    };
    // First while the server is down: the e-mails fail and wait for a retry.
    smtp.stop();
    let now = at(2025, 7, 1, 1);
    let report = reminders::run_once(&app.store, &mailer("node-a"), date(2025, 7, 1), now)
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (3, 2));
    let failed: Vec<_> = app
        .store
        .outbox_messages(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient_email.is_some())
        .collect();
    assert!(
        failed
            .iter()
            .all(|m| m.status == "pending" && m.last_error.is_some() && m.attempts == 1),
        "{failed:?}"
    );

    // Then, after the retry time (2.5 to 5 minutes), through the server back up.
    smtp.resume().await;
    let working = mailer("node-b");
    let early =
        reminders::deliver_pending(&app.store, &working, now + chrono::Duration::minutes(1))
            .await
            .unwrap();
    assert_eq!(
        early,
        reminders::RunReport::default(),
        "not before the retry time"
    );
    let later = now + chrono::Duration::minutes(6);
    let report = reminders::deliver_pending(&app.store, &working, later)
        .await
        .unwrap();
    assert_eq!(report.sent, 2);
    let received = smtp.messages();
    let mut recipients: Vec<&str> = received
        .iter()
        .filter_map(|m| m.lines().find_map(|l| l.strip_prefix("To: ")))
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "duc.nv@dongkinh.langson.example",
            "hoa.tt@ttpvhcc.langson.example"
        ]
    );
    assert!(
        received
            .iter()
            .all(|m| m.contains("From: motcua <noreply@langson.example>"))
    );
    assert!(received.iter().any(|m| m.contains("/programme/tasks/")));
    let sent = app.store.outbox_messages(10).await.unwrap();
    assert_eq!(sent.iter().filter(|m| m.status == "sent").count(), 5);
    app.stop().await;
}

#[tokio::test]
async fn the_server_runs_the_reminder_job() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let running = motcua::server::start_with(
        app.store.clone(),
        "127.0.0.1:0".parse().unwrap(),
        motcua_web::WebConfig::default(),
        Vec::new(),
        Some(settings("node-job")),
        None,
    )
    .await
    .unwrap();
    let ward = app
        .store
        .find_user_by_username("quantri.dongkinh")
        .await
        .unwrap()
        .unwrap();
    let mut unread = 0;
    for _ in 0..100 {
        unread = app.store.unread_notifications(ward.id).await.unwrap();
        if unread > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(unread > 0, "the first run starts with the server");
    running.shutdown().await.unwrap();
    app.stop().await;
}

/// The demo's programme is told as of the day it is seeded: a year on, its tasks are as
/// near their deadlines as the story has them, not hundreds of days late.
#[tokio::test]
async fn the_demo_programme_follows_the_day_it_is_seeded() {
    let app = TestApp::empty(Backend::Sqlite).await.unwrap();
    let (seed, _) = motcua::demo::build(|_| "mat-khau-demo-1".into()).unwrap();
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "demo.seeded",
        "demo:test",
        json!({}),
    );
    app.store
        .load_seed(&seed, motcua_app::now(), audit)
        .await
        .unwrap();
    let story = motcua::demo_programme::story_day();
    let later = story + chrono::Duration::days(500);
    motcua::demo_programme::seed_as_of(&app.store, later)
        .await
        .unwrap();
    let programme = app.store.programmes().await.unwrap()[0].id;
    let tasks = app.store.programme_tasks(programme).await.unwrap();
    assert_eq!(tasks.len(), 24);
    // Written for 5/7/2025: the earliest deadline 25/6 and the latest 30/6/2027.
    let earliest = tasks.iter().map(|t| t.deadline).min().unwrap();
    let latest = tasks.iter().map(|t| t.deadline).max().unwrap();
    assert_eq!(earliest, date(2025, 6, 25) + chrono::Duration::days(500));
    assert_eq!(latest, date(2027, 6, 30) + chrono::Duration::days(500));
    assert!(
        (later - earliest).num_days() <= 10,
        "{earliest} as of {later}"
    );
    app.stop().await;
}

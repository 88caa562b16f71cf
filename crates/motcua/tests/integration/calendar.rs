//! The working-day calendar through the API, the pages and the CLI, against the real server.

use crate::common::agency_of;
use crate::common::{Backend, TestApp, api_token, csrf_from, login, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .unwrap()
}

async fn get_ok(app: &TestApp, path: &str) -> Value {
    let response = get(app, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = reqwest::Client::new().put(app.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The due path for a paper dossier received Friday 24/4/2026 at 16:00.
const FRIDAY_PAPER: &str =
    "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=3&channel=paper";

async fn conversions_holidays_and_due_dates(app: &TestApp) {
    assert_eq!(
        get_ok(app, "/api/v1/calendar/lunar?date=2026-02-17").await,
        json!({"year": 2026, "month": 1, "day": 1, "leap": false})
    );
    assert_eq!(
        get_ok(app, "/api/v1/calendar/lunar?date=2020-05-23").await,
        json!({"year": 2020, "month": 4, "day": 1, "leap": true}),
        "2020 has a leap fourth month"
    );
    assert_eq!(
        get_ok(app, "/api/v1/calendar/solar?year=2026&month=1&day=1").await,
        json!({"date": "2026-02-17"})
    );
    assert_eq!(
        get_ok(
            app,
            "/api/v1/calendar/solar?year=2007&month=1&day=1&leap=false"
        )
        .await,
        json!({"date": "2007-02-17"}),
        "Vietnam's Tết 2007, a day before China's"
    );
    assert_eq!(
        get_ok(
            app,
            "/api/v1/calendar/solar?year=2020&month=4&day=1&leap=true"
        )
        .await,
        json!({"date": "2020-05-23"})
    );

    let holidays = get_ok(app, "/api/v1/calendar/holidays?year=2026").await;
    let list = holidays.as_array().unwrap();
    assert_eq!(list.len(), 11, "{holidays}");
    assert!(
        list.contains(
            &json!({"date": "2026-02-17", "name": "Tết Nguyên Đán", "kind": "statutory"})
        )
    );
    assert!(list.contains(
        &json!({"date": "2026-04-27", "name": "Nghỉ bù Giỗ Tổ Hùng Vương", "kind": "compensatory"})
    ));
    assert!(
        list.iter().all(|h| h["date"] != "2026-04-26"),
        "Giỗ Tổ falls on a Sunday, which is off anyway"
    );

    // Paper after 15:00 on Friday: counting starts Tuesday (Monday is the
    // compensatory day), 30/4 and 1/5 are off, so the third day is Monday 4/5.
    let due = get_ok(app, FRIDAY_PAPER).await;
    assert_eq!(due["due_at"], "2026-05-04T17:00:00+07:00", "{due}");
    assert_eq!(due["counting_from"], "2026-04-28T07:00:00+07:00");
    assert_eq!(due["budget_minutes"], 1440);
    assert_eq!(due["channel"], "paper");
    // Without a channel the hour left on Friday counts.
    let due = get_ok(
        app,
        "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=3",
    )
    .await;
    assert_eq!(due["due_at"], "2026-05-04T16:00:00+07:00");
    assert_eq!(due["counting_from"], "2026-04-24T16:00:00+07:00");
    // Online at 20:00 counts from 07:00 next morning; the same instant in UTC answers alike,
    // and an unencoded `+` (read as a space) is understood.
    for from in [
        "2026-03-03T20:00:00%2B07:00",
        "2026-03-03T13:00:00Z",
        "2026-03-03T20:00:00+07:00",
    ] {
        let due = get_ok(
            app,
            &format!("/api/v1/calendar/due?from={from}&working_hours=4&channel=online"),
        )
        .await;
        assert_eq!(due["counting_from"], "2026-03-04T07:00:00+07:00", "{from}");
        assert_eq!(due["due_at"], "2026-03-04T11:00:00+07:00", "{from}");
    }
}

async fn bad_input_is_a_problem_with_a_stable_code(app: &TestApp) {
    for (path, code) in [
        ("/api/v1/calendar/lunar?date=2026-02-30", "invalid_date"),
        ("/api/v1/calendar/lunar?date=h%C3%B4m-nay", "invalid_date"),
        (
            "/api/v1/calendar/lunar?date=1850-01-01",
            "date_out_of_range",
        ),
        ("/api/v1/calendar/lunar", "invalid_query"),
        (
            "/api/v1/calendar/solar?year=2026&month=13&day=1",
            "invalid_lunar_date",
        ),
        (
            "/api/v1/calendar/solar?year=2026&month=1&day=31",
            "invalid_lunar_date",
        ),
        (
            "/api/v1/calendar/solar?year=2026&month=1&day=1&leap=true",
            "no_leap_month",
        ),
        (
            "/api/v1/calendar/solar?year=1800&month=1&day=1",
            "date_out_of_range",
        ),
        (
            "/api/v1/calendar/solar?year=2026&month=x&day=1",
            "invalid_query",
        ),
        ("/api/v1/calendar/holidays?year=2200", "date_out_of_range"),
        ("/api/v1/calendar/holidays?year=-5", "date_out_of_range"),
        ("/api/v1/calendar/holidays?year=abc", "invalid_query"),
        ("/api/v1/calendar/holidays", "invalid_query"),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=-1",
            "invalid_working_time",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_hours=-8",
            "invalid_working_time",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=1&working_hours=1",
            "invalid_working_time",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00",
            "invalid_working_time",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=5000",
            "invalid_working_time",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=1.5",
            "invalid_query",
        ),
        (
            "/api/v1/calendar/due?from=24%2F04%2F2026&working_days=1",
            "invalid_date",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-30T10:00:00%2B07:00&working_days=1",
            "invalid_date",
        ),
        (
            "/api/v1/calendar/due?from=2101-01-01T10:00:00%2B07:00&working_days=1",
            "date_out_of_range",
        ),
        (
            "/api/v1/calendar/due?from=2100-12-30T10:00:00%2B07:00&working_days=10",
            "date_out_of_range",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=1&channel=fax",
            "invalid_channel",
        ),
        (
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=1&agency=abc",
            "invalid_agency_code",
        ),
        ("/api/v1/calendar/arrangements/abc", "invalid_year"),
        ("/api/v1/calendar/arrangements/3000", "date_out_of_range"),
        ("/api/v1/agencies/abc/working-hours", "invalid_agency_code"),
    ] {
        problem(get(app, path).await, 400, code).await;
    }
    problem(
        get(
            app,
            "/api/v1/calendar/due?from=2026-04-24T16:00:00%2B07:00&working_days=1&agency=000.99.99.H37",
        )
        .await,
        404,
        "not_found",
    )
    .await;
    problem(
        get(app, "/api/v1/agencies/000.99.99.H37/working-hours").await,
        404,
        "not_found",
    )
    .await;
    problem(
        get(app, "/api/v1/calendar/arrangements/2026").await,
        404,
        "not_found",
    )
    .await;
}

/// Monday 4/5/2026 declared an extra day off, Saturday 9/5 worked in return.
fn may_swap() -> Value {
    json!({
        "notice_number": "99/TB-UBND",
        "notice_date": "2026-03-20",
        "extra_days_off": [{"date": "2026-05-04", "name": "Nghỉ hoán đổi"}],
        "working_days": ["2026-05-09"],
    })
}

async fn arrangements(app: &TestApp) {
    let admin = api_token(app, "quantri.tinh").await;
    let receiver = api_token(app, "motcua.dongkinh").await;
    let path = "/api/v1/calendar/arrangements/2026";
    problem(
        put(app, path, None, &may_swap()).await,
        401,
        "unauthenticated",
    )
    .await;
    problem(
        put(app, path, Some(&receiver), &may_swap()).await,
        403,
        "forbidden",
    )
    .await;
    let unit_admin = api_token(app, "quantri.dongkinh").await;
    problem(
        put(app, path, Some(&unit_admin), &may_swap()).await,
        403,
        "forbidden",
    )
    .await;

    // Bad arrangements are refused whole, with the domain's code.
    let mut weekday_worked = may_swap();
    weekday_worked["working_days"] = json!(["2026-03-04"]);
    let mut not_a_default = may_swap();
    not_a_default["removed_defaults"] = json!(["2026-03-05"]);
    let mut both = may_swap();
    both["working_days"] = json!(["2026-05-04"]);
    let mut no_number = may_swap();
    no_number["notice_number"] = json!(" ");
    let mut wrong_year = may_swap();
    wrong_year["year"] = json!(2025);
    for body in [weekday_worked, not_a_default, both, no_number] {
        problem(
            put(app, path, Some(&admin), &body).await,
            400,
            "invalid_arrangement",
        )
        .await;
    }
    problem(
        put(app, path, Some(&admin), &wrong_year).await,
        400,
        "year_mismatch",
    )
    .await;
    problem(
        put(
            app,
            "/api/v1/calendar/arrangements/1800",
            Some(&admin),
            &may_swap(),
        )
        .await,
        400,
        "date_out_of_range",
    )
    .await;
    let mut bad_date = may_swap();
    bad_date["notice_date"] = json!("2026-02-30");
    problem(
        put(app, path, Some(&admin), &bad_date).await,
        422,
        "invalid_json_fields",
    )
    .await;
    assert!(app.store.holiday_arrangement(2026).await.unwrap().is_none());
    assert!(
        app.store
            .audit_events_for("holiday_arrangement:2026")
            .await
            .unwrap()
            .is_empty()
    );

    // Before, during and after: the holidays and the due date follow the arrangement.
    let before = get_ok(app, FRIDAY_PAPER).await;
    assert_eq!(before["due_at"], "2026-05-04T17:00:00+07:00");
    let response = put(app, path, Some(&admin), &may_swap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["year"], 2026);
    assert_eq!(stored["notice_number"], "99/TB-UBND");
    assert_eq!(stored["extra_days_off"], may_swap()["extra_days_off"]);
    assert_eq!(stored["working_days"], json!(["2026-05-09"]));
    let holidays = get_ok(app, "/api/v1/calendar/holidays?year=2026").await;
    assert!(
        holidays
            .as_array()
            .unwrap()
            .contains(&json!({"date": "2026-05-04", "name": "Nghỉ hoán đổi", "kind": "extra"})),
        "{holidays}"
    );
    let after = get_ok(app, FRIDAY_PAPER).await;
    assert_eq!(
        after["due_at"], "2026-05-05T17:00:00+07:00",
        "the extra day off moves the due date a day later"
    );
    // From Friday 13:30, eight hours: 3 h 30 on Friday, 4 h 30 on the Saturday worked in return.
    let saturday = get_ok(
        app,
        "/api/v1/calendar/due?from=2026-05-08T13:30:00%2B07:00&working_hours=8",
    )
    .await;
    assert_eq!(saturday["due_at"], "2026-05-09T11:30:00+07:00");

    let listed = get_ok(app, "/api/v1/calendar/arrangements").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["notice_date"], "2026-03-20");
    assert_eq!(
        get_ok(app, path).await["extra_days_off"][0]["name"],
        "Nghỉ hoán đổi"
    );

    let events = app
        .store
        .audit_events_for("holiday_arrangement:2026")
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entry.action, "calendar.arrangement_saved");
    assert_eq!(events[0].entry.actor, "quantri.tinh");
    assert!(events[0].entry.detail.contains("Nghỉ hoán đổi"));
}

/// Tuesday 3/3/2026 at 15:30, paper, one working day.
const TUESDAY_PAPER: &str =
    "/api/v1/calendar/due?from=2026-03-03T15:30:00%2B07:00&working_days=1&channel=paper";

async fn agency_working_hours(app: &TestApp) {
    let dong_kinh = agency_of(app, "quantri.dongkinh").await;
    let tu_phap = agency_of(app, "chuyenvien.tuphap").await;
    let path = format!("/api/v1/agencies/{dong_kinh}/working-hours");
    let current = get_ok(app, &path).await;
    assert_eq!(current["is_default"], true);
    assert_eq!(
        current["working_hours"]["weekdays"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(
        current["working_hours"]["sessions"],
        json!([{"start": "07:00:00", "end": "11:30:00"}, {"start": "13:30:00", "end": "17:00:00"}])
    );
    assert_eq!(current["working_hours"]["paper_cutoff"], "15:00:00");

    let with_agency = format!("{TUESDAY_PAPER}&agency={dong_kinh}");
    // Default hours: after the 15:00 cutoff, so counting starts Wednesday 07:00.
    assert_eq!(
        get_ok(app, &with_agency).await["due_at"],
        "2026-03-04T17:00:00+07:00"
    );

    let hours = json!({
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "seasons": [
            {"from": {"month": 4, "day": 1}, "sessions": [{"start": "07:00", "end": "11:30"}, {"start": "13:30", "end": "17:00"}]},
            {"from": {"month": 10, "day": 1}, "sessions": [{"start": "07:30", "end": "11:30"}, {"start": "13:00", "end": "17:00"}]}
        ],
        "paper_cutoff": "16:00"
    });
    let unit_admin = api_token(app, "quantri.dongkinh").await;
    let receiver = api_token(app, "motcua.dongkinh").await;
    problem(put(app, &path, None, &hours).await, 401, "unauthenticated").await;
    problem(
        put(app, &path, Some(&receiver), &hours).await,
        403,
        "forbidden",
    )
    .await;
    let other = format!("/api/v1/agencies/{tu_phap}/working-hours");
    problem(
        put(app, &other, Some(&unit_admin), &hours).await,
        403,
        "forbidden",
    )
    .await;
    let mut no_days = hours.clone();
    no_days["weekdays"] = json!([]);
    problem(
        put(app, &path, Some(&unit_admin), &no_days).await,
        400,
        "invalid_working_hours",
    )
    .await;
    let overlapping = json!({
        "weekdays": ["mon"],
        "sessions": [{"start": "07:00", "end": "12:00"}, {"start": "11:00", "end": "17:00"}]
    });
    problem(
        put(app, &path, Some(&unit_admin), &overlapping).await,
        400,
        "invalid_working_hours",
    )
    .await;
    assert_eq!(
        get_ok(app, &with_agency).await["due_at"],
        "2026-03-04T17:00:00+07:00"
    );

    let response = put(app, &path, Some(&unit_admin), &hours).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["is_default"], false);
    assert_eq!(saved["working_hours"]["paper_cutoff"], "16:00:00");
    assert_eq!(
        saved["working_hours"]["seasons"][1]["from"],
        json!({"month": 10, "day": 1})
    );
    assert_eq!(get_ok(app, &path).await, saved);

    // Winter hours from 1/10 … to 31/3: 15:30 is before this agency's 16:00 cutoff,
    // so 1 h 30 counts on Tuesday and 6 h 30 on Wednesday (07:30–11:30, 13:00–15:30).
    let due = get_ok(app, &with_agency).await;
    assert_eq!(due["due_at"], "2026-03-04T15:30:00+07:00", "{due}");
    assert_eq!(due["agency_code"], dong_kinh.as_str());
    // Other agencies keep the defaults.
    assert_eq!(
        get_ok(app, &format!("{TUESDAY_PAPER}&agency={tu_phap}")).await["due_at"],
        "2026-03-04T17:00:00+07:00"
    );
    // A province administrator may set any agency's hours.
    let admin = api_token(app, "quantri.tinh").await;
    assert_eq!(
        put(app, &other, Some(&admin), &hours).await.status(),
        StatusCode::OK
    );

    let events = app
        .store
        .audit_events_for(&format!("agency:{dong_kinh}"))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0].entry.action.as_str(),
            events[0].entry.actor.as_str()
        ),
        ("agency.working_hours_saved", "quantri.dongkinh")
    );
}

async fn calendar_api(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    conversions_holidays_and_due_dates(&app).await;
    bad_input_is_a_problem_with_a_stable_code(&app).await;
    arrangements(&app).await;
    agency_working_hours(&app).await;
    let verification = app.store.verify_audit_chain().await.unwrap();
    assert!(verification.is_intact(), "{:?}", verification.breaks);
    app.stop().await;
}

#[tokio::test]
async fn calendar_api_on_sqlite() {
    calendar_api(Backend::Sqlite).await;
}

#[tokio::test]
async fn calendar_api_on_postgres() {
    calendar_api(Backend::Postgres).await;
}

/// Two servers over one database, as behind a load balancer: a change made through
/// one is seen by the other at its next request, although each caches the calendar.
#[tokio::test]
async fn every_node_sees_a_new_arrangement() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let other = motcua::server::start(
        app.store.clone(),
        "127.0.0.1:0".parse().unwrap(),
        motcua_web::WebConfig::default(),
        Vec::new(),
    )
    .await
    .unwrap();
    let other_url = format!("http://{}{FRIDAY_PAPER}", other.addr);
    let ask_other = || async {
        let due: Value = reqwest::get(&other_url)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        due["due_at"].as_str().unwrap().to_owned()
    };
    assert_eq!(ask_other().await, "2026-05-04T17:00:00+07:00");
    let admin = api_token(&app, "quantri.tinh").await;
    let response = put(
        &app,
        "/api/v1/calendar/arrangements/2026",
        Some(&admin),
        &may_swap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(ask_other().await, "2026-05-05T17:00:00+07:00");
    other.shutdown().await.unwrap();
    app.stop().await;
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_calendar_page_shows_the_year_and_computes_due_dates() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let (status, html) = page(&client, &app, "/calendar?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Lịch làm việc năm 2026"));
    assert!(html.contains("Bính Ngọ"));
    assert!(html.contains("<caption>Tháng 2</caption>"));
    assert!(html.contains("Tết Nguyên Đán"));
    assert!(
        html.contains("Thứ Ba, 17/02/2026</strong>: Tết Nguyên Đán"),
        "the list of days off"
    );
    // 17/2 is the first day of the lunar year: shown as 1/1 and marked as a holiday.
    let tet: Vec<&str> = html
        .split("<td")
        .filter(|cell| cell.contains("class=\"solar\">17<") && cell.contains("Tết Nguyên Đán"))
        .collect();
    assert_eq!(tet.len(), 1, "{tet:?}");
    assert!(tet[0].starts_with(" class=\"holiday\" title=\"Nghỉ: Tết Nguyên Đán\""));
    assert!(
        tet[0].contains("<span class=\"lunar month-start\"><span class=\"visually-hidden\">âm lịch </span>1/1</span>"),
        "{}",
        tet[0]
    );
    assert!(
        html.contains("<span class=\"visually-hidden\">âm lịch </span>2</span>"),
        "other days show the lunar day"
    );
    assert!(
        html.contains("href=\"/calendar?year=2025\"")
            && html.contains("href=\"/calendar?year=2027\"")
    );
    assert!(
        html.contains("Cuối tuần") && html.contains("Ngày làm bù"),
        "a legend"
    );
    assert!(
        !html.contains("Sửa phương án"),
        "only for province administrators"
    );

    let (status, html) = page(
        &client,
        &app,
        "/calendar?year=2026&from_date=2026-04-24&from_time=16%3A00&amount=3&unit=days&channel=paper&agency=",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<strong id=\"due-at\">Thứ Hai, 04/05/2026 lúc 17:00</strong>"),
        "{html}"
    );
    assert!(html.contains("Bắt đầu tính từ Thứ Ba, 28/04/2026 lúc 07:00"));
    assert!(
        html.contains("value=\"2026-04-24\""),
        "the form keeps what was typed"
    );

    let (status, html) = page(
        &client,
        &app,
        "/calendar?year=2026&from_date=2026-04-24&from_time=16%3A00&amount=-3&unit=days",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("role=\"alert\"") && html.contains("không được là số âm"));
    let (status, html) = page(&client, &app, "/calendar?from_date=2026-02-30&amount=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Ngày không hợp lệ"));

    for year in ["abc", "2500"] {
        let (status, html) = page(&client, &app, &format!("/calendar?year={year}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{year}");
        assert!(html.contains("Yêu cầu không hợp lệ"), "a readable page");
    }
    let (status, _) = page(&client, &app, "/calendar").await;
    assert_eq!(status, StatusCode::OK, "this year by default");
    app.stop().await;
}

#[tokio::test]
async fn province_administrators_edit_the_arrangement_on_a_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let path = "/calendar/arrangements/2026";

    let anonymous = app.client().get(app.url(path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Fcalendar%2Farrangements%2F2026")
    );

    let receiver = app.client();
    login(
        &app,
        &receiver,
        "motcua.dongkinh",
        &app.passwords["motcua.dongkinh"],
    )
    .await;
    let (status, html) = page(&receiver, &app, path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Chỉ quản trị cấp tỉnh"));
    let token = csrf_from(&html);
    let refused = receiver
        .post(app.url(path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("notice_number", "1"),
            ("notice_date", "2026-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let admin = app.client();
    login(&app, &admin, "quantri.tinh", &app.passwords["quantri.tinh"]).await;
    let (_, calendar) = page(&admin, &app, "/calendar?year=2026").await;
    assert!(calendar.contains("href=\"/calendar/arrangements/2026\""));
    let (status, html) = page(&admin, &app, path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("chưa có phương án"));
    assert!(html.contains("name=\"removed_defaults\" value=\"2026-09-01\""));
    let token = csrf_from(&html);
    let saved = admin
        .post(app.url(path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("notice_number", "99/TB-UBND"),
            ("notice_date", "20/03/2026"),
            ("extra_days_off", "2026-05-04 Nghỉ hoán đổi\r\n\r\n"),
            ("working_days", "09/05/2026"),
            ("removed_defaults", "2026-09-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers()["location"],
        "/calendar/arrangements/2026?saved=1"
    );
    let (_, html) = page(&admin, &app, "/calendar/arrangements/2026?saved=1").await;
    assert!(html.contains("Đã lưu phương án nghỉ lễ năm 2026"));
    assert!(html.contains("value=\"99/TB-UBND\""));
    assert!(html.contains("2026-05-04 Nghỉ hoán đổi"));
    assert!(html.contains("value=\"2026-09-01\" checked"));
    let stored = app.store.holiday_arrangement(2026).await.unwrap().unwrap();
    assert_eq!(stored.updated_by, "quantri.tinh");
    assert_eq!(stored.arrangement.removed_defaults.len(), 1);
    let (_, calendar) = page(&admin, &app, "/calendar?year=2026").await;
    assert!(calendar.contains("Nghỉ hoán đổi") && calendar.contains("Thứ Bảy, 09/05/2026"));
    assert!(calendar.contains("Theo thông báo số 99/TB-UBND ngày 20/03/2026."));
    assert_eq!(
        get_ok(&app, FRIDAY_PAPER).await["due_at"],
        "2026-05-05T17:00:00+07:00"
    );

    // Mistakes are shown on the page, with what was typed, and change nothing.
    for (field, value, message) in [
        ("working_days", "2026-03-04", "vốn đã là ngày làm việc"),
        (
            "extra_days_off",
            "2026-05-04 Nghỉ\n2026-13-01 Sai",
            "Ngày nghỉ thêm, dòng 2",
        ),
        ("extra_days_off", "2026-05-04", "chưa có tên"),
        ("notice_date", "", "ngày ban hành"),
    ] {
        let mut form = vec![
            ("csrf_token", token.as_str()),
            ("notice_number", "100/TB-UBND"),
            ("notice_date", "2026-03-21"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let response = admin.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{field}={value}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(html.contains(message), "{message}: {html}");
        assert!(
            html.contains("value=\"100/TB-UBND\""),
            "the form keeps what was typed"
        );
    }
    assert_eq!(
        app.store.holiday_arrangement(2026).await.unwrap().unwrap(),
        stored,
        "nothing changed"
    );
    assert_eq!(
        app.store
            .audit_events_for("holiday_arrangement:2026")
            .await
            .unwrap()
            .len(),
        1
    );
    let (status, _) = page(&admin, &app, "/calendar/arrangements/1800").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

fn motcua(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("MOTCUA_DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout_json(output: &std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn the_cli_answers_like_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let out = motcua(dir.path(), &["calendar", "lunar", "2026-02-17", "--json"]);
    assert_eq!(
        stdout_json(&out),
        json!({"year": 2026, "month": 1, "day": 1, "leap": false})
    );
    let out = motcua(dir.path(), &["calendar", "lunar", "2026-02-17"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("ngày 1/1 năm Bính Ngọ (2026) âm lịch"),
        "{text}"
    );
    let out = motcua(
        dir.path(),
        &[
            "calendar", "solar", "--year", "2020", "--month", "4", "--day", "1", "--leap", "--json",
        ],
    );
    assert_eq!(stdout_json(&out), json!({"date": "2020-05-23"}));
    let due_args = [
        "calendar",
        "due",
        "--from",
        "2026-04-24T16:00:00+07:00",
        "--working-days",
        "3",
        "--channel",
        "paper",
    ];
    let out = motcua(dir.path(), &[&due_args[..], &["--json"]].concat());
    let due = stdout_json(&out);
    assert_eq!(due["due_at"], "2026-05-04T17:00:00+07:00");
    assert_eq!(due["counting_from"], "2026-04-28T07:00:00+07:00");
    let text = String::from_utf8(motcua(dir.path(), &due_args).stdout).unwrap();
    assert!(
        text.contains("Hạn giải quyết: Thứ Hai, 04/05/2026 lúc 17:00"),
        "{text}"
    );

    for (args, message, code) in [
        (
            vec!["calendar", "lunar", "2026-02-30"],
            "Ngày không hợp lệ",
            "invalid_date",
        ),
        (
            vec!["calendar", "holidays", "2200"],
            "ngoài phạm vi",
            "date_out_of_range",
        ),
        (
            vec![
                "calendar", "solar", "--year", "2026", "--month", "1", "--day", "1", "--leap",
            ],
            "không có tháng 1 nhuận",
            "no_leap_month",
        ),
        (
            vec![
                "calendar",
                "due",
                "--from",
                "2026-04-24T16:00:00+07:00",
                "--working-days",
                "-2",
            ],
            "số âm",
            "invalid_working_time",
        ),
    ] {
        let out = motcua(dir.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("Lỗi: ") && stderr.contains(message),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(code), "{stderr}");
    }
}

/// The CLI reads arrangements and working hours from the server's database.
#[tokio::test]
async fn the_cli_reads_the_stored_calendar() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = api_token(&app, "quantri.tinh").await;
    let response = put(
        &app,
        "/api/v1/calendar/arrangements/2026",
        Some(&admin),
        &may_swap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let holidays = stdout_json(&motcua(
        app.data_dir.path(),
        &["calendar", "holidays", "2026", "--json"],
    ));
    assert!(
        holidays
            .as_array()
            .unwrap()
            .contains(&json!({"date": "2026-05-04", "name": "Nghỉ hoán đổi", "kind": "extra"}))
    );
    let text =
        String::from_utf8(motcua(app.data_dir.path(), &["calendar", "holidays", "2026"]).stdout)
            .unwrap();
    assert!(
        text.contains("Theo thông báo số 99/TB-UBND ngày 20/03/2026."),
        "{text}"
    );

    let dong_kinh = agency_of(&app, "quantri.dongkinh").await;
    let unit_admin = api_token(&app, "quantri.dongkinh").await;
    let hours = json!({
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "sessions": [{"start": "07:30", "end": "11:30"}, {"start": "13:00", "end": "17:00"}],
        "paper_cutoff": "16:00"
    });
    let path = format!("/api/v1/agencies/{dong_kinh}/working-hours");
    assert_eq!(
        put(&app, &path, Some(&unit_admin), &hours).await.status(),
        StatusCode::OK
    );
    let due = stdout_json(&motcua(
        app.data_dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-03-03T15:30:00+07:00",
            "--working-days",
            "1",
            "--channel",
            "paper",
            "--agency",
            &dong_kinh,
            "--json",
        ],
    ));
    assert_eq!(due["due_at"], "2026-03-04T15:30:00+07:00");
    assert_eq!(due["agency_code"], dong_kinh.as_str());
    let unknown = motcua(
        app.data_dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-03-03T15:30:00+07:00",
            "--working-days",
            "1",
            "--agency",
            "000.99.99.H37",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("Không tìm thấy cơ quan")
    );
    app.stop().await;
}

//! The service-quality index, the readiness indicators and the dashboard, end to end on
//! both backends: dossiers handled through the API feed the counters at once; the stats API
//! answers JSON and CSV with hand-checked figures and no personal data; `/dashboard` draws
//! its charts with tables; the dossiers behind a figure are listed for those who may see them.

use crate::common::{self, Api, Backend, TestApp, indicator, login, problem};
use motcua::samples;
use reqwest::StatusCode;
use serde_json::{Value, json};

impl Api<'_> {
    async fn submit(&self, body: &Value) -> String {
        let r = self
            .client
            .post(self.app.url("/api/v1/dossiers"))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn submission(agency: &str, channel: &str) -> Value {
    json!({
        "procedure_code": samples::CRIMINAL_RECORD,
        "agency_code": agency,
        "channel": channel,
        "applicant": {
            "kind": "person",
            "name": "Nguyễn Văn An",
            "citizen_id": "020095001234",
            "phone": "0912 345 678"
        }
    })
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .unwrap()
}

async fn public_json(app: &TestApp, path: &str) -> Value {
    let r = get(app, path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = r.text().await.unwrap();
    assert_no_personal_data(&text);
    serde_json::from_str(&text).unwrap()
}

fn assert_no_personal_data(text: &str) {
    for secret in ["Nguyễn Văn An", "020095001234", "0912", "-0001"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

/// A dossier through the whole process: received at Đông Kinh, appraised and decided at
/// the Department of Justice, finished with `electronic` or paper result.
async fn handle(
    receiver: &Api<'_>,
    specialist: &Api<'_>,
    leader: &Api<'_>,
    code: &str,
    electronic: bool,
) {
    receiver.act_ok(code, "accept", json!({})).await;
    receiver.act_ok(code, "forward", json!({})).await;
    leader
        .act_ok(code, "assign", json!({ "assignee": "chuyenvien.tuphap" }))
        .await;
    specialist.act_ok(code, "forward", json!({})).await;
    leader.act_ok(code, "approve", json!({})).await;
    leader
        .act_ok(
            code,
            "finish",
            json!({ "result": "Phiếu lý lịch tư pháp", "electronic": electronic }),
        )
        .await;
}

async fn scenario(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    samples::load(&app.store).await.unwrap();
    let dongkinh = app
        .store
        .find_user_by_username("motcua.dongkinh")
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap();
    let unit = app
        .store
        .agency(&dongkinh)
        .await
        .unwrap()
        .unwrap()
        .unit_code;
    let citizen = Api::new(&app, "congdan").await;
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let specialist = Api::new(&app, "chuyenvien.tuphap").await;
    let leader = Api::new(&app, "lanhdao.tuphap").await;

    // Nothing yet: no dossier figure has data; it scores 0 and says why.
    let q = public_json(&app, "/api/v1/stats/quality?period=month").await;
    assert_eq!(q["counts"]["received"], 0);
    assert_eq!(indicator(&q, "on_time")["points"], 0.0);
    assert_eq!(indicator(&q, "on_time")["rate"], Value::Null);
    assert_eq!(
        indicator(&q, "on_time")["no_data"],
        "không có hồ sơ trong kỳ"
    );

    // Three dossiers: two online and one at the counter; two decided, one rated badly.
    let first = citizen.submit(&submission(&dongkinh, "online")).await;
    let counter = receiver.submit(&submission(&dongkinh, "paper")).await;
    let third = citizen.submit(&submission(&dongkinh, "online")).await;
    handle(&receiver, &specialist, &leader, &first, true).await;
    handle(&receiver, &specialist, &leader, &third, false).await;
    receiver.act_ok(&first, "return_result", json!({})).await;
    let rated = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/public/dossiers/{first}/rating")))
        .json(&json!({ "check": "1234", "scores": { "timeliness": 0, "staff_attitude": 0 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 200);

    // The agency's month, by hand: 3 received (2 online), 2 decided on time (1 electronic
    // result), 1 returned and rated "không hài lòng".
    let path = format!("/api/v1/stats/quality?level=agency&code={dongkinh}&period=month");
    let q = public_json(&app, &path).await;
    assert_eq!(q["level"], "agency");
    assert_eq!(q["name"], "Ủy ban nhân dân phường Đông Kinh");
    assert_eq!(q["period"]["kind"], "month");
    let c = &q["counts"];
    let got: Vec<i64> = [
        "received",
        "received_online",
        "finished",
        "on_time",
        "late",
        "with_result",
        "returned",
        "rated",
        "disliked",
    ]
    .iter()
    .map(|k| c[*k].as_i64().unwrap())
    .collect();
    assert_eq!(got, [3, 2, 2, 2, 0, 2, 1, 1, 1], "{c}");
    assert_eq!(c["mean_rating"], 0.0);
    // On time: all 3 received count, the 2 decided in time and the open one within its
    // time → 20 points; online 2/3 ≥ 50% → 6; satisfaction (2 decided − 1 disliked) ÷ 2 =
    // 50% of a 90% threshold → 6 × 0.5 ÷ 0.9.
    assert_eq!(
        (
            c["timed"].clone(),
            c["timed_late"].clone(),
            c["timed_open"].clone()
        ),
        (json!(3), json!(0), json!(1))
    );
    assert_eq!(indicator(&q, "on_time")["points"], 20.0);
    assert_eq!(indicator(&q, "on_time")["numerator"], 3);
    assert_eq!(indicator(&q, "on_time")["denominator"], 3);
    assert_eq!(indicator(&q, "received_online")["points"], 6.0);
    // An officer ticked "electronic" on one result, but no result was signed as an
    // electronic document: 0 of 2.
    let electronic = indicator(&q, "electronic_result");
    assert_eq!(
        (
            electronic["numerator"].clone(),
            electronic["denominator"].clone()
        ),
        (json!(0), json!(2))
    );
    assert_eq!(electronic["points"], 0.0);
    let satisfaction = indicator(&q, "procedure_satisfaction");
    assert_eq!(
        (
            satisfaction["numerator"].clone(),
            satisfaction["denominator"].clone()
        ),
        (json!(1), json!(2))
    );
    assert!((satisfaction["points"].as_f64().unwrap() - 6.0 * 0.5 / 0.9).abs() < 1e-9);
    assert_eq!(satisfaction["threshold"], 0.9);
    assert_eq!(c["dissatisfied"], 1);
    // Without the national portal's connector no dossier is synchronised: a known zero, not
    // missing data (tests/integration/connectors.rs counts the synchronised ones).
    let portal = indicator(&q, "portal_sync");
    assert_eq!(portal["no_data"], Value::Null);
    assert_eq!(
        (portal["rate"].clone(), portal["points"].clone()),
        (json!(0.0), json!(0.0))
    );
    assert_eq!(
        (portal["numerator"].clone(), portal["denominator"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(portal["max_points"], 6.0);
    // Toàn trình against the procedures eligible for it (those without a published reason).
    let full = indicator(&q, "full_online_share");
    let k = &q["catalogue"];
    assert_eq!(full["numerator"], k["full_online"]);
    assert_eq!(full["denominator"], k["full_online_eligible"]);
    assert!(k["full_online_eligible"].as_i64() >= k["full_online"].as_i64());
    assert!(k["full_online_eligible"].as_i64() < k["procedures"].as_i64());
    // Publicity is judged for the period: no procedure was announced this month.
    let announced = indicator(&q, "announced_on_time");
    assert_eq!(
        announced["no_data"],
        "không có thủ tục được công bố trong kỳ"
    );
    assert_eq!(announced["points"], 0.0);
    // In 2025, every procedure the demo's decisions published, each once.
    let readiness = public_json(&app, "/api/v1/stats/readiness").await;
    let published_2025: i64 = readiness["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["decided_on"].as_str().unwrap().starts_with("2025"))
        .map(|d| d["published"].as_i64().unwrap())
        .sum();
    assert!(published_2025 > 0);
    let in_2025 = public_json(&app, "/api/v1/stats/quality?period=year&at=2025-06").await;
    let announced = indicator(&in_2025, "announced_on_time");
    assert_eq!(announced["denominator"], published_2025);
    assert_eq!(in_2025["catalogue"]["announced"], published_2025);
    let rate = announced["rate"].as_f64().unwrap();
    assert!((announced["points"].as_f64().unwrap() - 6.0 * rate).abs() < 1e-9);
    // The total is out of 100, never rescaled: the indicators' points added up, and those
    // without data listed with their points.
    assert_eq!(q["max_points"], 100.0);
    let all: Vec<&Value> = q["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .collect();
    let sum: f64 = all.iter().map(|i| i["points"].as_f64().unwrap()).sum();
    assert!((q["index"].as_f64().unwrap() - sum).abs() < 1e-9, "{q}");
    assert_eq!(q["index"], q["points"]);
    let missing: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|i| i["rate"].is_null() && i["max_points"].as_f64().unwrap() > 0.0)
        .collect();
    let missing_points: f64 = missing
        .iter()
        .map(|i| i["max_points"].as_f64().unwrap())
        .sum();
    assert_eq!(q["missing_points"].as_f64().unwrap(), missing_points);
    assert_eq!(q["missing"].as_array().unwrap().len(), missing.len());
    assert!(
        q["missing"]
            .as_array()
            .unwrap()
            .contains(&json!("updated_on_time"))
    );
    assert!(
        !q["missing"]
            .as_array()
            .unwrap()
            .contains(&json!("portal_sync"))
    );
    assert!(!q.to_string().contains("-0.0"), "{q}");

    // The commune rolls up its committee; the province everything; quarter and year sum months.
    for path in [
        format!("/api/v1/stats/quality?level=commune&code={unit}&period=month"),
        "/api/v1/stats/quality?level=province&period=quarter".to_owned(),
        "/api/v1/stats/quality".to_owned(),
    ] {
        let other = public_json(&app, &path).await;
        assert_eq!(other["counts"], q["counts"], "{path}");
    }
    let elsewhere = public_json(
        &app,
        "/api/v1/stats/quality?level=agency&code=000.01.40.H37&period=month",
    )
    .await;
    assert_eq!(elsewhere["counts"]["received"], 0);
    let last_year = public_json(&app, "/api/v1/stats/quality?period=year&at=2020-01").await;
    assert_eq!(last_year["period"]["key"], "2020");
    assert_eq!(last_year["counts"]["finished"], 0);

    // CSV: by parameter or by Accept, one row per indicator.
    let csv = get(&app, &format!("{path}&format=csv")).await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}level,code,name,period,group"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 22);
    assert!(text.contains(&format!("agency,{dongkinh},")));
    assert!(
        text.contains(",on_time,\"Hồ sơ xử lý trước hạn, đúng hạn\",20,1,1.0000,20.0000,3,3,"),
        "{text}"
    );
    assert_no_personal_data(&text);
    let by_accept = reqwest::Client::new()
        .get(app.url(&path))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_accept.headers()["content-type"],
        "text/csv; charset=utf-8"
    );

    // The trend, the agencies' scorecards, readiness.
    let trend = public_json(
        &app,
        &format!("/api/v1/stats/quality/trend?level=agency&code={dongkinh}&months=3"),
    )
    .await;
    let months = trend["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    assert_eq!(months[2]["counts"]["received"], 3);
    assert_eq!(months[2]["on_time_rate"], 1.0);
    assert_eq!(months[0]["on_time_rate"], Value::Null);
    let trend_csv = get(&app, "/api/v1/stats/quality/trend?format=csv&months=2").await;
    assert_eq!(trend_csv.text().await.unwrap().lines().count(), 3);
    let cards = public_json(&app, "/api/v1/stats/quality/agencies?period=month").await;
    let list = cards["agencies"].as_array().unwrap();
    let mine = list
        .iter()
        .find(|a| a["code"] == dongkinh.as_str())
        .unwrap();
    assert_eq!(mine["counts"]["received"], 3);
    assert_eq!(mine["index"], q["index"]);
    assert_eq!(mine["groups"].as_array().unwrap().len(), 6);
    assert!(list.len() >= 65 + 9, "every working agency: {}", list.len());
    let cards_csv = get(
        &app,
        "/api/v1/stats/quality/agencies?period=month&format=csv",
    )
    .await;
    let cards_csv = cards_csv.text().await.unwrap();
    assert_eq!(cards_csv.lines().count(), 1 + list.len());
    let readiness = public_json(&app, "/api/v1/stats/readiness").await;
    let essential = readiness["sets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "dvc_thiet_yeu")
        .unwrap();
    assert_eq!(
        (&essential["full_online"], &essential["total"]),
        (&json!(21), &json!(25))
    );
    assert_eq!(readiness["announced"]["numerator"], 53);
    assert_eq!(readiness["announced"]["denominator"], 53);
    assert_eq!(
        readiness["communes"],
        json!({ "numerator": 1, "denominator": 65 })
    );
    assert!(readiness["processes"]["numerator"].as_i64().unwrap() >= 2);
    assert_eq!(readiness["processes"]["denominator"], 53);
    // Digitisation comes from what officers record: none of the three dossiers yet.
    assert_eq!(
        readiness["digitisation"],
        json!({ "numerator": 0, "denominator": 3 })
    );
    let readiness_csv = get(&app, "/api/v1/stats/readiness?format=csv").await;
    let readiness_csv = readiness_csv.text().await.unwrap();
    assert!(readiness_csv.contains(
        "set:dvc_thiet_yeu,25 dịch vụ công trực tuyến thiết yếu: toàn trình,21,25,0.8400,"
    ));
    assert!(
        readiness_csv.contains("digitisation,Hồ sơ được số hóa,0,3,0.0000,"),
        "{readiness_csv}"
    );

    // Bad input is problem+json.
    problem(
        get(&app, "/api/v1/stats/quality?level=planet").await,
        400,
        "invalid_level",
    )
    .await;
    problem(
        get(&app, "/api/v1/stats/quality?period=week").await,
        400,
        "invalid_period",
    )
    .await;
    problem(
        get(&app, "/api/v1/stats/quality?at=2026-13").await,
        400,
        "invalid_month",
    )
    .await;
    problem(
        get(&app, "/api/v1/stats/quality?level=agency").await,
        400,
        "invalid_query",
    )
    .await;
    problem(
        get(
            &app,
            "/api/v1/stats/quality?level=agency&code=000.99.99.H37",
        )
        .await,
        404,
        "agency_not_found",
    )
    .await;
    problem(
        get(&app, "/api/v1/stats/quality?format=xml").await,
        400,
        "invalid_format",
    )
    .await;
    problem(
        get(&app, "/api/v1/stats/quality/trend?months=99").await,
        400,
        "invalid_query",
    )
    .await;

    // The dashboard: three charts, each with its table; no drill-down for the public.
    let page = get(&app, "/dashboard").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("role=\"img\" aria-labelledby=").count(), 3);
    for id in ["chart-groups", "chart-trend", "chart-shares"] {
        assert!(html.contains(&format!("<title id=\"{id}-title\">")), "{id}");
        assert!(html.contains(&format!("<desc id=\"{id}-desc\">")), "{id}");
    }
    for id in [
        "groups-table",
        "indicators-table",
        "trend-table",
        "shares-table",
        "agencies-table",
        "readiness-table",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("Chỉ số sẵn sàng"));
    assert!(html.contains("21/25"));
    assert!(html.contains("href=\"/dashboard\">Chất lượng phục vụ</a>"));
    assert!(!html.contains("/dashboard/dossiers?"));
    assert!(!html.contains("<script"));
    assert_no_personal_data(&html);
    let scoped = get(
        &app,
        &format!("/dashboard?scope=agency:{dongkinh}&period=month"),
    )
    .await;
    assert_eq!(scoped.status(), 200);
    let scoped = scoped.text().await.unwrap();
    assert!(scoped.contains(
        "Ủy ban nhân dân phường Đông Kinh <span class=\"muted\">(Cơ quan)</span> · Tháng"
    ));
    // The headline is the API's index out of 100, with what has no data and its points.
    let headline = format!(
        "<strong>{}</strong>/100 điểm",
        format!("{:.1}", q["index"].as_f64().unwrap()).replace('.', ",")
    );
    assert!(scoped.contains(&headline), "{headline}");
    let missing_line = format!(
        "Chưa có dữ liệu: {}; {}",
        "TTHC được công bố đúng hạn", "TTHC được cập nhật, công khai đúng hạn"
    );
    assert!(scoped.contains(&missing_line));
    let missing_points = format!("{:.1}", q["missing_points"].as_f64().unwrap()).replace('.', ",");
    assert!(
        scoped.contains(&format!(", {missing_points} điểm.")),
        "{missing_points}"
    );
    let commune = get(&app, &format!("/dashboard?scope=commune:{unit}")).await;
    assert_eq!(commune.status(), 200);
    assert_eq!(get(&app, "/dashboard?scope=planet").await.status(), 400);
    assert_eq!(get(&app, "/dashboard?period=week").await.status(), 400);

    // The dossiers behind a figure: staff only, and officers for their own agency.
    let drill = format!("/dashboard/dossiers?figure=received&scope=agency:{dongkinh}&period=month");
    let anonymous = common::TestApp::client(&app)
        .get(app.url(&drill))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let as_citizen = app.client();
    login(&app, &as_citizen, "congdan", &app.passwords["congdan"]).await;
    let r = as_citizen.get(app.url(&drill)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let as_receiver = app.client();
    login(
        &app,
        &as_receiver,
        "motcua.dongkinh",
        &app.passwords["motcua.dongkinh"],
    )
    .await;
    let r = as_receiver.get(app.url(&drill)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let listed = r.text().await.unwrap();
    for code in [&first, &counter, &third] {
        assert!(
            listed.contains(&format!("href=\"/work/dossiers/{code}\"")),
            "{code}"
        );
    }
    assert!(listed.contains("<strong id=\"drill-total\">3</strong>"));
    assert!(!listed.contains("Nguyễn Văn An"), "no applicant names");
    let r = as_receiver
        .get(app.url("/dashboard/dossiers?figure=received&scope=province&period=month"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let own = as_receiver
        .get(app.url(&format!("/dashboard?scope=agency:{dongkinh}&period=month")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(own.contains("/dashboard/dossiers?figure=late"));
    let as_admin = app.client();
    login(
        &app,
        &as_admin,
        "quantri.tinh",
        &app.passwords["quantri.tinh"],
    )
    .await;
    let r = as_admin
        .get(app.url("/dashboard/dossiers?figure=disliked&scope=province&period=year"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disliked = r.text().await.unwrap();
    assert!(disliked.contains(&first));
    assert!(!disliked.contains(&third));
    // The dossiers the satisfaction rate subtracts: the disliked one; the other was on time.
    let r = as_admin
        .get(app.url("/dashboard/dossiers?figure=dissatisfied&scope=province&period=year"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let dissatisfied = r.text().await.unwrap();
    assert!(dissatisfied.contains(&first));
    assert!(!dissatisfied.contains(&third));
    assert!(dissatisfied.contains("<strong id=\"drill-total\">1</strong>"));
    let r = as_admin
        .get(app.url("/dashboard/dossiers?figure=nothing&scope=province"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let review = as_admin
        .get(app.url("/programme/review"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(review.contains("Chỉ số sẵn sàng"));
    assert!(review.contains("id=\"readiness-table\""));

    // What the actions kept is what a recount finds.
    let rows = app.store.quality_rows().await.unwrap();
    let facts = app.store.quality_facts().await.unwrap();
    app.store.recount_quality_aggregates().await.unwrap();
    assert_eq!(rows, app.store.quality_rows().await.unwrap());
    assert_eq!(facts, app.store.quality_facts().await.unwrap());
    assert_eq!(facts.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn dashboard_and_stats_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test]
async fn dashboard_and_stats_on_postgres() {
    scenario(Backend::Postgres).await;
}

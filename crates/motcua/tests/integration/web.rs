//! The web shell, accounts and the API foundation, against the real server.

use crate::common::{
    Api, Backend, Options, TestApp, api_token, csrf_from, demo_password, login, problem,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The scenario both backends must pass: the home page counts, sign-in, tokens.
async fn shell_and_accounts(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let client = app.client();
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\""));
    assert!(html.contains("Tỉnh Lạng Sơn"));
    assert!(
        html.contains("<strong>65</strong> đơn vị hành chính cấp xã"),
        "{html}"
    );
    assert!(
        html.contains("61 xã") && html.contains("4 phường"),
        "{html}"
    );
    // A citizen's home page leads with finding a procedure and tracking a dossier; the
    // units' figures come last.
    let find = html.find("action=\"/procedures\"").expect("a search box");
    let track = html.find("action=\"/lookup\"").expect("a lookup form");
    let sectors = html
        .find("Dịch vụ theo lĩnh vực")
        .expect("services by sector");
    let units = html.find("id=\"units-heading\"").unwrap();
    assert!(find < track && track < sectors && sectors < units);
    assert!(html.contains("href=\"/procedures?sector="));
    assert!(
        !html.contains("/api/v1/openapi.json"),
        "no API links for citizens"
    );

    let response = login(
        &app,
        &client,
        "motcua.dongkinh",
        &app.passwords["motcua.dongkinh"],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("motcua_session="))
        .expect("a session cookie");
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
    let html = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Hoàng Thị Bình") && html.contains("Cán bộ một cửa"),
        "signed in: {html}"
    );

    // The session cookie works for the API from the browser.
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "motcua.dongkinh");
    assert_eq!(me["via"], "session");
    assert_eq!(
        me["agency_code"],
        "000.25.40.H37".replace("25", &agency_index(&app).await)
    );

    let token = api_token(&app, "thanhtra").await;
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            me["username"].as_str(),
            me["role"].as_str(),
            me["via"].as_str()
        ),
        (Some("thanhtra"), Some("auditor"), Some("token"))
    );

    // Logging out ends the session on the server, not only in the browser.
    let html = client
        .get(app.url("/logout"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&html);
    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let stale = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", session_cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    problem(stale, 401, "unauthenticated").await;
    let verification = app.store.verify_audit_chain().await.unwrap();
    assert!(verification.is_intact());
    let actions: Vec<String> = app
        .store
        .recent_audit_events(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    assert_eq!(
        actions[..3],
        ["session.logout", "token.issued", "session.login"]
    );
    app.stop().await;
}

/// The agency index of UBND phường Đông Kinh in the demo's illustrative numbering.
async fn agency_index(app: &TestApp) -> String {
    let agencies = app
        .store
        .agencies(Some(motcua_domain::agency::AgencyKind::CommuneCommittee))
        .await
        .unwrap();
    let dong_kinh = agencies
        .iter()
        .find(|a| a.name == "Ủy ban nhân dân phường Đông Kinh" && a.valid_to.is_none())
        .unwrap();
    dong_kinh.code.as_str()[4..6].to_owned()
}

#[tokio::test]
async fn shell_and_accounts_on_sqlite() {
    shell_and_accounts(Backend::Sqlite).await;
}

#[tokio::test]
async fn shell_and_accounts_on_postgres() {
    shell_and_accounts(Backend::Postgres).await;
}

#[tokio::test]
async fn login_failures_get_one_generic_answer_and_then_a_lock() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let wrong_password = login(&app, &client, "thanhtra", "not-the-password").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let a = wrong_password.text().await.unwrap();
    let unknown_user = login(&app, &client, "khongtontai", "not-the-password").await;
    assert_eq!(unknown_user.status(), StatusCode::UNAUTHORIZED);
    let b = unknown_user.text().await.unwrap();
    let message = "Tên đăng nhập hoặc mật khẩu không đúng.";
    assert!(a.contains(message) && b.contains(message));
    assert!(
        b.contains("value=\"khongtontai\""),
        "the username is kept in the form"
    );

    // Five failures in all from this address lock it, even for the right password.
    for _ in 0..3 {
        login(&app, &client, "thanhtra", "still-wrong").await;
    }
    let locked = login(&app, &client, "thanhtra", &app.passwords["thanhtra"]).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().await.unwrap().contains("quá nhiều lần"));
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "congdan", "password": app.passwords["congdan"]}))
        .send()
        .await
        .unwrap();
    problem(api, 429, "too_many_attempts").await;
    app.stop().await;
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    // No cookie, no token.
    let bare = reqwest::Client::new()
        .post(app.url("/login"))
        .form(&[
            ("username", "thanhtra"),
            ("password", app.passwords["thanhtra"].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    assert!(bare.text().await.unwrap().contains("Biểu mẫu đã hết hạn"));
    // A cookie, but a token from elsewhere.
    client.get(app.url("/login")).send().await.unwrap();
    let forged = client
        .post(app.url("/login"))
        .form(&[
            ("username", "thanhtra"),
            ("password", app.passwords["thanhtra"].as_str()),
            ("csrf_token", "x".repeat(43).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let prefs = client
        .post(app.url("/preferences"))
        .form(&[("font", "larger")])
        .send()
        .await
        .unwrap();
    assert_eq!(prefs.status(), StatusCode::FORBIDDEN);
    // Nothing was written: no session was opened.
    let events = app.store.recent_audit_events(10).await.unwrap();
    assert!(events.iter().all(|e| e.entry.action != "session.login"));

    // A signed-in browser calling the API with its cookie must send the token as a header.
    login(
        &app,
        &client,
        "quantri.tinh",
        &app.passwords["quantri.tinh"],
    )
    .await;
    let without = client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "x", "password": "y"}))
        .send()
        .await
        .unwrap();
    problem(without, 403, "csrf_token_invalid").await;

    // Signed in, the token is bound to the session: another session's secret and token
    // pair, planted in this browser, is refused; this session's own pair works.
    let mut sessions = Vec::new();
    for user in ["quantri.tinh", "thanhtra"] {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let browser = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        login(&app, &browser, user, &app.passwords[user]).await;
        let html = browser
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let url: reqwest::Url = app.url("/").parse().unwrap();
        let cookies = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
        let cookie = |name: &str| {
            cookies
                .to_str()
                .unwrap()
                .split("; ")
                .find_map(|c| c.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        sessions.push((
            cookie("motcua_session"),
            cookie("motcua_csrf"),
            csrf_from(&html),
        ));
    }
    let (a_session, a_secret, a_token) = &sessions[0];
    let (_, b_secret, b_token) = &sessions[1];
    assert_ne!(
        a_token, a_secret,
        "the page's token is not the cookie's secret"
    );
    let post_as_a = |secret: &str, token: &str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url("/preferences"))
            .header(
                "cookie",
                format!("motcua_session={a_session}; motcua_csrf={secret}"),
            )
            .form(&[("csrf_token", token), ("font", "larger")])
            .send()
    };
    assert_eq!(
        post_as_a(b_secret, b_token).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_as_a(a_secret, b_token).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_ne!(
        post_as_a(a_secret, a_token).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

#[tokio::test]
async fn display_preferences_stick_and_apply_to_every_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"font-normal\""));
    let token = csrf_from(&html);
    for (field, value) in [
        ("font", "larger"),
        ("font", "larger"),
        ("contrast", "toggle"),
    ] {
        let response = client
            .post(app.url("/preferences"))
            .form(&[(field, value), ("csrf_token", &token), ("next", "/login")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/login");
    }
    for path in ["/", "/login", "/khong-co-trang-nay"] {
        let html = client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("class=\"font-larger contrast-high\""),
            "{path}: {html}"
        );
        assert!(html.contains("aria-pressed=\"true\""));
    }
    // A redirect target off this site is ignored.
    let response = client
        .post(app.url("/preferences"))
        .form(&[
            ("font", "normal"),
            ("csrf_token", &token),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/");
    app.stop().await;
}

#[tokio::test]
async fn the_login_page_lists_demo_accounts_only_with_the_demo_on() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let html = app
        .client()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for username in [
        "congdan",
        "motcua.dongkinh",
        "chuyenvien.tuphap",
        "lanhdao.tuphap",
        "quantri.dongkinh",
        "quantri.tinh",
        "thanhtra",
    ] {
        assert!(
            html.contains(&format!("<code>{username}</code>")),
            "{username} not listed"
        );
    }
    assert!(
        !html.contains(&app.passwords["thanhtra"]),
        "passwords never appear on the page"
    );
    app.stop().await;
    let bare = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            demo: false,
            cookie_secure: false,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let html = bare
        .client()
        .get(bare.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Tài khoản trình diễn"));
    bare.stop().await;
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            demo: true,
            cookie_secure: true,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let response = reqwest::Client::new()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = app.client();
    for path in [
        "/",
        "/procedures",
        "/no-such-page",
        "/static/motcua.css",
        "/api/v1/procedures",
        "/api/v1/no-such-route",
        "/healthz",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for rule in [
            "frame-ancestors 'none'",
            "script-src 'self'",
            "default-src 'none'",
        ] {
            assert!(csp.contains(rule), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("camera=()")
        );
        // Plain HTTP on loopback: no HSTS, or a browser would refuse the address later.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    app.stop().await;
}

/// Search texts, paging and odd requests get one clear answer everywhere (issue 13).
#[tokio::test]
async fn lists_answer_bad_searches_and_paging_alike() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = Api::new(&app, "quantri.tinh").await;
    let long = "đ".repeat(201);
    for path in ["/api/v1/units", "/api/v1/dossiers", "/api/v1/procedures"] {
        let body = problem(
            admin.get(&format!("{path}?q={long}")).await,
            400,
            "query_too_long",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("200 ký tự"));
        // Beyond any real address: refused before any handler, still a problem.
        problem(
            admin.get(&format!("{path}?q={}", "a".repeat(50_000))).await,
            414,
            "uri_too_long",
        )
        .await;
        for query in [
            "page=9223372036854775807",
            "page=-1",
            "page=0",
            "per_page=1000000000",
            "per_page=0",
        ] {
            let body = problem(
                admin.get(&format!("{path}?{query}")).await,
                400,
                "invalid_paging",
            )
            .await;
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("phải là số nguyên từ 1")
            );
        }
    }
    problem(
        admin.get("/api/v1/news?per_page=101").await,
        400,
        "invalid_paging",
    )
    .await;
    // Dates are taken in one strict shape, never guessed at.
    for at in ["2026-2-3", "0000-01-01", "2026-02-30"] {
        problem(
            admin.get(&format!("/api/v1/units?at={at}")).await,
            400,
            "invalid_date",
        )
        .await;
        problem(
            admin
                .get(&format!("/api/v1/calendar/lunar?date={at}"))
                .await,
            400,
            "invalid_date",
        )
        .await;
    }
    // A page past the end is empty, with the total beside it; never page 1 again.
    let past = admin.json("/api/v1/units?per_page=10&page=100000").await;
    assert_eq!(past["units"], json!([]));
    assert!(past["total"].as_i64().unwrap() > 10, "{past}");
    assert_eq!(past["page"], 100000);
    let queue = admin
        .json("/api/v1/dossiers?page=1000000&per_page=200")
        .await;
    assert_eq!(
        (queue["items"].clone(), queue["page"].clone()),
        (json!([]), json!(1000000))
    );
    // Pages say it readably, with the same rule.
    let browser = app.client();
    login(
        &app,
        &browser,
        "quantri.tinh",
        &demo_password("quantri.tinh"),
    )
    .await;
    for path in [
        format!("/units?q={long}"),
        format!("/work?q={long}"),
        "/work?page=-3".into(),
    ] {
        let response = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Chuỗi tìm kiếm dài quá 200 ký tự") || html.contains("Tham số page"),
            "{path}"
        );
    }
    let response = browser
        .get(app.url(&format!("/units?q={}", "a".repeat(50_000))))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 414);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Địa chỉ yêu cầu dài quá")
    );
    // A method a route does not take: a problem, with Allow.
    let wrong = reqwest::Client::new()
        .delete(app.url("/api/v1/procedures"))
        .send()
        .await
        .unwrap();
    assert!(wrong.headers().contains_key("allow"));
    problem(wrong, 405, "method_not_allowed").await;
    app.stop().await;
}

/// One rule for free text at the edge: hidden characters refused with the field named,
/// text stored in NFC (issue 13).
#[tokio::test]
async fn hidden_characters_are_refused_and_text_is_kept_in_nfc() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    motcua::samples::load(&app.store).await.unwrap();
    let receiver = Api::new(&app, "motcua.dongkinh").await;
    let body = |name: &str| {
        json!({
            "procedure_code": "1.001193",
            "channel": "paper",
            "applicant": {"kind": "person", "name": name, "citizen_id": "020095001234",
                          "phone": "0912345678"},
        })
    };
    for hidden in ["An\u{202E}fdp.exe", "An\u{0}", "An\u{200D}"] {
        let refused = problem(
            receiver.post("/api/v1/dossiers", &body(hidden)).await,
            422,
            "invalid_characters",
        )
        .await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("applicant.name"),
            "{refused}"
        );
    }
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);
    problem(
        receiver.get("/api/v1/units?q=%E2%80%AEa").await,
        422,
        "invalid_characters",
    )
    .await;
    // Typed as "e" and two marks, stored as the one letter.
    let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n An";
    let r = receiver.post("/api/v1/dossiers", &body(decomposed)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["applicant"]["name"], "Nguyễn Văn An");
    // Pages answer readably.
    let browser = app.client();
    let html = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("username", "quantri.tinh\u{202E}"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ký tự không được phép"));
    app.stop().await;
}

/// A repeated key is refused by submission as by every other route, not "last one wins".
#[tokio::test]
async fn duplicate_json_keys_are_refused_on_submission() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let token = api_token(&app, "congdan").await;
    let body = r#"{"procedure_code": "1.001193", "procedure_code": "2.000488",
        "agency_code": "000.01.40.H37", "channel": "online",
        "applicant": {"kind": "person", "name": "Nguyễn Văn An", "citizen_id": "001099012345"}}"#;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let problem = problem(response, 422, "invalid_json_fields").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("procedure_code"),
        "{problem}"
    );
    app.stop().await;
}

#[tokio::test]
async fn api_errors_are_problem_documents() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = reqwest::Client::new();
    let post = |body: Vec<u8>| {
        client
            .post(app.url("/api/v1/auth/token"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    problem(
        post(b"{\"username\": ".to_vec()).await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    let said = problem(
        post(b"{\"user\": 1}".to_vec()).await.unwrap(),
        422,
        "invalid_json_fields",
    )
    .await;
    // Told in Vietnamese, with the field: never serde's English.
    let detail = said["detail"].as_str().unwrap();
    assert!(detail.contains("thiếu trường username"), "{detail}");
    assert!(
        !detail.contains("Failed") && !detail.contains("missing"),
        "{detail}"
    );
    let said = problem(
        client
            .get(app.url("/api/v1/procedures?page=abc"))
            .send()
            .await
            .unwrap(),
        400,
        "invalid_query",
    )
    .await;
    let detail = said["detail"].as_str().unwrap();
    assert!(detail.contains("page: phải là số nguyên"), "{detail}");
    // A page's form with a field missing: a readable page, in Vietnamese.
    let browser = app.client();
    let html = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = browser
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf_from(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(!page.contains("Failed to deserialize"), "{page}");
    assert!(page.contains("thiếu trường"), "{page}");
    let huge = format!(
        "{{\"username\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    problem(
        post(huge.into_bytes()).await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let unsupported = client
        .post(app.url("/api/v1/auth/token"))
        .body("username=a")
        .send()
        .await
        .unwrap();
    problem(unsupported, 415, "json_content_type_required").await;
    for path in ["/api/v1/khong-co", "/api/khong-co", "/api"] {
        let body = problem(
            client.get(app.url(path)).send().await.unwrap(),
            404,
            "route_not_found",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("API"));
    }
    problem(
        client.get(app.url("/api/v1/me")).send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    let bad_token = client
        .get(app.url("/api/v1/me"))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    problem(bad_token, 401, "invalid_token").await;
    let bad_scheme = client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic eA==")
        .send()
        .await
        .unwrap();
    problem(bad_scheme, 400, "invalid_authorization").await;
    app.stop().await;
}

#[tokio::test]
async fn pages_answer_errors_with_readable_pages() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let response = app
        .client()
        .get(app.url("/khong-co-trang-nay"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("Không tìm thấy trang") && html.contains("href=\"/\""));
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    client.get(app.url("/")).send().await.unwrap();
    client.get(app.url("/")).send().await.unwrap();
    let metrics = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("motcua_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("motcua_http_request_duration_seconds_bucket{le="));
    assert!(
        metrics.contains("motcua_db_pool_connections{pool=\"sqlite_reader\",state=\"max\"} 4"),
        "{metrics}"
    );

    // With the database gone, the process still lives but is not ready.
    app.store.close().await;
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_matches_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/publications",
        "/api/v1/catalogue/stats",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    insta::assert_json_snapshot!("openapi", doc);
    app.stop().await;
}

/// Reads what the server sends on `stream` until it closes the connection.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// A client that sends half a header is cut off after the header timeout, and an upload that
/// stops sending is abandoned after the idle timeout, answered as interrupted.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    let options = Options {
        demo: false,
        timeouts: Some(motcua_web::Timeouts {
            header_read: Duration::from_secs(1),
            body_idle: Duration::from_secs(1),
            ..motcua_web::Timeouts::default()
        }),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let host = app.base.trim_start_matches("http://").to_owned();

    let mut half_header = tokio::net::TcpStream::connect(&host).await.unwrap();
    half_header
        .write_all(b"GET / HTTP/1.1\r\nHost: motcua\r\nAccept: te")
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_until_closed(&mut half_header))
        .await
        .expect("the connection is closed after the header timeout");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    let mut stalled = tokio::net::TcpStream::connect(&host).await.unwrap();
    stalled
        .write_all(
            b"POST /api/v1/documents/verify HTTP/1.1\r\nHost: motcua\r\nConnection: close\r\n\
              Content-Type: application/pdf\r\nContent-Length: 1000000\r\n\r\n%PDF-1.7 ",
        )
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_until_closed(&mut stalled))
        .await
        .expect("the stalled upload is answered after the idle timeout");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("upload_interrupted"), "{answer}");

    // A client that keeps sending, however slowly, is not cut off.
    let mut slow = tokio::net::TcpStream::connect(&host).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: motcua\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    slow.write_all(b"Connection: close\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    app.stop().await;
}

/// A multipart form whose second field has a broken header is answered in Vietnamese, not
/// with the reader's English ("failed to read headers").
#[tokio::test]
async fn a_broken_multipart_form_is_explained_in_vietnamese() {
    let app = TestApp::empty(Backend::Sqlite).await.unwrap();
    let client = app.client();
    let page = client
        .get(app.url("/verify"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n\
         --b\r\nContent-Disposition form-data name file\r\n\r\n%PDF-1.7\r\n--b--\r\n",
        csrf_from(&page)
    );
    let r = client
        .post(app.url("/verify"))
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("phần đầu của một trường bị hỏng"), "{html}");
    assert!(!html.contains("failed to read"), "{html}");
    app.stop().await;
}

/// Dates in JSON bodies and queries take the one shape the forms and the domain take:
/// `2026-2-3` and `0000-01-01` are refused, saying the shape.
#[tokio::test]
async fn loose_dates_in_bodies_and_queries_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = Api::new(&app, "quantri.tinh").await;
    for date in ["2026-2-3", "0000-01-01", "+2026-01-01"] {
        let r = admin
            .post(
                "/api/v1/agencies",
                &json!({
                    "code": "000.00.99.H37", "name": "Sở Thử", "kind": "department",
                    "unit_code": "20", "valid_from": date
                }),
            )
            .await;
        assert_eq!(r.status(), 422, "{date}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["detail"].as_str().unwrap().contains("YYYY-MM-DD"),
            "{body}"
        );
        // In a query `+` is a space, so `+2026-01-01` is a date there.
        if !date.starts_with('+') {
            let r = admin
                .get(&format!("/api/v1/archive/archivable?before={date}"))
                .await;
            assert_eq!(r.status(), 400, "{date}");
        }
    }
    let r = admin
        .post(
            "/api/v1/agencies",
            &json!({
                "code": "000.00.99.H37", "name": "Sở Thử", "kind": "department",
                "unit_code": "20", "valid_from": "2026-02-03"
            }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.stop().await;
}

/// Browsers ask for `/favicon.ico` on every page: it is the portal's emblem, and every page
/// names it as its icon and shows it in the header.
#[tokio::test]
async fn the_portal_has_its_own_icon() {
    let app = TestApp::empty(Backend::Sqlite).await.unwrap();
    for path in ["/favicon.ico", "/static/logo.svg"] {
        let r = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(r.text().await.unwrap().starts_with("<svg"), "{path}");
    }
    let home = reqwest::get(app.url("/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(r#"<link rel="icon" href="/static/logo.svg""#));
    assert!(home.contains(r#"class="brand-logo" src="/static/logo.svg""#));
    app.stop().await;
}

//! Account administration (issue 13): `motcua user …` and `/admin/users` change accounts
//! through the same use cases, each change audited; a disabled or moved account loses its
//! sessions and tokens; a role without an agency takes none; an account of an agency that
//! has stopped does not sign in.

use crate::common::{Backend, TestApp, api_token, csrf_from, login};
use reqwest::StatusCode;
use serde_json::Value;

fn cli_ok(app: &TestApp, args: &[&str]) -> String {
    let out = app.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// What asking for an API token with the account's right password answers.
async fn token_status(app: &TestApp, username: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "username": username, "password": app.passwords[username] }))
        .send()
        .await
        .unwrap()
        .status()
}

async fn audited(app: &TestApp, username: &str) -> Vec<String> {
    app.store
        .audit_events_for(&format!("user:{username}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect()
}

async fn administration_from_the_command_line(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // A role without an agency refuses one.
    let out = app.cli(&[
        "user",
        "add",
        "--username",
        "quantri.moi",
        "--role",
        "province_admin",
        "--agency",
        "000.00.00.H37",
        "--password-stdin",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("không gắn với cơ quan"));
    assert!(
        app.store
            .find_user_by_username("quantri.moi")
            .await
            .unwrap()
            .is_none()
    );

    let listed = cli_ok(&app, &["user", "list", "--role", "receiver"]);
    assert!(listed.contains("motcua.dongkinh\treceiver\t"), "{listed}");
    assert!(!listed.contains("quantri.tinh"));

    // Disabled: its token stops at once, it cannot sign in, and the list says so.
    let token = api_token(&app, "motcua.dongkinh").await;
    assert_eq!(me(&app, &token).await.status(), StatusCode::OK);
    cli_ok(&app, &["user", "disable", "--username", "motcua.dongkinh"]);
    assert_eq!(me(&app, &token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        token_status(&app, "motcua.dongkinh").await,
        StatusCode::UNAUTHORIZED
    );
    let disabled = cli_ok(&app, &["user", "list", "--disabled"]);
    assert!(disabled.contains("motcua.dongkinh") && disabled.contains("disabled"));
    cli_ok(&app, &["user", "enable", "--username", "motcua.dongkinh"]);
    let token = api_token(&app, "motcua.dongkinh").await;

    // Another role: officer roles keep their agency, others take none; tokens end.
    cli_ok(
        &app,
        &[
            "user",
            "set-role",
            "--username",
            "motcua.dongkinh",
            "--role",
            "leader",
        ],
    );
    assert_eq!(me(&app, &token).await.status(), StatusCode::UNAUTHORIZED);
    let token = api_token(&app, "motcua.dongkinh").await;
    let now: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(now["role"], "leader");
    let out = app.cli(&[
        "user",
        "set-role",
        "--username",
        "motcua.dongkinh",
        "--role",
        "auditor",
        "--agency",
        "000.00.00.H37",
    ]);
    assert!(!out.status.success(), "auditors have no agency");
    // Moved to an agency that exists and works; an unknown one is refused.
    let out = app.cli(&[
        "user",
        "set-agency",
        "--username",
        "motcua.dongkinh",
        "--agency",
        "000.99.99.H37",
    ]);
    assert!(!out.status.success());
    cli_ok(
        &app,
        &[
            "user",
            "set-agency",
            "--username",
            "motcua.dongkinh",
            "--agency",
            "000.00.00.H37",
        ],
    );
    let token = api_token(&app, "motcua.dongkinh").await;
    cli_ok(
        &app,
        &["user", "revoke-tokens", "--username", "motcua.dongkinh"],
    );
    assert_eq!(me(&app, &token).await.status(), StatusCode::UNAUTHORIZED);

    let actions: Vec<String> = audited(&app, "motcua.dongkinh")
        .await
        .into_iter()
        .filter(|a| a.starts_with("user."))
        .collect();
    assert_eq!(
        actions[actions.len() - 5..],
        [
            "user.disabled",
            "user.enabled",
            "user.role_changed",
            "user.agency_changed",
            "user.tokens_revoked",
        ],
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    app.stop().await;
}

#[tokio::test]
async fn administration_from_the_command_line_on_sqlite() {
    administration_from_the_command_line(Backend::Sqlite).await;
}

#[tokio::test]
async fn administration_from_the_command_line_on_postgres() {
    administration_from_the_command_line(Backend::Postgres).await;
}

#[tokio::test]
async fn accounts_of_a_stopped_agency_do_not_sign_in() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // The demo keeps officers of communes abolished on 30/6/2025 for the transition.
    assert_eq!(
        token_status(&app, "motcua.vinhtrai").await,
        StatusCode::UNAUTHORIZED
    );
    // Nor can it be enabled there: it must move to a working agency first.
    cli_ok(&app, &["user", "disable", "--username", "motcua.vinhtrai"]);
    let out = app.cli(&["user", "enable", "--username", "motcua.vinhtrai"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("thôi hoạt động"));
    app.stop().await;
}

#[tokio::test]
async fn administrators_manage_accounts_on_their_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let signed_in = |user: &'static str| {
        let app = &app;
        async move {
            let browser = app.client();
            login(app, &browser, user, &app.passwords[user]).await;
            let html = browser
                .get(app.url("/admin/users"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (browser, html)
        }
    };
    // The province administrator sees every account and disables one.
    let (province, html) = signed_in("quantri.tinh").await;
    assert!(
        html.contains("motcua.dongkinh") && html.contains("chuyenvien.tuphap"),
        "{html}"
    );
    let token = api_token(&app, "chuyenvien.tuphap").await;
    let r = province
        .post(app.url("/admin/users/chuyenvien.tuphap"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("action", "disable"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&app, &token).await.status(), StatusCode::UNAUTHORIZED);
    let html = province
        .get(app.url("/admin/users?status=disabled"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("chuyenvien.tuphap") && html.contains("Mở khóa"),
        "{html}"
    );
    let events = app
        .store
        .audit_events_for("user:chuyenvien.tuphap")
        .await
        .unwrap();
    let last = &events.last().unwrap().entry;
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("user.disabled", "quantri.tinh")
    );
    // Nobody locks themselves out.
    let r = province
        .post(app.url("/admin/users/quantri.tinh"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("action", "disable"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A unit administrator sees and manages their own agency's officers only.
    let (unit, html) = signed_in("quantri.dongkinh").await;
    assert!(
        html.contains("motcua.dongkinh") && !html.contains("chuyenvien.tuphap"),
        "{html}"
    );
    let token = csrf_from(&html);
    let r = unit
        .post(app.url("/admin/users/lanhdao.tuphap"))
        .form(&[("csrf_token", token.as_str()), ("action", "disable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("quản trị đơn vị với cán bộ của cơ quan mình")
    );
    let r = unit
        .post(app.url("/admin/users/motcua.dongkinh"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "role"),
            ("role", "province_admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "no one is raised above an officer"
    );
    let r = unit
        .post(app.url("/admin/users/motcua.dongkinh"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "role"),
            ("role", "specialist"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = api_token(&app, "motcua.dongkinh").await;
    let now: Value = me(&app, &token).await.json().await.unwrap();
    assert_eq!(now["role"], "specialist");
    // Nobody else gets the page.
    let (_, html) = signed_in("motcua.dongkinh").await;
    assert!(html.contains("dành cho quản trị"), "{html}");
    app.stop().await;
}

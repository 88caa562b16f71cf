//! Sign-in with the national electronic identity and officers' single sign-on, against a real
//! OpenID provider (panva's oidc-provider) the test starts on loopback: a citizen's first and
//! second sign-in, dossiers and prefill following the verified number, a key rotation, tokens
//! that must be refused, a replayed state, and the provider being down.

use crate::common::{Backend, Options, TestApp, agency_of, login};
use crate::dossier_pages::{PDF, submit_online};
use motcua::demo::DEMO_CITIZEN_ID;
use motcua_app::identity::Providers;
use motcua_app::identity::oidc::{Audience, OidcConfig, TokenAuth};
use motcua_testkit::{OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OidcProvider};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The person the provider vouches for.
pub(crate) const AN_ID: &str = "020090001357";

fn accounts() -> String {
    json!({
        "an": {
            "name": "Hoàng Thị An", "citizen_id": AN_ID, "birthdate": "1990-05-17",
            "address": "Số 5 đường Bà Triệu, phường Đông Kinh", "phone_number": "0912000111"
        },
        "no-number": { "name": "Không Có Số" },
        "officer": { "name": "Cán Bộ Một Cửa" }
    })
    .to_string()
}

fn provider_config(key: &str, audience: Audience, port: u16) -> OidcConfig {
    OidcConfig {
        key: key.into(),
        audience,
        label: if audience == Audience::Citizens {
            "tài khoản định danh điện tử".into()
        } else {
            "tài khoản công vụ".into()
        },
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: OIDC_CLIENT_ID.into(),
        client_secret: Some(OIDC_CLIENT_SECRET.into()),
        scopes: vec!["profile".into()],
        claims: Default::default(),
        redirect_url: None,
        clock_skew: Duration::from_secs(60),
        token_auth: TokenAuth::Basic,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An app whose citizens (`vneid`) and officers (`staff`) sign in through one provider.
pub(crate) async fn app_with_provider(backend: Backend) -> Option<(TestApp, OidcProvider)> {
    let port = free_port();
    let options = Options {
        identity: Providers::new(
            Some(provider_config("vneid", Audience::Citizens, port)),
            Some(provider_config("staff", Audience::Staff, port)),
        ),
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await?;
    let provider =
        OidcProvider::start(port, &app.url("/auth/oidc/callback"), &app.url("/")).await?;
    provider.set_accounts(&accounts());
    Some((app, provider))
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn absolute(base: &reqwest::Url, to: &str) -> String {
    base.join(to).unwrap().to_string()
}

/// Goes through the provider's login and consent pages as `login`, from `start` (a path on
/// the app), up to the moment the provider sends the browser back: returns that address.
async fn to_callback(
    app: &TestApp,
    client: &reqwest::Client,
    provider: &str,
    login: &str,
) -> String {
    let start = client
        .get(app.url(&format!("/auth/oidc/{provider}/start?next=/my/dossiers")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.status(),
        StatusCode::SEE_OTHER,
        "start: {}",
        start.status()
    );
    let mut url = location(&start);
    for _ in 0..12 {
        if url.starts_with(&app.url("/auth/oidc/callback")) {
            return url;
        }
        let r = client.get(&url).send().await.unwrap();
        let here = r.url().clone();
        if r.status().is_redirection() {
            url = absolute(&here, &location(&r));
            continue;
        }
        let html = r.text().await.unwrap();
        let prompt = if html.contains(r#"name="login""#) {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            assert!(html.contains(r#"value="consent""#), "provider page: {html}");
            vec![("prompt", "consent")]
        };
        let r = client
            .post(here.as_str())
            .form(&prompt)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_redirection(),
            "after {prompt:?}: {}",
            r.status()
        );
        url = absolute(&here, &location(&r));
    }
    panic!("the provider never sent the browser back");
}

/// A whole sign-in: the app's answer to the callback.
pub(crate) async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    provider: &str,
    login: &str,
) -> reqwest::Response {
    let back = to_callback(app, client, provider, login).await;
    client.get(back).send().await.unwrap()
}

pub(crate) async fn page(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_citizen_signs_in_with_the_national_identity_and_finds_their_dossiers() {
    let Some((app, _provider)) = app_with_provider(Backend::Sqlite).await else {
        return;
    };
    // A dossier filed online under the citizen's number before they had an account.
    motcua::samples::load(&app.store).await.unwrap();
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let anonymous = app.client();
    let form_url = app.url(&format!(
        "/procedures/{}/submit",
        motcua::samples::CRIMINAL_RECORD
    ));
    let form = page(&anonymous, form_url).await.1;
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "can-cuoc.pdf", PDF),
        ("doc_2", "cu-tru.pdf", PDF),
    ];
    let r = submit_online(&app, &anonymous, &form, &agency, AN_ID, &files).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The confirmation is at /lookup/{code}/submitted.
    let earlier = r.url().path().split('/').nth(2).unwrap().to_owned();
    let users_before = app.store.count_users().await.unwrap();

    let login_page = page(&app.client(), app.url("/login")).await.1;
    assert!(login_page.contains("Đăng nhập bằng tài khoản định danh điện tử"));

    let browser = app.client();
    let r = sign_in(&app, &browser, "vneid", "an").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/my/dossiers");
    let (status, mine) = page(&browser, app.url("/my/dossiers")).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert!(
        mine.contains(&earlier),
        "the counter dossier follows the number"
    );
    assert_eq!(app.store.count_users().await.unwrap(), users_before + 1);

    let audit: Vec<_> = (app.store.recent_audit_events(20).await.unwrap())
        .into_iter()
        .map(|e| e.entry)
        .collect();
    let login = audit
        .iter()
        .find(|a| a.action == "session.login")
        .expect("the sign-in is audited");
    let detail: Value = serde_json::from_str(&login.detail).unwrap();
    assert_eq!(detail["method"], "oidc");
    assert_eq!(detail["provider"], "vneid");
    assert_eq!(detail["subject"], "an");
    assert!(audit.iter().any(|a| a.action == "user.created"));
    // No token, ever: JWTs start with a base64 JSON header.
    assert!(audit.iter().all(|a| !a.detail.contains("eyJ")));

    // Signing out ends the session here and sends the browser to the provider's logout.
    let home = page(&browser, app.url("/logout")).await.1;
    let csrf = crate::common::csrf_from(&home);
    let r = browser
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let out = location(&r);
    assert!(
        out.contains("/session/end") && out.contains(OIDC_CLIENT_ID),
        "{out}"
    );
    let r = browser.get(app.url("/my/dossiers")).send().await.unwrap();
    assert!(r.status().is_redirection(), "signed out here");

    // The second sign-in finds the same account.
    let again = app.client();
    let r = sign_in(&app, &again, "vneid", "an").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.count_users().await.unwrap(), users_before + 1);
    assert!(
        page(&again, app.url("/my/dossiers"))
            .await
            .1
            .contains(&earlier)
    );
}

#[tokio::test]
async fn tokens_that_must_not_pass_are_refused_and_leave_nothing() {
    let Some((app, provider)) = app_with_provider(Backend::Sqlite).await else {
        return;
    };
    let tamper = reqwest::Client::new();
    let users = app.store.count_users().await.unwrap();
    for mode in ["aud", "iss", "exp", "nonce", "sig"] {
        let r = tamper
            .post(format!("{}/__test/tamper", provider.issuer()))
            .body(json!({ "mode": mode }).to_string())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let browser = app.client();
        let r = sign_in(&app, &browser, "vneid", "an").await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mode}: {text}");
        assert!(
            text.contains("Không xác nhận được lần đăng nhập này"),
            "{mode}"
        );
        let r = browser.get(app.url("/my/dossiers")).send().await.unwrap();
        assert!(r.status().is_redirection(), "{mode}: no session");
    }
    assert_eq!(app.store.count_users().await.unwrap(), users);

    // A good answer used twice: the second is refused (the state is spent).
    let browser = app.client();
    let back = to_callback(&app, &browser, "vneid", "an").await;
    assert_eq!(
        browser.get(&back).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let replay = browser.get(&back).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // An answer finished in another browser than the one that started it.
    let started_here = app.client();
    let back = to_callback(&app, &started_here, "vneid", "an").await;
    let elsewhere = app.client();
    let r = elsewhere.get(&back).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A person the provider knows without a personal number gets no citizen account.
    let r = sign_in(&app, &app.client(), "vneid", "no-number").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("số định danh cá nhân"));
    assert_eq!(app.store.count_users().await.unwrap(), users + 1);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_and_an_outage_leaves_password_sign_in() {
    let Some((app, mut provider)) = app_with_provider(Backend::Sqlite).await else {
        return;
    };
    let r = sign_in(&app, &app.client(), "vneid", "an").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // New signing key: the cached key set lacks it, so it is fetched again.
    provider.restart(true).await;
    let r = sign_in(&app, &app.client(), "vneid", "an").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", provider.log());
    let stats: Value = reqwest::get(format!("{}/__test/stats", provider.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(stats["jwks"].as_u64().unwrap() >= 1, "keys fetched again");

    // The provider down: a clear page, and officers still sign in with their password.
    provider.stop();
    let (status, text) = page(&app.client(), app.url("/auth/oidc/vneid/start")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("Hệ thống định danh điện tử đang không trả lời"));
    let officer = app.client();
    let password = app.passwords["motcua.dongkinh"].clone();
    let r = login(&app, &officer, "motcua.dongkinh", &password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// Posts a page's form (its CSRF token read from `form_page`).
async fn post_form(
    client: &reqwest::Client,
    form_page: &str,
    url: String,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = crate::common::csrf_from(form_page);
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post(url).form(&all).send().await.unwrap()
}

#[tokio::test]
async fn a_local_account_holding_the_number_is_linked_only_with_its_password() {
    let Some((app, provider)) = app_with_provider(Backend::Sqlite).await else {
        return;
    };
    let congdan = app
        .store
        .find_user_by_username("congdan")
        .await
        .unwrap()
        .unwrap();
    assert!(
        (app.store.identities_of(congdan.id).await.unwrap()).contains(&DEMO_CITIZEN_ID.to_owned()),
        "the demo citizen holds the demo number"
    );
    provider.set_accounts(
        &json!({
            "same-person": { "name": "Nguyễn Văn An", "citizen_id": DEMO_CITIZEN_ID },
            "same-number": { "name": "Nguyễn Văn An", "citizen_id": DEMO_CITIZEN_ID }
        })
        .to_string(),
    );
    let users = app.store.count_users().await.unwrap();
    let browser = app.client();
    let r = sign_in(&app, &browser, "vneid", "same-person").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/auth/oidc/link");
    let (status, offer) = page(&browser, app.url("/auth/oidc/link")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        offer.contains("Nguyễn Văn An") && offer.contains("mật khẩu"),
        "{offer}"
    );

    // A wrong password links nothing; the right one links and signs in as that account.
    let link = app.url("/auth/oidc/link");
    let r = post_form(
        &browser,
        &offer,
        link.clone(),
        &[
            ("choice", "link"),
            ("username", "congdan"),
            ("password", "sai-mat-khau-roi"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(app.store.externals_of(congdan.id).await.unwrap().is_empty());
    let password = app.passwords["congdan"].clone();
    let r = post_form(
        &browser,
        &offer,
        link.clone(),
        &[
            ("choice", "link"),
            ("username", "congdan"),
            ("password", &password),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.externals_of(congdan.id).await.unwrap(),
        vec![("vneid".to_owned(), "same-person".to_owned())]
    );
    assert_eq!(app.store.count_users().await.unwrap(), users);
    let events = app.store.audit_events_for("user:congdan").await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.entry.action == "user.external_linked")
    );

    // Next time the subject opens the account at once.
    let r = sign_in(&app, &app.client(), "vneid", "same-person").await;
    assert_eq!(location(&r), "/my/dossiers");

    // Another subject with the same number may keep apart: a new account, nothing linked.
    let other = app.client();
    let r = sign_in(&app, &other, "vneid", "same-number").await;
    assert_eq!(location(&r), "/auth/oidc/link");
    let offer = page(&other, app.url("/auth/oidc/link")).await.1;
    let r = post_form(&other, &offer, link.clone(), &[("choice", "separate")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.count_users().await.unwrap(), users + 1);
    assert_eq!(app.store.externals_of(congdan.id).await.unwrap().len(), 1);
    // The offer is spent.
    let (status, _) = page(&other, app.url("/auth/oidc/link")).await;
    assert_eq!(status, StatusCode::GONE);
}

#[tokio::test]
async fn officers_sign_in_only_to_a_bound_account_of_an_agency_that_allows_it() {
    let Some((app, _provider)) = app_with_provider(Backend::Postgres).await else {
        return;
    };
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let refused = |text: &str| text.contains("chưa được gắn với tài khoản cán bộ nào");
    let r = sign_in(&app, &app.client(), "staff", "officer").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused(&r.text().await.unwrap()), "not bound yet");

    // The province's administrator binds the subject to the officer's account.
    let admin = crate::dossier_pages::signed_in(&app, "quantri.tinh").await;
    let users_page = page(&admin, app.url(&format!("/admin/users?agency={agency}")))
        .await
        .1;
    assert!(
        users_page.contains("Cho phép đăng nhập một lần"),
        "{users_page}"
    );
    let r = post_form(
        &admin,
        &users_page,
        app.url("/admin/users/motcua.dongkinh"),
        &[("action", "sso_bind"), ("subject", "officer")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = sign_in(&app, &app.client(), "staff", "officer").await;
    assert!(
        refused(&r.text().await.unwrap()),
        "the agency has not allowed it"
    );

    let r = post_form(
        &admin,
        &users_page,
        app.url(&format!("/admin/sso/{agency}")),
        &[("allowed", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let officer = app.client();
    let r = sign_in(&app, &officer, "staff", "officer").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, work) = page(&officer, app.url("/work")).await;
    assert_eq!(status, StatusCode::OK, "the officer's own queue: {work}");
    let events = app
        .store
        .audit_events_for("user:motcua.dongkinh")
        .await
        .unwrap();
    let login = events
        .iter()
        .rev()
        .find(|e| e.entry.action == "session.login")
        .unwrap();
    let detail: Value = serde_json::from_str(&login.entry.detail).unwrap();
    assert_eq!(
        (detail["provider"].as_str(), detail["subject"].as_str()),
        (Some("staff"), Some("officer"))
    );
    assert!(events.iter().any(|e| e.entry.action == "user.sso_bound"));

    // Stopped again: refused.
    post_form(
        &admin,
        &users_page,
        app.url(&format!("/admin/sso/{agency}")),
        &[("allowed", "0")],
    )
    .await;
    let r = sign_in(&app, &app.client(), "staff", "officer").await;
    assert!(refused(&r.text().await.unwrap()));
    // A citizen account is never bound for single sign-on.
    let out = app.cli(&[
        "user",
        "bind-sso",
        "--username",
        "congdan",
        "--subject",
        "x",
    ]);
    assert!(!out.status.success());
}

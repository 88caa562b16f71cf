//! The API as the tests call it: tokens, problem documents, a signed-in client.

use super::*;

pub async fn api_token(app: &TestApp, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "username": username, "password": app.passwords[username] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asserts an RFC 9457 answer: the status, the media type, the stable `code`, and the
/// members every problem carries; returns the body for further checks.
pub async fn problem(response: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "expected {code} from {}",
        response.url()
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    for field in ["type", "title", "detail"] {
        assert!(
            body[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field} missing in {body}"
        );
    }
    body
}

/// The `code` of each of a list's `items` (the queue, the catalogue), in order.
pub fn item_codes(list: &serde_json::Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A signed-in API client (bearer token) for one demo user. Test files add their own
/// helpers in `impl Api<'_>` blocks, whose names the whole suite shares.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
    pub token: String,
}

impl<'a> Api<'a> {
    pub async fn new(app: &'a TestApp, user: &str) -> Api<'a> {
        Api::with_client(app, user, reqwest::Client::new()).await
    }
    pub async fn with_client(app: &'a TestApp, user: &str, client: reqwest::Client) -> Api<'a> {
        Api {
            app,
            client,
            token: api_token(app, user).await,
        }
    }
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.app.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }
    /// POSTs a dossier action as given.
    pub async fn act(&self, code: &str, body: serde_json::Value) -> reqwest::Response {
        self.post(&format!("/api/v1/dossiers/{code}/actions"), &body)
            .await
    }
    /// Takes `action` on the dossier's current version (with `extra` fields); must answer 200.
    pub async fn act_ok(
        &self,
        code: &str,
        action: &str,
        extra: serde_json::Value,
    ) -> serde_json::Value {
        let d = self.json(&format!("/api/v1/dossiers/{code}")).await;
        let mut body = serde_json::json!({ "action": action, "version": d["version"] });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = self.act(code, body).await;
        assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap());
        r.json().await.unwrap()
    }
    /// GET that must answer 200 with JSON.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }
}

/// Adds a receiver at another commune (not a demo account) and signs them in.
pub async fn other_commune_receiver(app: &TestApp) -> Api<'_> {
    officer(
        app,
        "motcua.khac",
        motcua_domain::account::Role::Receiver,
        "000.01.40.H37",
    )
    .await
}

/// Adds an officer (not a demo account) with this role at this agency and signs them in.
pub async fn officer<'a>(
    app: &'a TestApp,
    username: &str,
    role: motcua_domain::account::Role,
    agency: &str,
) -> Api<'a> {
    let password = demo_password(username);
    let user = motcua_store::NewUser {
        username: motcua_domain::account::Username::parse(username).unwrap(),
        display_name: format!("Cán bộ {username}"),
        password_hash: motcua_app::password::hash_password(&password),
        role,
        agency_code: Some(agency.into()),
    };
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "user.created",
        "user:x",
        serde_json::json!({}),
    );
    app.store
        .create_user(&user, motcua_app::now(), audit)
        .await
        .unwrap();
    let r: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Api {
        app,
        client: reqwest::Client::new(),
        token: r["token"].as_str().unwrap().to_owned(),
    }
}

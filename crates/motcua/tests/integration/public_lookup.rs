//! The public lookup's throttle: wrong check digits lock a client address and a code, right
//! ones never count, and a province (or a load test) sets the limit.

use crate::common::{Backend, Options, TestApp, problem};
use crate::dossiers::one_submitted;
use motcua_domain::account::{LOOKUP_THROTTLE, ThrottlePolicy};

/// Wrong check digits lock the public lookup after `throttle.max_failures`, even for the
/// right digits, and the answer says for how long.
async fn lookups_lock_after(throttle: ThrottlePolicy, options: Options) {
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let (_citizen, code) = one_submitted(&app).await;
    let client = reqwest::Client::new();
    let lookup = |check: String| {
        let url = app.url(&format!("/api/v1/public/dossiers/{code}?check={check}"));
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    // Right answers never count.
    for _ in 0..throttle.max_failures + 2 {
        assert_eq!(lookup("5678".into()).await.status(), 200);
    }
    for i in 0..throttle.max_failures - 1 {
        problem(lookup(format!("{i:04}")).await, 404, "dossier_not_found").await;
    }
    let body = problem(lookup("9999".into()).await, 429, "too_many_attempts").await;
    let window = format!("sau {} phút", throttle.window_minutes);
    assert!(body["detail"].as_str().unwrap().contains(&window), "{body}");
    // Locked now even with the right digits.
    problem(lookup("5678".into()).await, 429, "too_many_attempts").await;
    app.stop().await;
}

#[tokio::test]
async fn public_lookups_are_rate_limited() {
    lookups_lock_after(LOOKUP_THROTTLE, Options::default()).await;
}

#[tokio::test]
async fn the_public_lookup_throttle_is_configurable() {
    let throttle = ThrottlePolicy {
        max_failures: 3,
        window_minutes: 2,
    };
    let options = Options {
        lookup_throttle: Some(throttle),
        ..Options::default()
    };
    lookups_lock_after(throttle, options).await;
}

//! The audit chain anchored outside the database: an attacker with the database alone can
//! cut the tail off (moving the head back) or rewrite an event and re-seal everything after
//! it; the chain then verifies, but the signed checkpoints do not, and `audit verify` exits 1.

use crate::common::{Backend, TestApp, api_token};
use motcua_domain::audit::{AuditEvent, seal};
use serde_json::Value;

enum Arg {
    Int(i64),
    Text(String),
}

/// Runs statements on the app's database directly, as an attacker with access to it would.
async fn tamper(app: &TestApp, statements: &[(&str, Vec<Arg>)]) {
    // The same statements on either pool type.
    macro_rules! run_on {
        ($pool:expr) => {{
            let pool = $pool;
            for (sql, args) in statements {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(*sql));
                for arg in args {
                    query = match arg {
                        Arg::Int(n) => query.bind(*n),
                        Arg::Text(t) => query.bind(t.clone()),
                    };
                }
                query.execute(&pool).await.unwrap();
            }
            pool.close().await;
        }};
    }
    match &app.database_url {
        Some(url) => run_on!(sqlx::PgPool::connect(url).await.unwrap()),
        None => {
            let file = app.data_dir.path().join("motcua.sqlite3");
            run_on!(
                sqlx::SqlitePool::connect(&format!("sqlite:{}", file.display()))
                    .await
                    .unwrap()
            )
        }
    }
}

async fn all_events(app: &TestApp) -> Vec<AuditEvent> {
    let mut events = app.store.recent_audit_events(i64::MAX).await.unwrap();
    events.reverse();
    events
}

/// `audit verify --json`: its exit code and report.
fn verify(app: &TestApp) -> (Option<i32>, Value) {
    let out = app.cli(&["audit", "verify", "--json"]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn problems(report: &Value) -> Vec<String> {
    report["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["problem"].as_str().unwrap().to_owned())
        .collect()
}

/// Some events, then a checkpoint; verify passes and prints the head's hash.
async fn events_and_a_checkpoint(app: &TestApp) -> (i64, String) {
    for _ in 0..3 {
        api_token(app, "congdan").await;
    }
    let out = app.cli(&["audit", "checkpoint"]);
    assert!(out.status.success(), "{out:?}");
    let head = app.store.audit_head().await.unwrap();
    let (code, report) = verify(app);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["head_hash"], head.1.as_str());
    assert!(report["checkpoints"].as_u64().unwrap() >= 1, "{report}");
    // Events after the checkpoint, which an attacker could still rewrite unseen.
    for _ in 0..3 {
        api_token(app, "congdan").await;
    }
    head
}

async fn a_cut_tail_is_caught(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (checkpoint_seq, _) = events_and_a_checkpoint(&app).await;
    let events = all_events(&app).await;
    let keep = &events[(checkpoint_seq - 3) as usize];
    assert_eq!(keep.seq, checkpoint_seq - 2);
    tamper(
        &app,
        &[
            (
                "DELETE FROM audit_events WHERE seq > $1",
                vec![Arg::Int(keep.seq)],
            ),
            (
                "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                vec![Arg::Int(keep.seq), Arg::Text(keep.hash.clone())],
            ),
        ],
    )
    .await;
    assert!(
        app.store.verify_audit_chain().await.unwrap().is_intact(),
        "the chain alone does not show it"
    );
    let (code, report) = verify(&app);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(problems(&report), ["rolled_back"], "{report}");
    assert_eq!(report["breaks"][0]["head_seq"], keep.seq);
    app.stop().await;
}

async fn a_resealed_chain_and_a_forged_checkpoint_are_caught(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (checkpoint_seq, _) = events_and_a_checkpoint(&app).await;
    // Rewrite an event before the checkpoint and re-seal every later one and the head.
    let events = all_events(&app).await;
    let target = (checkpoint_seq / 2) as usize;
    let mut resealed: Vec<AuditEvent> = events[..target].to_vec();
    let mut statements = Vec::new();
    for (i, event) in events[target..].iter().enumerate() {
        let mut entry = event.entry.clone();
        if i == 0 {
            entry.detail = r#"{"rewritten":true}"#.into();
        }
        let prev = resealed.last().map(|e| (e.seq, e.hash.as_str()));
        let sealed = seal(entry, prev);
        statements.push((
            "UPDATE audit_events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            vec![
                Arg::Text(sealed.entry.detail.clone()),
                Arg::Text(sealed.prev_hash.clone()),
                Arg::Text(sealed.hash.clone()),
                Arg::Int(sealed.seq),
            ],
        ));
        resealed.push(sealed);
    }
    let head = resealed.last().unwrap();
    statements.push((
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        vec![Arg::Int(head.seq), Arg::Text(head.hash.clone())],
    ));
    tamper(&app, &statements).await;
    assert!(
        app.store.verify_audit_chain().await.unwrap().is_intact(),
        "the chain alone does not show it"
    );
    let (code, report) = verify(&app);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        problems(&report).iter().all(|p| p == "resealed"),
        "{report}"
    );
    assert!(
        report["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["seq"] == checkpoint_seq),
        "{report}"
    );

    // A checkpoint line made to match the rewritten chain, without the key, is a forgery.
    let file = app
        .data_dir
        .path()
        .join("audit-checkpoints/checkpoints.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    last["hash"] = Value::String(head.hash.clone());
    last["seq"] = Value::from(head.seq);
    std::fs::write(&file, format!("{text}{last}\n")).unwrap();
    let (code, report) = verify(&app);
    assert_eq!(code, Some(1));
    assert!(
        problems(&report).contains(&"forged_checkpoint".to_owned()),
        "{report}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cut_tail_is_caught_on_sqlite() {
    a_cut_tail_is_caught(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_cut_tail_is_caught_on_postgres() {
    a_cut_tail_is_caught(Backend::Postgres).await;
}

#[tokio::test]
async fn a_resealed_chain_is_caught_on_sqlite() {
    a_resealed_chain_and_a_forged_checkpoint_are_caught(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_resealed_chain_is_caught_on_postgres() {
    a_resealed_chain_and_a_forged_checkpoint_are_caught(Backend::Postgres).await;
}

/// The server checkpoints at start and again when it stops, so a clean stop anchors all.
#[tokio::test]
async fn the_server_checkpoints_at_start_and_at_shutdown() {
    let mut app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let file = app
        .data_dir
        .path()
        .join("audit-checkpoints/checkpoints.jsonl");
    let lines = |file: &std::path::Path| {
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while lines(&file).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint at start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    api_token(&app, "congdan").await;
    let (head_seq, head_hash) = app.store.audit_head().await.unwrap();
    // The stop writes one; the next start finds nothing new to write.
    app.restart().await;
    let written = lines(&file);
    let last = written.last().unwrap();
    assert_eq!(last["seq"], head_seq);
    assert_eq!(last["hash"], head_hash.as_str());
    app.stop().await;
}

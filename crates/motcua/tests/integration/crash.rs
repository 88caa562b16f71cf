//! A server killed with SIGKILL during a burst of submissions loses no acknowledged dossier
//! and, once restarted, duplicates none when the unacknowledged ones are retried with
//! their idempotency keys. Runs the real binary.

use crate::common;

use motcua::{demo, samples};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Semaphore};

const BURST: usize = 400;
const KILL_AFTER: usize = 120;

/// Starts the binary on `dir` (with the demo or without) and waits until it serves.
async fn start(dir: &std::path::Path, with_demo: bool) -> (Child, String) {
    start_with(dir, with_demo, &[]).await
}

/// Like [`start`], with more arguments for `serve`.
async fn start_with(dir: &std::path::Path, with_demo: bool, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args((!with_demo).then_some("--no-demo"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(at) = line.find("http://") {
                return line[at..].trim().to_owned();
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the server starts");
    // Keep reading stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}

async fn token(base: &str) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "username": "congdan", "password": common::demo_password("congdan") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

/// A submission under the key `{key_prefix}-{i}`; the code when stored.
async fn submit(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    (key_prefix, i): (&str, usize),
    agency: &str,
) -> Option<String> {
    let r = client
        .post(format!("{base}/api/v1/dossiers"))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("{key_prefix}-{i}"))
        .json(&common::numbered_submission(agency, i))
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let v: Value = r.json().await.ok()?;
    v["code"].as_str().map(str::to_owned)
}

fn sqlite_location(dir: &std::path::Path) -> motcua::DataLocation {
    motcua::DataLocation {
        data_dir: dir.to_path_buf(),
        database_url: None,
        documents_url: None,
        database_wait: motcua::DATABASE_WAIT,
    }
}

/// Every key answered its own dossier, and the store holds exactly those.
async fn one_dossier_per_key(store: &motcua_store::Store, codes: &HashMap<usize, String>) {
    let mut distinct: Vec<&String> = codes.values().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), BURST, "one dossier per key");
    assert_eq!(
        store.count_dossiers().await.unwrap(),
        BURST as i64,
        "no dossier without its key, none twice"
    );
}

/// A data folder with the demo seeded under the tests' passwords and the sample processes
/// approved, and the code of an agency that receives dossiers.
async fn seeded_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let agency = seed(&sqlite_location(dir.path())).await;
    (dir, agency)
}

/// Seeds the demo under the tests' passwords and approves the sample processes; returns an
/// agency that receives dossiers.
async fn seed(location: &motcua::DataLocation) -> String {
    let (store, _) = location.open_and_migrate().await.unwrap();
    let (seed, _) = demo::build(common::demo_password).unwrap();
    let audit = motcua_domain::audit::AuditEntry::system(
        motcua_app::now(),
        "demo.seeded",
        "demo:lang_son",
        json!({}),
    );
    store
        .load_seed(&seed, motcua_app::now(), audit)
        .await
        .unwrap();
    samples::load(&store).await.unwrap();
    let agency = store
        .find_user_by_username("motcua.dongkinh")
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap();
    store.close().await;
    agency
}

#[tokio::test]
async fn sigkill_mid_burst_loses_nothing_acknowledged_and_duplicates_nothing() {
    let (dir, agency) = seeded_dir().await;
    let (mut child, base) = start(dir.path(), false).await;
    let token_1 = token(&base).await;
    let acked: Arc<Mutex<HashMap<usize, String>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(16));
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let permit = gate.clone().acquire_owned().await.unwrap();
        if count.load(Ordering::SeqCst) >= KILL_AFTER {
            drop(permit);
            break;
        }
        let (client, base, token, agency, acked, count) = (
            client.clone(),
            base.clone(),
            token_1.clone(),
            agency.clone(),
            acked.clone(),
            count.clone(),
        );
        tasks.push(tokio::spawn(async move {
            if let Some(code) = submit(&client, &base, &token, ("burst", i), &agency).await {
                acked.lock().await.insert(i, code);
                count.fetch_add(1, Ordering::SeqCst);
            }
            drop(permit);
        }));
    }
    // Kill while requests are still in flight.
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() >= KILL_AFTER, "acknowledged {}", acked.len());

    // Restart, and retry everything: unacknowledged keys, and acknowledged ones too.
    let (mut child, base) = start(dir.path(), false).await;
    let token_2 = token(&base).await;
    let mut codes = HashMap::new();
    for i in 0..BURST {
        let code = submit(&client, &base, &token_2, ("burst", i), &agency)
            .await
            .unwrap_or_else(|| panic!("retry {i} failed"));
        if let Some(first) = acked.get(&i) {
            assert_eq!(
                first, &code,
                "key {i} answered another dossier after the crash"
            );
        }
        codes.insert(i, code);
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let location = sqlite_location(dir.path());
    let (store, _) = location.open_and_migrate().await.unwrap();
    one_dossier_per_key(&store, &codes).await;
    for code in acked.values() {
        assert!(store.dossier(code).await.unwrap().is_some(), "{code} lost");
    }
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    store.close().await;
}

/// SIGKILL while the first start seeds the demo: the next start finishes the seed, and the
/// accounts file (written before anything else) holds a working password for every account.
#[tokio::test]
async fn a_seed_killed_half_way_is_finished_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("motcua.sqlite3");
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Kill once the base data are in (the demo's setting is written with them), before the
    // later steps end; or, on a fast machine, whenever the file with the passwords exists.
    let seeded = async {
        loop {
            if let Ok(pool) =
                sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", db.display())).await
            {
                let demo: Option<String> =
                    sqlx::query_scalar("SELECT value FROM settings WHERE key = 'demo'")
                        .fetch_optional(&pool)
                        .await
                        .unwrap_or(None);
                pool.close().await;
                if demo.is_some() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), seeded)
        .await
        .expect("the seed starts");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let accounts = std::fs::read_to_string(dir.path().join(demo::ACCOUNTS_FILE)).unwrap();
    // Killed half-way: the base data in, the later steps (argon2 hashing of the officers'
    // passwords, hundreds of milliseconds) not finished.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", db.display()))
        .await
        .unwrap();
    let complete: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'demo.complete'")
            .fetch_optional(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert!(complete.is_none(), "killed before the seed ended");

    let (mut again, base) = start(dir.path(), true).await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", db.display()))
        .await
        .unwrap();
    let complete: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'demo.complete'")
            .fetch_optional(&pool)
            .await
            .unwrap();
    assert!(complete.is_some(), "the seed was finished");
    let approved: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM processes WHERE state = 'approved'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(approved > 10, "{approved} approved processes");
    let dossiers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossiers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(dossiers > 0, "the sample dossiers");
    pool.close().await;
    // Every account in the file signs in with its password (the file may have been rewritten
    // if the first start was killed before its base data were in).
    let accounts =
        std::fs::read_to_string(dir.path().join(demo::ACCOUNTS_FILE)).unwrap_or(accounts);
    let client = reqwest::Client::new();
    let mut checked = 0;
    for line in accounts.lines().skip(1) {
        let mut words = line.split_whitespace();
        let (Some(username), Some(password)) = (words.next(), words.next()) else {
            continue;
        };
        if username.starts_with("motcua.vinhtrai")
            || username.starts_with("motcua.binhxa")
            || username.starts_with("quantri.caoloc")
        {
            continue; // officers of abolished communes do not sign in
        }
        let r = client
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{username}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked} accounts checked");
    again.start_kill().unwrap();
    again.wait().await.unwrap();
}

/// SIGTERM while one client holds half a request header and another stalls mid-upload: the
/// server stops once the shutdown deadline passes (the header and upload timeouts are set
/// far beyond it, so only the deadline can end them), and the dossier it acknowledged
/// before is there after a restart.
#[tokio::test]
async fn sigterm_with_stalled_clients_stops_at_the_deadline_and_keeps_what_it_acknowledged() {
    use tokio::io::AsyncWriteExt;
    let (dir, agency) = seeded_dir().await;
    let slow = [
        "--shutdown-deadline-secs",
        "2",
        "--header-timeout-secs",
        "600",
        "--upload-idle-secs",
        "600",
    ];
    let (mut child, base) = start_with(dir.path(), false, &slow).await;
    let token = token(&base).await;
    let client = reqwest::Client::new();
    let code = submit(&client, &base, &token, ("burst", 1), &agency)
        .await
        .expect("acknowledged");
    let host = base.trim_start_matches("http://");
    let mut half_header = tokio::net::TcpStream::connect(host).await.unwrap();
    half_header
        .write_all(b"GET /thu-tuc HTTP/1.1\r\nHost: motcua\r\nAccept: text/ht")
        .await
        .unwrap();
    let mut stalled_upload = tokio::net::TcpStream::connect(host).await.unwrap();
    stalled_upload
        .write_all(
            b"POST /api/v1/documents/verify HTTP/1.1\r\nHost: motcua\r\n\
              Content-Type: application/pdf\r\nContent-Length: 10000000\r\n\r\n%PDF-1.7 ",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pid = child.id().unwrap().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    // Without the deadline it would wait for the 600-second timeouts.
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the server stops soon after its 2-second deadline")
        .unwrap();
    assert!(status.success(), "{status:?}");
    drop((half_header, stalled_upload));

    let (mut again, base) = start(dir.path(), false).await;
    let r = client
        .get(format!("{base}/api/v1/dossiers/{code}"))
        .bearer_auth(self::token(&base).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{code} kept");
    again.start_kill().unwrap();
    again.wait().await.unwrap();
}

/// A submission's key number, status, body, and whether it said when to retry.
type Answer = (usize, u16, Value, bool);

/// PostgreSQL unreachable in the middle of a burst (every connection dropped, new ones
/// refused, for a few seconds): every answer is 201 or 503 with Retry-After, never a 500 that
/// might hide a stored dossier; retried with their keys once it is back, the refused ones are
/// stored once each and the acknowledged ones are all there.
#[tokio::test]
async fn a_database_outage_mid_burst_answers_503_and_loses_or_doubles_nothing() {
    let Some(direct) = motcua_testkit::fresh_postgres_url().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut location = sqlite_location(dir.path());
    location.database_url = Some(direct.clone());
    let agency = seed(&location).await;
    let proxy = motcua_testkit::OutageProxy::start(&direct).await;
    let (mut child, base) = start_with(
        dir.path(),
        false,
        &["--database-url", proxy.url(), "--database-wait", "0"],
    )
    .await;
    let token = token(&base).await;
    let client = reqwest::Client::new();
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let gate = Arc::new(Semaphore::new(16));
    let mut tasks = Vec::new();
    for i in 0..BURST {
        if i == KILL_AFTER {
            proxy.cut();
        }
        if i == KILL_AFTER + 120 {
            proxy.restore();
        }
        let permit = gate.clone().acquire_owned().await.unwrap();
        let (client, base, token, agency, answers) = (
            client.clone(),
            base.clone(),
            token.clone(),
            agency.clone(),
            answers.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(format!("{base}/api/v1/dossiers"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("outage-{i}"))
                .json(&common::numbered_submission(&agency, i))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry_after = r.headers().contains_key("retry-after");
            let body: Value = r.json().await.unwrap_or(Value::Null);
            answers.lock().await.push((i, status, body, retry_after));
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    proxy.restore();
    let answers = answers.lock().await.clone();
    let refused: Vec<usize> = answers
        .iter()
        .filter(|(_, status, _, _)| *status != 201)
        .map(|(i, _, _, _)| *i)
        .collect();
    for (i, status, body, retry_after) in &answers {
        assert!(
            *status == 201 || *status == 503,
            "submission {i} answered {status}: {body}"
        );
        if *status == 503 {
            assert_eq!(body["code"], "storage_unavailable", "{body}");
            assert!(body["detail"].as_str().unwrap().contains("Idempotency-Key"));
            assert!(retry_after, "503 says when to retry");
        }
    }
    assert!(!refused.is_empty(), "the outage refused some submissions");

    // Back: every key again, the refused ones until they are stored.
    let mut codes = HashMap::new();
    for i in 0..BURST {
        let mut tries = 0;
        let code = loop {
            if let Some(code) = submit(&client, &base, &token, ("outage", i), &agency).await {
                break code;
            }
            tries += 1;
            assert!(tries < 50, "submission {i} is never stored");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        codes.insert(i, code);
    }
    for (i, status, body, _) in &answers {
        if *status == 201 {
            assert_eq!(
                body["code"],
                codes[i].as_str(),
                "key {i} answered another dossier"
            );
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let (store, _) = location.open_and_migrate().await.unwrap();
    one_dossier_per_key(&store, &codes).await;
    eprintln!(
        "outage: {} of {BURST} refused with 503, all stored once on retry",
        refused.len()
    );
    store.close().await;
}

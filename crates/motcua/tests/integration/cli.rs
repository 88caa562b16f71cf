//! The binary as an administrator uses it: help, migrate, user add, audit verify, serve.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn motcua(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua"));
    cmd.arg("--data-dir").arg(data_dir);
    cmd.env_remove("MOTCUA_DATABASE_URL")
        .env_remove("MOTCUA_ADDR");
    cmd
}

fn run_with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "user",
        "audit",
        "import",
        "export",
        "--data-dir",
        "--database-url",
        "MOTCUA_DATA_DIR",
        "MOTCUA_DATABASE_URL",
    ] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
    let serve = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let serve = text(&serve.stdout);
    for word in ["--addr", "MOTCUA_ADDR", "--no-demo"] {
        assert!(serve.contains(word), "serve --help lacks {word}");
    }
}

#[test]
fn migrate_creates_the_data_folder_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("motcua-data");
    let first = motcua(&data).arg("migrate").output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(data.join("motcua.sqlite3").is_file());
    assert!(data.join("documents").is_dir());
    assert!(!text(&first.stdout).contains("Applied 0 "));
    let second = motcua(&data).arg("migrate").output().unwrap();
    assert!(
        text(&second.stdout).contains("Applied 0 migration"),
        "{}",
        text(&second.stdout)
    );
}

/// A database that cannot be reached at start is retried for `--database-wait` seconds,
/// each failure logged with its cause, then the command gives up with a clear error.
#[test]
fn an_unreachable_database_is_waited_for_then_given_up() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let url = "postgres://motcua@127.0.0.1:1/motcua";
    let started = std::time::Instant::now();
    let out = motcua(dir.path())
        .args(["--database-url", url, "--database-wait", "2", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(started.elapsed() >= Duration::from_secs(2), "it waited");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("retrying"), "{said}");
    assert!(
        said.contains("waited 2 s") || said.contains("waited 1 s"),
        "{said}"
    );
    assert!(said.to_lowercase().contains("refused"), "the cause: {said}");
    let out = motcua(dir.path())
        .args(["--database-url", url, "--database-wait", "0", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!text(&out.stderr).contains("retrying"));
}

#[test]
fn user_add_reads_the_password_from_stdin_and_validates_everything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let add = |args: &[&str], password: &str| {
        let mut cmd = motcua(data);
        cmd.args(["user", "add", "--password-stdin"]).args(args);
        run_with_stdin(cmd, password)
    };
    let ok = add(
        &[
            "--username",
            "Admin.Tinh",
            "--role",
            "province_admin",
            "--name",
            "Quản trị tỉnh",
        ],
        "mot-mat-khau-dai\n",
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("admin.tinh"));

    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["--username", "admin.tinh", "--role", "auditor"],
            "mot-mat-khau-dai",
            "đã được dùng",
        ),
        (
            &["--username", "ngan", "--role", "auditor"],
            "ngan",
            "ít nhất 10",
        ),
        (
            &["--username", "x", "--role", "auditor"],
            "mot-mat-khau-dai",
            "tên đăng nhập",
        ),
        (
            &["--username", "motcua", "--role", "receiver"],
            "mot-mat-khau-dai",
            "phải gắn với một cơ quan",
        ),
        (
            &[
                "--username",
                "motcua",
                "--role",
                "receiver",
                "--agency",
                "000.00.09.H37",
            ],
            "mot-mat-khau-dai",
            "không tìm thấy",
        ),
    ];
    for (args, password, expected) in cases {
        let out = add(args, password);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            text(&out.stderr)
                .to_lowercase()
                .contains(&expected.to_lowercase()),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let bad_role = add(
        &["--username", "ai.do", "--role", "boss"],
        "mot-mat-khau-dai",
    );
    assert!(text(&bad_role.stderr).contains("vai trò không hợp lệ"));

    // Only the one good account exists, with an argon2id hash of the password given.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = motcua_store::Store::open_sqlite(&data.join("motcua.sqlite3"))
            .await
            .unwrap();
        assert_eq!(store.count_users().await.unwrap(), 1);
        let user = store
            .find_user_by_username("admin.tinh")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.display_name, "Quản trị tỉnh");
        assert!(user.password_hash.starts_with("$argon2id$"));
        assert!(motcua_app::password::verify_password(
            "mot-mat-khau-dai",
            &user.password_hash
        ));
        let events = store.audit_events_for("user:admin.tinh").await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].entry.action, "user.created");
        store.close().await;
    });
}

#[test]
fn audit_verify_finds_a_tampered_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for name in ["mot.nguoi", "hai.nguoi"] {
        let mut cmd = motcua(data);
        cmd.args([
            "user",
            "add",
            "--password-stdin",
            "--role",
            "auditor",
            "--username",
            name,
        ]);
        assert!(run_with_stdin(cmd, "mot-mat-khau-dai").status.success());
    }
    let ok = motcua(data).args(["audit", "verify"]).output().unwrap();
    assert!(ok.status.success());
    assert!(
        text(&ok.stdout).contains("2 sự kiện"),
        "{}",
        text(&ok.stdout)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite:{}", data.join("motcua.sqlite3").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_events SET subject = 'user:ke.gian' WHERE seq = 1")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    let broken = motcua(data)
        .args(["audit", "verify", "--json"])
        .output()
        .unwrap();
    assert!(!broken.status.success());
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(report["breaks"][0]["problem"], "altered");
    assert_eq!(report["breaks"][0]["seq"], 1);
}

/// The real start-up path: an empty folder gets the demo, prints its address and the demo
/// passwords, serves, and stops cleanly on SIGTERM.
#[test]
fn serve_seeds_the_demo_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = motcua(&data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let address = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("serving at ").nth(1) {
            break rest.trim().to_owned();
        }
    };
    assert!(
        printed.contains("quantri.tinh"),
        "demo accounts are printed at first start:\n{printed}"
    );
    let saved = std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("demo-accounts.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "only the owner may read the demo passwords"
        );
    }
    let password = saved
        .lines()
        .find(|l| l.trim_start().starts_with("thanhtra"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        assert_eq!(
            client
                .get(format!("{address}/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let token = client
            .post(format!("{address}/api/v1/auth/token"))
            .json(&serde_json::json!({"username": "thanhtra", "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(token.status(), 200);
    });
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "server did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "graceful shutdown exits 0, got {status}");

    // A second start finds the data and does not seed again.
    let second = motcua(&data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut second = second;
    let mut lines = BufReader::new(second.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    assert!(
        first_line.contains("serving at"),
        "no demo seeding on an existing database: {first_line}"
    );
    second.kill().unwrap();
    second.wait().unwrap();
}

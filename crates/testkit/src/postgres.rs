//! A throwaway PostgreSQL cluster per test process, or the server named by
//! `MOTCUA_TEST_DATABASE_URL`; each test gets a fresh database on it.

use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REQUIRE: &str = "MOTCUA_REQUIRE_POSTGRES";
const PREFIX: &str = "motcua-pg-";

/// A URL to a new, empty database, or None after a loud skip (or a panic when required).
pub async fn fresh_postgres_url() -> Option<String> {
    let server = available_server()?;
    Some(server.url_for(&create_database(server, None).await))
}

/// A database filled once per test process and copied for each test that asks, which is
/// much quicker than filling a fresh one each time.
pub struct PostgresTemplate<T: 'static> {
    /// The template database's name, and what its filling returned.
    made: OnceLock<(String, T)>,
}

impl<T: Send + Sync + 'static> PostgresTemplate<T> {
    pub const fn new() -> Self {
        PostgresTemplate {
            made: OnceLock::new(),
        }
    }

    /// A URL to a new copy of the template, with what `fill` returned, or None after a
    /// loud skip. The first caller makes the template: `fill` gets its URL and must close
    /// every connection it opens, since PostgreSQL copies only a database nobody uses.
    pub async fn copy<F, Fut>(&'static self, fill: F) -> Option<(String, &'static T)>
    where
        F: FnOnce(String) -> Fut + Send + 'static,
        Fut: Future<Output = T>,
    {
        let server = available_server()?;
        let (template, filled) = crate::once_per_process(&self.made, move || async move {
            let name = create_database(server, None).await;
            let filled = fill(server.url_for(&name)).await;
            (name, filled)
        })
        .await;
        let name = create_database(server, Some(template.as_str())).await;
        Some((server.url_for(&name), filled))
    }
}

impl<T: Send + Sync + 'static> Default for PostgresTemplate<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The server, or None after a loud skip (or a panic when required).
fn available_server() -> Option<&'static Server> {
    match server() {
        Ok(server) => Some(server),
        Err(why) => {
            crate::skip_or_fail("PostgreSQL", REQUIRE, why);
            None
        }
    }
}

/// Creates a database with a new name, empty or as a copy of `template`; returns the name.
async fn create_database(server: &Server, template: Option<&str>) -> String {
    let name = format!("motcua_test_{}", uuid::Uuid::now_v7().simple());
    let sql = match template {
        Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
        None => format!("CREATE DATABASE {name}"),
    };
    let mut admin = connect_with_retry(&server.admin_url).await;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    name
}

async fn connect_with_retry(url: &str) -> sqlx::PgConnection {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match sqlx::PgConnection::connect(url).await {
            Ok(conn) => return conn,
            Err(err) if Instant::now() > deadline => {
                panic!("cannot reach PostgreSQL at {url}: {err}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

struct Server {
    admin_url: String,
    /// Builds the URL of a database on this server.
    base: Base,
}

enum Base {
    /// A server given by URL: swap the database name.
    External(String),
    /// Our own cluster, reached through a socket directory.
    Socket(PathBuf),
}

impl Server {
    fn url_for(&self, db: &str) -> String {
        match &self.base {
            Base::External(url) => replace_database(url, db),
            Base::Socket(dir) => socket_url(dir, db),
        }
    }
}

fn socket_url(dir: &Path, db: &str) -> String {
    format!("postgres://postgres@localhost/{db}?host={}", dir.display())
}

fn replace_database(url: &str, db: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn server() -> Result<&'static Server, &'static str> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var("MOTCUA_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Ok(Server {
                admin_url: url.clone(),
                base: Base::External(url),
            }),
            _ => start_cluster(),
        })
        .as_ref()
        .map_err(|e| e.as_str())
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Leftover clusters of test processes that no longer run.
fn remove_stale_clusters(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            std::fs::remove_dir_all(entry.path()).ok();
        }
    }
}

fn start_cluster() -> Result<Server, String> {
    let bin = find_bin_dir().ok_or("no initdb/postgres on PATH or under /usr/lib/postgresql")?;
    let tmp = std::env::temp_dir();
    remove_stale_clusters(&tmp);
    let root = tmp.join(format!(
        "{PREFIX}{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    let data = root.join("data");
    let socket = root.join("socket");
    std::fs::create_dir_all(&socket).map_err(|e| e.to_string())?;
    // The server refuses to run as root, so run it as the `postgres` user.
    let as_root = is_root();
    if as_root {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cannot chown the cluster directory to the postgres user".into());
        }
    }
    let user_prefix = move |cmd: &mut Command| {
        if as_root {
            cmd.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]);
        }
    };
    let mut initdb = Command::new("setpriv");
    user_prefix(&mut initdb);
    let out = initdb
        .arg(bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // The server lives in a thread that never ends; with a parent-death signal it
    // stops when this test process exits, however the process ends.
    let (tx, rx) = std::sync::mpsc::channel();
    let (bin2, data2, socket2) = (bin.clone(), data.clone(), socket.clone());
    std::thread::spawn(move || {
        let mut cmd = Command::new("setpriv");
        user_prefix(&mut cmd);
        let child = cmd
            .arg("--pdeathsig=INT")
            .arg(bin2.join("postgres"))
            .arg("-D")
            .arg(&data2)
            .arg("-k")
            .arg(&socket2)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
            ])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let ok = child.is_ok();
        tx.send(child.map(|_| ()).map_err(|e| e.to_string())).ok();
        if ok {
            loop {
                std::thread::park();
            }
        }
    });
    rx.recv().map_err(|e| e.to_string())??;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.join(".s.PGSQL.5432").exists() {
        if Instant::now() > deadline {
            return Err("PostgreSQL did not start within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server {
        admin_url: socket_url(&socket, "postgres"),
        base: Base::Socket(socket),
    })
}

#[cfg(test)]
mod tests {
    use super::{PostgresTemplate, replace_database};
    use sqlx::Connection;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn swaps_the_database_name_and_keeps_parameters() {
        assert_eq!(
            replace_database("postgres://u:p@h:5/postgres", "t1"),
            "postgres://u:p@h:5/t1"
        );
        assert_eq!(
            replace_database("postgres://u@h", "t1"),
            "postgres://u@h/t1"
        );
        assert_eq!(
            replace_database("postgres://u@h/x?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }

    #[tokio::test]
    async fn copies_start_as_the_template_was_filled_and_stay_apart() {
        static TEMPLATE: PostgresTemplate<i32> = PostgresTemplate::new();
        static FILLS: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..2 {
            let fill = |url: String| async move {
                FILLS.fetch_add(1, Ordering::SeqCst);
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::raw_sql("CREATE TABLE t (x INT); INSERT INTO t VALUES (7)")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                7
            };
            let Some((url, filled)) = TEMPLATE.copy(fill).await else {
                return;
            };
            assert_eq!(*filled, 7);
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let rows: Vec<i32> = sqlx::query_scalar("SELECT x FROM t")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert_eq!(
                rows,
                [7],
                "a copy holds the template's rows and no other copy's"
            );
            sqlx::query("INSERT INTO t VALUES (8)")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        }
        assert_eq!(FILLS.load(Ordering::SeqCst), 1);
    }
}

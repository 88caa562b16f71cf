//! Test support shared by the crates' test suites.
//!
//! Tests that need PostgreSQL, a browser or an SMTP server skip, loudly, when the service is
//! absent, and fail instead when `MOTCUA_REQUIRE_POSTGRES=1`, `MOTCUA_REQUIRE_BROWSER=1`,
//! `MOTCUA_REQUIRE_SMTP=1` or `MOTCUA_REQUIRE_OIDC=1`.

mod oidc;
mod outage;
mod postgres;
mod smtp;

pub use oidc::{OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OidcProvider};
pub use outage::OutageProxy;
pub use postgres::{PostgresTemplate, fresh_postgres_url};
pub use smtp::{SmtpServer, TestCertificates};

use std::sync::OnceLock;

/// Whether the environment insists on a service (CI sets these).
pub fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Skips a test with a message nobody can miss, or fails it when the service is required.
pub fn skip_or_fail(service: &str, require_var: &str, why: &str) {
    if required(require_var) {
        panic!("{service} is required ({require_var}=1) but unavailable: {why}");
    }
    eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! SKIPPED: {service} unavailable: {why}");
    eprintln!("!!! Set {require_var}=1 to make this a failure.");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
}

/// Runs `make` once per test process and gives every caller its result. Each
/// `#[tokio::test]` runs on a runtime of its own that ends with the test, so `make` runs
/// on a thread and runtime of its own too: nothing it opens belongs to the first caller.
pub async fn once_per_process<T, F, Fut>(cell: &'static OnceLock<T>, make: F) -> &'static T
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
{
    if let Some(value) = cell.get() {
        return value;
    }
    // Waiting on the cell blocks, so it happens off the caller's runtime.
    tokio::task::spawn_blocking(move || {
        cell.get_or_init(|| {
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(make())
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// A path in the shared data folder that sits beside the repository (`../shared`).
pub fn shared_data(relative: &str) -> std::path::PathBuf {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("../shared/data").join(relative)
}

/// A small file system of its own (a tmpfs), for tests of a full disk. Unmounted on drop.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `mib` MiB. Needs root on Linux: otherwise the test is skipped
    /// loudly, or fails when `MOTCUA_REQUIRE_SMALL_DISK=1` (CI sets it).
    pub fn mount(mib: u32) -> Option<SmallDisk> {
        const REQUIRE: &str = "MOTCUA_REQUIRE_SMALL_DISK";
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "motcua-test"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(SmallDisk { dir }),
            Ok(out) => {
                let why = String::from_utf8_lossy(&out.stderr).trim().to_owned();
                skip_or_fail("a small tmpfs (mount, as root)", REQUIRE, &why);
                None
            }
            Err(e) => {
                skip_or_fail("a small tmpfs (mount, as root)", REQUIRE, &e.to_string());
                None
            }
        }
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy, so files still open (a server shutting down) do not keep it mounted.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::once_per_process;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn once_per_process_makes_one_value_for_callers_on_several_runtimes() {
        static CELL: OnceLock<(usize, tokio::runtime::Id)> = OnceLock::new();
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let callers: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    let caller = runtime.handle().id();
                    let value = runtime.block_on(once_per_process(&CELL, || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let n = MADE.fetch_add(1, Ordering::SeqCst);
                        (n, tokio::runtime::Handle::current().id())
                    }));
                    (value as *const _ as usize, value.1 != caller)
                })
            })
            .collect();
        let results: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
        assert_eq!(MADE.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|r| r.0 == results[0].0), "one value");
        assert!(results.iter().all(|r| r.1), "made on a runtime of its own");
    }
}

//! Test support shared by the crates' test suites.
//!
//! Tests that need PostgreSQL or a browser skip, loudly, when the service is absent,
//! and fail instead when `MOTCUA_REQUIRE_POSTGRES=1` or `MOTCUA_REQUIRE_BROWSER=1`.

mod postgres;

pub use postgres::{PostgresTemplate, fresh_postgres_url};

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

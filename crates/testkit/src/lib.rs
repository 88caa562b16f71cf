//! Test support shared by the crates' test suites.
//!
//! Tests that need PostgreSQL or a browser skip, loudly, when the service is absent,
//! and fail instead when `MOTCUA_REQUIRE_POSTGRES=1` or `MOTCUA_REQUIRE_BROWSER=1`.

mod postgres;

pub use postgres::fresh_postgres_url;

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

/// A path in the shared data folder that sits beside the repository (`../shared`).
pub fn shared_data(relative: &str) -> std::path::PathBuf {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("../shared/data").join(relative)
}

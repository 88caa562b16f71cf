//! Load harness: unit look-ups through the real HTTP API on loopback, at a constant
//! request rate, reporting latency percentiles. Open loop: each request is timed from
//! the moment it was due, so a slow server cannot hide its queueing delay.
//!
//! `cargo bench -p motcua --bench unit_lookup` (release build). With the national
//! lists in ../shared/data it first imports, and times, the pre-2025 list, the 2025
//! list over it and the old-to-new mapping; otherwise it seeds the demo.
//! Settings: `RATE` (requests/s, default 1000), `SECONDS` (default 10), `BACKEND`
//! (`postgres` for a throwaway PostgreSQL from the test kit; SQLite otherwise).

mod support;

use motcua_store::Store;
use std::time::{Duration, Instant};
use support::env_or;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let rate: u64 = env_or("RATE", 1000);
    let seconds: u64 = env_or("SECONDS", 10);
    let dir = tempfile::tempdir()?;
    let store = support::open_store(dir.path()).await?;
    let reform = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let data = motcua_testkit::shared_data;
    let national = data("units/thanglequoc-v3.0.2-20250701/full_json_generated_data_vn_units.json");
    if national.exists() {
        let old = data("units/dvhcvn-pre2025-GPL3/dvhcvn.json");
        if old.exists() {
            let from = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
            let report =
                motcua_app::registers::import_units(&store, &old, from, None, &|_, _| {}).await?;
            println!(
                "old list: {}",
                motcua_app::registers::describe_units(&report)
            );
        }
        let report =
            motcua_app::registers::import_units(&store, &national, reform, None, &|_, _| {})
                .await?;
        println!(
            "2025 list: {}",
            motcua_app::registers::describe_units(&report)
        );
        let merges = data("units/dvhcvn-20250701-mapping/merges.json");
        if old.exists() && merges.exists() {
            // The published file names two communes by their Công văn 1027 codes.
            let recodes = ["06970=06978", "23737=23938"].map(|r| r.parse().expect("recode"));
            let report = motcua_app::registers::import_successions(
                &store,
                &merges,
                reform,
                None,
                &recodes,
                &|_, _| {},
            )
            .await?;
            println!(
                "mapping: {}",
                motcua_app::registers::describe_successions(&report)
            );
        }
    } else {
        motcua::demo::seed_or_resume(&store, dir.path()).await?;
        println!("national list not found: using the Lạng Sơn demo");
    }
    let codes = unit_codes(&store, reform).await?;
    let server = motcua::server::start(
        store.clone(),
        "127.0.0.1:0".parse()?,
        motcua_web::WebConfig {
            cookie_secure: false,
            ..motcua_web::WebConfig::default()
        },
        vec![],
    )
    .await?;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;

    // Warm up the connection pool and the database.
    for code in codes.iter().take(200) {
        client
            .get(format!("{base}/api/v1/units/{code}?at=2025-07-01"))
            .send()
            .await?
            .error_for_status()?;
    }

    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * i as u32;
        let url = format!(
            "{base}/api/v1/units/{}?at=2025-07-01",
            codes[(i as usize * 7919) % codes.len()]
        );
        let client = client.clone();
        tokio::time::sleep_until(due.into()).await;
        tasks.push(tokio::spawn(async move {
            let ok = client
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            (due.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut failures = 0;
    for task in tasks {
        let (latency, ok) = task.await?;
        if !ok {
            failures += 1;
        }
        latencies.push(latency);
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "backend {} · {} units · {total} look-ups at {rate}/s over {:.1} s · {failures} failed",
        store.backend().as_str(),
        codes.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.2} · p90 {:.2} · p99 {:.2} · p99.9 {:.2} · max {:.2}",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 99.9)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
    server.shutdown().await?;
    store.close().await;
    Ok(())
}

async fn unit_codes(store: &Store, at: chrono::NaiveDate) -> anyhow::Result<Vec<String>> {
    let page = store
        .search_units(&motcua_store::UnitQuery {
            at,
            kind: None,
            parent: None,
            q: None,
            limit: 10_000,
            offset: 0,
        })
        .await?;
    Ok(page.units.into_iter().map(|u| u.code).collect())
}

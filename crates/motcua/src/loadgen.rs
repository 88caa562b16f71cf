//! `motcua bench`: a load harness for a motcua server on this machine. It sends requests
//! at a constant rate (open loop: latency counts from when a request was due, so a slow
//! server cannot hide its queueing), bounded in count and time, and reports percentiles.

use anyhow::{Context as _, bail};
use rand::seq::IndexedRandom;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// POST /api/v1/dossiers as a citizen, each with its own Idempotency-Key.
    Submit,
    /// GET /api/v1/dossiers/{code} for random existing codes.
    Lookup,
    /// GET /api/v1/dossiers (the officer's queue, first page, most urgent first).
    Queue,
    /// GET /api/v1/public/dossiers/{code}?check=… is not benchmarked (it is rate-limited).
    Counts,
    /// GET /dashboard (the whole page: scorecard, trend, every agency, readiness), plus `--query`.
    Dashboard,
    /// GET /api/v1/stats/quality, plus `--query` (e.g. `level=agency&code=…&period=month`).
    Quality,
    /// GET /api/v1/stats/quality/agencies, plus `--query`.
    QualityAgencies,
    /// GET /api/v1/stats/quality/trend, plus `--query` (e.g. `months=24&format=csv`).
    QualityTrend,
    /// GET /api/v1/stats/readiness, plus `--query`.
    Readiness,
}

impl Scenario {
    /// The path of a scenario that GETs a fixed path plus `--query`.
    fn query_path(self) -> Option<&'static str> {
        Some(match self {
            Scenario::Queue => "/api/v1/dossiers",
            Scenario::Dashboard => "/dashboard",
            Scenario::Quality => "/api/v1/stats/quality",
            Scenario::QualityAgencies => "/api/v1/stats/quality/agencies",
            Scenario::QualityTrend => "/api/v1/stats/quality/trend",
            Scenario::Readiness => "/api/v1/stats/readiness",
            Scenario::Submit | Scenario::Lookup | Scenario::Counts => return None,
        })
    }
}

pub struct Options {
    pub base: String,
    pub scenario: Scenario,
    pub rate: f64,
    pub count: u64,
    pub max_seconds: u64,
    pub max_in_flight: usize,
    pub username: String,
    pub password: String,
    /// Where submissions go.
    pub agency: String,
    pub procedure: String,
    /// Codes for lookups.
    pub codes: Vec<String>,
    /// Extra query for the queue, e.g. `status=processing`.
    pub query: String,
}

/// Only loopback targets: this harness never loads anything but the machine it runs on.
fn check_loopback(base: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(base).context("bad --base URL")?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ok = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !ok {
        bail!("motcua bench only targets loopback addresses (127.0.0.0/8, ::1, localhost)");
    }
    Ok(())
}

pub struct Report {
    pub scenario: Scenario,
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    pub seconds: f64,
    pub latencies_ms: Vec<f64>,
}

impl Report {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return f64::NAN;
        }
        let i = ((p / 100.0) * (self.latencies_ms.len() - 1) as f64).round() as usize;
        self.latencies_ms[i]
    }

    pub fn print(&self) {
        println!(
            "{:?}: sent {} ok {} errors {} in {:.1}s → {:.0} ok/s; latency ms p50 {:.2} p90 {:.2} p95 {:.2} p99 {:.2} p99.9 {:.2} max {:.2}",
            self.scenario,
            self.sent,
            self.ok,
            self.errors,
            self.seconds,
            self.ok as f64 / self.seconds,
            self.percentile(50.0),
            self.percentile(90.0),
            self.percentile(95.0),
            self.percentile(99.0),
            self.percentile(99.9),
            self.latencies_ms.last().copied().unwrap_or(f64::NAN),
        );
    }
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    check_loopback(&options.base)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.max_in_flight)
        .timeout(Duration::from_secs(30))
        .build()?;
    let token: serde_json::Value = client
        .post(format!("{}/api/v1/auth/token", options.base))
        .json(&json!({ "username": options.username, "password": options.password }))
        .send()
        .await?
        .error_for_status()
        .context("cannot sign in")?
        .json()
        .await?;
    let token = Arc::new(token["token"].as_str().unwrap_or_default().to_owned());
    if options.scenario == Scenario::Lookup && options.codes.is_empty() {
        bail!("no dossier codes to look up");
    }
    let options = Arc::new(options);
    let gate = Arc::new(Semaphore::new(options.max_in_flight));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(options.count as usize)));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let interval = Duration::from_secs_f64(1.0 / options.rate);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.max_seconds);
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let mut tasks = Vec::new();
    let mut sent = 0;
    for i in 0..options.count {
        let due = started + interval.mul_f64(i as f64);
        if due > deadline {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let permit = gate.clone().acquire_owned().await?;
        let (client, token, options, latencies, errors) = (
            client.clone(),
            token.clone(),
            options.clone(),
            latencies.clone(),
            errors.clone(),
        );
        let key = format!("{run_id}-{i}");
        let code = options.codes.choose(&mut rand::rng()).cloned();
        sent += 1;
        tasks.push(tokio::spawn(async move {
            let request = match options.scenario {
                Scenario::Submit => client
                    .post(format!("{}/api/v1/dossiers", options.base))
                    .header("Idempotency-Key", key)
                    .json(&json!({
                        "procedure_code": options.procedure,
                        "agency_code": options.agency,
                        "applicant": {
                            "kind": "person", "name": "Nguyễn Văn Thử",
                            "citizen_id": "020095001234", "phone": "0912345678"
                        }
                    })),
                Scenario::Lookup => client.get(format!(
                    "{}/api/v1/dossiers/{}",
                    options.base,
                    code.unwrap_or_default()
                )),
                Scenario::Counts => client.get(format!("{}/api/v1/dossiers/counts", options.base)),
                other => client.get(format!(
                    "{}{}?{}",
                    options.base,
                    other.query_path().expect("the other scenarios are GETs"),
                    options.query
                )),
            };
            let result = request.bearer_auth(token.as_str()).send().await;
            let ok = match result {
                Ok(r) => {
                    let good = r.status().is_success();
                    let _ = r.bytes().await;
                    good
                }
                Err(_) => false,
            };
            // From when the request was due, not when it went out.
            let ms = due.elapsed().as_secs_f64() * 1000.0;
            if ok {
                latencies.lock().await.push(ms);
            } else {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            drop(permit);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = std::mem::take(&mut *latencies.lock().await);
    latencies.sort_by(f64::total_cmp);
    Ok(Report {
        scenario: options.scenario,
        sent,
        ok: latencies.len() as u64,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        latencies_ms: latencies,
    })
}

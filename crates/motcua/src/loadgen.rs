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
    /// The same, for a procedure with an electronic form (default: the 30-field sample), with
    /// a valid declaration that differs per request.
    SubmitForm,
    /// GET /procedures/{procedure}/submit: the whole submission page with its form, gzip
    /// like a browser asks (default: the 30-field sample).
    FormPage,
    /// GET /api/v1/dossiers/{code} for random existing codes.
    Lookup,
    /// GET /api/v1/dossiers (the officer's queue, first page, most urgent first).
    Queue,
    /// GET /work: the same queue as a page, with the counts per desk, plus `--query`.
    WorkPage,
    /// GET /api/v1/public/dossiers/{code}?check=… without signing in, for random existing
    /// codes with the last 4 digits of their applicant's ID; one in twenty carries wrong
    /// digits (a typo) and must answer 404. Wrong digits count against the client address,
    /// so serve with `--lookup-max-failures` raised above the count, or the address locks.
    PublicLookup,
    /// GET /api/v1/dossiers/counts (open dossiers per desk).
    Counts,
    /// No server: what `submit` writes, straight into the store at --data-dir, 64 to a
    /// transaction, as fast as it goes (the storage ceiling; stop the server first).
    Ceiling,
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
            Scenario::WorkPage => "/work",
            Scenario::Dashboard => "/dashboard",
            Scenario::Quality => "/api/v1/stats/quality",
            Scenario::QualityAgencies => "/api/v1/stats/quality/agencies",
            Scenario::QualityTrend => "/api/v1/stats/quality/trend",
            Scenario::Readiness => "/api/v1/stats/readiness",
            Scenario::Submit
            | Scenario::SubmitForm
            | Scenario::FormPage
            | Scenario::Lookup
            | Scenario::PublicLookup
            | Scenario::Counts
            | Scenario::Ceiling => return None,
        })
    }

    /// Whether it submits dossiers (as a citizen, by default).
    pub fn submits(self) -> bool {
        matches!(self, Scenario::Submit | Scenario::SubmitForm)
    }

    /// The procedure it uses unless told: the form scenarios need the one with the form.
    pub fn default_procedure(self) -> &'static str {
        match self {
            Scenario::SubmitForm | Scenario::FormPage => crate::samples::FORM_30,
            _ => crate::samples::CRIMINAL_RECORD,
        }
    }
}

const SURNAMES: [&str; 8] = [
    "Nguyễn", "Trần", "Lê", "Hoàng", "Nông", "Lương", "Vi", "Lăng",
];
const GIVEN: [&str; 8] = ["An", "Bình", "Cường", "Hà", "Lan", "Minh", "Sơn", "Yến"];

/// A valid declaration on [`crate::samples::form_30`], different for each `i` (names,
/// numbers, dates, choices), with the addresses in `unit` (a commune in force).
pub fn form_30_data(i: u64, unit: &str) -> serde_json::Value {
    let pick = |list: &[&'static str], salt: u64| list[((i / salt) % list.len() as u64) as usize];
    let name = |salt: u64| {
        format!(
            "{} {} {}",
            pick(&SURNAMES, salt),
            pick(&["Văn", "Thị", "Đức", "Ngọc"], salt * 3),
            pick(&GIVEN, salt * 7)
        )
    };
    let day = |from: (i32, u32), span: u64| {
        let start = chrono::NaiveDate::from_ymd_opt(from.0, from.1, 1).expect("valid date");
        (start + chrono::Days::new(i % span)).to_string()
    };
    let id = |salt: u64| format!("020{:09}", (i * 7919 + salt) % 1_000_000_000);
    let owner = name(1);
    json!({
        "ten_ho_kinh_doanh": format!("HỘ KINH DOANH {} {}", owner.to_uppercase(), i),
        "dia_chi_tru_so": { "unit": unit, "street": format!("Số {}, đường Lê Lợi", i % 300 + 1) },
        "dien_thoai": format!("09{:08}", i % 100_000_000),
        "email": format!("hkd{i}@example.vn"),
        "nganh_nghe": "Bán lẻ lương thực, thực phẩm, đồ uống trong cửa hàng chuyên doanh",
        "ma_nganh": pick(&["4722", "4723", "4711", "5610"], 1),
        "von_kinh_doanh": 50_000_000 + (i % 100) * 1_000_000,
        "so_lao_dong": i % 10 + 1,
        "chu_ho_ho_ten": owner,
        "chu_ho_ngay_sinh": day((1960, 1), 15_000),
        "chu_ho_gioi_tinh": pick(&["1", "2"], 1),
        "chu_ho_dan_toc": pick(&["01", "02", "03", "05", "07"], 1),
        "chu_ho_quoc_tich": "VN",
        "chu_ho_so_dinh_danh": id(0),
        "chu_ho_ngay_cap": day((2021, 7), 1_000),
        "chu_ho_noi_cap": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        "chu_ho_thuong_tru": { "unit": unit, "street": format!("Số {}, phố Tam Thanh", i % 200 + 1) },
        "chu_ho_dien_thoai": format!("08{:08}", i % 100_000_000),
        "chu_ho_email": format!("chuho{i}@example.vn"),
        "thanh_vien": [
            { "tv_ho_ten": name(2), "tv_ngay_sinh": day((1965, 1), 12_000), "tv_so_dinh_danh": id(1),
              "tv_quan_he": pick(&["04", "05"], 1), "tv_von_gop": 20_000_000 },
            { "tv_ho_ten": name(5), "tv_ngay_sinh": day((1990, 1), 9_000), "tv_so_dinh_danh": id(2),
              "tv_quan_he": "06", "tv_von_gop": 10_000_000 }
        ],
        "ngay_bat_dau_hoat_dong": day((2026, 1), 300),
        "doanh_thu_du_kien": 300_000_000 + (i % 50) * 10_000_000,
        "nhan_thong_bao_thue_khac": true,
        "dia_chi_nhan_thong_bao_thue": { "unit": unit, "street": "Số 2, đường Bà Triệu" },
        "ghi_chu": "Đề nghị cấp Giấy chứng nhận bản điện tử.",
        "cam_doan": true
    })
}

/// Four digits that differ from `digits` in every place.
fn mistyped(digits: &str) -> String {
    digits
        .bytes()
        .map(|b| char::from(b'0' + (b.wrapping_sub(b'0') + 1) % 10))
        .collect()
}

pub struct Options {
    pub base: String,
    pub scenario: Scenario,
    pub rate: f64,
    pub count: u64,
    pub max_seconds: u64,
    pub max_in_flight: usize,
    /// Empty: anonymous (only for the pages).
    pub username: String,
    pub password: String,
    /// Where submissions go.
    pub agency: String,
    pub procedure: String,
    /// The commune-level unit the form scenarios' addresses are in.
    pub unit: String,
    /// Codes for lookups.
    pub codes: Vec<String>,
    /// Codes with their applicant's check digits, for public lookups.
    pub checks: Vec<(String, String)>,
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
    /// Every answered request's latency, sorted.
    pub latencies_ms: Vec<f64>,
    /// Of those, the mistyped public lookups' (each records a failure: a write), sorted.
    pub mistyped_ms: Vec<f64>,
}

/// The `p`th percentile of sorted latencies.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

impl Report {
    fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p)
    }

    pub fn print(&self) {
        // The mistyped lookups' own figures come first, in words the scripts do not read as
        // the whole run's.
        if !self.mistyped_ms.is_empty() {
            let m = &self.mistyped_ms;
            println!(
                "of which {} mistyped (refused, each a recorded failure): median {:.2} ms, 99th percentile {:.2} ms, max {:.2} ms",
                m.len(),
                percentile(m, 50.0),
                percentile(m, 99.0),
                m.last().copied().unwrap_or(f64::NAN),
            );
        }
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

/// The request numbers as they fall due, from a thread of their own: Tokio's timer rounds
/// every deadline up to the next millisecond, which at 500/s put up to a millisecond of the
/// harness's own lateness into every latency (measured from when a request was due).
fn paced(
    started: Instant,
    interval: Duration,
    count: u64,
    deadline: Instant,
) -> tokio::sync::mpsc::UnboundedReceiver<(u64, Instant)> {
    let (due_now, schedule) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for i in 0..count {
            let due = started + interval.mul_f64(i as f64);
            if due > deadline {
                break;
            }
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            if due_now.send((i, due)).is_err() {
                break;
            }
        }
    });
    schedule
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    check_loopback(&options.base)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.max_in_flight)
        .timeout(Duration::from_secs(30))
        .build()?;
    // Pages take the bearer token as the API does (`auth::identify`): the page does a
    // signed-in citizen's work (wallet, prefill, unread count) as with a session cookie.
    let token = if options.username.is_empty() {
        None
    } else {
        let answer: serde_json::Value = client
            .post(format!("{}/api/v1/auth/token", options.base))
            .json(&json!({ "username": options.username, "password": options.password }))
            .send()
            .await?
            .error_for_status()
            .context("cannot sign in")?
            .json()
            .await?;
        Some(answer["token"].as_str().unwrap_or_default().to_owned())
    };
    let token = Arc::new(token);
    if options.scenario == Scenario::Lookup && options.codes.is_empty()
        || options.scenario == Scenario::PublicLookup && options.checks.is_empty()
    {
        bail!("no dossier codes to look up");
    }
    let options = Arc::new(options);
    let gate = Arc::new(Semaphore::new(options.max_in_flight));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(options.count as usize)));
    let mistyped_latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let interval = Duration::from_secs_f64(1.0 / options.rate);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.max_seconds);
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let mut tasks = Vec::new();
    let mut sent = 0;
    let mut schedule = paced(started, interval, options.count, deadline);
    while let Some((i, due)) = schedule.recv().await {
        // The clock too: an overloaded server holds the sender at the gate, behind schedule.
        if Instant::now() > deadline {
            break;
        }
        let permit = gate.clone().acquire_owned().await?;
        let (client, token, options, latencies, mistyped_latencies, errors) = (
            client.clone(),
            token.clone(),
            options.clone(),
            latencies.clone(),
            mistyped_latencies.clone(),
            errors.clone(),
        );
        let key = format!("{run_id}-{i}");
        let code = options.codes.choose(&mut rand::rng()).cloned();
        let check = options.checks.choose(&mut rand::rng()).cloned();
        // Every twentieth public lookup mistypes the digits: the answer must be 404.
        let typo = options.scenario == Scenario::PublicLookup && i % 20 == 19;
        sent += 1;
        tasks.push(tokio::spawn(async move {
            let request = match options.scenario {
                Scenario::Submit | Scenario::SubmitForm => {
                    let mut body = json!({
                        "procedure_code": options.procedure,
                        "agency_code": options.agency,
                        "applicant": {
                            "kind": "person", "name": "Nguyễn Văn Thử",
                            "citizen_id": "020095001234", "phone": "0912345678"
                        }
                    });
                    if options.scenario == Scenario::SubmitForm {
                        body["form_data"] = form_30_data(i, &options.unit);
                    }
                    client
                        .post(format!("{}/api/v1/dossiers", options.base))
                        .header("Idempotency-Key", key)
                        .json(&body)
                }
                Scenario::FormPage => client
                    .get(format!(
                        "{}/procedures/{}/submit",
                        options.base, options.procedure
                    ))
                    .header(reqwest::header::ACCEPT_ENCODING, "gzip"),
                Scenario::Lookup => client.get(format!(
                    "{}/api/v1/dossiers/{}",
                    options.base,
                    code.unwrap_or_default()
                )),
                Scenario::PublicLookup => {
                    let (code, digits) = check.unwrap_or_default();
                    let digits = if typo { mistyped(&digits) } else { digits };
                    client.get(format!(
                        "{}/api/v1/public/dossiers/{code}?check={digits}",
                        options.base
                    ))
                }
                Scenario::Counts => client.get(format!("{}/api/v1/dossiers/counts", options.base)),
                other => client.get(format!(
                    "{}{}?{}",
                    options.base,
                    other.query_path().expect("the other scenarios are GETs"),
                    options.query
                )),
            };
            let request = match token.as_deref() {
                Some(token) => request.bearer_auth(token),
                None => request,
            };
            let result = request.send().await;
            let ok = match result {
                Ok(r) => {
                    let good = if typo {
                        r.status() == reqwest::StatusCode::NOT_FOUND
                    } else {
                        r.status().is_success()
                    };
                    let _ = r.bytes().await;
                    good
                }
                Err(_) => false,
            };
            // From when the request was due, not when it went out.
            let ms = due.elapsed().as_secs_f64() * 1000.0;
            if ok {
                latencies.lock().await.push(ms);
                if typo {
                    mistyped_latencies.lock().await.push(ms);
                }
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
    let mut mistyped = std::mem::take(&mut *mistyped_latencies.lock().await);
    mistyped.sort_by(f64::total_cmp);
    Ok(Report {
        scenario: options.scenario,
        sent,
        ok: latencies.len() as u64,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        latencies_ms: latencies,
        mistyped_ms: mistyped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_handed_out_in_order_and_never_before_they_are_due() {
        let started = Instant::now();
        let interval = Duration::from_micros(500);
        let mut schedule = paced(started, interval, 40, started + Duration::from_secs(60));
        let mut seen = Vec::new();
        while let Some((i, due)) = schedule.recv().await {
            assert!(Instant::now() >= due, "request {i} handed out early");
            assert_eq!(due, started + interval.mul_f64(i as f64));
            seen.push(i);
        }
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
        // The deadline ends the schedule.
        let mut cut = paced(started, interval, 40, started + interval * 9);
        let mut handed = 0;
        while cut.recv().await.is_some() {
            handed += 1;
        }
        assert_eq!(handed, 10, "0 to 9 fall due by the deadline");
    }

    #[test]
    fn a_typo_changes_every_digit() {
        for digits in ["0000", "1234", "9999", "5090"] {
            let typo = mistyped(digits);
            assert_eq!(typo.len(), 4);
            assert!(typo.bytes().all(|b| b.is_ascii_digit()), "{typo}");
            assert!(
                typo.bytes().zip(digits.bytes()).all(|(a, b)| a != b),
                "{typo}"
            );
        }
        assert_eq!(mistyped("1239"), "2340");
    }
    use motcua_domain::form::{FormContext, FormLookup, PreparedForm, validate};

    /// The lists the demo seeds that the sample form chooses from.
    struct DemoLists(std::collections::HashMap<&'static str, Vec<String>>);

    impl FormLookup for DemoLists {
        fn in_list(&self, list: &str, code: &str) -> Option<bool> {
            Some(self.0.get(list)?.iter().any(|c| c == code))
        }
        fn unit_live(&self, code: &str) -> bool {
            code == "05977"
        }
    }

    #[test]
    fn the_form_scenario_declares_what_the_sample_form_accepts() {
        let procedure = crate::samples::form_procedure();
        assert_eq!(procedure.problems(), vec![]);
        let form = PreparedForm::new(crate::samples::form_30());
        assert_eq!(form.definition.fields().count(), 30);
        let read = |csv: &str| -> Vec<String> {
            let entries = motcua_app::forms::code_lists::read_csv(csv.as_bytes()).unwrap();
            entries.into_iter().map(|e| e.code).collect()
        };
        let lists = DemoLists(
            [
                (
                    "dan_toc",
                    read(include_str!("../../../data/code-lists/dan-toc.csv")),
                ),
                (
                    "quoc_tich",
                    read(include_str!("../../../data/code-lists/quoc-tich.csv")),
                ),
                (
                    "gioi_tinh",
                    read(include_str!("../demo/code-lists/gioi_tinh.csv")),
                ),
                (
                    "quan_he",
                    read(include_str!("../demo/code-lists/quan_he.csv")),
                ),
            ]
            .into(),
        );
        let ctx = FormContext {
            today: motcua_app::today_vn(),
            lookup: &lists,
            components: None,
        };
        let mut searched = std::collections::HashSet::new();
        for i in [0, 1, 2, 7, 99, 12_345, 987_654_321] {
            let data = form_30_data(i, "05977");
            let clean = validate(&form, &data, &ctx).unwrap_or_else(|p| panic!("{i}: {p:?}"));
            searched.insert(form.definition.search_text(&clean));
        }
        assert!(searched.len() > 1, "the declarations differ");
    }
}

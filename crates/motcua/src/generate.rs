//! `motcua generate dossiers --count N`: fills a database with realistic dossiers quickly,
//! for benchmarks and demonstrations. Codes follow each agency's daily sequence; states,
//! channels and dates are spread as a year of real work would leave them.

use crate::samples;
use anyhow::Context as _;
use chrono::{Duration, NaiveDateTime, Timelike};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{
    Action, Applicant, ApplicantKind, CitizenId, Context, Dossier, DossierCode, DossierResult,
    DossierState, PhoneNumber, Rating, RatingCriterion,
};
use motcua_store::{DossierRecord, ProcessRecord, Store, utc};
use rand::Rng;
use rand::rngs::StdRng;
use rand::{SeedableRng, seq::IndexedRandom};
use std::collections::HashMap;
use std::time::Instant;

const SURNAMES: [&str; 18] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
    "Nông", "Lương", "Vi", "Hà", "Lăng",
];
const MIDDLE: [&str; 10] = [
    "Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Hữu", "Thanh", "Kim",
];
const GIVEN: [&str; 24] = [
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh",
    "Long", "Mai", "Nam", "Ngọc", "Phương", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến",
];

/// How a year of dossiers ends up: (state, weight in thousandths).
const STATES: [(DossierState, u32); 12] = [
    (DossierState::Returned, 800),
    (DossierState::Processing, 50),
    (DossierState::Received, 30),
    (DossierState::Submitted, 30),
    (DossierState::AwaitingSupplement, 20),
    (DossierState::AwaitingPayment, 15),
    (DossierState::Finished, 20),
    (DossierState::Approved, 10),
    (DossierState::Withdrawn, 10),
    (DossierState::RefusedAtReceipt, 5),
    (DossierState::Refused, 5),
    (DossierState::Stopped, 5),
];

pub struct Options {
    pub count: u64,
    pub days: i64,
    pub batch: usize,
    pub seed: u64,
}

struct World {
    hours: WorkingHours,
    holidays: HolidayCalendar,
    commune: ProcessRecord,
    province: ProcessRecord,
    versions: HashMap<String, (uuid::Uuid, i64, String)>,
}

fn pick_state(rng: &mut StdRng) -> DossierState {
    let mut roll = rng.random_range(0..1000);
    for (state, weight) in STATES {
        if roll < weight {
            return state;
        }
        roll -= weight;
    }
    DossierState::Returned
}

fn applicant(rng: &mut StdRng) -> Applicant {
    let name = format!(
        "{} {} {}",
        SURNAMES.choose(rng).expect("names"),
        MIDDLE.choose(rng).expect("names"),
        GIVEN.choose(rng).expect("names")
    );
    let id = format!("020{:09}", rng.random_range(0..1_000_000_000u64));
    let phone = format!("09{:08}", rng.random_range(0..100_000_000u64));
    Applicant {
        kind: ApplicantKind::Person,
        name,
        citizen_id: CitizenId::parse(&id).ok(),
        tax_code: None,
        phone: PhoneNumber::parse(&phone).ok(),
        email: None,
        address_unit: None,
        address: None,
        notify: Vec::new(),
        verified: None,
    }
}

/// A dossier as a year of handling would have left it.
fn shape(
    rng: &mut StdRng,
    world: &World,
    mut d: Dossier,
    process: &ProcessRecord,
    state: DossierState,
    now: NaiveDateTime,
) -> Dossier {
    use DossierState as S;
    if matches!(state, S::Submitted | S::Withdrawn | S::RefusedAtReceipt) {
        d.state = state;
        if state != S::Submitted {
            d.finished_at = Some(d.submitted_at + Duration::hours(2));
        }
        return d;
    }
    let ctx = Context {
        now: d.submitted_at,
        hours: &world.hours,
        holidays: &world.holidays,
        steps: &process.steps,
        budget_minutes: process.budget_minutes as u32,
    };
    if let Ok(accepted) = d.apply(&Action::Accept, &ctx) {
        d = accepted;
    }
    let due = d.due_at.unwrap_or(d.submitted_at);
    let last = process.steps.len().saturating_sub(1);
    d.state = state;
    d.version += rng.random_range(1..6);
    match state {
        S::Received => d.step = 0,
        S::Processing => {
            d.step = rng.random_range(0..=last);
            d.assignee = Some("chuyenvien".into());
        }
        S::AwaitingSupplement | S::AwaitingPayment => {
            d.step = rng.random_range(0..=last);
            if let Some(clock) = d.clock.as_mut() {
                clock.pause_at(d.submitted_at + Duration::hours(3));
            }
            d.due_at = None;
            if state == S::AwaitingPayment {
                d.fee_requested_vnd = 100_000;
            } else {
                d.supplements_after_appraisal = 1;
            }
        }
        S::Approved => d.step = last,
        _ => {
            // Decided: most on time, some late.
            d.step = last;
            let late = rng.random_bool(0.04);
            let mut done = if late {
                due + Duration::hours(rng.random_range(1..72))
            } else {
                due - Duration::minutes(rng.random_range(0..600))
            };
            done = done.max(d.submitted_at + Duration::minutes(30)).min(now);
            d.finished_at = Some(done);
            if matches!(state, S::Finished | S::Returned) {
                d.result = Some(DossierResult {
                    name: "Kết quả giải quyết".into(),
                    electronic: rng.random_bool(0.6),
                });
            }
            if state == S::Returned {
                d.returned_at = Some((done + Duration::hours(rng.random_range(1..48))).min(now));
                if rng.random_bool(0.3) {
                    let score = rng.random_range(1..=2);
                    d.rating = Rating::new(
                        vec![
                            (RatingCriterion::Timeliness, score),
                            (RatingCriterion::StaffAttitude, 2),
                        ],
                        None,
                    )
                    .ok();
                }
            }
        }
    }
    d
}

async fn approved_default(store: &Store, code: &str) -> anyhow::Result<ProcessRecord> {
    store
        .processes(
            Some(code),
            None,
            Some(motcua_domain::dossier::ProcessState::Approved),
        )
        .await?
        .into_iter()
        .find(|p| p.agency_code.is_none())
        .with_context(|| format!("{code} has no approved default process"))
}

/// Fills the store; returns how many dossiers went in.
pub async fn dossiers(store: &Store, options: &Options) -> anyhow::Result<u64> {
    samples::load(store).await?;
    // The form benchmarks submit to it; no dossier is generated for it.
    samples::load_form(store).await?;
    let now_utc = motcua_app::now();
    let now = to_vn_local(&now_utc);
    let (_, holidays) = motcua_app::calendar::load_holidays(store).await?;
    let mut versions = HashMap::new();
    for code in [samples::CRIMINAL_RECORD, samples::BIRTH] {
        let v = store
            .published_version(code)
            .await?
            .with_context(|| format!("{code} is not published"))?;
        versions.insert(code.to_owned(), (v.id, v.version_no, v.procedure.name));
    }
    let world = World {
        hours: WorkingHours::default(),
        holidays,
        commune: approved_default(store, samples::BIRTH).await?,
        province: approved_default(store, samples::CRIMINAL_RECORD).await?,
        versions,
    };
    let committees = store.agencies(Some(AgencyKind::CommuneCommittee)).await?;
    anyhow::ensure!(
        !committees.is_empty(),
        "no commune agencies: seed the demo first"
    );
    // The committees working on a day: a dossier never goes to one abolished by then.
    let live_on = |day: chrono::NaiveDate| -> Vec<AgencyCode> {
        committees
            .iter()
            .filter(|a| a.is_valid_at(day))
            .map(|a| a.code.clone())
            .collect()
    };
    let mut live: Option<(i64, Vec<AgencyCode>)> = None;
    let mut sequences = store.dossier_sequences().await?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let started = Instant::now();
    let mut done = 0u64;
    let mut batch: Vec<DossierRecord> = Vec::with_capacity(options.batch);
    // Each dossier's day is drawn at random as before, but they go in oldest day first, as a
    // real database fills up: codes and dates then grow within each agency, so a batch's index
    // inserts land on a few hot pages instead of all over ever bigger indexes.
    let span = options.days.max(1) as usize;
    let mut per_day = vec![0u64; span + 1];
    for _ in 0..options.count {
        per_day[rng.random_range(1..=span)] += 1;
    }
    let days = per_day
        .iter()
        .enumerate()
        .rev()
        .flat_map(|(day_back, &n)| std::iter::repeat_n(day_back as i64, n as usize));
    for day_back in days {
        if live.as_ref().is_none_or(|(d, _)| *d != day_back) {
            let agencies = live_on((now - Duration::days(day_back)).date());
            anyhow::ensure!(
                !agencies.is_empty(),
                "no commune agency works on {}",
                (now - Duration::days(day_back)).date()
            );
            live = Some((day_back, agencies));
        }
        let agencies = &live.as_ref().expect("set above").1;
        // Skewed towards the wards: a few agencies see most of the work.
        let agency = if rng.random_bool(0.5) {
            &agencies[rng.random_range(0..agencies.len().min(4))]
        } else {
            agencies.choose(&mut rng).expect("agencies")
        };
        let minute = rng.random_range(7 * 60..17 * 60);
        let at = (now - Duration::days(day_back))
            .with_hour(0)
            .and_then(|t| t.with_minute(0))
            .expect("midnight")
            + Duration::minutes(minute);
        let day = at.date();
        let seq = sequences
            .entry((agency.to_string(), day))
            .and_modify(|s| *s += 1)
            .or_insert(1);
        let province = rng.random_bool(0.3);
        let (process, code) = if province {
            (&world.province, samples::CRIMINAL_RECORD)
        } else {
            (&world.commune, samples::BIRTH)
        };
        let channel = if rng.random_bool(0.45) {
            Channel::Online
        } else {
            Channel::Paper
        };
        let dossier = Dossier::submitted(
            DossierCode::new(agency, day, *seq as u32),
            channel,
            agency.clone(),
            at,
        );
        let state = pick_state(&mut rng);
        let dossier = shape(&mut rng, &world, dossier, process, state, now);
        let owner = (channel == Channel::Online).then(|| {
            if rng.random_ratio(1, 5000) {
                "congdan".to_owned()
            } else {
                format!("cd{}", rng.random_range(0..200_000))
            }
        });
        let (version_id, version_no, name) = world.versions[code].clone();
        batch.push(DossierRecord {
            desk_agency: dossier.desk_agency(&process.steps).to_string(),
            updated_at: utc(dossier.returned_at.or(dossier.finished_at).unwrap_or(at)),
            dossier,
            procedure_code: code.into(),
            procedure_name: name,
            procedure_version_id: version_id,
            procedure_version_no: version_no,
            process_id: process.id,
            process_version_no: process.version_no,
            steps: process.steps.clone(),
            budget_minutes: process.budget_minutes,
            applicant: applicant(&mut rng),
            owner,
        });
        done += 1;
        if batch.len() == options.batch || done == options.count {
            let audit = AuditEntry::system(
                motcua_app::now(),
                "dossiers.generated",
                "dossiers",
                serde_json::json!({ "count": batch.len() }),
            );
            store.load_dossiers(&batch, audit).await?;
            batch.clear();
            if done % 100_000 < options.batch as u64 {
                eprintln!(
                    "{done} hồ sơ / dossiers ({:.0}/s)",
                    done as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(done)
}

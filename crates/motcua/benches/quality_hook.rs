//! What the quality aggregation adds to each dossier write: the same dossier actions
//! committed through the store with the hook on and off, in alternating blocks, timed per
//! action kind.
//!
//! `cargo bench -p motcua --bench quality_hook` (release build). Settings: `DOSSIERS`
//! (default 2000, half with the hook, half without), `BACKEND` (`postgres` for a throwaway
//! PostgreSQL from the test kit; SQLite otherwise, with the production settings: WAL,
//! synchronous FULL). With `PREFILL=N` the database first gets N generated dossiers
//! (counted by the hook), so the aggregate table is not empty.

mod support;

use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{Action, Applicant, ApplicantKind, Context, Rating, RatingCriterion};
use motcua_store::{DossierRecord, Store, Submission};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::env_or;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn applicant() -> Applicant {
    Applicant {
        kind: ApplicantKind::Person,
        name: "Người thử".into(),
        citizen_id: None,
        tax_code: None,
        phone: None,
        email: None,
        address_unit: None,
        address: None,
        notify: Vec::new(),
        verified: None,
    }
}

type Timings = BTreeMap<&'static str, Vec<Duration>>;

async fn one_dossier(
    store: &Store,
    agency: &str,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
    timings: &mut Timings,
) -> anyhow::Result<()> {
    let actor = AuditEntry::system(motcua_app::now(), "bench", "bench", serde_json::json!({}));
    let submission = Submission {
        procedure_code: motcua::samples::BIRTH.into(),
        agency: motcua_domain::agency::AgencyCode::parse(agency)?,
        channel: Channel::Online,
        applicant: applicant(),
        owner: None,
        idempotency: None,
        at: motcua_app::now(),
        actor: actor.clone(),
        receive: None,
        attachments: Vec::new(),
        form: None,
        uses_draft_of: None,
    };
    let started = Instant::now();
    let mut record: DossierRecord = store.submit_dossier(&submission).await?.into_record();
    timings.entry("submit").or_default().push(started.elapsed());
    let rating = Rating::new(vec![(RatingCriterion::Timeliness, 2)], None)?;
    let actions: [(&'static str, Action); 8] = [
        ("accept", Action::Accept),
        ("forward", Action::Forward),
        (
            "assign",
            Action::Assign {
                assignee: "chuyenvien".into(),
            },
        ),
        ("forward", Action::Forward),
        ("approve", Action::Approve),
        (
            "finish",
            Action::Finish {
                result: "Giấy khai sinh".into(),
                electronic: true,
            },
        ),
        ("return_result", Action::ReturnResult),
        ("rate", Action::Rate { rating }),
    ];
    for (name, action) in actions {
        let at = motcua_app::now();
        let ctx = Context {
            now: to_vn_local(&at),
            hours,
            holidays,
            steps: &record.steps,
            budget_minutes: record.budget_minutes as u32,
        };
        let after = record.dossier.apply(&action, &ctx)?;
        let started = Instant::now();
        record = store
            .commit_dossier_action(&record, &action, &after, at, actor.clone())
            .await?;
        timings.entry(name).or_default().push(started.elapsed());
    }
    Ok(())
}

fn report(label: &str, timings: &mut Timings) {
    println!("{label}");
    let mut all: Vec<Duration> = Vec::new();
    for (name, list) in timings.iter_mut() {
        list.sort();
        all.extend(list.iter().copied());
        let mean = list.iter().sum::<Duration>() / list.len().max(1) as u32;
        println!(
            "  {name:<14} n={:<6} mean {:>8.1} µs  p50 {:>8.1} µs  p95 {:>8.1} µs",
            list.len(),
            mean.as_secs_f64() * 1e6,
            percentile(list, 50.0).as_secs_f64() * 1e6,
            percentile(list, 95.0).as_secs_f64() * 1e6,
        );
    }
    all.sort();
    let mean = all.iter().sum::<Duration>() / all.len().max(1) as u32;
    println!(
        "  {:<14} n={:<6} mean {:>8.1} µs  p50 {:>8.1} µs  p95 {:>8.1} µs",
        "every write",
        all.len(),
        mean.as_secs_f64() * 1e6,
        percentile(&all, 50.0).as_secs_f64() * 1e6,
        percentile(&all, 95.0).as_secs_f64() * 1e6,
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dossiers: usize = env_or("DOSSIERS", 2000);
    let prefill: u64 = env_or("PREFILL", 0);
    let dir = tempfile::tempdir()?;
    let store = support::seeded_store(dir.path()).await?;
    if prefill > 0 {
        let started = Instant::now();
        motcua::generate::dossiers(
            &store,
            &motcua::generate::Options {
                count: prefill,
                days: 365,
                batch: 5_000,
                seed: 7,
            },
        )
        .await?;
        println!(
            "prefilled {prefill} dossiers in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    let agency = store
        .find_user_by_username("motcua.dongkinh")
        .await?
        .and_then(|u| u.agency_code)
        .ok_or_else(|| anyhow::anyhow!("no demo receiver"))?;
    let hours = WorkingHours::default();
    let holidays = HolidayCalendar::default();
    let with = store.clone();
    let without = store.clone().with_quality_hook(false);
    let (mut on, mut off) = (Timings::new(), Timings::new());
    // Warm up both paths, then alternate blocks so that drift affects both alike.
    for _ in 0..20 {
        one_dossier(&with, &agency, &hours, &holidays, &mut Timings::new()).await?;
        one_dossier(&without, &agency, &hours, &holidays, &mut Timings::new()).await?;
    }
    let block = 50;
    let started = Instant::now();
    for i in 0..dossiers / 2 {
        if (i / block) % 2 == 0 {
            one_dossier(&with, &agency, &hours, &holidays, &mut on).await?;
            one_dossier(&without, &agency, &hours, &holidays, &mut off).await?;
        } else {
            one_dossier(&without, &agency, &hours, &holidays, &mut off).await?;
            one_dossier(&with, &agency, &hours, &holidays, &mut on).await?;
        }
    }
    println!(
        "backend {}, {} dossiers, 9 writes each, {:.1}s",
        store.backend().as_str(),
        dossiers,
        started.elapsed().as_secs_f64()
    );
    report("with the quality hook", &mut on);
    report("without it", &mut off);
    // The aggregates were left stale by the writes without the hook: a recount mends them.
    let started = Instant::now();
    let recount = store.recount_quality_aggregates().await?;
    println!(
        "recount: {} dossiers → {} rows, {} facts in {:.2}s",
        recount.dossiers,
        recount.rows,
        recount.facts,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}

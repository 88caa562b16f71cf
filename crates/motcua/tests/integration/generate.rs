//! `motcua generate dossiers` on both backends: what it loads (in batches, oldest day first,
//! appended to a filled database too) is exactly what a recount of the quality aggregates
//! finds, and each agency's daily sequence carries on without a clash.

use crate::common::{Backend, TestApp};
use chrono::Datelike;
use motcua::generate::{Options, dossiers};
use motcua_domain::quality::{Figure, Month, Timeliness, timeliness};
use motcua_store::Drill;

async fn scenario(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let earlier: std::collections::BTreeSet<String> = app
        .store
        .quality_facts()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.dossier_code)
        .collect();
    let before = earlier.len();
    let first = Options {
        count: 1_200,
        days: 20,
        batch: 500,
        seed: 3,
    };
    assert_eq!(dossiers(&app.store, &first).await.unwrap(), 1_200);
    // A second run on the same days must continue the sequences (a clash fails the insert).
    let second = Options {
        count: 300,
        seed: 4,
        ..first
    };
    assert_eq!(dossiers(&app.store, &second).await.unwrap(), 300);

    let rows = app.store.quality_rows().await.unwrap();
    let facts = app.store.quality_facts().await.unwrap();
    // Most generated dossiers were received; a batch's facts take several multi-row inserts.
    assert!(facts.len() - before > 1_200, "{} facts", facts.len());
    // Every generated dossier went to a commune committee at work on its day (the run spans
    // the last 20 days, long after the committees abolished on 30/6/2025), and to many.
    let today = motcua_app::today_vn();
    let mut used = std::collections::BTreeSet::new();
    for f in facts.iter().filter(|f| !earlier.contains(&f.dossier_code)) {
        let agency = app
            .store
            .agency(&f.receiving_agency)
            .await
            .unwrap()
            .unwrap();
        assert!(agency.is_valid_at(today), "{} is not working", agency.code);
        used.insert(f.receiving_agency.clone());
    }
    assert!(used.len() > 10, "{} agencies", used.len());
    // The index's timeliness, recomputed dossier by dossier from the raw rows: every dossier
    // received this year counts once; the late ones are those that ended late and those still
    // open and past their time now. The API must say the same.
    let now = motcua_app::now();
    let local_now = motcua_domain::calendar::to_vn_local(&now);
    let year = today.format("%Y").to_string();
    let (mut timed, mut late, mut open) = (0, 0, 0);
    for f in &facts {
        if !f
            .received_month
            .as_deref()
            .is_some_and(|m| m.starts_with(&year))
        {
            continue;
        }
        let d = app
            .store
            .dossier(&f.dossier_code)
            .await
            .unwrap()
            .unwrap()
            .dossier;
        timed += 1;
        match timeliness(&d).unwrap() {
            Timeliness::Late => late += 1,
            Timeliness::Open {
                late_after: Some(t),
            } if t < local_now => late += 1,
            Timeliness::Open { .. } => open += 1,
            Timeliness::OnTime => {}
        }
    }
    assert!(late > 0 && open > 0, "{late} late, {open} open");
    let q: serde_json::Value =
        reqwest::get(app.url(&format!("/api/v1/stats/quality?period=year&at={year}-01")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let c = &q["counts"];
    assert_eq!(
        (
            c["timed"].as_i64(),
            c["timed_late"].as_i64(),
            c["timed_open"].as_i64()
        ),
        (Some(timed), Some(late), Some(open)),
        "{c}"
    );
    let on_time = crate::common::indicator(&q, "on_time");
    assert_eq!(on_time["numerator"], timed - late);
    // Drilling down lists exactly those late dossiers, the open ones past due included.
    let months: Vec<Month> = (1..=12)
        .filter_map(|m| Month::new(today.year(), m))
        .collect();
    let mut listed = 0;
    for page in 1.. {
        let rows = app
            .store
            .quality_dossiers(&Drill {
                figure: Figure::TimedLate,
                now,
                months: months.clone(),
                agencies: None,
                page,
                per_page: 200,
            })
            .await
            .unwrap();
        if rows.is_empty() {
            break;
        }
        listed += rows.len() as i64;
    }
    assert_eq!(listed, late);
    let report = app.store.recount_quality_aggregates().await.unwrap();
    assert!(report.dossiers >= 1_500);
    assert_eq!(rows, app.store.quality_rows().await.unwrap());
    assert_eq!(facts, app.store.quality_facts().await.unwrap());
    app.stop().await;
}

#[tokio::test]
async fn generated_dossiers_are_counted_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test]
async fn generated_dossiers_are_counted_on_postgres() {
    scenario(Backend::Postgres).await;
}

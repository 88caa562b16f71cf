//! `motcua generate dossiers` on both backends: what it loads (in batches, oldest day first,
//! appended to a filled database too) is exactly what a recount of the quality aggregates
//! finds, and each agency's daily sequence carries on without a clash.

use crate::common::{Backend, TestApp};
use motcua::generate::{Options, dossiers};

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

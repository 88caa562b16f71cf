//! Unit imports, searches, successions and the transition, run against SQLite and PostgreSQL.

use crate::common::{date, postgres_store, sqlite_store};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use motcua_domain::account::{Role, Username};
use motcua_domain::agency::AgencyKind;
use motcua_domain::audit::AuditEntry;
use motcua_domain::import::{AgencyEntry, Sourced};
use motcua_domain::transition::{Decision, PlanRules, plan};
use motcua_domain::unit::{SuccessionLink, UnitEntry, UnitKind, UnitSuccession};
use motcua_store::{
    AgencyQuery, ImportOutcome, ImportSource, LinkImportSummary, NewUser, Store, UnitImportSummary,
    UnitQuery,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 1, 0, 0).unwrap()
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry::system(t0(), action, "import:test", serde_json::json!({}))
}

fn source() -> ImportSource {
    ImportSource {
        name: "test.csv".into(),
        sha256: "0".repeat(64),
    }
}

fn no_progress(_: u64, _: u64) {}

fn entry(code: &str, full: &str, kind: UnitKind, parent: Option<&str>) -> Sourced<UnitEntry> {
    Sourced::new(
        format!("dòng {code}"),
        UnitEntry {
            code: code.into(),
            name: kind.short_name(full),
            full_name: full.into(),
            kind,
            parent_code: parent.map(Into::into),
        },
    )
}

fn old_list() -> Vec<Sourced<UnitEntry>> {
    vec![
        entry("20", "Tỉnh Lạng Sơn", UnitKind::Province, None),
        entry("178", "Thành phố Lạng Sơn", UnitKind::District, Some("20")),
        entry("189", "Huyện Đình Lập", UnitKind::District, Some("20")),
        entry("05977", "Phường Vĩnh Trại", UnitKind::Ward, Some("178")),
        entry("05980", "Phường Đông Kinh", UnitKind::Ward, Some("178")),
        entry(
            "06613",
            "Thị trấn Đình Lập",
            UnitKind::Township,
            Some("189"),
        ),
        entry("06622", "Xã Bính Xá", UnitKind::Commune, Some("189")),
        entry("06625", "Xã Kiên Mộc", UnitKind::Commune, Some("189")),
    ]
}

fn new_list() -> Vec<Sourced<UnitEntry>> {
    vec![
        entry("20", "Tỉnh Lạng Sơn", UnitKind::Province, None),
        entry("05977", "Phường Đông Kinh", UnitKind::Ward, Some("20")),
        entry("06613", "Xã Đình Lập", UnitKind::Commune, Some("20")),
        entry("06625", "Xã Kiên Mộc", UnitKind::Commune, Some("20")),
    ]
}

async fn import(store: &Store, list: &[Sourced<UnitEntry>], from: NaiveDate) -> UnitImportSummary {
    match store
        .import_units(
            list,
            from,
            None,
            &source(),
            audit("units.imported"),
            &no_progress,
        )
        .await
        .unwrap()
    {
        ImportOutcome::Done(s) => s,
        ImportOutcome::Rejected(p) => panic!("rejected: {p:?}"),
    }
}

async fn row_count(store: &Store) -> i64 {
    let counts = store.count_units_at(date(2025, 7, 1)).await.unwrap().total
        + store.count_units_at(date(2025, 6, 30)).await.unwrap().total;
    counts + store.count_successions().await.unwrap()
}

fn link(old: &str, new: &str, kind: SuccessionLink) -> Sourced<UnitSuccession> {
    Sourced::new(
        format!("{old}→{new}"),
        UnitSuccession {
            old_code: old.into(),
            new_code: new.into(),
            link: kind,
            effective: date(2025, 7, 1),
            legal_basis: "1672/NQ-UBTVQH15".into(),
        },
    )
}

async fn scenario(store: Store) {
    store.migrate().await.unwrap();
    let reform = date(2025, 7, 1);
    let s = import(&store, &old_list(), date(2008, 1, 1)).await;
    assert_eq!((s.opened, s.closed, s.unchanged), (8, 0, 0));
    let s = import(&store, &new_list(), reform).await;
    // 20 goes on; 05977, 06613, 06625 change (parent or name); 178, 189, 05980, 06622 end.
    assert_eq!((s.opened, s.closed, s.unchanged), (3, 7, 1), "{s:?}");
    let again = import(&store, &new_list(), reform).await;
    assert_eq!(
        again,
        UnitImportSummary {
            unchanged: 4,
            ..Default::default()
        }
    );
    let mut respelled = new_list();
    respelled[1].value.full_name = "phường Đông Kinh".into();
    let s = import(&store, &respelled, reform).await;
    assert_eq!((s.opened, s.unchanged, s.respelled), (0, 4, 1));

    // History is kept: the code names a different unit on each side of the reform.
    let before = store
        .unit_at("05977", date(2025, 6, 30))
        .await
        .unwrap()
        .unwrap();
    let after = store.unit_at("05977", reform).await.unwrap().unwrap();
    assert_eq!(before.full_name, "Phường Vĩnh Trại");
    assert_eq!(before.validity.valid_to, Some(date(2025, 6, 30)));
    assert_eq!(after.full_name, "Phường Đông Kinh");
    assert_eq!(store.unit_history("05977").await.unwrap().len(), 2);
    assert_eq!(
        store
            .unit_at("20", date(2010, 1, 1))
            .await
            .unwrap()
            .unwrap()
            .validity
            .valid_from,
        date(2008, 1, 1),
        "an unchanged unit keeps its interval"
    );

    // Search ignores diacritics and case, and respects the date.
    let search = |q: &str, at| UnitQuery {
        at,
        kind: None,
        parent: None,
        q: Some(q.into()),
        limit: 50,
        offset: 0,
    };
    let found = store
        .search_units(&search("dong kinh", reform))
        .await
        .unwrap();
    assert_eq!(found.units.len(), 1);
    assert_eq!(found.units[0].code, "05977");
    let found = store
        .search_units(&search("ĐÔNG KINH", date(2025, 6, 30)))
        .await
        .unwrap();
    assert_eq!(found.units[0].code, "05980");
    let found = store
        .search_units(&search("dinh lap", reform))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    let listing = UnitQuery {
        at: date(2025, 6, 30),
        kind: Some(UnitKind::District),
        parent: Some("20".into()),
        q: None,
        limit: 1,
        offset: 1,
    };
    let page = store.search_units(&listing).await.unwrap();
    assert_eq!((page.total, page.units[0].code.as_str()), (2, "189"));
    assert_eq!(store.child_units_at("20", reform).await.unwrap().len(), 3);

    // A bad list writes nothing and names each bad row.
    let rows = row_count(&store).await;
    let mut bad = new_list();
    bad.push(entry("06625", "Xã Trùng", UnitKind::Commune, Some("20")));
    bad.push(entry("06630", "Xã Mồ Côi", UnitKind::Commune, Some("99")));
    let ImportOutcome::Rejected(problems) = store
        .import_units(
            &bad,
            date(2026, 1, 1),
            None,
            &source(),
            audit("x"),
            &no_progress,
        )
        .await
        .unwrap()
    else {
        panic!("a bad list must be refused");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.source == "dòng 06630" && p.reason.contains("99"))
    );
    assert_eq!(row_count(&store).await, rows);
    // History is never rewritten: an older list cannot go under a newer one.
    let ImportOutcome::Rejected(problems) = store
        .import_units(
            &old_list(),
            date(2020, 1, 1),
            None,
            &source(),
            audit("x"),
            &no_progress,
        )
        .await
        .unwrap()
    else {
        panic!("an import under later history must be refused");
    };
    assert!(problems[0].reason.contains("lịch sử"), "{problems:?}");

    // Successions: the old side must exist the day before, the new side on the day.
    let links = vec![
        link("05977", "05977", SuccessionLink::Full),
        link("05980", "05977", SuccessionLink::Full),
        link("06613", "06613", SuccessionLink::Full),
        link("06622", "06613", SuccessionLink::Partial),
        link("06622", "06625", SuccessionLink::Partial),
        link("06625", "06625", SuccessionLink::Full),
    ];
    let import_links = |links: Vec<Sourced<UnitSuccession>>| {
        let store = store.clone();
        async move {
            store
                .import_successions(
                    &links,
                    reform,
                    &source(),
                    audit("successions.imported"),
                    &no_progress,
                )
                .await
                .unwrap()
        }
    };
    let mut wrong = links.clone();
    wrong.push(link("05980", "09999", SuccessionLink::Full));
    let ImportOutcome::Rejected(problems) = import_links(wrong).await else {
        panic!("a link to an unknown unit must be refused");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "09999");
    assert_eq!(store.count_successions().await.unwrap(), 0);
    let ImportOutcome::Done(s) = import_links(links.clone()).await else {
        panic!()
    };
    assert_eq!(
        s,
        LinkImportSummary {
            added: 6,
            updated: 0,
            unchanged: 0
        }
    );
    let ImportOutcome::Done(s) = import_links(links).await else {
        panic!()
    };
    assert_eq!((s.added, s.unchanged), (0, 6));
    let preds = store.predecessors(&after).await.unwrap();
    let names: Vec<_> = preds
        .iter()
        .map(|p| p.old_unit.as_ref().unwrap().full_name.as_str())
        .collect();
    assert_eq!(names, ["Phường Vĩnh Trại", "Phường Đông Kinh"]);
    let succ = store.successors(&before).await.unwrap();
    assert_eq!(succ.len(), 1);
    assert_eq!(
        succ[0].new_unit.as_ref().unwrap().full_name,
        "Phường Đông Kinh"
    );
    assert!(store.predecessors(&before).await.unwrap().is_empty());
    assert!(store.successors(&after).await.unwrap().is_empty());

    // Agencies: one bad identifier refuses the whole file.
    let agency =
        |code: &str, unit: &str, kind: &str, parent: Option<&str>, to: Option<NaiveDate>| {
            Sourced::new(
                format!("dòng {code}"),
                AgencyEntry {
                    code: code.into(),
                    name: format!("UBND {unit}"),
                    kind: kind.into(),
                    unit_code: unit.into(),
                    parent_code: parent.map(Into::into),
                    valid_from: None,
                    valid_to: to,
                },
            )
        };
    let closed = Some(date(2025, 6, 30));
    let mut agencies = vec![
        agency(
            "000.01.20.H37",
            "06622",
            "commune_committee",
            Some("000.00.00.H37"),
            closed,
        ),
        agency("000.00.00.H37", "20", "provincial_committee", None, None),
        agency(
            "000.02.20.H37",
            "05980",
            "commune_committee",
            Some("000.00.00.H37"),
            closed,
        ),
        agency("000.00.21.H37", "189", "other", Some("000.00.00.H37"), None),
        agency(
            "000.01.40.H37",
            "05977",
            "commune_committee",
            Some("000.00.00.H37"),
            None,
        ),
        agency(
            "000.02.40.H37",
            "06613",
            "commune_committee",
            Some("000.00.00.H37"),
            None,
        ),
        agency(
            "000.03.40.H37",
            "06625",
            "commune_committee",
            Some("000.00.00.H37"),
            None,
        ),
    ];
    let import_agencies = |list: Vec<Sourced<AgencyEntry>>| {
        let store = store.clone();
        async move {
            store
                .import_agencies(&list, reform, &source(), t0(), audit("agencies.imported"))
                .await
                .unwrap()
        }
    };
    let mut bad = agencies.clone();
    bad.push(agency(
        "000.0X.40.H37",
        "06625",
        "commune_committee",
        None,
        None,
    ));
    let ImportOutcome::Rejected(problems) = import_agencies(bad).await else {
        panic!("an invalid identifier must be refused");
    };
    assert_eq!(problems[0].code, "000.0X.40.H37");
    assert!(store.agencies(None).await.unwrap().is_empty());
    let ImportOutcome::Done(s) = import_agencies(agencies.clone()).await else {
        panic!()
    };
    assert_eq!(s.added, 7);
    agencies[4].value.name = "Ủy ban nhân dân phường Đông Kinh".into();
    let ImportOutcome::Done(s) = import_agencies(agencies).await else {
        panic!()
    };
    assert_eq!((s.added, s.updated, s.unchanged), (0, 1, 6));
    let working = store
        .find_agencies(&AgencyQuery {
            at: Some(reform),
            kind: Some(AgencyKind::CommuneCommittee),
            unit: None,
        })
        .await
        .unwrap();
    assert_eq!(working.len(), 3);

    // The transition: users follow their abolished agency to its successor.
    for (name, agency) in [
        ("a.binhxa", "000.01.20.H37"),
        ("b.dongkinh", "000.02.20.H37"),
    ] {
        let user = NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.into(),
            password_hash: "x".into(),
            role: Role::Receiver,
            agency_code: Some(agency.into()),
        };
        store
            .create_user(&user, t0(), audit("user.created"))
            .await
            .unwrap();
    }
    let (abolished, working) = store.transition_facts(reform).await.unwrap();
    let codes: Vec<_> = abolished.iter().map(|a| a.agency.code.as_str()).collect();
    assert_eq!(codes, ["000.00.21.H37", "000.01.20.H37", "000.02.20.H37"]);
    let p = plan(reform, &abolished, &working, &PlanRules::default());
    assert_eq!(p.agencies[0].decision, Decision::ParentAgency);
    assert!(p.agencies[1].target.is_none(), "Bính Xá was split");
    assert_eq!(p.agencies[2].target.as_ref().unwrap().code, "000.01.40.H37");
    assert_eq!(p.undecided().len(), 2);
    let actor = AuditEntry::system(t0(), "transition", "transition", serde_json::json!({}));
    let report = store.apply_transition(&p, t0(), &actor).await.unwrap();
    assert_eq!((report.items_moved, report.items_left), (1, 1));
    assert_eq!(
        report.agencies_closed, 1,
        "the district's agency was still open"
    );
    let moved = store
        .find_user_by_username("b.dongkinh")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.agency_code.as_deref(), Some("000.01.40.H37"));

    let rules = PlanRules {
        assignments: vec!["06622=06625".parse().unwrap()],
        by_address: false,
    };
    let (abolished, working) = store.transition_facts(reform).await.unwrap();
    let p = plan(reform, &abolished, &working, &rules);
    assert!(p.undecided().is_empty());
    let report = store.apply_transition(&p, t0(), &actor).await.unwrap();
    assert_eq!(report.items_moved, 1);
    let again = store.apply_transition(&p, t0(), &actor).await.unwrap();
    assert_eq!(
        (
            again.items_moved,
            again.agencies_closed,
            again.agencies_linked
        ),
        (0, 0, 0),
        "applying twice changes nothing"
    );
    let binhxa = store.agency("000.01.20.H37").await.unwrap().unwrap();
    assert_eq!(binhxa.successor_code.unwrap().as_str(), "000.03.40.H37");
    let moves = store.transition_moves(reform).await.unwrap();
    assert_eq!(moves.iter().filter(|m| m.kind == "user").count(), 2);
    let events = store.audit_events_for("user:a.binhxa").await.unwrap();
    assert_eq!(events.last().unwrap().entry.action, "transition.item_moved");
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    let runs = store.import_runs(100).await.unwrap();
    assert_eq!(
        runs.len(),
        5,
        "only imports that changed something are recorded"
    );
    store.close().await;
}

#[tokio::test]
async fn sqlite_units() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    scenario(store).await;
}

#[tokio::test]
async fn postgres_units() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}

//! One scenario, run against SQLite and PostgreSQL: both backends must behave alike.

use crate::common::{date, postgres_store, sqlite_store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use motcua_domain::account::{LOGIN_MAX_FAILURES, LOGIN_THROTTLE, Role, Username};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::unit::{AdminUnit, SuccessionLink, UnitKind, UnitSuccession, Validity};
use motcua_store::{NewUser, SeedData, Store, StoreError, ThrottleState};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 1, 0, 0).unwrap()
}

fn audit(action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at: t0(),
        actor: "system".into(),
        actor_role: None,
        agency_code: None,
        action: action.into(),
        subject: subject.into(),
        detail: "{}".into(),
    }
}

fn unit(
    code: &str,
    name: &str,
    kind: UnitKind,
    parent: Option<&str>,
    from: (i32, u32, u32),
    to: Option<(i32, u32, u32)>,
) -> AdminUnit {
    AdminUnit {
        code: code.into(),
        name: kind.short_name(name),
        full_name: name.into(),
        kind,
        parent_code: parent.map(Into::into),
        validity: Validity {
            valid_from: date(from.0, from.1, from.2),
            valid_to: to.map(|t| date(t.0, t.1, t.2)),
        },
    }
}

fn seed() -> SeedData {
    let agency = |code: &str, name: &str, kind, unit: &str, parent: Option<&str>| {
        Agency::new(
            AgencyCode::parse(code).unwrap(),
            name,
            kind,
            unit,
            parent.map(|p| AgencyCode::parse(p).unwrap()),
        )
    };
    SeedData {
        units: vec![
            unit(
                "20",
                "Tỉnh Lạng Sơn",
                UnitKind::Province,
                None,
                (1945, 9, 2),
                None,
            ),
            unit(
                "05977",
                "Phường Vĩnh Trại",
                UnitKind::Ward,
                Some("20"),
                (2008, 1, 1),
                Some((2025, 6, 30)),
            ),
            unit(
                "05977",
                "Phường Đông Kinh",
                UnitKind::Ward,
                Some("20"),
                (2025, 7, 1),
                None,
            ),
            unit(
                "06040",
                "Xã Mai Pha",
                UnitKind::Commune,
                Some("20"),
                (2025, 7, 1),
                None,
            ),
        ],
        successions: vec![UnitSuccession {
            old_code: "05977".into(),
            new_code: "05977".into(),
            link: SuccessionLink::Full,
            effective: date(2025, 7, 1),
            legal_basis: "1672/NQ-UBTVQH15".into(),
        }],
        agencies: vec![
            agency(
                "000.00.00.H37",
                "UBND tỉnh Lạng Sơn",
                AgencyKind::ProvincialCommittee,
                "20",
                None,
            ),
            agency(
                "000.00.01.H37",
                "UBND phường Đông Kinh",
                AgencyKind::CommuneCommittee,
                "05977",
                Some("000.00.00.H37"),
            ),
        ],
        users: vec![],
        settings: vec![("demo".into(), "test".into())],
        catalogue: None,
    }
}

async fn scenario(store: Store) {
    assert!(
        store.migrate().await.unwrap() >= 1,
        "a new database gets its migrations"
    );
    assert_eq!(
        store.migrate().await.unwrap(),
        0,
        "migrating twice applies nothing"
    );
    store.ping().await.unwrap();
    store
        .load_seed(&seed(), t0(), audit("seed.loaded", "seed:test"))
        .await
        .unwrap();

    // Units are codes at dates: the same code names two different wards.
    let before = store
        .unit_at("05977", date(2025, 6, 30))
        .await
        .unwrap()
        .unwrap();
    let after = store
        .unit_at("05977", date(2025, 7, 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.full_name, "Phường Vĩnh Trại");
    assert_eq!(after.full_name, "Phường Đông Kinh");
    assert_eq!(after.name, "Đông Kinh");
    let counts = store
        .count_child_units_at("20", date(2025, 7, 1))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.total,
            counts.of(UnitKind::Ward),
            counts.of(UnitKind::Commune)
        ),
        (2, 1, 1)
    );
    assert_eq!(
        store
            .child_units_at("20", date(2025, 6, 1))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.count_successions().await.unwrap(), 1);
    assert_eq!(
        store.setting("demo").await.unwrap().as_deref(),
        Some("test")
    );

    let commune = store.agency("000.00.01.H37").await.unwrap().unwrap();
    assert_eq!(commune.parent_code.unwrap().as_str(), "000.00.00.H37");
    assert_eq!(
        store
            .agencies(Some(AgencyKind::CommuneCommittee))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.agencies(None).await.unwrap().len(), 2);

    // Users: create, find, refuse duplicates and unknown agencies without writing anything.
    let new_user = NewUser {
        username: Username::parse("mot.cua").unwrap(),
        display_name: "Cán bộ một cửa".into(),
        password_hash: "$argon2id$placeholder".into(),
        role: Role::Receiver,
        agency_code: Some("000.00.01.H37".into()),
    };
    let user = store
        .create_user(&new_user, t0(), audit("user.created", "user:mot.cua"))
        .await
        .unwrap();
    let found = store
        .find_user_by_username("mot.cua")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.role, found.agency_code.as_deref()),
        (user.id, Role::Receiver, Some("000.00.01.H37"))
    );
    let dup = store
        .create_user(&new_user, t0(), audit("user.created", "user:mot.cua"))
        .await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Conflict {
                code: "username_taken",
                ..
            })
        ),
        "{dup:?}"
    );
    let mut orphan = new_user.clone();
    orphan.username = Username::parse("orphan").unwrap();
    orphan.agency_code = Some("000.99.99.H37".into());
    assert!(matches!(
        store
            .create_user(&orphan, t0(), audit("user.created", "user:orphan"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.count_users().await.unwrap(), 1);

    // Sessions and tokens expire.
    let later = t0() + Duration::hours(1);
    store
        .create_session(
            "s1",
            user.id,
            t0(),
            later,
            audit("session.login", "user:mot.cua"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .user_for_session("s1", t0())
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
    assert!(store.user_for_session("s1", later).await.unwrap().is_none());
    assert!(
        store
            .user_for_session("nope", t0())
            .await
            .unwrap()
            .is_none()
    );
    store
        .create_api_token(
            "t1",
            user.id,
            t0(),
            later,
            audit("token.issued", "user:mot.cua"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .user_for_api_token("t1", t0())
            .await
            .unwrap()
            .unwrap()
            .username,
        "mot.cua"
    );
    assert!(
        store
            .delete_session("s1", Some(audit("session.logout", "user:mot.cua")))
            .await
            .unwrap()
    );
    assert!(!store.delete_session("s1", None).await.unwrap());
    assert_eq!(
        store.purge_expired(later).await.unwrap(),
        1,
        "the expired token goes"
    );
    assert!(
        store
            .user_for_api_token("t1", t0())
            .await
            .unwrap()
            .is_none()
    );

    // Throttling locks a key after the limit and forgets old windows.
    let keys = vec!["user:mot.cua".to_string(), "ip:127.0.0.1".to_string()];
    for i in 1..LOGIN_MAX_FAILURES {
        let state = store
            .record_failure(&keys, t0(), LOGIN_THROTTLE)
            .await
            .unwrap();
        assert_eq!(state, ThrottleState::Open, "failure {i}");
    }
    let locked = store
        .record_failure(&keys, t0(), LOGIN_THROTTLE)
        .await
        .unwrap();
    assert!(matches!(locked, ThrottleState::LockedUntil(_)));
    assert!(matches!(
        store.throttle_state("ip:127.0.0.1", t0()).await.unwrap(),
        ThrottleState::LockedUntil(_)
    ));
    assert_eq!(
        store
            .throttle_state("ip:127.0.0.1", t0() + Duration::hours(1))
            .await
            .unwrap(),
        ThrottleState::Open
    );
    store.clear_failures("user:mot.cua").await.unwrap();
    assert_eq!(
        store.throttle_state("user:mot.cua", t0()).await.unwrap(),
        ThrottleState::Open
    );
    let fresh_window = store
        .record_failure(&keys[1..], t0() + Duration::hours(2), LOGIN_THROTTLE)
        .await
        .unwrap();
    assert_eq!(
        fresh_window,
        ThrottleState::Open,
        "a new window starts over"
    );

    // The audit chain holds every committed event and nothing from failed writes.
    let verification = store.verify_audit_chain().await.unwrap();
    assert!(verification.is_intact(), "{:?}", verification.breaks);
    let actions: Vec<String> = store
        .recent_audit_events(100)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.entry.action)
        .collect();
    assert_eq!(
        actions,
        [
            "seed.loaded",
            "user.created",
            "session.login",
            "token.issued",
            "session.logout"
        ]
    );
    assert_eq!(
        store.audit_events_for("user:mot.cua").await.unwrap().len(),
        4
    );
    store.close().await;
}

/// Holiday arrangements and working hours: stored exactly, versioned, audited, and
/// refused as a whole when they do not fit.
async fn calendar_scenario(store: Store) {
    use motcua_domain::calendar::{
        DayOff, MonthDay, Season, Session, WorkingHoursConfig, YearArrangement,
    };
    store.migrate().await.unwrap();
    store
        .load_seed(&seed(), t0(), audit("seed.loaded", "seed:test"))
        .await
        .unwrap();
    let (version, none) = store.holiday_arrangements().await.unwrap();
    assert_eq!((version, none.len()), (0, 0));
    assert!(store.holiday_arrangement(2026).await.unwrap().is_none());

    let arrangement = YearArrangement {
        year: 2026,
        notice_number: "6150/TB-BLĐTBXH".into(),
        notice_date: date(2025, 11, 14),
        // Out of order on purpose: the stored form keeps what was written.
        extra_days_off: vec![
            DayOff {
                date: date(2026, 2, 13),
                name: "Nghỉ Tết (hoán đổi)".into(),
            },
            DayOff {
                date: date(2026, 1, 2),
                name: "Nghỉ hoán đổi \"Tết Dương lịch\"".into(),
            },
        ],
        working_days: vec![date(2026, 1, 10), date(2026, 2, 28)],
        removed_defaults: vec![date(2026, 9, 1)],
    };
    let v1 = store
        .put_holiday_arrangement(
            &arrangement,
            t0(),
            "quantri.tinh",
            audit("calendar.arrangement_saved", "holiday_arrangement:2026"),
        )
        .await
        .unwrap();
    assert_eq!(v1, 1);
    let stored = store.holiday_arrangement(2026).await.unwrap().unwrap();
    assert_eq!(stored.arrangement, arrangement, "round trip is exact");
    assert_eq!(
        (stored.updated_at, stored.updated_by.as_str()),
        (t0(), "quantri.tinh")
    );

    // Replacing the year's arrangement keeps one row and moves the version on.
    let mut revised = arrangement.clone();
    revised.notice_number = "6151/TB-BLĐTBXH".into();
    revised.working_days.pop();
    let later = t0() + Duration::days(1);
    let v2 = store
        .put_holiday_arrangement(
            &revised,
            later,
            "quantri.tinh",
            audit("calendar.arrangement_saved", "holiday_arrangement:2026"),
        )
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let next_year = YearArrangement {
        year: 2027,
        notice_number: "1/TB".into(),
        notice_date: date(2026, 10, 1),
        extra_days_off: vec![],
        working_days: vec![],
        removed_defaults: vec![],
    };
    store
        .put_holiday_arrangement(
            &next_year,
            later,
            "quantri.tinh",
            audit("calendar.arrangement_saved", "holiday_arrangement:2027"),
        )
        .await
        .unwrap();
    let (version, all) = store.holiday_arrangements().await.unwrap();
    assert_eq!(version, 3);
    assert_eq!(store.calendar_version().await.unwrap(), 3);
    assert_eq!(
        all.iter().map(|s| &s.arrangement).collect::<Vec<_>>(),
        [&revised, &next_year]
    );

    // An arrangement that clashes with another year's is refused and writes nothing.
    let mut clash = next_year.clone();
    clash.extra_days_off.push(DayOff {
        date: date(2026, 1, 10),
        name: "Trùng".into(),
    });
    clash.year = 2025;
    let refused = store
        .put_holiday_arrangement(
            &clash,
            later,
            "quantri.tinh",
            audit("calendar.arrangement_saved", "holiday_arrangement:2025"),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Conflict {
                code: "arrangement_conflict",
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(store.calendar_version().await.unwrap(), 3);
    assert!(store.holiday_arrangement(2025).await.unwrap().is_none());

    // Working hours: defaults until set, exact round trip, unknown agencies refused.
    let agency = "000.00.01.H37";
    assert!(store.agency_working_hours(agency).await.unwrap().is_none());
    let seasonal = WorkingHoursConfig {
        seasons: vec![
            Season {
                from: MonthDay::new(4, 15),
                sessions: vec![Session::hm(7, 0, 11, 30), Session::hm(13, 30, 17, 0)],
            },
            Season {
                from: MonthDay::new(10, 15),
                sessions: vec![Session::hm(7, 30, 11, 30), Session::hm(13, 0, 17, 0)],
            },
        ],
        ..WorkingHoursConfig::default()
    };
    store
        .put_agency_working_hours(
            agency,
            &seasonal,
            t0(),
            "quantri.dongkinh",
            audit("agency.working_hours_saved", "agency:000.00.01.H37"),
        )
        .await
        .unwrap();
    let hours = store.agency_working_hours(agency).await.unwrap().unwrap();
    assert_eq!(
        (
            hours.agency_code.as_str(),
            &hours.config,
            hours.updated_by.as_str()
        ),
        (agency, &seasonal, "quantri.dongkinh")
    );
    let plain = WorkingHoursConfig::default();
    store
        .put_agency_working_hours(
            agency,
            &plain,
            later,
            "quantri.tinh",
            audit("agency.working_hours_saved", "agency:000.00.01.H37"),
        )
        .await
        .unwrap();
    let hours = store.agency_working_hours(agency).await.unwrap().unwrap();
    assert_eq!((hours.config, hours.updated_at), (plain.clone(), later));
    assert!(matches!(
        store
            .put_agency_working_hours(
                "000.09.09.H37",
                &plain,
                later,
                "quantri.tinh",
                audit("agency.working_hours_saved", "agency:000.09.09.H37"),
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.calendar_version().await.unwrap(),
        3,
        "working hours are not cached, so they leave the version alone"
    );

    let verification = store.verify_audit_chain().await.unwrap();
    assert!(verification.is_intact(), "{:?}", verification.breaks);
    assert_eq!(verification.events, 6, "one event per committed change");
    assert_eq!(
        store
            .audit_events_for("holiday_arrangement:2026")
            .await
            .unwrap()
            .len(),
        2
    );
    store.close().await;
}

#[tokio::test]
async fn sqlite_calendar_conformance() {
    let dir = tempfile::tempdir().unwrap();
    calendar_scenario(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_calendar_conformance() {
    let Some(store) = postgres_store().await else {
        return;
    };
    calendar_scenario(store).await;
}

#[tokio::test]
async fn sqlite_conformance() {
    let dir = tempfile::tempdir().unwrap();
    scenario(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_conformance() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let Some(postgres) = postgres_store().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_store(&dir).await;
    sqlite.migrate().await.unwrap();
    postgres.migrate().await.unwrap();
    let a = sqlite.describe_schema().await.unwrap();
    let b = postgres.describe_schema().await.unwrap();
    assert!(a.columns.len() > 30, "the description reads real columns");
    let only_sqlite: Vec<_> = a.columns.difference(&b.columns).collect();
    let only_postgres: Vec<_> = b.columns.difference(&a.columns).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "columns differ:\nsqlite only: {only_sqlite:#?}\npostgres only: {only_postgres:#?}"
    );
    let only_sqlite: Vec<_> = a.indexes.difference(&b.indexes).collect();
    let only_postgres: Vec<_> = b.indexes.difference(&a.indexes).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "indexes differ:\nsqlite only: {only_sqlite:#?}\npostgres only: {only_postgres:#?}"
    );
}

#[tokio::test]
async fn a_failed_seed_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    store.migrate().await.unwrap();
    let mut bad = seed();
    // The second agency names a parent that does not exist: the whole load must roll back.
    bad.agencies[1].parent_code = Some(AgencyCode::parse("000.09.09.H37").unwrap());
    assert!(
        store
            .load_seed(&bad, t0(), audit("seed.loaded", "seed:test"))
            .await
            .is_err()
    );
    assert!(
        store
            .unit_at("20", date(2025, 7, 1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.agencies(None).await.unwrap().is_empty());
    assert_eq!(store.verify_audit_chain().await.unwrap().events, 0);
}

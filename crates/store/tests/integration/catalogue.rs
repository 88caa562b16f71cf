//! The procedure catalogue, run against SQLite and PostgreSQL: both backends must behave alike.

use crate::common::{code_of, date, postgres_store, sqlite_store};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::procedure::{
    Applicant, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime, SubmissionChannel,
    VersionState,
};
use motcua_store::{CatalogueLoad, Devolution, NewDecision, Publication, SeedData, Store};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 1, 0, 0).unwrap()
}

fn audit(action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at: t0(),
        actor: "quantri.tinh".into(),
        actor_role: Some("province_admin".into()),
        agency_code: None,
        action: action.into(),
        subject: subject.into(),
        detail: "{}".into(),
    }
}

fn code(c: &str) -> ProcedureCode {
    ProcedureCode::parse(c).unwrap()
}

fn procedure(c: &str, name: &str, level: Level) -> Procedure {
    Procedure {
        code: code(c),
        name: name.into(),
        sector: "ho_tich".into(),
        levels: vec![level],
        agency_code: (level == Level::Province)
            .then(|| AgencyCode::parse("000.00.02.H37").unwrap()),
        agency_kind: Some(match level {
            Level::Province => AgencyKind::Department,
            Level::Commune => AgencyKind::CommuneCommittee,
        }),
        applicants: vec![Applicant::Citizen],
        processing_time: ProcessingTime::days(3),
        service_norm: None,
        fees: vec![],
        documents: vec![],
        steps: "Nộp hồ sơ.".into(),
        channels: vec![SubmissionChannel::Online],
        online_level: OnlineLevel::Full,
        online_reason: None,
        results: vec![],
        legal_bases: vec![],
        valid_from: Some(date(2025, 7, 1)),
        valid_to: None,
        form: None,
    }
}

fn decision(number: &str, on: NaiveDate) -> NewDecision {
    NewDecision {
        number: number.into(),
        decided_on: on,
        signer: "Chủ tịch UBND tỉnh".into(),
        required_count: Some(2),
    }
}

fn seed() -> SeedData {
    let agency = |c: &str, name: &str, kind, parent: Option<&str>| Agency {
        code: AgencyCode::parse(c).unwrap(),
        name: name.into(),
        kind,
        unit_code: "20".into(),
        parent_code: parent.map(|p| AgencyCode::parse(p).unwrap()),
        valid_from: None,
        valid_to: None,
        successor_code: None,
    };
    SeedData {
        agencies: vec![
            agency(
                "000.00.00.H37",
                "UBND tỉnh",
                AgencyKind::ProvincialCommittee,
                None,
            ),
            agency(
                "000.00.02.H37",
                "Sở Tư pháp",
                AgencyKind::Department,
                Some("000.00.00.H37"),
            ),
            agency(
                "000.01.40.H37",
                "UBND xã",
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
        ],
        ..SeedData::default()
    }
}

async fn scenario(store: Store) {
    store.migrate().await.unwrap();
    store
        .load_seed(&seed(), t0(), audit("seed.loaded", "seed:test"))
        .await
        .unwrap();
    let sectors = store.sectors().await.unwrap();
    assert!(
        sectors
            .iter()
            .any(|s| s.code == "ho_tich" && s.name == "Hộ tịch")
    );
    assert!(sectors.len() >= 20);
    let sets = store.procedure_sets().await.unwrap();
    assert_eq!(sets[0].code, "dvc_thiet_yeu");
    let rev0 = store.catalogue_revision().await.unwrap();

    // Drafts: created once, refused twice, checked against the catalogues.
    let birth = procedure("1.001193", "Đăng ký khai sinh", Level::Commune);
    let v = store
        .create_procedure(
            &birth,
            t0(),
            audit("procedure.created", "procedure:1.001193"),
        )
        .await
        .unwrap();
    assert_eq!((v.version_no, v.state), (1, VersionState::Draft));
    assert!(store.catalogue_revision().await.unwrap() > rev0);
    let dup = store
        .create_procedure(
            &birth,
            t0(),
            audit("procedure.created", "procedure:1.001193"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&dup), "duplicate_procedure_code");
    let mut bad = procedure("9.1", "Sai lĩnh vực", Level::Commune);
    bad.sector = "khong_co".into();
    let err = store
        .create_procedure(&bad, t0(), audit("procedure.created", "procedure:9.1"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "unknown_sector");
    let mut bad = procedure("9.2", "Sai cơ quan", Level::Province);
    bad.agency_code = Some(AgencyCode::parse("000.00.99.H37").unwrap());
    let err = store
        .create_procedure(&bad, t0(), audit("procedure.created", "procedure:9.2"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "unknown_agency");
    assert!(store.procedure_record("9.1").await.unwrap().is_none());
    assert!(store.procedure_record("9.2").await.unwrap().is_none());
    let err = store
        .save_draft(
            &procedure("9.3", "Không có", Level::Commune),
            t0(),
            audit("procedure.draft_saved", "procedure:9.3"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "not_found");

    let record = procedure("2.000488", "Cấp Phiếu lý lịch tư pháp", Level::Province);
    store
        .create_procedure(
            &record,
            t0(),
            audit("procedure.created", "procedure:2.000488"),
        )
        .await
        .unwrap();
    assert_eq!(store.drafts().await.unwrap().len(), 2);

    // Publication under a decision.
    let outcome = store
        .publish(
            &Publication {
                decision: decision("1001/QĐ-UBND", date(2025, 6, 25)),
                publish: vec![code("1.001193"), code("2.000488")],
                withdraw: vec![],
            },
            t0(),
            audit("publication.decided", "decision:1001/QĐ-UBND"),
        )
        .await
        .unwrap();
    assert_eq!(outcome.published.len(), 2);
    let current = store.published_version("1.001193").await.unwrap().unwrap();
    assert_eq!(current.state, VersionState::Published);
    assert_eq!(current.published_decision.unwrap().number, "1001/QĐ-UBND");
    assert!(store.drafts().await.unwrap().is_empty());

    // A new draft leaves the published version in force until it is published itself.
    let mut renamed = birth.clone();
    renamed.name = "Đăng ký khai sinh (sửa đổi)".into();
    let v2 = store
        .save_draft(
            &renamed,
            t0(),
            audit("procedure.draft_saved", "procedure:1.001193"),
        )
        .await
        .unwrap();
    assert_eq!(v2.version_no, 2);
    renamed.processing_time = ProcessingTime::days(2);
    let v2b = store
        .save_draft(
            &renamed,
            t0(),
            audit("procedure.draft_saved", "procedure:1.001193"),
        )
        .await
        .unwrap();
    assert_eq!(
        (v2b.version_no, v2b.id),
        (2, v2.id),
        "the open draft is rewritten"
    );
    assert_eq!(
        store
            .published_version("1.001193")
            .await
            .unwrap()
            .unwrap()
            .version_no,
        1
    );
    store
        .publish(
            &Publication {
                decision: decision("1002/QĐ-UBND", date(2025, 8, 1)),
                publish: vec![code("1.001193")],
                withdraw: vec![],
            },
            t0(),
            audit("publication.decided", "decision:1002/QĐ-UBND"),
        )
        .await
        .unwrap();
    let v1 = store
        .procedure_version("1.001193", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.state, VersionState::Superseded);
    assert_eq!(v1.ended_decision.unwrap().number, "1002/QĐ-UBND");
    let v2 = store.published_version("1.001193").await.unwrap().unwrap();
    assert_eq!(
        (v2.version_no, v2.procedure.processing_time),
        (2, ProcessingTime::days(2))
    );
    // Same place of handling: the assignment carries on untouched.
    assert_eq!(store.assignments("1.001193").await.unwrap().len(), 1);

    // Nothing to publish, or a number already used: refused, and nothing written.
    let decisions_before = store.decisions().await.unwrap().len();
    let err = store
        .publish(
            &Publication {
                decision: decision("1003/QĐ-UBND", date(2025, 8, 2)),
                publish: vec![code("1.001193")],
                withdraw: vec![],
            },
            t0(),
            audit("publication.decided", "decision:1003/QĐ-UBND"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "invalid_state_transition");
    let err = store
        .publish(
            &Publication {
                decision: decision("1001/QĐ-UBND", date(2025, 8, 2)),
                publish: vec![],
                withdraw: vec![code("2.000488")],
            },
            t0(),
            audit("publication.decided", "decision:1001/QĐ-UBND"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "duplicate_decision_number");
    assert_eq!(store.decisions().await.unwrap().len(), decisions_before);

    // Devolution: the provincial procedure moves to the communes from 2026.
    let rev = store.catalogue_revision().await.unwrap();
    store
        .devolve(
            &Devolution {
                code: code("2.000488"),
                from_level: Some(Level::Province),
                to_level: Level::Commune,
                agency_code: None,
                agency_kind: Some(AgencyKind::CommuneCommittee),
                effective_from: date(2026, 1, 1),
                note: "Nghị định phân cấp".into(),
            },
            t0(),
            audit("procedure.devolved", "procedure:2.000488"),
        )
        .await
        .unwrap();
    assert!(store.catalogue_revision().await.unwrap() > rev);
    let at = |d| {
        let store = store.clone();
        async move {
            store
                .applicable_at(d)
                .await
                .unwrap()
                .into_iter()
                .map(|a| (a.code, a.level))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        at(date(2025, 12, 31)).await,
        [
            ("1.001193".to_string(), Level::Commune),
            ("2.000488".to_string(), Level::Province)
        ]
    );
    assert_eq!(
        at(date(2026, 1, 1)).await,
        [
            ("1.001193".to_string(), Level::Commune),
            ("2.000488".to_string(), Level::Commune)
        ]
    );
    assert!(at(date(2025, 6, 30)).await.is_empty());
    let err = store
        .devolve(
            &Devolution {
                code: code("2.000488"),
                from_level: None,
                to_level: Level::Province,
                agency_code: Some(AgencyCode::parse("000.00.98.H37").unwrap()),
                agency_kind: None,
                effective_from: date(2026, 1, 1),
                note: String::new(),
            },
            t0(),
            audit("procedure.devolved", "procedure:2.000488"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "unknown_agency");

    // Withdrawal ends it from the decision's date; history stays.
    store
        .publish(
            &Publication {
                decision: decision("1004/QĐ-UBND", date(2026, 3, 1)),
                publish: vec![],
                withdraw: vec![code("1.001193")],
            },
            t0(),
            audit("publication.decided", "decision:1004/QĐ-UBND"),
        )
        .await
        .unwrap();
    assert!(store.published_version("1.001193").await.unwrap().is_none());
    let withdrawn = store
        .procedure_version("1.001193", 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(withdrawn.state, VersionState::Withdrawn);
    assert_eq!(
        at(date(2026, 3, 1)).await,
        [("2.000488".to_string(), Level::Commune)]
    );
    assert_eq!(at(date(2026, 2, 28)).await.len(), 2);
    let err = store
        .publish(
            &Publication {
                decision: decision("1005/QĐ-UBND", date(2026, 3, 2)),
                publish: vec![],
                withdraw: vec![code("1.001193")],
            },
            t0(),
            audit("publication.decided", "decision:1005/QĐ-UBND"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "invalid_state_transition");

    // A whole catalogue at once, with its set memberships.
    let mut a = procedure("1.000656", "Đăng ký khai tử", Level::Commune);
    a.online_level = OnlineLevel::Full;
    let b = procedure(
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp (cập nhật)",
        Level::Province,
    );
    let (_, loaded) = store
        .load_catalogue(
            &CatalogueLoad {
                decision: decision("NHAP-1", date(2026, 4, 1)),
                procedures: vec![a, b],
                memberships: vec![("dvc_thiet_yeu".into(), "1.000656".into())],
            },
            t0(),
            audit("catalogue.imported", "catalogue"),
        )
        .await
        .unwrap();
    assert_eq!(
        (loaded.created, loaded.updated),
        (vec!["1.000656".to_string()], vec!["2.000488".to_string()])
    );
    let published = store.published_catalogue().await.unwrap();
    let codes: Vec<_> = published.iter().map(|e| e.version.code.as_str()).collect();
    assert_eq!(codes, ["1.000656", "2.000488"]);
    assert_eq!(published[0].sets, ["dvc_thiet_yeu"]);
    // Its new version names the province level again: from the decision's date on,
    // with the earlier arrangements kept as history.
    let levels: Vec<_> = published[1]
        .assignments
        .iter()
        .map(|a| {
            (
                a.assignment.level,
                a.assignment.effective_from,
                a.assignment.effective_to,
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            (Level::Province, date(2025, 7, 1), Some(date(2025, 12, 31))),
            (Level::Commune, date(2026, 1, 1), Some(date(2026, 3, 31))),
            (Level::Province, date(2026, 4, 1), None),
        ]
    );
    let decisions = store.decisions().await.unwrap();
    let first = decisions
        .iter()
        .find(|d| d.decision.number == "1001/QĐ-UBND")
        .unwrap();
    assert_eq!(
        (first.published, first.decision.required_count),
        (2, Some(2))
    );
    let withdrawal = decisions
        .iter()
        .find(|d| d.decision.number == "1004/QĐ-UBND")
        .unwrap();
    assert_eq!((withdrawal.published, withdrawal.withdrawn), (0, 1));

    // A failed load writes nothing: an unknown set rolls everything back.
    let rev = store.catalogue_revision().await.unwrap();
    let err = store
        .load_catalogue(
            &CatalogueLoad {
                decision: decision("NHAP-2", date(2026, 4, 2)),
                procedures: vec![procedure("1.000894", "Đăng ký kết hôn", Level::Commune)],
                memberships: vec![("khong_co".into(), "1.000894".into())],
            },
            t0(),
            audit("catalogue.imported", "catalogue"),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "unknown_set");
    assert!(store.procedure_record("1.000894").await.unwrap().is_none());
    assert_eq!(store.catalogue_revision().await.unwrap(), rev);

    // Every write left its audit event, and the chain holds.
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(chain.is_intact(), "{:?}", chain.breaks);
    let actions: Vec<String> = store
        .audit_events_for("procedure:1.001193")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    assert_eq!(
        actions,
        [
            "procedure.created",
            "procedure.published",
            "procedure.draft_saved",
            "procedure.draft_saved",
            "procedure.published",
            "procedure.withdrawn"
        ]
    );
    let record = store.procedure_record("1.001193").await.unwrap().unwrap();
    assert_eq!(record.versions.len(), 2);
    assert!(record.current.is_none() && record.draft.is_none());
    store.close().await;
}

#[tokio::test]
async fn sqlite_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    scenario(store).await;
}

#[tokio::test]
async fn postgres_catalogue() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}

//! The quality aggregates, on SQLite and PostgreSQL: a random sequence of dossier actions
//! (submissions, receipts, every action the state machine allows, transfers, a transition
//! move, a generated load) keeps counters that a recount from the dossiers finds equal.

use crate::common::{
    BIRTH, COMMUNE_A, COMMUNE_B, JUSTICE, ac, postgres_store, sqlite_store, steps,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{
    Action, ActionKind, Applicant, ApplicantKind, Context, DossierState, Rating, RatingCriterion,
};
use motcua_domain::procedure::{
    Applicant as Who, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime,
    SubmissionChannel,
};
use motcua_domain::quality::{Figure, Month, facts_of};
use motcua_store::{
    CatalogueLoad, DossierRecord, Drill, NewDecision, ProcessDraft, QualityQuery, ReceiveNow,
    SeedData, Store, Submission,
};
use std::sync::Arc;

const RECORD: &str = "2.000488";

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Monday 2026-03-02 09:00 in Vietnam.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

fn actor(user: &str) -> AuditEntry {
    AuditEntry {
        at: t0(),
        actor: user.into(),
        actor_role: Some("province_admin".into()),
        agency_code: None,
        action: "test".into(),
        subject: "test".into(),
        detail: "{}".into(),
    }
}

fn seed() -> SeedData {
    let agency = |c: &str, kind, parent: Option<&str>| Agency {
        code: ac(c),
        name: format!("Cơ quan {c}"),
        kind,
        unit_code: "20".into(),
        parent_code: parent.map(ac),
        valid_from: None,
        valid_to: None,
        successor_code: None,
    };
    SeedData {
        agencies: vec![
            agency("000.00.00.H37", AgencyKind::ProvincialCommittee, None),
            agency(JUSTICE, AgencyKind::Department, Some("000.00.00.H37")),
            agency(
                COMMUNE_A,
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
            agency(
                COMMUNE_B,
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
        ],
        ..SeedData::default()
    }
}

fn procedure(code: &str, level: Level, online: OnlineLevel) -> Procedure {
    Procedure {
        code: ProcedureCode::parse(code).unwrap(),
        name: format!("Thủ tục {code}"),
        sector: "ho_tich".into(),
        levels: vec![level],
        agency_code: None,
        agency_kind: Some(AgencyKind::CommuneCommittee),
        applicants: vec![Who::Citizen],
        processing_time: ProcessingTime::days(3),
        service_norm: None,
        fees: vec![],
        documents: vec![],
        steps: "Nộp hồ sơ.".into(),
        channels: vec![SubmissionChannel::Online, SubmissionChannel::InPerson],
        online_level: online,
        online_reason: (online != OnlineLevel::Full).then(|| "Cần đối chiếu bản chính".into()),
        results: vec![],
        legal_bases: vec![],
        valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
        valid_to: None,
        form: None,
    }
}

fn applicant(i: u64) -> Applicant {
    Applicant {
        kind: ApplicantKind::Person,
        name: format!("Người nộp {i}"),
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

struct Cal {
    hours: WorkingHours,
    holidays: Arc<HolidayCalendar>,
}

/// A random action the state machine allows for `record` now, with plausible data.
fn pick_action(rng: &mut Rng, record: &DossierRecord) -> Option<Action> {
    let d = &record.dossier;
    let allowed = d.allowed_actions(&record.steps);
    if allowed.is_empty() {
        return None;
    }
    // Lean towards moving forward so that many dossiers finish.
    let forward = [
        ActionKind::Accept,
        ActionKind::Forward,
        ActionKind::Approve,
        ActionKind::Finish,
        ActionKind::ReturnResult,
        ActionKind::Rate,
        ActionKind::SupplementReceived,
        ActionKind::RecordPayment,
    ];
    let preferred: Vec<ActionKind> = allowed
        .iter()
        .copied()
        .filter(|a| forward.contains(a))
        .collect();
    let kind = if !preferred.is_empty() && rng.chance(75) {
        preferred[rng.below(preferred.len() as u64) as usize]
    } else {
        allowed[rng.below(allowed.len() as u64) as usize]
    };
    let reason = || "Lý do kiểm thử".to_owned();
    Some(match kind {
        ActionKind::Accept => Action::Accept,
        ActionKind::RequestSupplement => Action::RequestSupplement {
            note: None,
            missing: vec!["Bản sao giấy tờ".into()],
            supplement_by: None,
        },
        ActionKind::SupplementReceived => Action::SupplementReceived,
        ActionKind::RefuseAtReceipt => Action::RefuseAtReceipt { reason: reason() },
        ActionKind::Assign => Action::Assign {
            assignee: "chuyenvien".into(),
        },
        ActionKind::Forward => Action::Forward,
        ActionKind::SendBack => Action::SendBack { reason: reason() },
        ActionKind::Transfer => Action::Transfer {
            to_agency: if d.handling_agency.as_str() == JUSTICE {
                ac(COMMUNE_B)
            } else {
                ac(JUSTICE)
            },
        },
        ActionKind::RequestPayment => Action::RequestPayment {
            amount_vnd: 50_000,
            reason: None,
            items: Vec::new(),
        },
        ActionKind::RecordPayment => Action::RecordPayment {
            amount_vnd: if rng.chance(80) { 50_000 } else { 20_000 },
            online: rng.chance(50),
        },
        ActionKind::Approve => Action::Approve,
        ActionKind::RefuseAfterAppraisal => Action::RefuseAfterAppraisal { reason: reason() },
        ActionKind::Finish => Action::Finish {
            result: "Kết quả".into(),
            electronic: rng.chance(60),
        },
        ActionKind::ReturnResult => Action::ReturnResult,
        ActionKind::Withdraw => Action::Withdraw { reason: reason() },
        ActionKind::Stop => Action::Stop { reason: reason() },
        ActionKind::Apologise => Action::Apologise {
            reason: reason(),
            new_due: d.due_at? + Duration::days(3),
        },
        ActionKind::Rate => Action::Rate {
            rating: Rating::new(
                vec![
                    (RatingCriterion::Timeliness, rng.below(3) as u8),
                    (RatingCriterion::StaffAttitude, rng.below(3) as u8),
                ],
                None,
            )
            .unwrap(),
        },
    })
}

async fn assert_recount_agrees(store: &Store) -> (usize, usize) {
    let rows = store.quality_rows().await.unwrap();
    let facts = store.quality_facts().await.unwrap();
    let report = store.recount_quality_aggregates().await.unwrap();
    let recounted_rows = store.quality_rows().await.unwrap();
    let recounted_facts = store.quality_facts().await.unwrap();
    assert_eq!(report.facts as usize, recounted_facts.len());
    assert_eq!(report.rows as usize, recounted_rows.len());
    assert_eq!(
        rows, recounted_rows,
        "incremental counters differ from a recount"
    );
    assert_eq!(
        facts, recounted_facts,
        "incremental facts differ from a recount"
    );
    (rows.len(), facts.len())
}

async fn scenario(store: Store) {
    store.migrate().await.unwrap();
    // A new database is marked as built, so it is not recounted at every start.
    assert!(
        store
            .setting(motcua_store::QUALITY_BUILT_SETTING)
            .await
            .unwrap()
            .is_some()
    );
    let admin = actor("quantri.tinh");
    store.load_seed(&seed(), t0(), admin.clone()).await.unwrap();
    let load = CatalogueLoad {
        decision: NewDecision {
            number: "01/QĐ-UBND".into(),
            decided_on: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
            signer: "Chủ tịch".into(),
            required_count: None,
        },
        procedures: vec![
            procedure(BIRTH, Level::Commune, OnlineLevel::Full),
            procedure(RECORD, Level::Commune, OnlineLevel::Partial),
        ],
        memberships: vec![],
    };
    store
        .load_catalogue(&load, t0(), admin.clone())
        .await
        .unwrap();
    for code in [BIRTH, RECORD] {
        let draft = ProcessDraft {
            procedure_code: code.into(),
            agency_code: None,
            level: Level::Commune,
            steps: steps([120, 600, 240]),
            note: String::new(),
        };
        let saved = store
            .save_process_draft(&draft, t0(), admin.clone())
            .await
            .unwrap();
        store
            .approve_process(saved.id, t0(), admin.clone())
            .await
            .unwrap();
    }
    let cal = Cal {
        hours: WorkingHours::default(),
        holidays: Arc::new(HolidayCalendar::default()),
    };
    let mut rng = Rng(0x05EE_D766);
    let mut now = t0();
    let mut codes: Vec<String> = Vec::new();
    let mut applied = 0;
    for i in 0..600u64 {
        now += Duration::minutes(rng.below(240) as i64);
        // Submit now and then; otherwise act on a random dossier.
        if codes.len() < 12 || rng.chance(25) {
            let online = rng.chance(50);
            let s = Submission {
                procedure_code: if rng.chance(70) { BIRTH } else { RECORD }.into(),
                agency: ac(if rng.chance(60) { COMMUNE_A } else { COMMUNE_B }),
                channel: if online {
                    Channel::Online
                } else {
                    Channel::Paper
                },
                applicant: applicant(i),
                owner: None,
                idempotency: None,
                attachments: Vec::new(),
                form: None,
                uses_draft_of: None,
                at: now,
                actor: admin.clone(),
                receive: (!online && rng.chance(70)).then(|| ReceiveNow {
                    hours: cal.hours.clone(),
                    holidays: cal.holidays.clone(),
                }),
            };
            let record = store.submit_dossier(&s).await.unwrap().into_record();
            codes.push(record.code().to_owned());
            continue;
        }
        let code = &codes[rng.below(codes.len() as u64) as usize];
        let record = store.dossier(code).await.unwrap().unwrap();
        let Some(action) = pick_action(&mut rng, &record) else {
            continue;
        };
        let ctx = Context {
            now: to_vn_local(&now),
            hours: &cal.hours,
            holidays: &cal.holidays,
            steps: &record.steps,
            budget_minutes: record.budget_minutes as u32,
        };
        // Some picks break a rule at this moment (a window passed, too late to apologise).
        let Ok(after) = record.dossier.apply(&action, &ctx) else {
            continue;
        };
        store
            .commit_dossier_action(&record, &action, &after, now, admin.clone())
            .await
            .unwrap();
        applied += 1;
    }
    assert!(applied > 250, "only {applied} actions applied");

    // The counters hold what the dossiers say.
    let mut decided = 0;
    let mut received = 0;
    for code in &codes {
        let d = store.dossier(code).await.unwrap().unwrap().dossier;
        if let Some(f) = facts_of(&d) {
            decided += i64::from(f.finished_month.is_some());
            received += i64::from(f.received_month.is_some());
        }
    }
    assert!(decided > 20, "only {decided} dossiers decided");
    let all_months = Month::parse("2027-12").unwrap().trailing(24);
    let total = store.quality_total(&all_months, None).await.unwrap();
    assert_eq!((total.finished, total.received), (decided, received));
    assert_eq!(total.on_time + total.late, total.finished);
    let (rows, facts) = assert_recount_agrees(&store).await;
    assert!(rows > 4 && facts > 20, "{rows} rows, {facts} facts");

    // Sums by agency and month add up to the total; commune A's own sum matches.
    let by = store
        .quality_sums(&QualityQuery {
            months: all_months.clone(),
            by_agency: true,
            by_month: true,
            ..QualityQuery::default()
        })
        .await
        .unwrap();
    assert!(
        by.iter()
            .map(|s| s.month)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            >= 2
    );
    assert_eq!(by.iter().map(|s| s.counters.finished).sum::<i64>(), decided);
    let a_only = store
        .quality_total(&all_months, Some(&[COMMUNE_A.to_owned()]))
        .await
        .unwrap();
    let a_by: i64 = by
        .iter()
        .filter(|s| s.agency_code.as_deref() == Some(COMMUNE_A))
        .map(|s| s.counters.received)
        .sum();
    assert_eq!(a_only.received, a_by);

    // Drilling down lists exactly the dossiers a figure counts.
    let late = store
        .quality_dossiers(&Drill {
            now: chrono::Utc::now(),
            figure: Figure::Late,
            months: all_months.clone(),
            agencies: None,
            page: 1,
            per_page: 200,
        })
        .await
        .unwrap();
    assert_eq!(late.len() as i64, total.late);
    assert!(late.iter().all(|r| r.finished_at.is_some()));
    let online_a = store
        .quality_dossiers(&Drill {
            now: chrono::Utc::now(),
            figure: Figure::ReceivedOnline,
            months: all_months.clone(),
            agencies: Some(vec![COMMUNE_A.to_owned()]),
            page: 1,
            per_page: 200,
        })
        .await
        .unwrap();
    assert_eq!(online_a.len() as i64, a_only.received_online);
    assert!(online_a.iter().all(|r| r.channel == "online"));

    // A transition move re-attributes the receipts of open dossiers.
    let moved = store
        .move_in_flight_dossiers(&ac(COMMUNE_A), &ac(COMMUNE_B), admin.clone())
        .await
        .unwrap();
    assert!(moved > 0);
    assert_recount_agrees(&store).await;

    // A generated load is counted too.
    let template = store.dossier(&codes[0]).await.unwrap().unwrap();
    let mut batch = Vec::new();
    for i in 0..30u32 {
        let mut r = template.clone();
        let at = to_vn_local(&(t0() + Duration::days(i64::from(i))));
        r.dossier.code =
            motcua_domain::dossier::DossierCode::new(&ac(COMMUNE_A), at.date(), 9000 + i);
        r.dossier.submitted_at = at;
        if r.dossier.state == DossierState::Submitted {
            r.dossier.state = DossierState::Withdrawn;
        }
        batch.push(r);
    }
    store.load_dossiers(&batch, admin.clone()).await.unwrap();
    assert_recount_agrees(&store).await;

    // With the hook off (only to measure its cost) the counters go stale; a recount mends them.
    let off = store.clone().with_quality_hook(false);
    let record = off
        .submit_dossier(&Submission {
            procedure_code: BIRTH.into(),
            agency: ac(COMMUNE_B),
            channel: Channel::Paper,
            applicant: applicant(999),
            owner: None,
            idempotency: None,
            attachments: Vec::new(),
            form: None,
            uses_draft_of: None,
            at: now,
            actor: admin.clone(),
            receive: Some(ReceiveNow {
                hours: cal.hours.clone(),
                holidays: cal.holidays.clone(),
            }),
        })
        .await
        .unwrap()
        .into_record();
    assert_eq!(record.dossier.state, DossierState::Received);
    let stale = store.quality_rows().await.unwrap();
    store.recount_quality_aggregates().await.unwrap();
    assert_ne!(stale, store.quality_rows().await.unwrap());
    assert_recount_agrees(&store).await;

    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    store.close().await;
}

#[tokio::test]
async fn sqlite_quality_aggregates_match_a_recount() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    scenario(store).await;
}

#[tokio::test]
async fn postgres_quality_aggregates_match_a_recount() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}

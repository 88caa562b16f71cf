//! Processes and dossiers, run against SQLite and PostgreSQL: both backends must behave alike.

use crate::common::{
    BIRTH, COMMUNE_A, COMMUNE_B, JUSTICE, ac, code_of, postgres_store, sqlite_store, steps,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{
    Action, Applicant, ApplicantKind, CitizenId, Context, DossierState, DueState, PhoneNumber,
    ProcessState,
};
use motcua_domain::procedure::{
    Applicant as Who, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime,
    SubmissionChannel,
};
use motcua_store::{
    CatalogueLoad, DossierFilter, DossierRecord, IdempotencyKey, NewDecision, ProcessDraft,
    ReceiveNow, SeedData, Store, StoreError, Submission, Submitted, Visibility, control_sheet,
};
use std::sync::Arc;

/// Monday 2026-03-02 09:00 in Vietnam.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

fn actor(user: &str, role: &str, agency: Option<&str>) -> AuditEntry {
    AuditEntry {
        at: t0(),
        actor: user.into(),
        actor_role: Some(role.into()),
        agency_code: agency.map(Into::into),
        action: "test".into(),
        subject: "test".into(),
        detail: "{}".into(),
    }
}

fn seed() -> SeedData {
    let agency = |c: &str, name: &str, kind, parent: Option<&str>| Agency {
        code: ac(c),
        name: name.into(),
        kind,
        unit_code: "20".into(),
        parent_code: parent.map(ac),
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
                JUSTICE,
                "Sở Tư pháp",
                AgencyKind::Department,
                Some("000.00.00.H37"),
            ),
            agency(
                COMMUNE_A,
                "UBND phường A",
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
            agency(
                COMMUNE_B,
                "UBND phường B",
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
        ],
        ..SeedData::default()
    }
}

fn birth_registration() -> Procedure {
    Procedure {
        code: ProcedureCode::parse(BIRTH).unwrap(),
        name: "Đăng ký khai sinh".into(),
        sector: "ho_tich".into(),
        levels: vec![Level::Commune],
        agency_code: None,
        agency_kind: Some(AgencyKind::CommuneCommittee),
        applicants: vec![Who::Citizen],
        processing_time: ProcessingTime::days(3),
        service_norm: None,
        fees: vec![],
        documents: vec![],
        steps: "Nộp hồ sơ.".into(),
        channels: vec![SubmissionChannel::Online, SubmissionChannel::InPerson],
        online_level: OnlineLevel::Full,
        online_reason: None,
        results: vec![],
        legal_bases: vec![],
        valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
        valid_to: None,
        form: None,
    }
}

fn applicant(name: &str) -> Applicant {
    Applicant {
        kind: ApplicantKind::Person,
        name: name.into(),
        citizen_id: Some(CitizenId::parse("020095001234").unwrap()),
        tax_code: None,
        phone: Some(PhoneNumber::parse("0912345678").unwrap()),
        email: None,
        address_unit: None,
        address: None,
        notify: Vec::new(),
        verified: None,
    }
}

fn submission(agency: &str, name: &str, at: DateTime<Utc>) -> Submission {
    Submission {
        procedure_code: BIRTH.into(),
        agency: ac(agency),
        channel: motcua_domain::calendar::Channel::Online,
        applicant: applicant(name),
        owner: Some("congdan".into()),
        idempotency: None,
        at,
        actor: actor("congdan", "citizen", None),
        receive: None,
        attachments: vec![],
        form: None,
        uses_draft_of: None,
    }
}

struct Cal {
    hours: WorkingHours,
    holidays: HolidayCalendar,
}

/// Applies an action through the domain and commits it.
async fn act(
    store: &Store,
    record: &DossierRecord,
    action: Action,
    at: DateTime<Utc>,
    who: AuditEntry,
) -> Result<DossierRecord, StoreError> {
    let cal = Cal {
        hours: WorkingHours::default(),
        holidays: HolidayCalendar::default(),
    };
    let ctx = Context {
        now: to_vn_local(&at),
        hours: &cal.hours,
        holidays: &cal.holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes as u32,
    };
    let after = record.dossier.apply(&action, &ctx).unwrap();
    store
        .commit_dossier_action(record, &action, &after, at, who)
        .await
}

async fn scenario(store: Store) {
    store.migrate().await.unwrap();
    let admin = actor("quantri.tinh", "province_admin", None);
    store.load_seed(&seed(), t0(), admin.clone()).await.unwrap();

    // No process can be drafted for a procedure that is not published.
    let draft = ProcessDraft {
        procedure_code: BIRTH.into(),
        agency_code: None,
        level: Level::Commune,
        steps: steps([240, 960, 240]),
        note: "Quy trình chung cấp xã".into(),
    };
    let err = store
        .save_process_draft(&draft, t0(), admin.clone())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "procedure_not_published");
    let load = CatalogueLoad {
        decision: NewDecision {
            number: "01/QĐ-UBND".into(),
            decided_on: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            signer: "Chủ tịch".into(),
            required_count: None,
        },
        procedures: vec![birth_registration()],
        memberships: vec![],
    };
    store
        .load_catalogue(&load, t0(), admin.clone())
        .await
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let missing = store.procedures_without_process(today).await.unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].procedure_code, BIRTH);

    // Budgets must fit within the legal time (3 days = 1,440 minutes).
    let mut over = draft.clone();
    over.steps = steps([480, 960, 240]);
    let err = store
        .save_process_draft(&over, t0(), admin.clone())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "process_over_legal_time");
    let first = store
        .save_process_draft(&draft, t0(), admin.clone())
        .await
        .unwrap();
    assert_eq!(
        (first.version_no, first.state, first.budget_minutes),
        (1, ProcessState::Draft, 1440)
    );
    // Redrafting rewrites the open draft rather than adding a version.
    let mut again = draft.clone();
    again.steps = steps([240, 720, 240]);
    let rewritten = store
        .save_process_draft(&again, t0(), admin.clone())
        .await
        .unwrap();
    assert_eq!((rewritten.id, rewritten.budget_minutes), (first.id, 1200));

    // Without an approved process nobody can submit.
    let err = store
        .submit_dossier(&submission(COMMUNE_A, "Nguyễn Văn An", t0()))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "no_approved_process");
    let approved = store
        .approve_process(first.id, t0(), admin.clone())
        .await
        .unwrap();
    assert_eq!(approved.state, ProcessState::Approved);
    let err = store
        .approve_process(first.id, t0(), admin.clone())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "process_not_draft");
    assert!(
        store
            .procedures_without_process(today)
            .await
            .unwrap()
            .is_empty()
    );

    // Codes: receiving agency, Vietnamese date, daily sequence.
    let one = store
        .submit_dossier(&submission(COMMUNE_A, "Nguyễn Văn An", t0()))
        .await
        .unwrap()
        .into_record();
    assert_eq!(one.code(), format!("{COMMUNE_A}-260302-0001"));
    assert_eq!(one.dossier.state, DossierState::Submitted);
    assert_eq!(one.procedure_version_no, 1);
    assert_eq!(one.process_id, first.id);
    let other = store
        .submit_dossier(&submission(COMMUNE_B, "Lê Thị Bích", t0()))
        .await
        .unwrap()
        .into_record();
    assert_eq!(other.code(), format!("{COMMUNE_B}-260302-0001"));
    // 23:30 in Vietnam on 2 March is still 2 March; 00:30 is the next day.
    let late = Utc.with_ymd_and_hms(2026, 3, 2, 16, 30, 0).unwrap();
    let next_day = store
        .submit_dossier(&submission(
            COMMUNE_A,
            "Hoàng Văn Cường",
            late + Duration::hours(1),
        ))
        .await
        .unwrap()
        .into_record();
    assert_eq!(next_day.code(), format!("{COMMUNE_A}-260303-0001"));

    // Many at once, as from several nodes: every code distinct, no gap.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .submit_dossier(&submission(COMMUNE_A, &format!("Người {i}"), t0()))
                .await
                .unwrap()
                .into_record()
                .code()
                .to_owned()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 40);
    assert_eq!(codes.last().unwrap(), &format!("{COMMUNE_A}-260302-0041"));

    // A batch commits together, each with its own code.
    let batch: Vec<Submission> = (0..5)
        .map(|i| submission(COMMUNE_B, &format!("Lô {i}"), t0()))
        .collect();
    let results = store.submit_dossiers(&batch).await.unwrap();
    let batch_codes: Vec<String> = results
        .iter()
        .map(|r| r.as_ref().unwrap().record().code().to_owned())
        .collect();
    assert_eq!(batch_codes[4], format!("{COMMUNE_B}-260302-0006"));

    // Idempotency: same key and body → the same dossier; another body → refused.
    let mut keyed = submission(COMMUNE_A, "Đinh Thị Hoa", t0());
    keyed.idempotency = Some(IdempotencyKey {
        principal: "congdan".into(),
        key: "k-1".into(),
        request_hash: "h-1".into(),
    });
    let created = store.submit_dossier(&keyed).await.unwrap();
    assert!(matches!(created, Submitted::Created(..)));
    let replayed = store.submit_dossier(&keyed).await.unwrap();
    assert!(matches!(replayed, Submitted::Replayed(_)));
    assert_eq!(created.record().code(), replayed.record().code());
    keyed.idempotency.as_mut().unwrap().request_hash = "h-2".into();
    let err = store.submit_dossier(&keyed).await.unwrap_err();
    assert_eq!(code_of(&err), "idempotency_key_reused");
    // The same key twice in one batch is one dossier.
    let mut twice = submission(COMMUNE_A, "Trùng Lặp", t0());
    twice.idempotency = Some(IdempotencyKey {
        principal: "congdan".into(),
        key: "k-2".into(),
        request_hash: "h".into(),
    });
    let results = store
        .submit_dossiers(&[twice.clone(), twice])
        .await
        .unwrap();
    assert_eq!(
        results[0].as_ref().unwrap().record().code(),
        results[1].as_ref().unwrap().record().code()
    );
    assert!(matches!(results[1], Ok(Submitted::Replayed(_))));
    // Counter receipt: received at once, due three working days later.
    let mut counter = submission(COMMUNE_A, "Vi Văn Dũng", t0());
    counter.channel = motcua_domain::calendar::Channel::Paper;
    counter.owner = None;
    counter.receive = Some(ReceiveNow {
        hours: WorkingHours::default(),
        holidays: Arc::new(HolidayCalendar::default()),
    });
    let received = store.submit_dossier(&counter).await.unwrap().into_record();
    assert_eq!(received.dossier.state, DossierState::Received);
    assert_eq!(
        received.dossier.due_at.unwrap().to_string(),
        "2026-03-04 15:00:00",
        "1,200 working minutes from Monday 09:00"
    );

    // Actions: optimistic concurrency.
    let receiver = actor("motcua.a", "receiver", Some(COMMUNE_A));
    let accepted = act(&store, &one, Action::Accept, t0(), receiver.clone())
        .await
        .unwrap();
    assert_eq!(accepted.dossier.version, 2);
    let err = act(&store, &one, Action::Accept, t0(), receiver.clone())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "stale_version");
    // Two officers at once from the same read: exactly one wins.
    let leader = actor("lanhdao.a", "leader", Some(COMMUNE_A));
    let (a, b) = tokio::join!(
        act(
            &store,
            &accepted,
            Action::Assign {
                assignee: "chuyenvien.a".into()
            },
            t0(),
            leader.clone()
        ),
        act(&store, &accepted, Action::Forward, t0(), leader.clone()),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one succeeds");
    let current = store.dossier(one.code()).await.unwrap().unwrap();
    assert_eq!(current.dossier.version, 3);

    // The queue: by agency, by name, by due state.
    let now = t0();
    let soon = now + Duration::days(1);
    let filter = |visibility| DossierFilter {
        visibility,
        states: vec![],
        agency: None,
        due: None,
        now,
        soon,
        q: None,
        step: None,
        assignee: None,
        procedure_code: None,
        page: 1,
        per_page: 10,
        keyset: None,
    };
    let a_queue = store
        .dossier_queue(&filter(Visibility::Agency(COMMUNE_A.into())))
        .await
        .unwrap();
    let b_queue = store
        .dossier_queue(&filter(Visibility::Agency(COMMUNE_B.into())))
        .await
        .unwrap();
    assert_eq!((a_queue.total, b_queue.total), (45, 6));
    assert_eq!(a_queue.items.len(), 10);
    assert!(a_queue.items[0].due_at.is_some(), "dated dossiers first");
    let mut by_name = filter(Visibility::All);
    by_name.q = Some("nguyen van".into());
    let found = store.dossier_queue(&by_name).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].code, one.code());
    by_name.q = Some(one.code().to_owned());
    assert_eq!(store.dossier_queue(&by_name).await.unwrap().total, 1);
    let mut due = filter(Visibility::All);
    due.due = Some(DueState::OnTime);
    assert_eq!(store.dossier_queue(&due).await.unwrap().total, 2);
    due.now = t0() + Duration::days(30);
    due.soon = due.now + Duration::days(1);
    due.due = Some(DueState::Overdue);
    assert_eq!(store.dossier_queue(&due).await.unwrap().total, 2);
    // The count stops past its cap: exact up to it, a lower bound beyond.
    let a = filter(Visibility::Agency(COMMUNE_A.into()));
    let at_cap = store.dossier_queue_counting_to(&a, 45).await.unwrap();
    assert_eq!((at_cap.total, at_cap.total_exact), (45, true));
    assert!(a_queue.total_exact, "45 is far under the default cap");
    let capped = store.dossier_queue_counting_to(&a, 44).await.unwrap();
    assert_eq!((capped.total, capped.total_exact), (44, false));
    assert_eq!(
        capped.items.len(),
        10,
        "the page is read whatever the count"
    );
    let mut capped_due = filter(Visibility::All);
    capped_due.due = Some(DueState::OnTime);
    let two = store
        .dossier_queue_counting_to(&capped_due, 2)
        .await
        .unwrap();
    assert_eq!((two.total, two.total_exact), (2, true));
    let one_more = store
        .dossier_queue_counting_to(&capped_due, 1)
        .await
        .unwrap();
    assert_eq!((one_more.total, one_more.total_exact), (1, false));
    // Deep pages read from a place give the numbered pages, whichever way they are walked.
    let (walked, undated) = crate::queue_pages::walk_both_ways(&store, &a).await;
    assert_eq!(walked, 45);
    assert!((1..45).contains(&undated), "dated and undated: {undated}");
    let mut mine = filter(Visibility::Owner("congdan".into()));
    mine.per_page = 100;
    assert_eq!(store.dossier_queue(&mine).await.unwrap().total, 50);
    let counts = store
        .dossier_counts(&Visibility::All, now, soon)
        .await
        .unwrap();
    assert_eq!(counts.iter().map(|c| c.open).sum::<i64>(), 51);
    // A desk's default queue (every open state, nothing else asked) reads the total kept by
    // the triggers; it follows a dossier closed and agrees with counting.
    let open_states: Vec<DossierState> = DossierState::ALL
        .into_iter()
        .filter(|s| !s.is_closed())
        .collect();
    let desk_total = |store: Store| async move {
        let mut desk = filter(Visibility::Desk(COMMUNE_A.into()));
        desk.states = DossierState::ALL
            .into_iter()
            .filter(|s| !s.is_closed())
            .collect();
        let kept = store.dossier_queue(&desk).await.unwrap();
        // Counted the long way (every open dossier, as for the province's administrators).
        let counted = store
            .dossier_counts(&Visibility::All, now, soon)
            .await
            .unwrap();
        let at_a = counted.iter().find(|c| c.agency_code == COMMUNE_A).unwrap();
        let due: Vec<(String, i64)> = (counted.iter())
            .filter(|c| c.due_soon > 0)
            .map(|c| (c.agency_code.clone(), c.due_soon))
            .collect();
        assert_eq!(
            store.due_soon_by_desk(now, soon).await.unwrap(),
            due,
            "the daily digest's numbers are the counts'"
        );
        // An agency's counts read its kept total and its indexes: the same numbers.
        let mine = store
            .dossier_counts(&Visibility::Agency(COMMUNE_A.into()), now, soon)
            .await
            .unwrap();
        let own = mine.iter().find(|c| c.agency_code == COMMUNE_A).unwrap();
        assert_eq!(
            (own.open, own.due_soon, own.overdue),
            (at_a.open, at_a.due_soon, at_a.overdue)
        );
        let desk_only = store
            .dossier_counts(&Visibility::Desk(COMMUNE_A.into()), now, soon)
            .await
            .unwrap();
        assert_eq!(desk_only.len(), 1);
        (kept.total, kept.total_exact, at_a.open, kept.items)
    };
    let (kept, exact, counted, items) = desk_total(store.clone()).await;
    assert_eq!((kept, exact), (counted, true));
    assert!(kept > 10, "{kept}");
    let mut listed = filter(Visibility::Desk(COMMUNE_A.into()));
    listed.states = open_states[1..].to_vec();
    listed.states.push(open_states[0]);
    let same_order = store.dossier_queue(&listed).await.unwrap().items;
    assert_eq!(
        items.iter().map(|i| &i.code).collect::<Vec<_>>(),
        same_order.iter().map(|i| &i.code).collect::<Vec<_>>(),
        "the open-dossier index gives the queue's order"
    );
    let latest = store.dossier(one.code()).await.unwrap().unwrap();
    let withdraw = Action::Withdraw {
        reason: "Người nộp rút hồ sơ".into(),
    };
    act(&store, &latest, withdraw, t0(), receiver.clone())
        .await
        .unwrap();
    let (after, _, counted_after, _) = desk_total(store.clone()).await;
    assert_eq!((after, counted_after), (kept - 1, counted - 1));

    // Events and the control sheet.
    let events = store.dossier_events(one.code()).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions[..2], ["submitted", "accept"]);
    assert_eq!(events[1].from_state.as_deref(), Some("submitted"));
    assert_eq!(events[1].to_state.as_deref(), Some("received"));
    let sheet = control_sheet(&events);
    assert_eq!(sheet[0].step_name.as_deref(), Some("Tiếp nhận"));

    // Transition: commune A's open dossiers move to commune B, deadlines unchanged.
    let due_before = received.dossier.due_at;
    let moved = store
        .move_in_flight_dossiers(&ac(COMMUNE_A), &ac(COMMUNE_B), admin.clone())
        .await
        .unwrap();
    assert_eq!(moved, 44, "45 less the one withdrawn above");
    let after = store.dossier(received.code()).await.unwrap().unwrap();
    assert_eq!(after.dossier.receiving_agency.as_str(), COMMUNE_B);
    assert_eq!(after.dossier.handling_agency.as_str(), COMMUNE_B);
    assert_eq!(after.desk_agency, COMMUNE_B);
    assert_eq!(after.dossier.due_at, due_before);
    assert_eq!(after.code(), received.code(), "codes never change");
    let events = store.dossier_events(received.code()).await.unwrap();
    assert_eq!(events.last().unwrap().action, "moved");
    assert_eq!(
        store
            .dossier_queue(&filter(Visibility::Agency(COMMUNE_A.into())))
            .await
            .unwrap()
            .total,
        1,
        "only the withdrawn one stays"
    );
    let err = store
        .move_in_flight_dossiers(&ac(COMMUNE_B), &ac("000.09.40.H37"), admin.clone())
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "not_found");

    // A mixed batch: each submission gets its own answer, and only new ones are written.
    let keyed_as = |name: &str, key: &str, hash: &str, at| {
        let mut s = submission(COMMUNE_A, name, at);
        s.idempotency = Some(IdempotencyKey {
            principal: "congdan".into(),
            key: key.into(),
            request_hash: hash.into(),
        });
        s
    };
    let mut unknown = keyed_as("Không Rõ", "k-4", "h", t0());
    unknown.agency = ac("000.99.40.H37");
    let before = store.count_dossiers().await.unwrap();
    let results = store
        .submit_dossiers(&[
            keyed_as("Mới Một", "k-3", "h", t0()),
            keyed_as("Đinh Thị Hoa", "k-1", "h-1", t0()),
            keyed_as("Khác", "k-1", "h-9", t0()),
            unknown,
            keyed_as("Mới Hai", "k-5", "h", t0()),
        ])
        .await
        .unwrap();
    assert!(matches!(results[0], Ok(Submitted::Created(..))));
    assert!(
        matches!(&results[1], Ok(Submitted::Replayed(r)) if r.code() == created.record().code())
    );
    assert_eq!(
        code_of(results[2].as_ref().unwrap_err()),
        "idempotency_key_reused"
    );
    assert_eq!(code_of(results[3].as_ref().unwrap_err()), "unknown_agency");
    let (a, b) = (
        results[0].as_ref().unwrap().record().code(),
        results[4].as_ref().unwrap().record().code(),
    );
    let seq = |c: &str| c.rsplit('-').next().unwrap().parse::<u32>().unwrap();
    assert_eq!(seq(b), seq(a) + 1, "consecutive codes: {a} {b}");
    assert_eq!(store.count_dossiers().await.unwrap(), before + 2);
    // The rejected unknown agency left no key behind: the key is free for a good body.
    let fixed = keyed_as("Không Rõ", "k-4", "h", t0());
    assert!(matches!(
        store.submit_dossier(&fixed).await.unwrap(),
        Submitted::Created(..)
    ));

    // Idempotency keys expire: those made before the cut go, a few per transaction;
    // a fresh key still answers with its dossier, an expired one makes a new dossier.
    let later = t0() + Duration::days(30);
    let fresh = store
        .submit_dossier(&keyed_as("Còn Hạn", "k-fresh", "h", later))
        .await
        .unwrap()
        .into_record();
    let cut = later - Duration::days(7);
    let mut purged = Vec::new();
    loop {
        let n = store.purge_idempotency_keys(cut, 2).await.unwrap();
        purged.push(n);
        if n < 2 {
            break;
        }
    }
    assert_eq!(
        purged,
        [2, 2, 1],
        "k-1, k-2, k-3, k-4 and k-5, two at a time"
    );
    assert!(matches!(
        store.submit_dossier(&keyed_as("Còn Hạn", "k-fresh", "h", later)).await.unwrap(),
        Submitted::Replayed(r) if r.code() == fresh.code()
    ));
    let anew = store
        .submit_dossier(&keyed_as("Đinh Thị Hoa", "k-1", "h-1", later))
        .await
        .unwrap();
    assert!(matches!(&anew, Submitted::Created(r, _) if r.code() != created.record().code()));

    // A batch larger than one statement holds (SQLite writes 16 rows per statement), with
    // keys seen before among new ones: each new dossier has its own code and key, each seen
    // key its first dossier, and the chain stays whole.
    let big: Vec<Submission> = (0..40)
        .map(|i| {
            keyed_as(
                &format!("Lô Lớn {i}"),
                &format!("big-{}", i % 30),
                "h",
                later,
            )
        })
        .collect();
    let first = store.submit_dossiers(&big[..30]).await.unwrap();
    let results = store.submit_dossiers(&big).await.unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().unwrap().record().code())
        .collect();
    for (i, r) in results.iter().enumerate() {
        let earlier = first[i % 30].as_ref().unwrap().record().code();
        assert!(matches!(r, Ok(Submitted::Replayed(_))), "{i}: seen before");
        assert_eq!(codes[i], earlier, "{i}");
    }
    let mut distinct: Vec<&str> = first
        .iter()
        .map(|r| r.as_ref().unwrap().record().code())
        .collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 30, "thirty dossiers, thirty codes");
    let fresh_batch: Vec<Submission> = (0..37)
        .map(|i| keyed_as(&format!("Lô Mới {i}"), &format!("new-{i}"), "h", later))
        .collect();
    let made = store.submit_dossiers(&fresh_batch).await.unwrap();
    for r in &made {
        let Ok(Submitted::Created(record, Some(history))) = r else {
            panic!("a new dossier, with the history its submission wrote: {r:?}")
        };
        assert_eq!(
            history,
            &store.dossier_events(record.code()).await.unwrap(),
            "the history answered is the history stored"
        );
    }
    let again = store.submit_dossiers(&fresh_batch).await.unwrap();
    for (a, b) in made.iter().zip(&again) {
        assert_eq!(
            a.as_ref().unwrap().record().code(),
            b.as_ref().unwrap().record().code(),
            "a key names the dossier it made"
        );
    }

    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    store.close().await;
}

#[tokio::test]
async fn sqlite_dossiers() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    scenario(store).await;
}

#[tokio::test]
async fn postgres_dossiers() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}

const OLD_WARD: &str = "000.02.20.H37";

/// The transition at 1/7/2025 moves the open dossiers of an abolished ward's agency to the
/// new ward's, in the transaction of the rest, with deadlines and history unchanged.
async fn transition(store: Store) {
    use motcua_domain::transition::{AgencyRef, Decision, ItemMove, PlanRules, plan};
    use motcua_domain::unit::{AdminUnit, SuccessionLink, UnitKind, UnitSuccession, Validity};
    store.migrate().await.unwrap();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let reform = date(2025, 7, 1);
    let unit = |code: &str, name: &str, kind, from, to| AdminUnit {
        code: code.into(),
        name: name.into(),
        full_name: format!("Phường {name}"),
        kind,
        parent_code: (code != "20").then(|| "20".into()),
        validity: Validity {
            valid_from: from,
            valid_to: to,
        },
    };
    let mut data = seed();
    data.units = vec![
        unit("20", "Lạng Sơn", UnitKind::Province, date(2008, 1, 1), None),
        unit(
            "05980",
            "Cũ",
            UnitKind::Ward,
            date(2008, 1, 1),
            Some(date(2025, 6, 30)),
        ),
        unit("05977", "Đông Kinh", UnitKind::Ward, reform, None),
    ];
    data.successions = vec![UnitSuccession {
        old_code: "05980".into(),
        new_code: "05977".into(),
        link: SuccessionLink::Full,
        effective: reform,
        legal_basis: "1672/NQ-UBTVQH15".into(),
    }];
    for a in &mut data.agencies {
        if a.code.as_str() == COMMUNE_A {
            a.unit_code = "05977".into();
        }
    }
    data.agencies.push(Agency {
        code: ac(OLD_WARD),
        name: "UBND phường Cũ".into(),
        kind: AgencyKind::CommuneCommittee,
        unit_code: "05980".into(),
        parent_code: Some(ac("000.00.00.H37")),
        valid_from: None,
        valid_to: Some(date(2025, 6, 30)),
        successor_code: None,
    });
    data.catalogue = Some(CatalogueLoad {
        decision: NewDecision {
            number: "01/QĐ-UBND".into(),
            decided_on: date(2025, 6, 1),
            signer: "Chủ tịch".into(),
            required_count: None,
        },
        procedures: vec![birth_registration()],
        memberships: vec![],
    });
    let admin = actor("quantri.tinh", "province_admin", None);
    store.load_seed(&data, t0(), admin.clone()).await.unwrap();
    let draft = ProcessDraft {
        procedure_code: BIRTH.into(),
        agency_code: None,
        level: Level::Commune,
        steps: steps([240, 960, 240]),
        note: "Quy trình chung cấp xã".into(),
    };
    let process = store
        .save_process_draft(&draft, t0(), admin.clone())
        .await
        .unwrap();
    store
        .approve_process(process.id, t0(), admin.clone())
        .await
        .unwrap();

    // Before the reform (Thursday 26/6/2025, 09:00): at the old ward, one received at the
    // counter, one received then paused for a supplement, one online not yet received, one
    // refused (closed); and one at the new ward.
    let before = Utc.with_ymd_and_hms(2025, 6, 26, 2, 0, 0).unwrap();
    let at_counter = |agency: &str, name: &str| {
        let mut s = submission(agency, name, before);
        s.channel = motcua_domain::calendar::Channel::Paper;
        s.receive = Some(ReceiveNow {
            hours: WorkingHours::default(),
            holidays: Arc::new(HolidayCalendar::default()),
        });
        s
    };
    let submit = |s: Submission| {
        let store = store.clone();
        async move { store.submit_dossier(&s).await.unwrap().into_record() }
    };
    let receiver = actor("motcua.cu", "receiver", Some(OLD_WARD));
    let received = submit(at_counter(OLD_WARD, "Nguyễn Văn An")).await;
    let paused = submit(at_counter(OLD_WARD, "Lê Thị Bích")).await;
    let missing = vec!["Giấy chứng sinh".to_owned()];
    let paused = act(
        &store,
        &paused,
        Action::RequestSupplement {
            note: None,
            missing,
            supplement_by: None,
        },
        before,
        receiver.clone(),
    )
    .await
    .unwrap();
    assert_eq!(paused.dossier.state, DossierState::AwaitingSupplement);
    let online = submit(submission(OLD_WARD, "Hoàng Văn Cường", before)).await;
    let refused = submit(submission(OLD_WARD, "Vi Văn Dũng", before)).await;
    let reason = "Không thuộc thẩm quyền".to_owned();
    let refused = act(
        &store,
        &refused,
        Action::RefuseAtReceipt { reason },
        before,
        receiver,
    )
    .await
    .unwrap();
    let elsewhere = submit(submission(COMMUNE_A, "Đinh Thị Hoa", before)).await;
    let open = [&received, &paused, &online];
    let mut history = Vec::new();
    for r in open.into_iter().chain([&refused, &elsewhere]) {
        let events = store.dossier_events(r.code()).await.unwrap();
        history.push(serde_json::to_value(events).unwrap());
    }

    // The plan lists the three open ones, masked, going to the new ward.
    let (abolished, working) = store.transition_facts(reform).await.unwrap();
    let p = plan(reform, &abolished, &working, &PlanRules::default());
    assert_eq!(p.agencies.len(), 1);
    let items = &p.agencies[0].items;
    let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, open.map(|r| r.code()));
    assert!(items.iter().all(|i| i.kind == "dossier"
        && i.target.as_ref().unwrap().code == COMMUNE_A
        && i.decision == Decision::Succession));
    assert_eq!(items[0].label, "Đăng ký khai sinh — N. V. An");

    // All or nothing: an item that fails after the others leaves everything as it was.
    let chain = store.verify_audit_chain().await.unwrap().events;
    let mut broken = p.clone();
    broken.agencies[0].items.push(ItemMove {
        target: Some(AgencyRef {
            code: "không-phải-mã".into(),
            name: String::new(),
        }),
        ..items[0].clone()
    });
    let actor = AuditEntry::system(
        t0(),
        "transition.applied",
        "transition",
        serde_json::json!({}),
    );
    store
        .apply_transition(&broken, t0(), &actor)
        .await
        .unwrap_err();
    assert_eq!(store.verify_audit_chain().await.unwrap().events, chain);
    let now = store.dossier(received.code()).await.unwrap().unwrap();
    assert_eq!(now.dossier, received.dossier);
    let old = store.agency(OLD_WARD).await.unwrap().unwrap();
    assert!(old.successor_code.is_none());
    assert!(store.transition_moves(reform).await.unwrap().is_empty());

    let quality = store.quality_rows().await.unwrap();
    let report = store.apply_transition(&p, t0(), &actor).await.unwrap();
    assert_eq!((report.items_moved, report.dossiers_moved), (3, 3));
    assert_eq!(report.agencies_linked, 1);
    for (r, history) in open.iter().zip(&history) {
        let now = store.dossier(r.code()).await.unwrap().unwrap();
        let mut expected = r.dossier.clone();
        expected.receiving_agency = ac(COMMUNE_A);
        expected.handling_agency = ac(COMMUNE_A);
        expected.version += 1;
        assert_eq!(
            now.dossier, expected,
            "only the agencies and the version change"
        );
        assert_eq!(now.desk_agency, COMMUNE_A);
        let events = store.dossier_events(r.code()).await.unwrap();
        let (last, earlier) = events.split_last().unwrap();
        assert_eq!(&serde_json::to_value(earlier).unwrap(), history);
        assert_eq!(last.action, "moved");
        assert_eq!(last.data["from_agency"], OLD_WARD);
        assert_eq!(last.data["to_agency"], COMMUNE_A);
        assert_eq!(last.data["legal_basis"], "1672/NQ-UBTVQH15");
        assert_eq!(last.data["transition"], "2025-07-01");
    }
    for (r, history) in [&refused, &elsewhere].iter().zip(&history[3..]) {
        let now = store.dossier(r.code()).await.unwrap().unwrap();
        assert_eq!(now.dossier, r.dossier, "closed or elsewhere: untouched");
        let events = store.dossier_events(r.code()).await.unwrap();
        assert_eq!(&serde_json::to_value(events).unwrap(), history);
    }
    let moves = store.transition_moves(reform).await.unwrap();
    assert_eq!(moves.iter().filter(|m| m.kind == "dossier").count(), 3);
    // The quality counters follow the dossiers, as a recount from scratch says.
    let counted = store.quality_rows().await.unwrap();
    assert_ne!(counted, quality, "receipts now count for the new ward");
    store.recount_quality_aggregates().await.unwrap();
    assert_eq!(store.quality_rows().await.unwrap(), counted);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());

    // Again, with the old plan or a fresh one: nothing left to move.
    let chain = store.verify_audit_chain().await.unwrap().events;
    let again = store.apply_transition(&p, t0(), &actor).await.unwrap();
    assert_eq!((again.items_moved, again.agencies_linked), (0, 0));
    let (abolished, working) = store.transition_facts(reform).await.unwrap();
    let fresh = plan(reform, &abolished, &working, &PlanRules::default());
    assert_eq!(fresh.item_count(), 0);
    let again = store.apply_transition(&fresh, t0(), &actor).await.unwrap();
    assert_eq!(again.items_moved, 0);
    assert_eq!(store.verify_audit_chain().await.unwrap().events, chain);
    store.close().await;
}

#[tokio::test]
async fn sqlite_transition() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    transition(store).await;
}

#[tokio::test]
async fn postgres_transition() {
    let Some(store) = postgres_store().await else {
        return;
    };
    transition(store).await;
}

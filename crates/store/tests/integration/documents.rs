//! Documents, signatures, the applicant's store, retention and destruction, run against
//! SQLite and PostgreSQL: both backends must behave alike.

use crate::common::{BIRTH, code_of, postgres_store, sqlite_store, steps};
use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::document::{DocumentKind, DocumentOrigin};
use motcua_domain::dossier::{Action, Applicant, ApplicantKind, CitizenId, Context};
use motcua_domain::procedure::{
    Applicant as Who, Level, OnlineLevel, Procedure, ProcedureCode, ProcedureResult,
    ProcessingTime, ResultForm, Retention, SubmissionChannel,
};
use motcua_store::{
    CatalogueLoad, DossierRecord, NewDecision, NewDocument, NewSignature, ProcessDraft, ReceiveNow,
    SeedData, Settlement, Store, Submission, WalletAttachment,
};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const COMMUNE: &str = "000.01.40.H37";
const HOLDER: &str = "020095001234";

/// Monday 2026-03-02 09:00 in Vietnam.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

fn actor(user: &str, role: &str) -> AuditEntry {
    AuditEntry {
        at: t0(),
        actor: user.into(),
        actor_role: Some(role.into()),
        agency_code: Some(COMMUNE.into()),
        action: "test".into(),
        subject: "test".into(),
        detail: "{}".into(),
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
                COMMUNE,
                "UBND phường A",
                AgencyKind::CommuneCommittee,
                Some("000.00.00.H37"),
            ),
        ],
        ..SeedData::default()
    }
}

fn procedure(retention: Retention) -> Procedure {
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
        results: vec![
            ProcedureResult {
                name: "Giấy khai sinh".into(),
                form: ResultForm::Electronic,
                retention,
            },
            ProcedureResult {
                name: "Bản sao".into(),
                form: ResultForm::Paper,
                retention: Retention::Years(2),
            },
        ],
        legal_bases: vec![],
        valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
        valid_to: None,
        form: None,
    }
}

fn submission(at: DateTime<Utc>, attachments: Vec<WalletAttachment>, holder: &str) -> Submission {
    Submission {
        procedure_code: BIRTH.into(),
        agency: AgencyCode::parse(COMMUNE).unwrap(),
        channel: motcua_domain::calendar::Channel::Paper,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "Nguyễn Văn An".into(),
            citizen_id: Some(CitizenId::parse(holder).unwrap()),
            tax_code: None,
            phone: None,
            email: None,
            address_unit: None,
            address: None,
            notify: Vec::new(),
            verified: None,
        },
        owner: None,
        idempotency: None,
        at,
        actor: actor("motcua.a", "receiver"),
        receive: Some(ReceiveNow {
            hours: WorkingHours::default(),
            holidays: Arc::new(HolidayCalendar::default()),
        }),
        attachments,
        form: None,
        uses_draft_of: None,
    }
}

async fn withdraw(store: &Store, record: &DossierRecord, at: DateTime<Utc>) -> DossierRecord {
    let hours = WorkingHours::default();
    let holidays = HolidayCalendar::default();
    let ctx = Context {
        now: to_vn_local(&at),
        hours: &hours,
        holidays: &holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes as u32,
    };
    let action = Action::Withdraw {
        reason: "Rút hồ sơ".into(),
    };
    let after = record.dossier.apply(&action, &ctx).unwrap();
    store
        .commit_dossier_action(record, &action, &after, at, actor("motcua.a", "receiver"))
        .await
        .unwrap()
}

fn doc(code: &str, content: &str, kind: DocumentKind, digitised: bool) -> NewDocument {
    NewDocument {
        kind,
        digitised,
        ..NewDocument::upload(
            code,
            &format!("{:0>64}", content),
            &format!("{content}.pdf"),
            "application/pdf",
            10,
            t0(),
        )
    }
}

async fn scenario(store: Store, retention: Retention) {
    store.migrate().await.unwrap();
    let admin = actor("quantri.tinh", "province_admin");
    store.load_seed(&seed(), t0(), admin.clone()).await.unwrap();
    let load = CatalogueLoad {
        decision: NewDecision {
            number: "01/QĐ-UBND".into(),
            decided_on: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            signer: "Chủ tịch".into(),
            required_count: None,
        },
        procedures: vec![procedure(retention)],
        memberships: vec![],
    };
    store
        .load_catalogue(&load, t0(), admin.clone())
        .await
        .unwrap();
    let draft = ProcessDraft {
        procedure_code: BIRTH.into(),
        agency_code: None,
        level: Level::Commune,
        steps: steps([240; 3]),
        note: String::new(),
    };
    let process = store
        .save_process_draft(&draft, t0(), admin.clone())
        .await
        .unwrap();
    store
        .approve_process(process.id, t0(), admin.clone())
        .await
        .unwrap();

    let first = store
        .submit_dossier(&submission(t0(), vec![], HOLDER))
        .await
        .unwrap()
        .into_record();
    let code = first.code().to_owned();

    // Blobs are rows too: the same content twice is one blob.
    let a = store
        .add_document(
            &doc(&code, "a", DocumentKind::Component, false),
            admin.clone(),
        )
        .await
        .unwrap();
    store
        .add_document(
            &doc(&code, "a", DocumentKind::Component, false),
            admin.clone(),
        )
        .await
        .unwrap();
    assert_eq!(store.blobs().await.unwrap().len(), 1);
    assert!(store.document_hash_in_use(&a.sha256).await.unwrap());
    // Digitised: who and when, and into the applicant's store, once.
    let marked = store
        .mark_digitised(&code, a.id, t0(), actor("motcua.a", "receiver"))
        .await
        .unwrap();
    assert_eq!(marked.digitised_by.as_deref(), Some("motcua.a"));
    let again = store
        .mark_digitised(
            &code,
            a.id,
            t0() + chrono::Duration::hours(1),
            admin.clone(),
        )
        .await
        .unwrap();
    assert_eq!(again.digitised_at, marked.digitised_at);
    let wallet = store.wallet(&[HOLDER.to_owned()]).await.unwrap();
    assert_eq!(wallet.len(), 1);
    assert!(!wallet[0].signed);

    // The receipt settles once, whoever asks twice.
    let receipt = |id: Uuid| {
        let d = NewDocument {
            id,
            origin: DocumentOrigin::Issued,
            ..doc(&code, "r", DocumentKind::Receipt, false)
        };
        let s = NewSignature {
            document_id: id,
            sha256: d.sha256.clone(),
            kind: DocumentKind::Receipt,
            dossier_code: code.clone(),
            agency_code: COMMUNE.into(),
            signed_at: t0(),
            statement: "{}".into(),
            signature: "c2ln".into(),
        };
        Settlement {
            dossier_code: code.clone(),
            receipt: Some((d, s)),
            results: vec![],
            deliver: false,
            at: t0(),
        }
    };
    let one = store
        .settle_documents(&receipt(Uuid::now_v7()), admin.clone())
        .await
        .unwrap();
    let two = store
        .settle_documents(&receipt(Uuid::now_v7()), admin.clone())
        .await
        .unwrap();
    assert!(one.receipt_added && !two.receipt_added);
    let receipts = store
        .documents(&code)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == "receipt")
        .count();
    assert_eq!(receipts, 1);
    assert_eq!(store.signatures_for_dossier(&code).await.unwrap().len(), 1);

    // Reuse at a later submission: only the holder's own items, recorded.
    let item = wallet[0].id;
    let err = store
        .submit_dossier(&submission(
            t0(),
            vec![WalletAttachment {
                wallet_item_id: item,
                component: None,
            }],
            "001099012345",
        ))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "wallet_item_not_applicants");
    let second = store
        .submit_dossier(&submission(
            t0(),
            vec![WalletAttachment {
                wallet_item_id: item,
                component: Some("Tờ khai".into()),
            }],
            HOLDER,
        ))
        .await
        .unwrap()
        .into_record();
    assert_eq!(store.reuses_of(second.code()).await.unwrap(), 1);
    let reused = store.documents(second.code()).await.unwrap();
    assert_eq!(reused[0].origin, "wallet");
    assert_eq!(reused[0].sha256, a.sha256);
    let counts = store
        .digitisation_counts(Some(COMMUNE), t0(), t0() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.received,
            counts.with_reuse,
            counts.reuses,
            counts.digitised
        ),
        (2, 1, 1, 1),
        "{counts:?}"
    );

    // Closing sets the retention: the longest of the result types, or permanent.
    let b = store
        .add_document(
            &doc(&code, "b", DocumentKind::Component, false),
            admin.clone(),
        )
        .await
        .unwrap();
    let closed_at = t0() + chrono::Duration::hours(2);
    withdraw(&store, &first, closed_at).await;
    let r = store.retention(&code).await.unwrap().unwrap();
    let day = to_vn_local(&closed_at).date();
    assert_eq!(r.closed_on, day);
    match retention {
        Retention::Years(n) => {
            assert_eq!(r.retention_years, Some(i64::from(n)));
            assert_eq!(r.archive_after, day.checked_add_months(Months::new(12 * n)));
        }
        Retention::Permanent => assert_eq!((r.retention_years, r.archive_after), (None, None)),
    }
    let archivable = store
        .archivable(NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(), 100)
        .await
        .unwrap();
    assert_eq!(archivable.len(), 1);
    let package = motcua_store::NewArchivePackage {
        id: Uuid::now_v7(),
        before_date: NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
        location: "/tmp/x".into(),
        dossier_codes: vec![code.clone()],
        documents: 3,
        bytes: 30,
        manifest_sha256: "0".repeat(64),
        at: t0(),
    };
    assert_eq!(
        store
            .record_archive_package(&package, admin.clone())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .record_archive_package(&package_again(&package), admin.clone())
            .await
            .unwrap(),
        0,
        "already archived"
    );

    let far = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let proposed = store
        .propose_destruction(far, t0(), admin.clone())
        .await
        .unwrap();
    let Retention::Years(_) = retention else {
        assert!(proposed.is_none(), "permanent records are never proposed");
        store.close().await;
        return;
    };
    let list = proposed.unwrap();
    assert_eq!(list.dossiers, 1);
    let deleted = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = deleted.clone();
    let deleter = move |sha: String| {
        seen.lock().unwrap().push(sha);
        Box::pin(async { Ok(()) })
            as std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
    };
    let err = store
        .execute_destruction(list.id, t0(), admin.clone(), &deleter)
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "destruction_not_approved");
    assert!(deleted.lock().unwrap().is_empty());
    store
        .decide_destruction(list.id, true, Some("đồng ý"), t0(), admin.clone())
        .await
        .unwrap();
    let report = store
        .execute_destruction(list.id, t0(), admin.clone(), &deleter)
        .await
        .unwrap();
    // `a` is in the applicant's store and the second dossier: kept. `b` and the receipt go.
    let mut gone = deleted.lock().unwrap().clone();
    gone.sort();
    let mut expected = vec![b.sha256.clone(), format!("{:0>64}", "r")];
    expected.sort();
    assert_eq!(gone, expected);
    assert_eq!(report.blobs_kept, vec![a.sha256.clone()]);
    assert!(store.blob(&b.sha256).await.unwrap().is_none());
    assert!(store.blob(&a.sha256).await.unwrap().is_some());
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    store.close().await;
}

fn package_again(p: &motcua_store::NewArchivePackage) -> motcua_store::NewArchivePackage {
    motcua_store::NewArchivePackage {
        id: Uuid::now_v7(),
        ..p.clone()
    }
}

#[tokio::test]
async fn sqlite_documents() {
    for retention in [Retention::Years(10), Retention::Permanent] {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_store(&dir).await;
        scenario(store, retention).await;
    }
}

#[tokio::test]
async fn postgres_documents() {
    for retention in [Retention::Years(10), Retention::Permanent] {
        let Some(store) = postgres_store().await else {
            return;
        };
        scenario(store, retention).await;
    }
}

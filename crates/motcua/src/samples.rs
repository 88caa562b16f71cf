//! Sample procedures with approved processes, for tests, the dossier generator and the
//! benchmarks. (The demo's own catalogue comes from the catalogue work; once it lands, the
//! demo can approve processes for it the same way.)

use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::ProcessStep;
use motcua_domain::procedure::{
    Applicant, Fee, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime, SubmissionChannel,
};
use motcua_store::{CatalogueLoad, NewDecision, ProcessDraft, Store};

/// Cấp Phiếu lý lịch tư pháp: a province procedure of the Department of Justice that any
/// commune centre receives (Decree 118/2025).
pub const CRIMINAL_RECORD: &str = "2.000488";
/// Đăng ký khai sinh: a commune procedure.
pub const BIRTH: &str = "1.001193";
pub const JUSTICE_DEPARTMENT: &str = "000.00.02.H37";

fn procedure(code: &str, name: &str, sector: &str, level: Level, days: u32) -> Procedure {
    let (agency_code, agency_kind) = match level {
        Level::Province => (
            Some(AgencyCode::parse(JUSTICE_DEPARTMENT).expect("valid code")),
            Some(AgencyKind::Department),
        ),
        Level::Commune => (None, Some(AgencyKind::CommuneCommittee)),
    };
    Procedure {
        code: ProcedureCode::parse(code).expect("valid code"),
        name: name.into(),
        sector: sector.into(),
        levels: vec![level],
        agency_code,
        agency_kind,
        applicants: vec![Applicant::Citizen],
        processing_time: ProcessingTime::days(days),
        service_norm: None,
        fees: vec![Fee {
            name: "Lệ phí".into(),
            amount_vnd: 0,
        }],
        documents: vec![],
        steps: "Nộp hồ sơ trực tuyến hoặc tại Bộ phận một cửa.".into(),
        channels: vec![SubmissionChannel::Online, SubmissionChannel::InPerson],
        online_level: OnlineLevel::Full,
        online_reason: None,
        results: vec![],
        legal_bases: vec![],
        valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")),
        valid_to: None,
        form: None,
    }
}

pub fn procedures() -> Vec<Procedure> {
    vec![
        procedure(
            CRIMINAL_RECORD,
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "ly_lich_tu_phap",
            Level::Province,
            10,
        ),
        procedure(BIRTH, "Đăng ký khai sinh", "ho_tich", Level::Commune, 1),
    ]
}

fn step(name: &str, role: Role, agency: Option<&str>, hours: u32) -> ProcessStep {
    ProcessStep {
        name: name.into(),
        role,
        agency: agency.map(|a| AgencyCode::parse(a).expect("valid code")),
        budget_minutes: hours * 60,
    }
}

/// The processes: level defaults, so every commune centre can receive.
pub fn processes() -> Vec<ProcessDraft> {
    vec![
        ProcessDraft {
            procedure_code: CRIMINAL_RECORD.into(),
            agency_code: None,
            level: Level::Province,
            steps: vec![
                step("Tiếp nhận hồ sơ", Role::Receiver, None, 4),
                step(
                    "Thẩm định, xác minh",
                    Role::Specialist,
                    Some(JUSTICE_DEPARTMENT),
                    48,
                ),
                step(
                    "Phê duyệt, ký phiếu",
                    Role::Leader,
                    Some(JUSTICE_DEPARTMENT),
                    16,
                ),
            ],
            note: "Liên thông: một cửa cấp xã tiếp nhận, Sở Tư pháp giải quyết.".into(),
        },
        ProcessDraft {
            procedure_code: BIRTH.into(),
            agency_code: None,
            level: Level::Commune,
            steps: vec![
                step("Tiếp nhận hồ sơ", Role::Receiver, None, 2),
                step("Thẩm định", Role::Specialist, None, 4),
                step("Ký giấy khai sinh", Role::Leader, None, 2),
            ],
            note: "Quy trình chung cấp xã.".into(),
        },
    ]
}

/// Publishes the sample procedures and approves their processes (skips what is there).
pub async fn load(store: &Store) -> anyhow::Result<()> {
    let now = motcua_app::now();
    let audit = |action: &str| AuditEntry::system(now, action, "samples", serde_json::json!({}));
    if store.published_version(CRIMINAL_RECORD).await?.is_none() {
        let load = CatalogueLoad {
            decision: NewDecision {
                number: "MAU-01/QĐ-UBND".into(),
                decided_on: NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date"),
                signer: "Chủ tịch UBND tỉnh".into(),
                required_count: None,
            },
            procedures: procedures(),
            memberships: vec![],
        };
        store
            .load_catalogue(&load, now, audit("catalogue.loaded"))
            .await?;
    }
    for draft in processes() {
        let approved = store
            .processes(
                Some(&draft.procedure_code),
                None,
                Some(motcua_domain::dossier::ProcessState::Approved),
            )
            .await?;
        if approved.is_empty() {
            let saved = store
                .save_process_draft(&draft, now, audit("process.drafted"))
                .await?;
            store
                .approve_process(saved.id, now, audit("process.approved"))
                .await?;
        }
    }
    Ok(())
}

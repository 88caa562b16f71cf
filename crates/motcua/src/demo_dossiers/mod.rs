//! The demo's dossier work, so everything can be tried out of the box: approved internal
//! processes for the demo catalogue (a default for commune-level procedures, a default
//! through the department in charge for province-level ones, budgets from the legal time),
//! three recently devolved procedures deliberately left without a process (the "missing"
//! list), and about thirty sample dossiers in varied states, submitted and handled through
//! the store at realistic times before the first start (some overdue, some due soon, some
//! returned and rated).
//!
//! Each step is idempotent: processes are drafted only if none is approved, the devolutions
//! only once, the dossiers only into a database without dossiers.

use crate::demo::{DOSSIER_DEMO_USERS, DemoCredential};
use anyhow::Context as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use motcua_domain::account::Username;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::to_vn_local;
use motcua_domain::dossier::{ProcessState, suggested_steps};
use motcua_domain::procedure::{Level, ProcedureCode};
use motcua_store::{Devolution, NewUser, ProcessDraft, Store};

mod samples;
use samples::sample_dossiers;

/// Procedures the demo devolves to the communes shortly before its first start and leaves
/// without a process, as the province must redraw them (illustrative choices).
pub const DEVOLVED: [&str; 3] = ["1.012810", "2.000286", "1.001731"];
/// Days before the first start the devolution took effect.
const DEVOLVED_DAYS_AGO: i64 = 20;

pub const DONG_KINH: &str = "Ủy ban nhân dân phường Đông Kinh";
pub const JUSTICE: &str = "Sở Tư pháp";
pub const SERVICE_CENTRE: &str = "Trung tâm Phục vụ hành chính công tỉnh Lạng Sơn";

/// What the seeding did.
#[derive(Debug, Default, Clone)]
pub struct Seeded {
    pub processes: usize,
    pub devolved: usize,
    pub dossiers: usize,
    /// The officers created for the sample dossiers, with their passwords (shown once).
    pub credentials: Vec<DemoCredential>,
}

fn system(at: DateTime<Utc>, action: &str, subject: impl Into<String>) -> AuditEntry {
    AuditEntry::system(at, action, subject, serde_json::json!({ "demo": true }))
}

/// Seeds what is missing of the demo's dossier work; `password_for` gives the passwords
/// of the officer accounts it creates ([`DOSSIER_DEMO_USERS`]).
pub async fn seed(
    store: &Store,
    password_for: impl FnMut(&str) -> String,
) -> anyhow::Result<Seeded> {
    let now = motcua_app::now();
    let credentials = officers(store, now, password_for).await?;
    // In this order: the devolved procedures must not get a process.
    let devolved = devolve(store, now).await?;
    let processes = approve_processes(store, now).await?;
    let dossiers = sample_dossiers(store, now).await?;
    Ok(Seeded {
        processes,
        devolved,
        dossiers,
        credentials,
    })
}

/// The demo officers of the dossier work, unless they exist.
async fn officers(
    store: &Store,
    now: DateTime<Utc>,
    mut password_for: impl FnMut(&str) -> String,
) -> anyhow::Result<Vec<DemoCredential>> {
    let agencies = store.agencies(None).await?;
    let mut wanted = Vec::new();
    for spec in &DOSSIER_DEMO_USERS {
        if store.find_user_by_username(spec.username).await?.is_some() {
            continue;
        }
        let name = spec.agency_name.context("demo officers have an agency")?;
        let agency = agencies
            .iter()
            .find(|a| a.name == name && a.valid_to.is_none())
            .with_context(|| format!("demo agency {name} missing"))?;
        wanted.push((spec, agency.code.to_string(), password_for(spec.username)));
    }
    // Hashing is slow on purpose: off the async threads.
    let hashed = tokio::task::spawn_blocking(move || {
        wanted
            .into_iter()
            .map(|(spec, agency, password)| {
                let hash = motcua_app::password::hash_password(&password);
                (spec, agency, password, hash)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let mut credentials = Vec::new();
    for (spec, agency, password, password_hash) in hashed {
        let user = NewUser {
            username: Username::parse(spec.username).map_err(anyhow::Error::msg)?,
            display_name: spec.display_name.into(),
            password_hash,
            role: spec.role,
            agency_code: Some(agency),
        };
        store
            .create_user(
                &user,
                now,
                system(now, "user.created", format!("user:{}", spec.username)),
            )
            .await?;
        credentials.push(DemoCredential {
            username: spec.username.into(),
            password,
            role: spec.role,
        });
    }
    Ok(credentials)
}

async fn devolve(store: &Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let from = to_vn_local(&now).date() - Duration::days(DEVOLVED_DAYS_AGO);
    let mut done = 0;
    for code in DEVOLVED {
        let assignments = store.assignments(code).await?;
        if assignments.is_empty()
            || assignments
                .iter()
                .any(|a| a.assignment.level == Level::Commune)
        {
            continue;
        }
        let devolution = Devolution {
            code: ProcedureCode::parse(code).map_err(anyhow::Error::msg)?,
            from_level: Some(Level::Province),
            to_level: Level::Commune,
            agency_code: None,
            agency_kind: Some(AgencyKind::CommuneCommittee),
            effective_from: from,
            note: "Phân cấp cho Ủy ban nhân dân cấp xã (dữ liệu trình diễn).".into(),
        };
        store
            .devolve(
                &devolution,
                now,
                system(now, "procedure.devolved", format!("procedure:{code}")),
            )
            .await?;
        done += 1;
    }
    Ok(done)
}

/// An approved default process for every published procedure in force, except the
/// devolved ones: for commune-level procedures the commune committees' default; for
/// province-level ones the province default, appraised and approved at the department.
pub async fn approve_processes(store: &Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    // Per procedure and level, so a seed stopped half-way is finished, not skipped: one
    // already approved stays, a draft left unapproved is approved.
    let existing = store.processes(None, None, None).await?;
    let today = to_vn_local(&now).date();
    let applicable = store.applicable_at(today).await?;
    let mut done = 0;
    let mut seen = std::collections::BTreeSet::new();
    for a in applicable {
        if DEVOLVED.contains(&a.code.as_str()) || !seen.insert((a.code.clone(), a.level)) {
            continue;
        }
        let mine = existing.iter().filter(|p| {
            p.procedure_code == a.code && p.level == a.level && p.agency_code.is_none()
        });
        if mine.clone().any(|p| p.state == ProcessState::Approved) {
            continue;
        }
        if let Some(draft) = mine.clone().find(|p| p.state == ProcessState::Draft) {
            store
                .approve_process(draft.id, now, system(now, "process.approved", "process"))
                .await?;
            done += 1;
            continue;
        }
        let Some(version) = store.published_version(&a.code).await? else {
            continue;
        };
        let legal = version.procedure.processing_time.minutes();
        let handler = match a.level {
            Level::Province => a
                .agency_code
                .as_deref()
                .map(AgencyCode::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?,
            Level::Commune => None,
        };
        let note = match (&handler, a.level) {
            (Some(_), _) => "Quy trình mặc định cấp tỉnh: một cửa tiếp nhận, sở chuyên ngành \
                thẩm định và phê duyệt. Thời gian: tiếp nhận 10%, thẩm định 60%, phê duyệt 20% \
                thời hạn; 10% còn lại để trả kết quả."
                .to_owned(),
            (None, Level::Commune) => "Quy trình mặc định cấp xã. Thời gian: tiếp nhận 10%, \
                thẩm định 60%, phê duyệt 20% thời hạn; 10% còn lại để trả kết quả."
                .to_owned(),
            (None, Level::Province) => "Quy trình mặc định cấp tỉnh.".to_owned(),
        };
        let draft = ProcessDraft {
            procedure_code: a.code.clone(),
            agency_code: None,
            level: a.level,
            steps: suggested_steps(legal, handler),
            note,
        };
        let saved = store
            .save_process_draft(&draft, now, system(now, "process.drafted", "process"))
            .await?;
        store
            .approve_process(saved.id, now, system(now, "process.approved", "process"))
            .await?;
        done += 1;
    }
    Ok(done)
}

// ------------------------------------------------------------------ sample dossiers

/// The first day of the demo's devolutions, for tests.
pub fn devolved_from(now: DateTime<Utc>) -> NaiveDate {
    to_vn_local(&now).date() - Duration::days(DEVOLVED_DAYS_AGO)
}

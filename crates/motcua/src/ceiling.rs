//! `motcua bench --scenario ceiling`: the storage ceiling of a submission. It writes what an
//! online submission writes (the dossier with its code from the daily sequence, its audit
//! event, its idempotency key and the desk's count) straight into the store, 64 to a
//! transaction as the server's group commit does at saturation, with the same durability,
//! and nothing else: no HTTP, JSON, sign-in or validation. The server's saturation rate next
//! to this one says how much of the storage's capacity the rest of a request uses.

use crate::loadgen::{Report, Scenario};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::Channel;
use motcua_domain::dossier::{Applicant, ApplicantKind, CitizenId, PhoneNumber};
use motcua_store::{IdempotencyKey, Store, Submission};
use std::time::Instant;

/// Submissions per transaction: what the group commit gathers at saturation.
pub const BATCH: usize = 64;

/// What the `submit` scenario sends, as the store receives it from a signed-in citizen.
fn submission(agency: &AgencyCode, procedure: &str, citizen: &str, key: String) -> Submission {
    let now = motcua_app::now();
    Submission {
        procedure_code: procedure.to_owned(),
        agency: agency.clone(),
        channel: Channel::Online,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "Nguyễn Văn Thử".into(),
            citizen_id: CitizenId::parse("020095001234").ok(),
            tax_code: None,
            phone: PhoneNumber::parse("0912345678").ok(),
            email: None,
            address_unit: None,
            address: None,
            notify: Vec::new(),
            verified: None,
        },
        owner: Some(citizen.to_owned()),
        idempotency: Some(IdempotencyKey {
            principal: citizen.to_owned(),
            // Any text that stays the same for the key: each key is used once.
            request_hash: key.clone(),
            key,
        }),
        at: now,
        actor: AuditEntry {
            at: now,
            actor: citizen.to_owned(),
            actor_role: Some("citizen".into()),
            agency_code: None,
            action: String::new(),
            subject: String::new(),
            detail: String::new(),
        },
        receive: None,
        attachments: Vec::new(),
        form: None,
        uses_draft_of: None,
    }
}

/// Writes `count` submissions in transactions of [`BATCH`], one after the other, and reports
/// the rate; each latency is one transaction's.
pub async fn run(
    store: &Store,
    agency: &str,
    procedure: &str,
    citizen: &str,
    count: u64,
) -> anyhow::Result<Report> {
    let agency = AgencyCode::parse(agency)?;
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let mut latencies = Vec::new();
    let mut written = 0u64;
    let mut refused = 0u64;
    let started = Instant::now();
    while written + refused < count {
        let n = (count - written - refused).min(BATCH as u64);
        let batch: Vec<Submission> = (0..n)
            .map(|i| {
                let key = format!("{run_id}-{}", written + refused + i);
                submission(&agency, procedure, citizen, key)
            })
            .collect();
        let began = Instant::now();
        let results = store.submit_batch(&batch).await?;
        latencies.push(began.elapsed().as_secs_f64() * 1000.0);
        let ok = results.iter().filter(|r| r.is_ok()).count() as u64;
        written += ok;
        refused += n - ok;
        if ok == 0 {
            anyhow::bail!("the store refused every submission: {:?}", results.first());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Ok(Report {
        scenario: Scenario::Ceiling,
        sent: written + refused,
        ok: written,
        errors: refused,
        seconds,
        latencies_ms: latencies,
        mistyped_ms: Vec::new(),
    })
}

//! What citizens do without signing in: look a dossier up with its code and the last
//! digits of their phone or ID number, and rate the handling once it is returned. Wrong
//! guesses are throttled per client address and per code.

use super::access::not_found;
use super::act::RatingInput;
use crate::{App, AppError, AppResult};
use motcua_domain::account::{Role, ThrottlePolicy};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::lookup_secret;
use motcua_domain::dossier::{DossierCode, DossierState, MaskedApplicant};
use motcua_store::{DossierRecord, ThrottleState};
use std::net::IpAddr;
use subtle::ConstantTimeEq;

fn too_many(app: &App) -> AppError {
    AppError::TooManyAttempts {
        code: "too_many_attempts",
        detail: format!(
            "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
            app.lookup_throttle.window_minutes
        ),
    }
}

/// How many wrong check digits lock the lookup, and for how long (the server's setting).
pub fn throttle(app: &App) -> ThrottlePolicy {
    app.lookup_throttle
}

/// The lookup secret printed on a dossier's receipt (see [`lookup`]).
pub fn lookup_secret(app: &App, code: &str) -> AppResult<String> {
    let signer = app.signer.as_ref().ok_or_else(|| AppError::Unavailable {
        code: "lookup_secret_unavailable",
        detail: "Chưa có khóa để tạo mã bí mật tra cứu.".into(),
    })?;
    signer
        .lookup_secret(code)
        .map_err(|e| AppError::internal(e.to_string()))
}

/// The dossier, if `check` proves the applicant: the lookup secret from the receipt, or the
/// last 4 digits of their phone or ID number. Wrong digits count against the client address
/// and the code, and too many answer `TooManyAttempts`; a wrong secret counts against the
/// address only, so no one can lock the owner out of their own dossier.
pub async fn lookup(
    app: &App,
    client: IpAddr,
    code: &str,
    check: &str,
) -> AppResult<DossierRecord> {
    if let Some(secret) = lookup_secret::normalise(check) {
        return lookup_by_secret(app, client, code, &secret).await;
    }
    let now = crate::now();
    let normal = code.trim().to_ascii_uppercase();
    let keys = [
        format!("dossier-check:ip:{client}"),
        format!("dossier-check:code:{normal}"),
    ];
    if let ThrottleState::LockedUntil(_) = app.store.throttle_state_any(&keys, now).await? {
        return Err(too_many(app));
    }
    let record = match DossierCode::parse(code) {
        Ok(c) => app.store.dossier(c.as_str()).await?,
        Err(_) => None,
    };
    match record {
        Some(r) if r.applicant.matches_check(check) => Ok(r),
        _ => {
            let after = app
                .store
                .record_failure(&keys, now, app.lookup_throttle)
                .await?;
            if matches!(after, ThrottleState::LockedUntil(_)) {
                return Err(too_many(app));
            }
            Err(not_found())
        }
    }
}

async fn lookup_by_secret(
    app: &App,
    client: IpAddr,
    code: &str,
    secret: &str,
) -> AppResult<DossierRecord> {
    let now = crate::now();
    let key = format!("dossier-secret:ip:{client}");
    if let ThrottleState::LockedUntil(_) = app.store.throttle_state(&key, now).await? {
        return Err(too_many(app));
    }
    let code = DossierCode::parse(code).ok();
    let expected = match &code {
        Some(c) => Some(lookup_secret(app, c.as_str())?),
        None => None,
    };
    let proven = expected
        .as_deref()
        .is_some_and(|e| bool::from(e.as_bytes().ct_eq(secret.as_bytes())));
    let record = match (&code, proven) {
        (Some(c), true) => app.store.dossier(c.as_str()).await?,
        _ => None,
    };
    match record {
        Some(r) => Ok(r),
        None => {
            let after = app
                .store
                .record_failure(&[key], now, app.lookup_throttle)
                .await?;
            if matches!(after, ThrottleState::LockedUntil(_)) {
                return Err(too_many(app));
            }
            Err(not_found())
        }
    }
}

/// The applicant rates the handling through the public lookup (code and check digits).
pub async fn rate(
    app: &App,
    client: IpAddr,
    code: &str,
    check: &str,
    rating: &RatingInput,
) -> AppResult<DossierRecord> {
    let (access, _) = super::applicant::by_check(app, client, code, check).await?;
    super::applicant::rate(app, &access, rating).await
}

/// The audit entry of something the applicant did without an account.
pub fn applicant_audit(action: &str) -> AuditEntry {
    AuditEntry {
        at: crate::now(),
        actor: "applicant".into(),
        actor_role: Some(Role::Citizen.as_str().into()),
        agency_code: None,
        action: action.into(),
        subject: "dossier".into(),
        detail: "{}".into(),
    }
}

/// How far the applicant's dossier is along a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepProgress {
    Done,
    Current,
    Pending,
}

impl StepProgress {
    pub fn as_str(self) -> &'static str {
        match self {
            StepProgress::Done => "done",
            StepProgress::Current => "current",
            StepProgress::Pending => "pending",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            StepProgress::Done => "Đã xong",
            StepProgress::Current => "Đang thực hiện",
            StepProgress::Pending => "Chưa thực hiện",
        }
    }
}

/// A step as the public sees it.
#[derive(Debug, Clone)]
pub struct PublicStep {
    pub no: usize,
    pub name: String,
    pub progress: StepProgress,
}

/// What anyone holding the code and the check digits may see: the API's public view and
/// the lookup page both render it. The applicant is masked.
#[derive(Debug, Clone)]
pub struct PublicDetail {
    /// The dossier; its applicant is not for display: use [`PublicDetail::applicant`].
    pub record: DossierRecord,
    pub receiving_agency_name: Option<String>,
    pub applicant: MaskedApplicant,
    pub steps: Vec<PublicStep>,
    /// The applicant may rate the handling now.
    pub can_rate: bool,
}

/// The public read model of a dossier the caller has already proved they may see.
pub async fn public_detail(app: &App, record: DossierRecord) -> AppResult<PublicDetail> {
    let d = &record.dossier;
    // Agencies as this node last read them (within a minute): a lookup reads no more.
    let receiving_agency_name = crate::register::all_agencies(app)
        .await?
        .iter()
        .find(|a| a.code.as_str() == d.receiving_agency.as_str())
        .map(|a| a.name.clone());
    let steps = record
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let progress = if d.state.is_in_flight() {
                match i.cmp(&d.step) {
                    std::cmp::Ordering::Less => StepProgress::Done,
                    std::cmp::Ordering::Equal => StepProgress::Current,
                    std::cmp::Ordering::Greater => StepProgress::Pending,
                }
            } else if d.finished_at.is_some() && d.result.is_some()
                || d.state == DossierState::Returned
            {
                StepProgress::Done
            } else {
                StepProgress::Pending
            };
            PublicStep {
                no: i,
                name: s.name.clone(),
                progress,
            }
        })
        .collect();
    Ok(PublicDetail {
        receiving_agency_name,
        applicant: record.applicant.masked(),
        steps,
        can_rate: d.state == DossierState::Returned && d.rating.is_none(),
        record,
    })
}

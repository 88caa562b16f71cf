//! The applicant's document store ("wallet"): digitised results and components kept under
//! a citizen ID or tax code, reusable in later submissions. Who may read whose store is
//! decided here only:
//! - a citizen reads the stores of the identities bound to their account, and sees every
//!   officer who looked at them;
//! - an officer reads an applicant's store only through a dossier of that applicant which
//!   their agency, still at work, handles now, and only the documents that dossier may
//!   reuse; every such read is recorded (Decree 13/2023/NĐ-CP, art. 9 and 27, replaced by
//!   Decree 356/2025/NĐ-CP from 1/1/2026: the data subject knows who processed their data).

use crate::dossiers::load_visible;
use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::document::may_reuse;
use motcua_domain::procedure::RequiredDocument;
use motcua_store::{DossierRecord, WalletItemRecord};
use uuid::Uuid;

/// The identities read and what is kept under them.
#[derive(Debug, Clone)]
pub struct Wallet {
    pub holders: Vec<String>,
    pub items: Vec<WalletItemRecord>,
    /// For an officer: the dossier the store was opened from.
    pub dossier: Option<String>,
}

/// One officer's look at a citizen's store.
#[derive(Debug, Clone)]
pub struct WalletRead {
    pub at: DateTime<Utc>,
    pub officer: String,
    /// The officer's name as their account gives it.
    pub officer_name: String,
    pub agency_code: Option<String>,
    pub dossier: Option<String>,
    /// Opened a document (rather than the list).
    pub opened_document: Option<String>,
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Receiver | Role::Specialist | Role::Leader)
}

/// The audit subject of a holder's store.
fn subject(holder: &str) -> String {
    format!("wallet:{holder}")
}

/// A dossier through which the officer may read its applicant's store: one their agency
/// receives, handles or has at its desk, still open, and their agency still at work.
struct Opening {
    record: DossierRecord,
    holder: Option<String>,
    components: Vec<RequiredDocument>,
}

async fn opening(app: &App, who: &Principal, dossier: Option<&str>) -> AppResult<Opening> {
    let code = dossier
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            AppError::invalid(
                "dossier_required",
                "Cán bộ chỉ xem kho dữ liệu của người nộp qua hồ sơ của họ mà cơ quan mình đang \
             giải quyết (dossier).",
            )
        })?;
    let record = load_visible(app, who, code).await?;
    let agency = who.agency_code.as_deref().ok_or_else(AppError::forbidden)?;
    let d = &record.dossier;
    let handles = !d.state.is_closed()
        && (d.receiving_agency.as_str() == agency
            || d.handling_agency.as_str() == agency
            || record.desk_agency == agency);
    if !handles {
        return Err(AppError::Forbidden {
            detail: "Chỉ xem được kho dữ liệu của người nộp khi cơ quan mình đang giải quyết \
                     hồ sơ của họ."
                .into(),
        });
    }
    let working = app
        .store
        .agency(agency)
        .await?
        .is_some_and(|a| a.is_valid_at(crate::today_vn()));
    if !working {
        return Err(AppError::Forbidden {
            detail: "Cơ quan của tài khoản này đã thôi hoạt động.".into(),
        });
    }
    let applicant = &record.applicant;
    let holder = applicant
        .citizen_id
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .or_else(|| applicant.tax_code.as_ref().map(|t| t.as_str().to_owned()));
    let components = app
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?
        .map(|v| v.procedure.documents)
        .unwrap_or_default();
    Ok(Opening {
        record,
        holder,
        components,
    })
}

/// What an item is called for matching against the components.
fn label(item: &WalletItemRecord) -> &str {
    item.component.as_deref().unwrap_or(&item.name)
}

/// The store (or stores) the principal may see. Citizens: their own identities (or one of
/// them, `holder`). Officers: the applicant of `dossier`, only what it may reuse; recorded.
pub async fn wallet(
    app: &App,
    who: &Principal,
    holder: Option<&str>,
    dossier: Option<&str>,
) -> AppResult<Wallet> {
    let holder = holder.map(str::trim).filter(|h| !h.is_empty());
    match who.role {
        Role::Citizen => {
            let mine = app.store.identities_of(who.id).await?;
            let holders = match holder {
                Some(h) if mine.iter().any(|m| m == h) => vec![h.to_owned()],
                Some(_) => return Err(AppError::forbidden()),
                None => mine,
            };
            let items = app.store.wallet(&holders).await?;
            Ok(Wallet {
                holders,
                items,
                dossier: None,
            })
        }
        role if is_staff(role) => {
            let open = opening(app, who, dossier).await?;
            let code = open.record.code().to_owned();
            let Some(h) = open.holder else {
                return Ok(Wallet {
                    holders: Vec::new(),
                    items: Vec::new(),
                    dossier: Some(code),
                });
            };
            let items: Vec<WalletItemRecord> = app
                .store
                .wallet(std::slice::from_ref(&h))
                .await?
                .into_iter()
                .filter(|i| may_reuse(&open.components, label(i)))
                .collect();
            let detail = serde_json::json!({ "dossier": code, "items": items.len() });
            app.store
                .record_audit(who.audit("wallet.read", subject(&h), detail))
                .await?;
            Ok(Wallet {
                holders: vec![h],
                items,
                dossier: Some(code),
            })
        }
        _ => Err(AppError::forbidden()),
    }
}

/// One item of a store the principal may read (an officer: through `dossier`, as for
/// [`wallet`], and recorded); `not_found` otherwise.
pub async fn item(
    app: &App,
    who: &Principal,
    id: &str,
    dossier: Option<&str>,
) -> AppResult<WalletItemRecord> {
    let missing = || AppError::not_found("not_found", "Không có giấy tờ này trong kho dữ liệu.");
    let id = Uuid::parse_str(id).map_err(|_| missing())?;
    let item = app.store.wallet_item(id).await?.ok_or_else(missing)?;
    match who.role {
        Role::Citizen => {
            if !app
                .store
                .identities_of(who.id)
                .await?
                .contains(&item.holder_id)
            {
                return Err(missing());
            }
        }
        role if is_staff(role) => {
            let open = opening(app, who, dossier).await?;
            if open.holder.as_deref() != Some(item.holder_id.as_str())
                || !may_reuse(&open.components, label(&item))
            {
                return Err(missing());
            }
            let detail = serde_json::json!({
                "dossier": open.record.code(),
                "item": item.id,
                "name": item.name,
            });
            app.store
                .record_audit(who.audit("wallet.item_read", subject(&item.holder_id), detail))
                .await?;
        }
        _ => return Err(missing()),
    }
    Ok(item)
}

/// The officers who looked at the citizen's stores, newest first.
pub async fn reads(app: &App, who: &Principal) -> AppResult<Vec<WalletRead>> {
    if who.role != Role::Citizen {
        return Err(AppError::forbidden());
    }
    let mut reads = Vec::new();
    for holder in app.store.identities_of(who.id).await? {
        for event in app.store.audit_events_for(&subject(&holder)).await? {
            let e = event.entry;
            if !e.action.starts_with("wallet.") {
                continue;
            }
            let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            let text = |key: &str| detail[key].as_str().map(str::to_owned);
            reads.push(WalletRead {
                at: e.at,
                officer_name: String::new(),
                officer: e.actor,
                agency_code: e.agency_code,
                dossier: text("dossier"),
                opened_document: (e.action == "wallet.item_read")
                    .then(|| text("name"))
                    .flatten(),
            });
        }
    }
    reads.sort_by_key(|r| std::cmp::Reverse(r.at));
    let officers: Vec<String> = reads.iter().map(|r| r.officer.clone()).collect();
    let names = crate::accounts::display_names(app, officers).await?;
    for r in &mut reads {
        r.officer_name = names.get(&r.officer).cloned().unwrap_or_default();
    }
    Ok(reads)
}

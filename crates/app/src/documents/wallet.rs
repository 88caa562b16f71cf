//! The applicant's document store ("wallet"): digitised results and components kept under
//! a citizen ID or tax code, reusable in later submissions. Who may read whose store is
//! decided here only.

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::dossier::{CitizenId, TaxCode};
use motcua_store::WalletItemRecord;
use uuid::Uuid;

/// The identities read and what is kept under them.
#[derive(Debug, Clone)]
pub struct Wallet {
    pub holders: Vec<String>,
    pub items: Vec<WalletItemRecord>,
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Receiver | Role::Specialist | Role::Leader)
}

/// The identity numbers whose store the principal may see: a citizen's own (or one of
/// them, `holder`); for staff at the counter, the applicant's `holder` they typed.
pub async fn holders(app: &App, who: &Principal, holder: Option<&str>) -> AppResult<Vec<String>> {
    let holder = holder.map(str::trim).filter(|h| !h.is_empty());
    match who.role {
        Role::Citizen => {
            let mine = app.store.identities_of(who.id).await?;
            match holder {
                Some(h) if mine.iter().any(|m| m == h) => Ok(vec![h.to_owned()]),
                Some(_) => Err(AppError::forbidden()),
                None => Ok(mine),
            }
        }
        role if is_staff(role) => {
            let h = holder.ok_or_else(|| {
                AppError::invalid(
                    "holder_required",
                    "Nhập số định danh cá nhân hoặc mã số thuế của người nộp (holder).",
                )
            })?;
            let normal = CitizenId::parse(h)
                .map(|c| c.as_str().to_owned())
                .or_else(|_| TaxCode::parse(h).map(|t| t.as_str().to_owned()))
                .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
            Ok(vec![normal])
        }
        _ => Err(AppError::forbidden()),
    }
}

/// The store (or stores) the principal may see; see [`holders`].
pub async fn wallet(app: &App, who: &Principal, holder: Option<&str>) -> AppResult<Wallet> {
    let holders = holders(app, who, holder).await?;
    let items = app.store.wallet(&holders).await?;
    Ok(Wallet { holders, items })
}

/// One item of a store the principal may read; `not_found` otherwise.
pub async fn item(app: &App, who: &Principal, id: &str) -> AppResult<WalletItemRecord> {
    let missing = || AppError::not_found("not_found", "Không có giấy tờ này trong kho dữ liệu.");
    let id = Uuid::parse_str(id).map_err(|_| missing())?;
    let item = app.store.wallet_item(id).await?.ok_or_else(missing)?;
    let allowed = match who.role {
        Role::Citizen => app
            .store
            .identities_of(who.id)
            .await?
            .contains(&item.holder_id),
        role => is_staff(role),
    };
    if !allowed {
        return Err(missing());
    }
    Ok(item)
}

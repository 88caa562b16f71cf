//! Fees and charges (Decree 45/2020 art. 9; Decision 31/2021 art. 33): what a dossier owes
//! by the catalogue, what was asked for and paid, and how to pay it by bank transfer with a
//! VietQR code to the agency's account. Amounts are whole đồng and come from the catalogue and
//! the officer's request, never from the applicant.

pub mod keys;
pub mod ledger;
pub mod platform;
pub mod receipts;
pub mod refunds;
pub mod statements;

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::dossier::DossierState;
use motcua_domain::vietqr::Beneficiary;
use motcua_store::DossierRecord;
use serde::Serialize;

/// One fee of the procedure, as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeItem {
    pub name: String,
    /// For one, or per unit when `per` is set.
    pub amount_vnd: i64,
    /// The unit a fee is charged per (`bản`, `trang`…); none for a fixed amount.
    pub per: Option<String>,
}

/// The account to transfer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentAccount {
    /// The bank's BIN (6 digits).
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
}

/// What a dossier owes and has paid, and how to pay what is outstanding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentSummary {
    pub code: String,
    /// The fees of the procedure version the dossier was submitted on.
    pub fees: Vec<FeeItem>,
    pub fees_total_vnd: i64,
    /// What the officer asked the applicant to pay (0: not asked).
    pub requested_vnd: i64,
    pub paid_vnd: i64,
    pub outstanding_vnd: i64,
    /// The dossier waits for the payment (national status 6).
    pub awaiting_payment: bool,
    /// The account of the agency that collects the fee, when it entered one.
    pub account: Option<PaymentAccount>,
    /// The VietQR payload for the outstanding amount, with the dossier code as the purpose.
    pub vietqr: Option<String>,
    /// The applicant's page that starts paying online through the payment platform (a form
    /// posts there), when it is connected and something is outstanding.
    pub payment_url: Option<String>,
    /// The e-receipts of what was paid, in number order.
    pub receipts: Vec<receipts::ReceiptView>,
}

/// The agency that collects a dossier's fees: the handling agency when it has an account,
/// else the receiving one.
async fn collecting_account(app: &App, record: &DossierRecord) -> AppResult<Option<Beneficiary>> {
    let d = &record.dossier;
    for agency in [d.handling_agency.as_str(), d.receiving_agency.as_str()] {
        if let Some(account) = app.store.payment_account(agency).await? {
            return Ok(Some(account));
        }
    }
    Ok(None)
}

/// The catalogue's fees for the dossier's procedure version.
pub async fn catalogue_fees(
    app: &App,
    record: &DossierRecord,
) -> AppResult<Vec<motcua_domain::procedure::Fee>> {
    let version = app
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?;
    Ok(version.map(|v| v.procedure.fees).unwrap_or_default())
}

/// The summary of a dossier the caller may already see.
pub async fn summary_of(app: &App, record: &DossierRecord) -> AppResult<PaymentSummary> {
    let version = app
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?;
    let fees: Vec<FeeItem> = version
        .map(|v| v.procedure.fees)
        .unwrap_or_default()
        .into_iter()
        .map(|f| FeeItem {
            name: f.name,
            amount_vnd: f.amount_vnd,
            per: f.per,
        })
        .collect();
    let d = &record.dossier;
    let outstanding = (d.fee_requested_vnd - d.paid_vnd).max(0);
    let account = collecting_account(app, record).await?;
    let vietqr = match (&account, u64::try_from(outstanding)) {
        (Some(a), Ok(amount)) if amount > 0 => Some(
            a.transfer(amount, record.code())
                .payload()
                .map_err(|e| AppError::internal(e.to_string()))?,
        ),
        _ => None,
    };
    Ok(PaymentSummary {
        code: record.code().to_owned(),
        fees_total_vnd: fees.iter().map(|f| f.amount_vnd).sum(),
        fees,
        requested_vnd: d.fee_requested_vnd,
        paid_vnd: d.paid_vnd,
        outstanding_vnd: outstanding,
        awaiting_payment: d.state == DossierState::AwaitingPayment,
        account: account.map(|a| PaymentAccount {
            bank_bin: a.bank_bin,
            account_no: a.account_no,
            account_name: a.account_name,
        }),
        vietqr,
        payment_url: (app.payment_platform.is_some() && outstanding > 0)
            .then(|| format!("/lookup/{}/pay", record.code())),
        receipts: receipts::of_dossier(app, record).await?,
    })
}

/// The summary for anyone who may see the dossier (its officers, the signed-in applicant).
pub async fn summary(app: &App, who: &Principal, code: &str) -> AppResult<PaymentSummary> {
    let record = crate::dossiers::access::load_visible(app, who, code).await?;
    summary_of(app, &record).await
}

/// The account an agency receives fees in (its administrators, the province's).
pub async fn account(app: &App, who: &Principal, agency: &str) -> AppResult<Option<Beneficiary>> {
    let agency = crate::units::editable_agency(app, who, agency).await?;
    Ok(app.store.payment_account(agency.code.as_str()).await?)
}

/// Sets the account an agency receives fees in, as typed; audited.
pub async fn set_account(
    app: &App,
    who: &Principal,
    agency: &str,
    (bank_bin, account_no, account_name): (&str, &str, &str),
) -> AppResult<Beneficiary> {
    let agency = crate::units::editable_agency(app, who, agency).await?;
    let account = Beneficiary::parse(bank_bin, account_no, account_name)
        .map_err(|e| AppError::invalid(e.code(), crate::capitalise(&e.to_string()) + "."))?;
    let mut audit = who.audit(
        "agency.payment_account_set",
        format!("agency:{}", agency.code),
        serde_json::json!({ "bank_bin": account.bank_bin, "account_no": account.account_no }),
    );
    audit.agency_code = Some(agency.code.to_string());
    app.store
        .set_payment_account(agency.code.as_str(), &account, crate::now(), audit)
        .await?;
    Ok(account)
}

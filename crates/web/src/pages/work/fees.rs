//! The fee box of an officer's dossier page: what was asked for and paid, the receipts, and
//! the printed payment request.

use crate::AppState;
use crate::pages::catalogue::vnd;
use motcua_app::AppError;
use motcua_store::DossierRecord;

pub(crate) struct FeeBox {
    pub requested: String,
    pub paid: String,
    pub outstanding: String,
    /// The payment request can be printed (something is outstanding).
    pub printable_request: bool,
    /// (link, "BL-2026 số 0000012 · 50.000 đ · Chuyển khoản").
    pub receipts: Vec<(String, String)>,
}

/// None for a dossier with no fee asked for and nothing paid.
pub(super) async fn fee_box(
    state: &AppState,
    record: &DossierRecord,
) -> Result<Option<FeeBox>, AppError> {
    let d = &record.dossier;
    if d.fee_requested_vnd == 0 && d.paid_vnd == 0 {
        return Ok(None);
    }
    let s = motcua_app::payments::summary_of(&state.app, record).await?;
    Ok(Some(FeeBox {
        requested: vnd(s.requested_vnd),
        paid: vnd(s.paid_vnd),
        outstanding: vnd(s.outstanding_vnd),
        printable_request: s.outstanding_vnd > 0,
        receipts: (s.receipts.iter())
            .map(|r| {
                (
                    format!("/work/dossiers/{}/receipts/{}", s.code, r.id),
                    format!(
                        "{} số {} · {} · {}",
                        r.series,
                        r.number,
                        vnd(r.amount_vnd),
                        r.channel_label
                    ),
                )
            })
            .collect(),
    }))
}

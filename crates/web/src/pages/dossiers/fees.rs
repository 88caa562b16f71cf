//! Printed fee papers, for the applicant and for officers: the e-receipt (biên lai) of a
//! payment, and the payment request with its VietQR code. Both read
//! `motcua_app::payments`; who may see the dossier is checked before.

use super::applicant::{access, ask_again};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::catalogue::vnd;
use crate::pages::dossier_common::{agency_names, date_line, name_of, qr_svg};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use motcua_app::AppError;
use motcua_app::dossiers::load_visible;
use motcua_app::payments::{self, receipts};
use motcua_store::DossierRecord;

struct ReceiptLine {
    name: String,
    quantity: u32,
    amount: String,
}

#[derive(Template)]
#[template(path = "fee_receipt_print.html")]
struct ReceiptPage {
    chrome: Chrome,
    page_title: String,
    back: String,
    back_label: String,
    sheet_number: String,
    authority: String,
    agency_heading: String,
    series: String,
    number: String,
    code: String,
    procedure_name: String,
    payer: String,
    lines: Vec<ReceiptLine>,
    total: String,
    words: String,
    channel: String,
    reference: String,
    paid_at: String,
    place_date: String,
    /// The verification link of the signed receipt, and its QR code; empty until signed.
    verify: String,
    qr: String,
}

fn place(chrome: &Chrome) -> String {
    (chrome.province_name)
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Thành phố ")
        .to_owned()
}

async fn receipt_page(
    state: &AppState,
    chrome: Chrome,
    headers: &HeaderMap,
    record: &DossierRecord,
    id: &str,
    back: String,
) -> Result<Response, PageError> {
    let r = receipts::one(&state.app, record, id)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let verify = (r.document_sha256.as_deref())
        .map(|sha| crate::pages::documents::verify_url(state, headers, sha))
        .unwrap_or_default();
    let issued = r
        .issued_at
        .with_timezone(&motcua_domain::calendar::VN_OFFSET);
    let paid = r.paid_at.with_timezone(&motcua_domain::calendar::VN_OFFSET);
    let page = ReceiptPage {
        page_title: format!("Biên lai {} số {} · {}", r.series, r.number, r.dossier_code),
        back_label: format!("Về hồ sơ {}", r.dossier_code),
        sheet_number: String::new(),
        back,
        authority: format!("UBND {}", chrome.province_name.to_uppercase()),
        agency_heading: r.agency_name.to_uppercase(),
        series: r.series,
        number: r.number,
        code: r.dossier_code,
        procedure_name: r.procedure_name,
        payer: r.payer,
        lines: (r.items.into_iter())
            .map(|i| ReceiptLine {
                name: i.name,
                quantity: i.quantity,
                amount: vnd(i.amount_vnd),
            })
            .collect(),
        total: vnd(r.amount_vnd),
        words: r.amount_in_words,
        channel: r.channel_label,
        reference: r.reference.unwrap_or_default(),
        paid_at: paid.format("%H:%M ngày %d/%m/%Y").to_string(),
        place_date: format!("{}, {}", place(&chrome), date_line(&issued.fixed_offset())),
        qr: match verify.is_empty() {
            true => String::new(),
            false => qr_svg(&verify, "Mã QR kiểm tra biên lai điện tử"),
        },
        verify,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /lookup/{code}/receipts/{id}`: the applicant's receipt, to print or keep.
pub(crate) async fn applicant_receipt(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    let back = format!("/lookup/{code}");
    receipt_page(&state, chrome, &headers, access.record(), &id, back).await
}

/// `GET /work/dossiers/{code}/receipts/{id}`: the same receipt for the dossier's officers.
pub(crate) async fn officer_receipt(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let record = load_visible(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let back = format!("/work/dossiers/{code}");
    receipt_page(&state, chrome, &headers, &record, &id, back).await
}

#[derive(Template)]
#[template(path = "payment_request_print.html")]
struct RequestPage {
    chrome: Chrome,
    page_title: String,
    back: String,
    back_label: String,
    sheet_number: String,
    authority: String,
    agency_heading: String,
    code: String,
    procedure_name: String,
    payer: String,
    fees: Vec<(String, String)>,
    requested: String,
    paid: String,
    outstanding: String,
    words: String,
    /// Bank BIN, account number, holder.
    account: Option<(String, String, String)>,
    qr: String,
    payload: String,
    place_date: String,
}

async fn request_page(
    state: &AppState,
    chrome: Chrome,
    record: &DossierRecord,
    back: String,
) -> Result<Response, PageError> {
    let s = payments::summary_of(&state.app, record)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    if s.outstanding_vnd <= 0 {
        return Err(PageError::app(
            chrome,
            AppError::not_found(
                "nothing_to_pay",
                format!("Hồ sơ {} không còn khoản phí, lệ phí nào phải nộp.", s.code),
            ),
        ));
    }
    let names = agency_names(state)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let agency_name = name_of(&names, record.dossier.receiving_agency.as_str());
    let now = motcua_app::now().with_timezone(&motcua_domain::calendar::VN_OFFSET);
    let page = RequestPage {
        page_title: format!("Thông báo nộp phí, lệ phí · {}", s.code),
        back_label: format!("Về hồ sơ {}", s.code),
        sheet_number: format!("Hồ sơ: {}", s.code),
        back,
        authority: format!("UBND {}", chrome.province_name.to_uppercase()),
        agency_heading: agency_name.to_uppercase(),
        code: s.code.clone(),
        procedure_name: record.procedure_name.clone(),
        payer: record.applicant.name.clone(),
        fees: (s.fees.iter())
            .map(|f| {
                let amount = crate::pages::catalogue::fee_amount(f.amount_vnd, f.per.as_deref());
                (f.name.clone(), amount)
            })
            .collect(),
        requested: vnd(s.requested_vnd),
        paid: vnd(s.paid_vnd),
        outstanding: vnd(s.outstanding_vnd),
        words: motcua_domain::words::amount_in_words(s.outstanding_vnd),
        account: (s.account.as_ref()).map(|a| {
            (
                a.bank_bin.clone(),
                a.account_no.clone(),
                a.account_name.clone(),
            )
        }),
        qr: (s.vietqr.as_deref())
            .map(|p| qr_svg(p, "Mã VietQR để chuyển khoản nộp phí, lệ phí"))
            .unwrap_or_default(),
        payload: s.vietqr.clone().unwrap_or_default(),
        place_date: format!("{}, {}", place(&chrome), date_line(&now.fixed_offset())),
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /lookup/{code}/payment-request`: what is owed and how to pay it, to print.
pub(crate) async fn applicant_payment_request(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let Ok(access) = access(&state, &chrome, &jar, &code).await else {
        return Ok(ask_again(&code));
    };
    request_page(&state, chrome, access.record(), format!("/lookup/{code}")).await
}

/// `GET /work/dossiers/{code}/payment-request`: the request the officer hands over or sends.
pub(crate) async fn officer_payment_request(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let record = load_visible(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    request_page(&state, chrome, &record, format!("/work/dossiers/{code}")).await
}

/// The lookup page's fee box (what is outstanding and how to pay it) and its receipts' links;
/// nothing to read for a dossier never asked to pay, as most are.
pub(super) async fn lookup_parts(
    state: &AppState,
    record: &DossierRecord,
) -> Result<(Option<super::lookup::PaymentBox>, Vec<(String, String)>), AppError> {
    let d = &record.dossier;
    if d.fee_requested_vnd == 0 && d.paid_vnd == 0 {
        return Ok((None, Vec::new()));
    }
    let summary = payments::summary_of(&state.app, record).await?;
    let payment = (summary.outstanding_vnd > 0).then(|| {
        let payload = summary.vietqr.clone().unwrap_or_default();
        super::lookup::PaymentBox {
            outstanding: crate::pages::catalogue::vnd(summary.outstanding_vnd),
            fees: (summary.fees.iter())
                .map(|f| {
                    let amount =
                        crate::pages::catalogue::fee_amount(f.amount_vnd, f.per.as_deref());
                    (f.name.clone(), amount)
                })
                .collect(),
            account: (summary.account.as_ref()).map(|a| {
                (
                    a.bank_bin.clone(),
                    a.account_no.clone(),
                    a.account_name.clone(),
                )
            }),
            qr_svg: match &summary.vietqr {
                Some(p) => crate::pages::dossier_common::qr_svg(
                    p,
                    "Mã VietQR để chuyển khoản nộp phí, lệ phí",
                ),
                None => String::new(),
            },
            payload,
            online: summary.payment_url.is_some(),
        }
    });
    let receipts = (summary.receipts.iter())
        .map(|r| {
            (
                format!("/lookup/{}/receipts/{}", summary.code, r.id),
                format!(
                    "{} số {} · {}",
                    r.series,
                    r.number,
                    crate::pages::catalogue::vnd(r.amount_vnd)
                ),
            )
        })
        .collect();
    Ok((payment, receipts))
}

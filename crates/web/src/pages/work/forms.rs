//! The printable forms 01–05.

use crate::AppState;
use crate::auth::PageUser;
use crate::pages::dossier_common::{
    agency_names, api_error_page, date_line, lookup_url, name_of, public_base, qr_svg, when,
    when_utc, working_time,
};
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use motcua_domain::dossier::lookup_secret;

use super::dossier::{Line, applicant_lines};
use super::staff_only;
use motcua_app::dossiers::read::ApplicantDetails;
use motcua_app::dossiers::{self as app_dossiers, load_visible};
use motcua_domain::calendar::from_vn_local;
use motcua_domain::calendar::{WorkingHours, to_vn_local, working_minutes_between};
use motcua_domain::procedure::Procedure;
use motcua_store::{ControlSheetRow, DossierEvent, DossierRecord};
use serde_json::Value;

pub(crate) struct SheetLine {
    pub no: usize,
    pub step: String,
    pub agency: String,
    pub handler: String,
    pub time_in: String,
    pub time_out: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "dossier_print.html")]
pub(super) struct PrintPage {
    pub(super) chrome: Chrome,
    pub(super) form_no: String,
    pub(super) title: String,
    pub(super) authority: String,
    pub(super) agency: String,
    pub(super) agency_name: String,
    pub(super) place_date: String,
    pub(super) code: String,
    pub(super) procedure_name: String,
    pub(super) applicant_name: String,
    pub(super) applicant: Vec<Line>,
    pub(super) received_at: String,
    pub(super) due_at: String,
    pub(super) channel: String,
    pub(super) officer: String,
    pub(super) documents: Vec<String>,
    pub(super) missing: Vec<String>,
    pub(super) reason: String,
    /// Form 02: the date the supplement is asked by, when one was set ("dd/mm/yyyy").
    pub(super) supplement_by: String,
    pub(super) previous_due: String,
    pub(super) new_due: String,
    pub(super) sheet: Vec<SheetLine>,
    pub(super) qr: String,
    /// What the QR code holds: the lookup address with the secret.
    pub(super) qr_data: String,
    /// This form is also offered as a PDF file.
    pub(super) pdf_offered: bool,
    pub(super) back_href: String,
    pub(super) lookup: String,
    /// The lookup secret, as printed: with the code it always opens the dossier.
    pub(super) secret: String,
    pub(super) result_name: String,
    pub(super) check_hint: String,
}

/// `GET /work/dossiers/{code}/forms/{01..05}`: a printable form (A4) with a QR code
/// linking to the public lookup.
pub(crate) async fn print_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((code, form_no)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let applicant = applicant_lines(&ApplicantDetails::for_reader(&record.applicant, user.role));
    let detail = app_dossiers::read::detail_of(&state.app, &user.principal(), record)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let source = FormSource {
        record: &detail.record,
        events: &detail.events,
        control_sheet: &detail.control_sheet,
        procedure: &detail.procedure,
        applicant,
        back_href: format!("/work/dossiers/{}", detail.record.code()),
    };
    form_page(&state, chrome, &headers, source, form_no).await
}

/// What a printed form is made from, whoever asks for it.
pub(crate) struct FormSource<'a> {
    pub record: &'a DossierRecord,
    pub events: &'a [DossierEvent],
    pub control_sheet: &'a [ControlSheetRow],
    pub procedure: &'a Procedure,
    /// The applicant's lines, as this reader may see them.
    pub applicant: Vec<Line>,
    /// Where "back to the dossier" leads this reader.
    pub back_href: String,
}

/// Form `form_no` (01–05) of a dossier, as an A4 page.
pub(crate) async fn form_page(
    state: &AppState,
    chrome: Chrome,
    headers: &HeaderMap,
    source: FormSource<'_>,
    form_no: String,
) -> Result<Response, PageError> {
    // `01.pdf`: the same form as a PDF file.
    let (form_no, as_pdf) = match form_no.strip_suffix(".pdf") {
        Some(no) => (no.to_owned(), true),
        None => (form_no, false),
    };
    let record = source.record;
    let names = agency_names(state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let steps = record.steps.clone();
    let applicant = source.applicant;
    let back_href = source.back_href;
    let applicant_name = record.applicant.name.clone();
    let check_hint = {
        let masked = record.applicant.masked();
        let mut hints = Vec::new();
        if let Some(p) = masked.phone {
            hints.push(format!("số điện thoại {p}"));
        }
        if let Some(id) = masked.citizen_id {
            hints.push(format!("số định danh {id}"));
        }
        hints.join(" hoặc ")
    };
    let documents: Vec<String> = source
        .procedure
        .documents
        .iter()
        .map(|d| {
            let mut n = d.name.clone();
            if d.originals > 0 || d.copies > 0 {
                n.push_str(&format!(
                    " ({} bản chính, {} bản sao)",
                    d.originals, d.copies
                ));
            }
            n
        })
        .collect();
    let d = &record.dossier;
    let code = record.code().to_owned();
    let event = |action: &str| source.events.iter().rev().find(|e| e.action == action);
    let not_applicable = |what: &str| {
        Ok(error_page_with(
            chrome.clone(),
            StatusCode::NOT_FOUND,
            &format!("Hồ sơ {code} chưa có {what}."),
        ))
    };
    let vn =
        |t: &chrono::DateTime<chrono::Utc>| t.with_timezone(&motcua_domain::calendar::VN_OFFSET);
    let data_text = |e: &motcua_store::DossierEvent, k: &str| {
        e.data
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut missing = Vec::new();
    let mut reason = String::new();
    let mut supplement_by = String::new();
    let mut previous_due = String::new();
    let mut new_due = String::new();
    let mut officer_event = None;
    let (title, dated) = match form_no.as_str() {
        "01" => {
            let Some(at) = d.received_at.map(from_vn_local) else {
                return not_applicable("giấy tiếp nhận (hồ sơ chưa được tiếp nhận)");
            };
            officer_event = event("accept").or_else(|| event("submitted"));
            ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", at)
        }
        "02" => {
            let Some(e) = event("request_supplement") else {
                return not_applicable("yêu cầu bổ sung");
            };
            missing = e
                .data
                .get("missing")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            reason = data_text(e, "note").trim_end_matches('.').to_owned();
            supplement_by =
                chrono::NaiveDate::parse_from_str(&data_text(e, "supplement_by"), "%Y-%m-%d")
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default();
            officer_event = Some(e);
            ("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", vn(&e.at))
        }
        "03" => {
            let Some(e) = event("refuse_at_receipt").or_else(|| event("refuse_after_appraisal"))
            else {
                return not_applicable("quyết định từ chối");
            };
            reason = data_text(e, "reason");
            officer_event = Some(e);
            ("PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", vn(&e.at))
        }
        "04" => {
            let Some(a) = &d.apology else {
                return not_applicable("phiếu xin lỗi");
            };
            reason = a.reason.clone();
            previous_due = when(&from_vn_local(a.previous_due));
            new_due = when(&from_vn_local(a.new_due));
            officer_event = event("apologise");
            (
                "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
                from_vn_local(a.at),
            )
        }
        "05" => {
            if source.control_sheet.is_empty() {
                return not_applicable("quá trình giải quyết (hồ sơ chưa được tiếp nhận)");
            }
            (
                "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                from_vn_local(d.received_at.unwrap_or(d.submitted_at)),
            )
        }
        _ => {
            return Ok(error_page_with(
                chrome,
                StatusCode::NOT_FOUND,
                "Chỉ có các mẫu 01 đến 05.",
            ));
        }
    };
    // Display names of the people in the forms.
    let mut usernames: Vec<String> = source
        .control_sheet
        .iter()
        .filter_map(|r| r.handler.clone())
        .collect();
    usernames.extend(officer_event.map(|e| e.actor.clone()));
    let people = motcua_app::accounts::display_names(&state.app, usernames).await?;
    // A person's name, never a username: an account gone from the register is "cán bộ".
    let person = |u: &str| {
        people
            .get(u)
            .cloned()
            .unwrap_or_else(|| "Cán bộ".to_owned())
    };
    let holidays = motcua_app::calendar::holidays(&state.app).await?;
    let work_hours = WorkingHours::default();
    let sheet = source
        .control_sheet
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let budget = steps
                .get(r.step as usize)
                .map(|s| i64::from(s.budget_minutes))
                .unwrap_or_default();
            let outcome = match &r.time_out {
                Some(out) => {
                    let used = working_minutes_between(
                        to_vn_local(&r.time_in),
                        to_vn_local(out),
                        &work_hours,
                        &holidays,
                    );
                    if used <= budget {
                        format!("Đúng hạn ({})", working_time(used))
                    } else {
                        format!("Quá hạn ({})", working_time(used))
                    }
                }
                None => "Đang xử lý".into(),
            };
            SheetLine {
                no: i + 1,
                step: r
                    .step_name
                    .clone()
                    .unwrap_or_else(|| format!("Bước {}", r.step + 1)),
                agency: r
                    .agency_code
                    .as_deref()
                    .map(|a| name_of(&names, a))
                    .unwrap_or_default(),
                handler: r.handler.as_deref().map(person).unwrap_or_default(),
                time_in: when_utc(&r.time_in),
                time_out: r.time_out.as_ref().map(when_utc).unwrap_or_default(),
                outcome,
            }
        })
        .collect();
    let agency_code = match form_no.as_str() {
        "04" | "05" => d.handling_agency.as_str(),
        _ => d.receiving_agency.as_str(),
    };
    let base = public_base(state, headers);
    let lookup = lookup_url(&base, &code, None);
    let secret = app_dossiers::public::lookup_secret(&state.app, &code)
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let qr_data = lookup_url(&base, &code, Some(&secret));
    let place = chrome
        .province_name
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Thành phố ")
        .to_owned();
    let page = PrintPage {
        title: title.into(),
        authority: format!("UBND {}", chrome.province_name.to_uppercase()),
        agency: name_of(&names, agency_code).to_uppercase(),
        agency_name: name_of(&names, agency_code),
        place_date: format!("{place}, {}", date_line(&dated)),
        procedure_name: record.procedure_name.clone(),
        applicant_name,
        applicant,
        received_at: d
            .received_at
            .map(|t| when(&from_vn_local(t)))
            .unwrap_or_default(),
        due_at: d
            .due_at
            .map(|t| when(&from_vn_local(t)))
            .unwrap_or_default(),
        channel: d.channel.label_vi().into(),
        officer: officer_event.map(|e| person(&e.actor)).unwrap_or_default(),
        documents,
        missing,
        reason,
        supplement_by,
        previous_due,
        new_due,
        sheet,
        qr: qr_svg(&qr_data, &format!("Mã QR tra cứu hồ sơ {code}")),
        qr_data,
        pdf_offered: super::forms_pdf::offered(&form_no),
        back_href,
        secret: lookup_secret::display(&secret),
        lookup,
        result_name: d
            .result
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        code,
        check_hint,
        form_no,
        chrome,
    };
    if as_pdf {
        return Ok(super::forms_pdf::response(&page));
    }
    Ok(render(StatusCode::OK, &page))
}

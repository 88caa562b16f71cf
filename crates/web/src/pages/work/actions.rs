//! The forms of the actions an officer may take on a dossier, and the action they post.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::status_of;
use crate::pages::dossier_common::api_error_page;
use crate::pages::{Chrome, PageError};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::dossier::dossier_page;
use super::staff_only;
use crate::pages::catalogue::vnd;
use crate::pages::view::SelectOpt;
use motcua_app::AppError;
use motcua_app::dossiers::act::ActionInput as ActionBody;
use motcua_app::dossiers::act::FeeChoiceInput as FeeChoice;
use motcua_app::dossiers::load_visible;
use motcua_app::dossiers::read::Detail;
use motcua_domain::dossier::ActionKind;

pub(crate) struct OptGroup {
    pub label: String,
    pub options: Vec<SelectOpt>,
}

pub(crate) struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub reason: bool,
    pub missing: Vec<String>,
    pub assignees: Vec<SelectOpt>,
    /// Where a dossier may be transferred: live agencies by level.
    pub agencies: Vec<OptGroup>,
    pub amount: bool,
    /// A fee request: the catalogue's fees to assess (quantities, exemptions) and their sum
    /// for one of each; another amount needs a reason.
    pub fees: Vec<FeeLine>,
    pub catalogue_amount: Option<i64>,
    pub result: Option<String>,
    pub new_due: Option<String>,
    pub danger: bool,
    /// Why the action can only fail now: said instead of the form.
    pub blocked: Option<String>,
    /// Approval: the draft results it will sign (id, name).
    pub drafts: Vec<(String, String)>,
}

/// One fee of the procedure on the request form.
pub(crate) struct FeeLine {
    pub index: usize,
    pub name: String,
    /// "8.000 đ / bản", or the fixed amount.
    pub price: String,
    /// The unit for a fee charged per unit (a quantity field), None for a fixed one.
    pub per: Option<String>,
    /// Each exemption as "who (legal basis)".
    pub exemptions: Vec<String>,
}

impl ActionForm {
    pub(super) fn needs_missing(&self) -> bool {
        self.action == "request_supplement"
    }
}

/// One small form per action this user may take now.
pub(super) async fn action_forms(
    state: &AppState,
    detail: &Detail,
) -> Result<Vec<ActionForm>, AppError> {
    let record = &detail.record;
    let mut forms = Vec::new();
    for kind in &detail.allowed {
        let mut form = ActionForm {
            action: kind.as_str(),
            label: kind.label_vi(),
            hint: "",
            reason: false,
            missing: Vec::new(),
            assignees: Vec::new(),
            agencies: Vec::new(),
            amount: false,
            fees: Vec::new(),
            catalogue_amount: None,
            result: None,
            new_due: None,
            danger: false,
            blocked: None,
            drafts: Vec::new(),
        };
        match kind {
            ActionKind::Accept => {
                form.hint = "Hồ sơ đầy đủ: cấp giấy tiếp nhận (mẫu 01) với ngày hẹn trả.";
            }
            ActionKind::RequestSupplement => {
                form.hint = "Nêu đầy đủ một lần mọi thành phần còn thiếu (mẫu 02).";
                form.missing = detail
                    .procedure
                    .documents
                    .iter()
                    .map(|d| d.name.clone())
                    .collect();
            }
            ActionKind::RefuseAtReceipt | ActionKind::RefuseAfterAppraisal => {
                form.reason = true;
                form.danger = true;
                form.hint = "Nêu rõ lý do (in trên mẫu 03).";
            }
            ActionKind::SendBack | ActionKind::Withdraw | ActionKind::Stop => {
                form.reason = true;
                form.danger = *kind != ActionKind::SendBack;
            }
            ActionKind::Assign => {
                let users = motcua_app::dossiers::act::assignees(&state.app, record).await?;
                form.assignees = users
                    .into_iter()
                    .map(|u| SelectOpt {
                        selected: record.dossier.assignee.as_deref() == Some(&u.username),
                        label: format!(
                            "{} ({}, {})",
                            u.display_name,
                            u.username,
                            u.role.label_vi()
                        ),
                        value: u.username,
                    })
                    .collect();
            }
            ActionKind::Transfer => {
                let today = motcua_domain::calendar::to_vn_local(&crate::now()).date();
                let groups = motcua_app::register::live_agency_choices(&state.app, today).await?;
                form.agencies = groups
                    .into_iter()
                    .map(|g| OptGroup {
                        label: g.kind.label_vi().to_owned(),
                        options: g
                            .agencies
                            .into_iter()
                            .filter(|a| a.code != record.dossier.handling_agency)
                            .map(|a| SelectOpt {
                                value: a.code.to_string(),
                                label: a.label,
                                selected: false,
                            })
                            .collect(),
                    })
                    .filter(|g| !g.options.is_empty())
                    .collect();
            }
            ActionKind::RequestPayment => {
                form.amount = true;
                let fees = motcua_app::payments::catalogue_fees(&state.app, record).await?;
                form.catalogue_amount = Some(fees.iter().map(|f| f.amount_vnd).sum());
                form.fees = (fees.into_iter().enumerate())
                    .map(|(index, f)| FeeLine {
                        index,
                        price: match &f.per {
                            Some(per) => format!("{} / {per}", vnd(f.amount_vnd)),
                            None => vnd(f.amount_vnd),
                        },
                        per: f.per,
                        exemptions: (f.exemptions.iter())
                            .map(|e| format!("{} ({})", e.who, e.legal_basis))
                            .collect(),
                        name: f.name,
                    })
                    .collect();
                form.hint = "Số tiền tính theo mức phí, lệ phí của thủ tục với số lượng và miễn, giảm đã chọn; để trống ô số tiền để thu đúng mức đó, nếu điều chỉnh thì ghi lý do.";
            }
            ActionKind::RecordPayment => form.amount = true,
            ActionKind::Finish => {
                form.result = Some(
                    detail
                        .procedure
                        .results
                        .first()
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                );
                form.hint = "Ghi tên kết quả giải quyết đã ban hành.";
            }
            ActionKind::Apologise => {
                form.blocked =
                    motcua_app::dossiers::act::apology_blocker(&state.app, record).await?;
                form.reason = true;
                form.hint = "Chỉ hẹn lại một lần, trước hạn ít nhất 1 ngày làm việc (mẫu 04).";
                let suggested = record
                    .dossier
                    .due_at
                    .map(|d| {
                        (d.date() + chrono::Duration::days(7))
                            .format("%Y-%m-%d")
                            .to_string()
                    })
                    .unwrap_or_default();
                form.new_due = Some(suggested);
            }
            ActionKind::Approve => {
                form.drafts = detail
                    .draft_results()
                    .map(|d| (d.id.to_string(), d.name.clone()))
                    .collect();
                form.hint = if form.drafts.is_empty() {
                    "Chưa có dự thảo kết quả điện tử. Kết quả đính kèm sau khi phê duyệt được \
                     ký số ngay khi tải lên."
                } else {
                    "Phê duyệt thì dự thảo kết quả dưới đây được ký số bằng khóa của cơ quan. \
                     Nếu cần sửa, hãy trả lại bước trước."
                };
            }
            ActionKind::ReturnResult => {
                form.hint = "Đã trao kết quả cho người nộp.";
            }
            _ => {}
        }
        forms.push(form);
    }
    Ok(forms)
}

/// The action form's fields as an [`ActionBody`].
fn action_body(pairs: &[(String, String)]) -> Result<ActionBody, AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let bad = |detail: &str| AppError::invalid("invalid_form", detail);
    let version = get("version")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| bad("Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang."))?;
    let mut missing: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k == "missing" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    if let Some(other) = get("missing_other") {
        missing.extend(
            other
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    let amount_vnd = match get("amount_vnd") {
        Some(raw) => Some(
            raw.replace(['.', ' ', ','], "")
                .parse::<i64>()
                .map_err(|_| bad("Số tiền phải là số đồng, ví dụ 100000."))?,
        ),
        None => None,
    };
    let fees = fee_choices(pairs).map_err(|e| bad(&e))?;
    let new_due = match get("new_due") {
        Some(day) => {
            let date = crate::calendar::parse_date(&day).map_err(|e| bad(&e.detail))?;
            // The new appointment is the end of that working day.
            Some(format!("{}T17:00:00+07:00", date.format("%Y-%m-%d")))
        }
        None => None,
    };
    Ok(ActionBody {
        action: get("action").unwrap_or_default(),
        version,
        reason: get("reason"),
        missing: Some(missing),
        supplement_by: get("supplement_by"),
        assignee: get("assignee"),
        to_agency: get("to_agency"),
        amount_vnd,
        fees,
        result: get("result"),
        electronic: Some(get("electronic").is_some()),
        new_due,
        rating: None,
    })
}

/// `POST /work/dossiers/{code}/actions`: one action with the version it was decided on.
/// A stale version or an action this user may not take changes nothing and shows the
/// dossier again with the reason (409, 403 or 422).
pub(crate) async fn act(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let attempt = async {
        let body = action_body(&pairs)?;
        let kind = body.parse()?.kind();
        motcua_app::dossiers::act::act(&state.app, &user.principal(), record.code(), &body).await?;
        Ok::<_, AppError>(kind)
    };
    match attempt.await {
        Ok(kind) => Ok(Redirect::to(&format!(
            "/work/dossiers/{}?done={}",
            record.code(),
            kind.as_str()
        ))
        .into_response()),
        Err(err) => {
            let err = crate::error::logged(err);
            let message = match &err {
                AppError::Stale { detail } => {
                    format!("Chưa thực hiện được: {detail} Trang dưới đây là trạng thái mới nhất.")
                }
                other => format!("Chưa thực hiện được: {}", other.detail()),
            };
            // Show the dossier as it is now (nothing changed).
            let fresh = load_visible(&state.app, &user.principal(), record.code())
                .await
                .unwrap_or(record);
            dossier_page(
                &state,
                chrome.clone(),
                &user,
                fresh,
                None,
                Some(message),
                status_of(&err),
            )
            .await
            .map_err(|e| PageError::app(chrome.clone(), e))
        }
    }
}

/// The request form's fee choices: `fee_qty_{i}` (a number, or a ticked fixed fee) and
/// `fee_exempt_{i}` (an exemption's place) for each fee `fee_{i}` listed; None when the form
/// lists no fees.
fn fee_choices(pairs: &[(String, String)]) -> Result<Option<Vec<FeeChoice>>, String> {
    let value = |k: String| {
        (pairs.iter())
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.trim().to_owned())
    };
    let listed = pairs.iter().filter(|(k, _)| k == "fee").count();
    if listed == 0 {
        return Ok(None);
    }
    let mut choices = Vec::with_capacity(listed);
    for i in 0..listed {
        let quantity = match value(format!("fee_qty_{i}")) {
            None => 0,
            Some(q) if q.is_empty() => 0,
            Some(q) => q
                .parse::<u32>()
                .map_err(|_| format!("Số lượng của khoản phí thứ {} phải là số nguyên.", i + 1))?,
        };
        let exemption = match value(format!("fee_exempt_{i}")).as_deref() {
            None | Some("") => None,
            Some(e) => Some(
                e.parse::<usize>()
                    .map_err(|_| "Miễn, giảm không hợp lệ.".to_owned())?,
            ),
        };
        choices.push(FeeChoice {
            quantity,
            exemption,
        });
    }
    Ok(Some(choices))
}

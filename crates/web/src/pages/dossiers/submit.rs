//! The posted online form: applicant data and document uploads, registered once per key.

use super::eform::{GroupChange, form_errors};
use super::form::{procedure_form, submit_page, unknown_procedure};
use super::{ApplicantFields, FormError, valid_key};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::status_of;
use crate::pages::dossier_common::{
    agency_names, api_error_page, lookup_url, name_of, public_base, qr_svg, when,
};
use crate::pages::{Chrome, PageError, error_page_with, render};
use motcua_app::AppError;
use motcua_app::documents::Staged;
use motcua_app::dossiers::attach::{attach_staged, hold_upload, reclaim_upload, stage_file};
use motcua_app::dossiers::public::applicant_audit;
use motcua_app::dossiers::submit::SubmitRequest;
use motcua_app::dossiers::{self as app_dossiers, MAX_DOCUMENT_BYTES};
use motcua_domain::form::inputs::data_from_inputs;

use super::applicant::{applicant_path, pass_cookie};
use askama::Template;
use axum::extract::Query;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use motcua_app::dossiers::applicant;
use motcua_domain::account::Role;
use motcua_domain::dossier::lookup_secret;
use motcua_store::{Submitted, WalletAttachment};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

#[derive(Template)]
#[template(path = "dossier_submitted.html")]
struct SubmittedPage {
    chrome: Chrome,
    code: String,
    procedure_name: String,
    agency_name: String,
    submitted_at: String,
    saved_documents: Vec<String>,
    failed_documents: Vec<String>,
    lookup_link: String,
    /// The lookup secret, as printed, and the QR code of the address that opens the dossier.
    secret: String,
    qr: String,
    check_hint: String,
    signed_in_citizen: bool,
    replayed: bool,
    /// The dossier's page for its applicant.
    own_page: String,
}

/// A submitted file: its name, and its content spooled to disk (or why it was refused).
struct Upload {
    filename: String,
    staged: Result<Staged, AppError>,
}

/// `POST /procedures/{code}/submit` (multipart, the CSRF token first): validates everything,
/// registers the dossier (once per Idempotency-Key), stores its documents, and answers
/// with the dossier code.
pub(crate) async fn submit(
    State(state): State<AppState>,
    chrome: Chrome,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let Ok(mut multipart) = multipart else {
        return Ok(error_page_with(
            chrome,
            StatusCode::BAD_REQUEST,
            "Biểu mẫu phải được gửi dưới dạng multipart/form-data.",
        ));
    };
    if declared_length(&headers).is_some_and(|n| n > crate::pages::SUBMISSION_BODY_LIMIT as u64) {
        return Ok(too_large(chrome));
    }
    let mut text: HashMap<String, String> = HashMap::new();
    let mut files: BTreeMap<usize, Upload> = BTreeMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Ok(unreadable(chrome, &e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(index) = name
            .strip_prefix("doc_")
            .and_then(|i| i.parse::<usize>().ok())
        {
            let filename = field.file_name().unwrap_or_default().to_owned();
            // Each file streams to a spool file as it arrives (never into memory); those
            // of a form that is refused are dropped, and their spool files with them.
            let staged = if filename.is_empty() {
                stage_file(&state.app, field).await
            } else if let Err(e) = motcua_domain::document::check_name(&filename) {
                // The file's name follows the API's rule (never a path, a device or hidden
                // characters), as the upload page's does.
                Err(AppError::invalid(e.code(), e.to_string()))
            } else {
                stage_file(&state.app, field).await
            };
            let staged = match staged {
                Err(AppError::Malformed { detail, .. }) => {
                    return Ok(error_page_with(chrome, StatusCode::BAD_REQUEST, &detail));
                }
                Err(err @ (AppError::StorageFull { .. } | AppError::Unavailable { .. })) => {
                    return Ok(error_page_with(chrome, status_of(&err), &err.detail()));
                }
                Err(AppError::Invalid {
                    code: "empty_document",
                    ..
                }) if filename.is_empty() => {
                    continue; // a file input left empty
                }
                Err(AppError::Internal(e)) => {
                    return Err(PageError::app(chrome, AppError::Internal(e)));
                }
                other => other,
            };
            files.insert(index, Upload { filename, staged });
        } else {
            let value = match field.text().await {
                Ok(value) => value,
                Err(e) => return Ok(unreadable(chrome, &e)),
            };
            text.insert(name, value);
        }
    }
    // Files kept from a refused try come back by their tokens, unless chosen anew.
    for (name, token) in &text {
        let Some(index) = name
            .strip_prefix("kept_doc_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            continue;
        };
        if files.contains_key(&index) || token.trim().is_empty() {
            continue;
        }
        let upload = match reclaim_upload(&state.app, token).await {
            Ok((staged, filename)) => Upload {
                filename,
                staged: Ok(staged),
            },
            Err(err) => Upload {
                filename: String::new(),
                staged: Err(err),
            },
        };
        files.insert(index, upload);
    }
    let agency = text
        .get("agency")
        .map(|a| a.trim().to_owned())
        .unwrap_or_default();
    let Some(form) = procedure_form(&state, &code, &agency).await? else {
        return Ok(unknown_procedure(chrome));
    };
    if user.as_ref().is_some_and(|u| u.role != Role::Citizen) {
        return Ok(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Tài khoản cán bộ không nộp hồ sơ trực tuyến. Để tiếp nhận hồ sơ giấy, dùng trang \
             \"Tiếp nhận hồ sơ tại quầy\" (/work/counter).",
        ));
    }
    if let Some(reason) = &form.closed {
        return Ok(error_page_with(chrome, StatusCode::CONFLICT, reason));
    }
    if text.get("form_action").map(String::as_str) == Some("save") {
        return super::drafts::save(&state, chrome, user.as_ref(), &code, &text).await;
    }
    let fields = ApplicantFields::from_map(&text)
        .offering(motcua_app::connectors::notices::offered(&state.app));
    let step = text
        .get("step")
        .and_then(|s| s.trim().parse::<usize>().ok());
    // The declaration on the electronic form, checked before anything is kept.
    let form_data = form
        .eform
        .as_ref()
        .map(|prepared| data_from_inputs(&prepared.definition, &text));
    let problems = match &form_data {
        Some(data) => match motcua_app::forms::check(&state.app, &code, data).await {
            Ok(()) => Vec::new(),
            Err(AppError::InvalidForm { problems }) => problems,
            Err(err) => return Err(PageError::app(chrome, err)),
        },
        None => Vec::new(),
    };
    // A round trip that is not a submission: an item added to or removed from a repeating
    // group, or a step of a long form left (forward only once that step is right). The page
    // comes again with what was typed and the files chosen so far.
    let action = text.get("form_action").map_or("", String::as_str);
    if let Some(prepared) = form.eform.clone() {
        let mut inputs = text.clone();
        let at = step.unwrap_or(0);
        let (to, errors) = if let Some(change) = GroupChange::parse(action) {
            change.apply(&prepared.definition, &mut inputs);
            (at, Vec::new())
        } else if let Some(to) = action.strip_prefix("step:").and_then(|n| n.parse().ok()) {
            let here = step_problems(&prepared.definition, &problems, at);
            match (to > at, here.is_empty()) {
                (true, false) => (at, form_errors(&here)),
                _ => (to, Vec::new()),
            }
        } else {
            (usize::MAX, Vec::new())
        };
        if to != usize::MAX {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut page = submit_page(
                chrome,
                form,
                user.as_ref(),
                fields,
                errors,
                &HashMap::new(),
                None,
            );
            keep_files(&state, &mut page, files);
            let chosen = wallet_choices(&text);
            super::form::offer_wallet(&state, user.as_ref(), &mut page.documents, &chosen).await?;
            page.fill_eform(&state, user.as_ref(), &inputs, to).await?;
            return Ok(render(status, &page));
        }
    }
    let mut errors: Vec<FormError> = form_errors(&problems);
    let applicant = match fields.body().fields() {
        Ok(a) => Some(a),
        Err(list) => {
            errors.extend(list.into_iter().map(FormError::from));
            None
        }
    };
    let offered = form
        .groups
        .iter()
        .flat_map(|g| g.options.iter())
        .any(|o| o.code == agency);
    if !offered {
        errors.push(FormError {
            field: "agency".into(),
            message: "Hãy chọn cơ quan tiếp nhận hồ sơ trong danh sách.".into(),
        });
    }
    // Components supplied from the citizen's store instead of a file (the app checks the
    // store is theirs).
    let chosen = wallet_choices(&text);
    let reused: HashMap<usize, String> = (chosen.iter())
        .filter(|(index, id)| !id.is_empty() && !files.contains_key(index))
        .map(|(index, id)| (*index, id.clone()))
        .collect();
    let mut attachments = Vec::new();
    let mut doc_errors: HashMap<usize, String> = HashMap::new();
    for (index, (name, _)) in form.documents.iter().enumerate() {
        if let Some(id) = reused.get(&index) {
            match uuid::Uuid::parse_str(id) {
                Ok(wallet_item_id) => attachments.push(WalletAttachment {
                    wallet_item_id,
                    component: Some(name.clone()),
                }),
                Err(_) => {
                    doc_errors.insert(index, "Giấy tờ chọn trong kho không hợp lệ.".into());
                }
            }
            continue;
        }
        match files.get(&index) {
            None => {
                doc_errors.insert(index, format!("Chưa đính kèm \"{name}\"."));
            }
            Some(Upload {
                staged: Err(e),
                filename,
            }) => {
                let message = if filename.is_empty() {
                    e.detail().into_owned()
                } else {
                    format!("Tệp «{filename}»: {}", e.detail())
                };
                doc_errors.insert(index, message);
            }
            Some(Upload { staged: Ok(_), .. }) => {}
        }
    }
    for (index, message) in &doc_errors {
        errors.push(FormError {
            field: format!("doc_{index}"),
            message: message.clone(),
        });
    }
    let (Some(applicant), true) = (applicant, errors.is_empty()) else {
        let mut page = submit_page(
            chrome,
            form,
            user.as_ref(),
            fields,
            errors,
            &doc_errors,
            None,
        );
        // The files that were fine are kept for the next try, and the store's choices.
        keep_files(&state, &mut page, files);
        super::form::offer_wallet(&state, user.as_ref(), &mut page.documents, &chosen).await?;
        // The step holding the first of the form's problems, else the last (the applicant's
        // and the files').
        let last = page.steps().len() - 1;
        let at = match &form_data {
            Some(_) => first_problem_step(&page, &problems).unwrap_or(last),
            None => last,
        };
        page.fill_eform(&state, user.as_ref(), &text, at).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    // The key's request hash: the form's fields and each file's digest.
    let mut hashed: BTreeMap<String, String> = text
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "idempotency_key"))
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    hashed.insert("procedure".into(), code.clone());
    for (index, upload) in &files {
        if let Ok(staged) = &upload.staged {
            hashed.insert(format!("doc_{index}"), staged.sha256.clone());
        }
    }
    for (index, id) in &reused {
        hashed.insert(format!("wallet_doc_{index}"), id.clone());
    }
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_string(&hashed)
            .unwrap_or_default()
            .as_bytes(),
    ));
    let request = SubmitRequest {
        procedure_code: code.clone(),
        agency_code: Some(agency.clone()),
        channel: Some("online".into()),
        applicant,
        receive: None,
        idempotency: valid_key(text.get("idempotency_key")).map(|k| (k, request_hash)),
        attachments,
        form_data,
        // The page offered what the account and store know (a signed-in citizen's).
        offered_known: true,
    };
    let who = user.as_ref().map(AuthUser::principal);
    let submitted = match app_dossiers::submit::submit(&state.app, who.as_ref(), request).await {
        Ok(s) => s,
        Err(err) => {
            let err = crate::error::logged(err);
            let message = match &err {
                AppError::KeyReused { .. } => {
                    "Biểu mẫu này đã được dùng để nộp một hồ sơ khác. Hồ sơ mới chưa được nộp; \
                     vui lòng kiểm tra lại thông tin rồi nộp lại."
                        .to_owned()
                }
                other => other.detail().into_owned(),
            };
            let status = status_of(&err);
            let mut page = submit_page(
                chrome,
                form,
                user.as_ref(),
                fields,
                Vec::new(),
                &HashMap::new(),
                Some(message),
            );
            let last = page.steps().len() - 1;
            page.fill_eform(&state, user.as_ref(), &text, last).await?;
            return Ok(render(status, &page));
        }
    };
    let replayed = matches!(submitted, Submitted::Replayed(_));
    let record = submitted.into_record();
    if !replayed {
        for (index, upload) in files {
            let (Some((doc_name, _)), Ok(staged)) = (form.documents.get(index), upload.staged)
            else {
                continue;
            };
            // The file keeps its own name and belongs to the component it was chosen for.
            let name = if upload.filename.is_empty() {
                doc_name.clone()
            } else {
                upload.filename.clone()
            };
            let audit = match &user {
                Some(u) => u.audit("dossier.document_added", "dossier", serde_json::json!({})),
                None => applicant_audit("dossier.document_added"),
            };
            let attached = attach_staged(
                &state.app,
                record.code(),
                &name,
                Some(doc_name),
                staged,
                audit,
            );
            if let Err(err) = attached.await {
                // The confirmation lists the component as not stored.
                tracing::error!(code = record.code(), error = %err, "a document of an online submission was not stored");
            }
        }
    }
    // Post, redirect, get: a reload shows the confirmation instead of posting again. The
    // pass opens it (and the dossier's pages) in this browser without the check.
    let pass = applicant::issue_pass(&state.app, record.code(), crate::now())
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let cookie = pass_cookie(record.code(), pass, state.config.cookie_secure);
    let target = format!(
        "{}/submitted{}",
        applicant_path(record.code()),
        if replayed { "?replayed=1" } else { "" }
    );
    Ok((jar.add(cookie), Redirect::to(&target)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct SubmittedQuery {
    replayed: Option<String>,
}

/// `GET /lookup/{code}/submitted`: the confirmation of an online submission, with the
/// code, the lookup secret and its QR code, for the browser that submitted it.
pub(crate) async fn submitted(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<SubmittedQuery>,
) -> Result<Response, PageError> {
    let Ok(access) = super::applicant::access(&state, &chrome, &jar, &code).await else {
        return Ok(Redirect::to(&format!("/lookup?code={code}")).into_response());
    };
    let view = applicant::view(&state.app, &access)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let record = access.record();
    let saved_documents = view
        .documents
        .iter()
        .filter(|d| d.kind == "component")
        .map(|d| match &d.component {
            Some(c) => format!("{c}: {}", d.name),
            None => d.name.clone(),
        })
        .collect();
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError(Box::new(api_error_page(chrome.clone(), e))))?;
    let masked = record.applicant.masked();
    let mut hints = Vec::new();
    if let Some(phone) = &masked.phone {
        hints.push(format!("số điện thoại {phone}"));
    }
    if let Some(id) = &masked.citizen_id {
        hints.push(format!("số định danh {id}"));
    }
    if let Some(tax) = &record.applicant.tax_code {
        let t = tax.as_str();
        hints.push(format!("mã số thuế …{}", &t[t.len().saturating_sub(4)..]));
    }
    let secret = app_dossiers::public::lookup_secret(&state.app, record.code())?;
    let page = SubmittedPage {
        code: record.code().to_owned(),
        procedure_name: record.procedure_name.clone(),
        agency_name: name_of(&names, record.dossier.receiving_agency.as_str()),
        submitted_at: when(&motcua_domain::calendar::from_vn_local(
            record.dossier.submitted_at,
        )),
        saved_documents,
        failed_documents: view.components_without_file,
        lookup_link: lookup_url("", record.code(), Some(&secret)),
        qr: qr_svg(
            &lookup_url(&public_base(&state, &headers), record.code(), Some(&secret)),
            &format!("Mã QR tra cứu hồ sơ {}", record.code()),
        ),
        secret: lookup_secret::display(&secret),
        check_hint: hints.join(", hoặc "),
        signed_in_citizen: access.signed_in(),
        replayed: q.replayed.is_some(),
        own_page: applicant_path(record.code()),
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The problems of the sections a step of the form draws.
fn step_problems(
    form: &motcua_domain::form::FormDefinition,
    problems: &[motcua_domain::form::FieldProblem],
    step: usize,
) -> Vec<motcua_domain::form::FieldProblem> {
    let steps = motcua_domain::form::inputs::steps(form);
    let Some(sections) = steps.get(step) else {
        return Vec::new();
    };
    (problems.iter())
        .filter(|p| {
            motcua_domain::form::inputs::section_of(form, &format!("f.{}", p.path))
                .is_some_and(|s| sections.contains(&s))
        })
        .cloned()
        .collect()
}

/// The first step of the page's form with one of these problems in it.
fn first_problem_step(
    page: &super::form::SubmitPage,
    problems: &[motcua_domain::form::FieldProblem],
) -> Option<usize> {
    let steps = page.steps();
    problems.iter().find_map(|p| {
        let form = &page.prepared()?.definition;
        let section = motcua_domain::form::inputs::section_of(form, &format!("f.{}", p.path))?;
        steps.iter().position(|s| s.contains(&section))
    })
}

/// What the citizen chose from their store for each component shown (index → item id, or
/// empty where they chose to upload a file).
fn wallet_choices(text: &HashMap<String, String>) -> HashMap<usize, String> {
    text.iter()
        .filter_map(|(name, id)| {
            let index = name.strip_prefix("wallet_doc_")?.parse::<usize>().ok()?;
            Some((index, id.trim().to_owned()))
        })
        .collect()
}

/// Keeps the files that arrived whole for the page shown again, so they need not be chosen
/// a second time.
fn keep_files(
    state: &AppState,
    page: &mut super::form::SubmitPage,
    files: BTreeMap<usize, Upload>,
) {
    for (index, upload) in files {
        if let (Ok(staged), Some(input)) = (upload.staged, page.documents.get_mut(index)) {
            input.kept = hold_upload(&state.app, staged, &upload.filename);
        }
    }
}

/// The Content-Length a client declared, if any.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "Dữ liệu gửi lên quá lớn. Mỗi tệp tối đa {} MB.",
            MAX_DOCUMENT_BYTES / 1024 / 1024
        ),
    )
}

/// A multipart form that could not be read: too large, or malformed (a NUL in a file name,
/// a cut-off body), each said as what it is.
fn unreadable(chrome: Chrome, e: &axum::extract::multipart::MultipartError) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(chrome);
    }
    error_page_with(
        chrome,
        StatusCode::BAD_REQUEST,
        &crate::error::multipart_said(e),
    )
}

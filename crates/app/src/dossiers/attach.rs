//! Files attached to a dossier from a form: checked, stored by SHA-256 and recorded.

use crate::documents::{BlobStore, DocumentRejection, ReadError, Staged, UploadError};
use crate::{App, AppError, AppResult};
use motcua_domain::audit::AuditEntry;
use motcua_store::{DocumentRecord, DossierRecord, NewDocument};

/// The document store, or `documents_unavailable` when it could not be opened.
pub fn blobs(app: &App) -> AppResult<&BlobStore> {
    app.documents.as_deref().ok_or_else(|| {
        AppError::unavailable(
            "documents_unavailable",
            "Kho tài liệu đang không sử dụng được. Vui lòng thử lại sau.",
        )
    })
}

/// Why a file was refused, in words; `max` is the size limit in bytes.
pub fn rejection(r: DocumentRejection, max: u64) -> AppError {
    let code = r.code();
    match r {
        DocumentRejection::Empty => AppError::invalid(code, "Tệp rỗng."),
        DocumentRejection::HashMismatch => AppError::invalid(
            code,
            "Nội dung nhận được không có mã băm SHA-256 đã khai báo: tệp bị hỏng trên đường truyền hoặc không đúng tệp.",
        ),
        DocumentRejection::TooLarge => AppError::TooLarge {
            code,
            detail: format!("Tệp vượt quá {} MiB.", max / 1024 / 1024),
        },
        DocumentRejection::UnsupportedType => AppError::UnsupportedType {
            code,
            detail: "Chỉ nhận tệp PDF, PNG hoặc JPEG (kiểm tra theo nội dung tệp, không theo tên)."
                .into(),
        },
    }
}

/// An upload that could not be stored.
pub fn upload_error(e: UploadError, max: u64) -> AppError {
    match e {
        UploadError::Rejected(r) => rejection(r, max),
        UploadError::Body(detail) => {
            tracing::info!(error = %detail, "an upload broke off");
            AppError::malformed(
                "upload_interrupted",
                "Việc tải tệp lên bị gián đoạn; không có gì được lưu. Vui lòng gửi lại.",
            )
        }
        UploadError::Io(err) if motcua_store::is_disk_full(&err) => {
            tracing::error!(error = %err, "the disk is full: an upload could not be spooled");
            crate::error::storage_full()
        }
        UploadError::Io(err) => AppError::internal(err),
    }
}

/// Spools a form's file to disk as it arrives, checking its type and size on the way, and
/// hashes it; nothing is held in memory. The file waits for its dossier: attach it with
/// [`attach_staged`], or drop it and its spool file goes.
pub async fn stage_file<S, E>(app: &App, body: S) -> AppResult<Staged>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let blobs = blobs(app)?;
    let max = blobs.max_bytes();
    blobs
        .receive(body, None)
        .await
        .map_err(|e| upload_error(e, max))
}

/// How long a file held across a refused form can be claimed: well within the spool's
/// grace period, after which an unclaimed file is swept.
pub const HOLD_MINUTES: i64 = 45;

/// A file kept across a refused form, so the applicant need not choose it again: the
/// form carries `token` back, and [`reclaim_upload`] turns it into the staged file.
#[derive(Debug, Clone)]
pub struct HeldUpload {
    pub token: String,
    pub file_name: String,
}

const HOLD_PURPOSE: &str = "held upload";

fn hold_mac(app: &App, payload: &str) -> AppResult<String> {
    let signer = app.signer.as_ref().ok_or_else(|| AppError::Unavailable {
        code: "lookup_secret_unavailable",
        detail: "Chưa có khóa để giữ tệp đã chọn.".into(),
    })?;
    signer
        .purpose_mac(HOLD_PURPOSE, payload.as_bytes())
        .map(hex::encode)
        .map_err(|e| AppError::internal(e.to_string()))
}

/// Keeps a staged file for the form's next try; None when it cannot be held (no key),
/// and the applicant chooses it again.
pub fn hold_upload(app: &App, staged: Staged, file_name: &str) -> Option<HeldUpload> {
    use base64::Engine;
    let blobs = blobs(app).ok()?;
    let (sha256, size, content_type) = (staged.sha256.clone(), staged.size, staged.content_type);
    let spool = blobs.hold(staged)?;
    let expires = crate::now().timestamp() + HOLD_MINUTES * 60;
    let payload = serde_json::json!([spool, sha256, size, content_type, expires, file_name]);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let mac = hold_mac(app, &payload).ok()?;
    Some(HeldUpload {
        token: format!("{payload}.{mac}"),
        file_name: file_name.to_owned(),
    })
}

/// The file a [`HeldUpload`] token stands for, and its name; `held_upload_gone` when the
/// token is not ours, ran out, or its file was swept.
pub async fn reclaim_upload(app: &App, token: &str) -> AppResult<(Staged, String)> {
    use base64::Engine;
    let gone = || {
        AppError::invalid(
            "held_upload_gone",
            "Tệp đã chọn lần trước không còn được giữ; hãy chọn lại tệp.",
        )
    };
    let (payload, mac) = token.trim().split_once('.').ok_or_else(gone)?;
    let expected = hold_mac(app, payload)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        mac.as_bytes(),
    )) {
        return Err(gone());
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| gone())?;
    let (spool, sha256, size, content_type, expires, file_name): (
        String,
        String,
        u64,
        String,
        i64,
        String,
    ) = serde_json::from_slice(&json).map_err(|_| gone())?;
    if expires < crate::now().timestamp() {
        return Err(gone());
    }
    let content_type = ["application/pdf", "image/png", "image/jpeg"]
        .into_iter()
        .find(|t| *t == content_type)
        .ok_or_else(gone)?;
    let staged = blobs(app)?
        .reclaim(&spool, &sha256, size, content_type)
        .await
        .ok_or_else(gone)?;
    Ok((staged, file_name))
}

/// Records a staged file with the dossier under `name`; the blob takes its address only
/// once the row has committed. Used by the online submission form, whose files are staged
/// before the dossier exists.
pub async fn attach_staged(
    app: &App,
    dossier_code: &str,
    name: &str,
    component: Option<&str>,
    staged: Staged,
    audit: AuditEntry,
) -> AppResult<DocumentRecord> {
    let blobs = blobs(app)?;
    let name = Some(name.trim().chars().take(255).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "tai-lieu".into());
    let doc = NewDocument {
        component: component.map(|c| c.trim().chars().take(500).collect()),
        ..NewDocument::upload(
            dossier_code,
            &staged.sha256,
            &name,
            staged.content_type,
            staged.size as i64,
            crate::now(),
        )
    };
    match app.store.add_document(&doc, audit).await {
        Ok(row) => {
            if let Err(e) = blobs.keep(staged).await {
                tracing::error!(error = %e, sha256 = %row.sha256, "document row committed but its blob could not be stored");
                return Err(AppError::internal(e));
            }
            Ok(row)
        }
        Err(err) => {
            blobs.discard(staged).await;
            Err(err.into())
        }
    }
}

/// A stored blob's bytes, re-hashed on the way out: other bytes than its address cut the
/// stream short and flag the blob corrupt (with an audit event).
pub async fn open_blob(
    app: &App,
    sha256: &str,
    size: i64,
) -> AppResult<(u64, crate::documents::BlobStream)> {
    let blobs = blobs(app)?;
    let store = app.store.clone();
    let hash = sha256.to_owned();
    let flag = move |found: String| {
        tokio::spawn(async move {
            let now = crate::now();
            let audit = AuditEntry::system(
                now,
                "document.corrupt_detected",
                format!("blob:{hash}"),
                serde_json::json!({ "found": found, "on": "read" }),
            );
            if let Err(err) = store.record_blob_checks(&[(hash, false)], now, audit).await {
                tracing::error!(error = %err, "cannot flag a corrupt blob");
            }
        });
    };
    match blobs.open(sha256, Some(size.max(0) as u64), flag).await {
        Ok(opened) => Ok(opened),
        Err(ReadError::Missing) => {
            tracing::error!(sha256, "a stored document is missing");
            Err(AppError::Broken {
                code: "document_missing",
                detail: "Không đọc được nội dung tài liệu từ kho lưu trữ.".into(),
            })
        }
        Err(ReadError::WrongSize { expected, found }) => {
            tracing::error!(
                sha256,
                expected,
                found,
                "a stored document has the wrong size"
            );
            Err(AppError::Broken {
                code: "document_corrupt",
                detail: "Nội dung tài liệu trong kho đã bị hỏng (không khớp mã băm); đã ghi nhận để xử lý."
                    .into(),
            })
        }
        Err(ReadError::Store(e)) => Err(AppError::internal(e)),
    }
}

/// A document of a dossier already checked visible, by its id.
pub async fn document_of(app: &App, record: &DossierRecord, id: &str) -> AppResult<DocumentRecord> {
    app.store
        .documents(record.code())
        .await?
        .into_iter()
        .find(|d| d.id.to_string() == id)
        .ok_or_else(|| AppError::not_found("not_found", "Không tìm thấy tài liệu."))
}

/// The names of the documents of a dossier already loaded for its reader.
pub async fn document_names(app: &App, record: &DossierRecord) -> AppResult<Vec<String>> {
    let docs = app.store.documents(record.code()).await?;
    Ok(docs.into_iter().map(|d| d.name).collect())
}

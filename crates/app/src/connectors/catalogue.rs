//! The procedure list the national catalogue publishes for the province, fetched from the
//! national portal and loaded through the catalogue's all-or-nothing import (Decree 63/2010
//! as amended: procedures are published in the national database; Decision 31/2021 Art. 30
//! has provincial systems take them from there).

use super::national::signature;
use crate::catalogue::files::{ImportOptions, ImportReport, import_parsed};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_exchange::NationalMapping;
use std::time::Duration;

/// Largest list accepted (a province publishes a few thousand procedures).
pub const MAX_CATALOGUE_BYTES: usize = 32 * 1024 * 1024;

/// Where and as whom the list is fetched.
#[derive(Clone)]
pub struct NationalCatalogueConfig {
    /// `GET` returns the province's list (JSON).
    pub url: String,
    pub client_id: String,
    /// Signs each request like the portal's pushes (HMAC-SHA256 of `timestamp.`); never logged.
    pub secret: String,
    pub timeout: Duration,
    pub mapping: NationalMapping,
}

impl std::fmt::Debug for NationalCatalogueConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalCatalogueConfig")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Whether the list can be fetched here (the page offers the import only then).
pub fn configured(app: &App) -> bool {
    app.national_catalogue.is_some()
}

fn unreachable(detail: String) -> AppError {
    AppError::Unavailable {
        code: "national_catalogue_unreachable",
        detail,
    }
}

/// Fetches the list and imports it all or nothing (`dry_run`: checks only). Province
/// administrators. A list with bad items imports nothing and the report names each one.
pub async fn import_national_catalogue(
    app: &App,
    who: &Principal,
    dry_run: bool,
) -> AppResult<ImportReport> {
    who.require(&[Role::ProvinceAdmin])?;
    let Some(config) = &app.national_catalogue else {
        return Err(AppError::not_found(
            "national_catalogue_off",
            "Chưa cấu hình nguồn danh mục thủ tục của Cổng Dịch vụ công quốc gia.",
        ));
    };
    let bytes = fetch(config).await?;
    let parsed = motcua_exchange::parse_national(&bytes, &config.mapping).map_err(|e| {
        AppError::invalid(
            "national_catalogue_unreadable",
            format!("Danh mục nhận từ Cổng DVCQG không đọc được: {e}."),
        )
    })?;
    let now = crate::now();
    let options = ImportOptions {
        decision: Some(format!("DVCQG-{}", now.format("%Y%m%d-%H%M%S-%3f"))),
        decision_date: None,
        signer: Some(format!(
            "Cổng Dịch vụ công quốc gia (nhập bởi {})",
            who.username
        )),
        required_count: None,
        dry_run,
    };
    let mut report = import_parsed(&app.store, parsed, &options, now, crate::today_vn())
        .await
        .map_err(|e| match e {
            crate::catalogue::files::ImportError::Store(e) => AppError::from(e),
            crate::catalogue::files::ImportError::File(e) => AppError::invalid(
                "national_catalogue_unreadable",
                format!("Danh mục nhận từ Cổng DVCQG không đọc được: {e}."),
            ),
        })?;
    if let ImportReport::Rejected { issues, .. } = &mut report {
        motcua_exchange::name_national_fields(issues, &config.mapping);
    }
    Ok(report)
}

async fn fetch(config: &NationalCatalogueConfig) -> AppResult<Vec<u8>> {
    let http = reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .build()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let timestamp = chrono::Utc::now().timestamp();
    let answer = http
        .get(&config.url)
        .header("x-client-id", &config.client_id)
        .header("x-timestamp", timestamp.to_string())
        .header("x-signature", signature(&config.secret, timestamp, b""))
        .send()
        .await
        .map_err(|e| {
            unreachable(if e.is_timeout() {
                "Cổng DVCQG không trả lời kịp; hãy thử lại sau.".into()
            } else {
                format!("Không kết nối được Cổng DVCQG: {e}.")
            })
        })?;
    let status = answer.status();
    if !status.is_success() {
        return Err(unreachable(format!(
            "Cổng DVCQG trả lời {status} khi lấy danh mục thủ tục; không nhập gì."
        )));
    }
    if answer
        .content_length()
        .is_some_and(|n| n as usize > MAX_CATALOGUE_BYTES)
    {
        return Err(AppError::TooLarge {
            code: "national_catalogue_too_large",
            detail: "Danh mục nhận từ Cổng DVCQG quá lớn.".into(),
        });
    }
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| unreachable(format!("Danh mục từ Cổng DVCQG bị ngắt giữa chừng: {e}.")))?;
    if bytes.len() > MAX_CATALOGUE_BYTES {
        return Err(AppError::TooLarge {
            code: "national_catalogue_too_large",
            detail: "Danh mục nhận từ Cổng DVCQG quá lớn.".into(),
        });
    }
    Ok(bytes.to_vec())
}

//! The procedure catalogue: its search index, and what people do with it (search,
//! statistics, drafting, publication under a decision, devolution, exports).
//!
//! Reading is public; writing is for province administrators, and every write commits
//! with its audit event and then refreshes the index.

mod index;

pub mod devolution;
pub mod drafts;
pub mod export;
pub mod files;
pub mod publication;
pub mod read;
pub mod search;
pub mod stats;

pub use index::{CatalogueError, CatalogueState, Snapshot, count_by, doc_for, set_counts};

use crate::AppError;
use motcua_store::StoreError;

/// No procedure by that code (or none the asker may see).
pub fn not_published(code: &str) -> AppError {
    AppError::not_found(
        "procedure_not_found",
        format!("Không có thủ tục mã {code} đang được công bố."),
    )
}

/// A store error about a procedure: "not found" names the procedure.
pub fn procedure_error(err: StoreError) -> AppError {
    match err {
        StoreError::NotFound(what) => {
            AppError::not_found("procedure_not_found", format!("Không tìm thấy {what}."))
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{App, AppConfig, AppError, Principal};
    use motcua_domain::account::Role;
    use motcua_domain::procedure::{Level, Procedure};

    async fn app() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let store = motcua_store::Store::open_sqlite(&dir.path().join("motcua.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let config = AppConfig {
            data_dir: dir.path().to_owned(),
            ..AppConfig::default()
        };
        (dir, App::new(store, &config))
    }

    fn who(role: Role) -> Principal {
        Principal {
            id: uuid::Uuid::nil(),
            username: "someone".into(),
            role,
            agency_code: None,
        }
    }

    fn a_procedure() -> Procedure {
        let file: serde_json::Value = serde_json::from_str(include_str!(
            "../../../motcua/demo/lang_son_procedures.json"
        ))
        .unwrap();
        serde_json::from_value(file["procedures"][0].clone()).unwrap()
    }

    #[tokio::test]
    async fn only_province_administrators_write_the_catalogue() {
        let (_dir, app) = app().await;
        let officer = who(Role::UnitAdmin);
        let p = a_procedure();
        let code = p.code.to_string();
        let via = super::drafts::Via::Api;
        let refused = [
            super::drafts::create(&app, &officer, p.clone(), via)
                .await
                .map(drop),
            super::drafts::save_draft(&app, &officer, &code, p, via)
                .await
                .map(drop),
            super::publication::publish(
                &app,
                &officer,
                super::publication::PublicationInput {
                    number: "1/QĐ-UBND".into(),
                    date: chrono::NaiveDate::MIN,
                    signer: "Chủ tịch".into(),
                    required_count: None,
                    publish: vec![code.clone()],
                    withdraw: Vec::new(),
                },
            )
            .await
            .map(drop),
            super::devolution::devolve(
                &app,
                &officer,
                &code,
                super::devolution::DevolutionInput {
                    from_level: None,
                    to_level: Level::Commune,
                    agency_code: None,
                    agency_kind: None,
                    effective_from: chrono::NaiveDate::MIN,
                    note: String::new(),
                },
            )
            .await
            .map(drop),
        ];
        for result in refused {
            assert!(
                matches!(result, Err(AppError::Forbidden { .. })),
                "{result:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_draft_keeps_the_code_it_is_saved_under() {
        let (_dir, app) = app().await;
        let admin = who(Role::ProvinceAdmin);
        let err = super::drafts::save_draft(
            &app,
            &admin,
            "9.999",
            a_procedure(),
            super::drafts::Via::Api,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code(), "code_mismatch");
    }
}

//! Electronic forms: a procedure's published form (as it is, or as a JSON Schema), a new
//! draft with a changed form, and the code lists forms choose from.

use super::ApiJson;
use crate::AppState;
use crate::api::ApiQuery;
use crate::api::catalogue::VersionInfo;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_app::forms::{self as app_forms, code_lists};
use motcua_domain::form::FormDefinition;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FormQuery {
    /// `json` (the definition, default) or `json-schema` (a JSON Schema for `form_data`).
    #[param(value_type = Option<String>, pattern = "^(json|json-schema)$")]
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FormView {
    pub procedure_code: String,
    pub version_no: i64,
    /// Sections of fields: key, label, kind, required, code_list, component, rules,
    /// show_when, searchable, personal, prefill, from_result (`{procedure, row}`: a row of an
    /// earlier result in the applicant's store).
    #[schema(value_type = Object)]
    pub form: FormDefinition,
}

/// The current published form of a procedure, or its JSON Schema (public).
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}/form", tag = "catalogue",
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code"), FormQuery),
    responses(
        (status = 200, description = "The form (`format=json`), or a JSON Schema draft 2020-12 for `form_data` (`format=json-schema`)", content(
            (FormView = "application/json"),
            ("application/schema+json"),
        )),
        (status = 400, description = "`invalid_format`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`, `form_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<FormQuery>,
) -> ApiResult<Response> {
    let published = app_forms::published(&state.app, &code).await?;
    let definition = published.form.definition.clone();
    match query.format.as_deref() {
        None | Some("json") => Ok(Json(FormView {
            procedure_code: published.version.code,
            version_no: published.version.version_no,
            form: definition,
        })
        .into_response()),
        Some("json-schema") => {
            let id = format!(
                "/api/v1/procedures/{}/form?format=json-schema&version={}",
                published.version.code, published.version.version_no
            );
            let mut response =
                Json(motcua_domain::form::json_schema(&definition, &id)).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/schema+json"),
            );
            Ok(response)
        }
        Some(_) => Err(ApiError::bad_request(
            "invalid_format",
            "Tham số format là json hoặc json-schema.",
        )),
    }
}

/// Writes a new draft of the procedure with this electronic form; the published form stays
/// in force until a decision publishes the draft (province administrators).
#[utoipa::path(
    put, path = "/api/v1/procedures/{code}/form", tag = "catalogue", security(("bearer" = [])),
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code")),
    request_body(content = Object, description = "The form: `title`, `template_no`, `sections`"),
    responses(
        (status = 200, description = "The draft", body = VersionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_form_data` with `errors` by path: `duplicate_form_key`, `form_condition_cycle`, `impossible_rule`, `unknown_form_field`, …", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn save_form(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<FormDefinition>,
) -> ApiResult<Json<VersionInfo>> {
    let version =
        motcua_app::catalogue::drafts::save_form(&state.app, &user.principal(), &code, Some(body))
            .await?;
    Ok(Json(version.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CodeListView {
    pub key: String,
    pub name: String,
    pub source: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub entries: Vec<CodeEntryView>,
}

impl From<motcua_store::CodeListRecord> for CodeListView {
    fn from(l: motcua_store::CodeListRecord) -> CodeListView {
        CodeListView {
            key: l.key,
            name: l.name,
            source: l.source,
            updated_at: l.updated_at,
            entries: (l.entries.into_iter())
                .map(|e| CodeEntryView {
                    code: e.code,
                    name: e.name,
                    valid_from: e.valid_from,
                    valid_to: e.valid_to,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeEntryView {
    pub code: String,
    pub name: String,
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[schema(value_type = Option<crate::api::contract::formats::IsoDate>)]
    pub valid_from: Option<chrono::NaiveDate>,
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[schema(value_type = Option<crate::api::contract::formats::IsoDate>)]
    pub valid_to: Option<chrono::NaiveDate>,
}

/// The code lists forms choose from, with their entries (public).
#[utoipa::path(
    get, path = "/api/v1/code-lists", tag = "catalogue",
    responses((status = 200, description = "Every code list", body = Vec<CodeListView>))
)]
pub(crate) async fn lists(State(state): State<AppState>) -> ApiResult<Json<Vec<CodeListView>>> {
    let lists = app_forms::all_lists(&state.app).await?;
    Ok(Json(lists.into_iter().map(CodeListView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeListBody {
    pub name: String,
    /// The official source (a decision, a standard) or who keeps the list.
    pub source: String,
    pub entries: Vec<CodeEntryView>,
}

/// Replaces a code list whole, or creates it (province administrators).
#[utoipa::path(
    put, path = "/api/v1/code-lists/{key}", tag = "catalogue", security(("bearer" = [])),
    params(("key" = String, Path, description = "The list's key, e.g. dan_toc", pattern = "^[a-z][a-z0-9_]{0,63}$")),
    request_body = CodeListBody,
    responses(
        (status = 200, description = "The list as stored", body = CodeListView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_code_list`, naming each bad entry", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn replace_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<CodeListBody>,
) -> ApiResult<Json<CodeListView>> {
    let entries = body
        .entries
        .into_iter()
        .map(|e| motcua_store::CodeEntry {
            code: e.code,
            name: e.name,
            valid_from: e.valid_from,
            valid_to: e.valid_to,
        })
        .collect();
    let list = code_lists::replace(
        &state.app,
        &user.principal(),
        &key,
        &body.name,
        &body.source,
        entries,
    )
    .await?;
    Ok(Json(list.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `csv` (default), `xlsx` or `json`.
    #[param(value_type = Option<String>, pattern = "^(csv|xlsx|json)$")]
    pub format: Option<String>,
}

/// What a procedure's dossiers declared on its form, one row per dossier, for statistics:
/// officers get their agency's dossiers in full; province administrators and auditors the
/// whole province with personal fields masked. Audited as a read of citizens' data.
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}/form-data", tag = "catalogue", security(("bearer" = [])),
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code"), ExportQuery),
    responses(
        (status = 200, description = "The table: CSV, an XLSX workbook, or a JSON array of objects", content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("application/json"),
        )),
        (status = 400, description = "`invalid_format`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: citizens, and officers without an agency", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`, `form_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn form_data(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = match query.format.as_deref() {
        None | Some("csv") => motcua_exchange::Format::Csv,
        Some("xlsx") => motcua_exchange::Format::Xlsx,
        Some("json") => motcua_exchange::Format::Json,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_format",
                "Tham số format là csv, xlsx hoặc json.",
            ));
        }
    };
    let file =
        app_forms::export::declarations(&state.app, &user.principal(), &code, format).await?;
    Ok(crate::download::table(
        file.bytes,
        file.format,
        &file.file_name,
    ))
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(form_data))
        .routes(routes!(form, save_form))
        .routes(routes!(lists))
        .routes(routes!(replace_list))
}

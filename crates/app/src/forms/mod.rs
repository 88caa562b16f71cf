//! Electronic forms: the published form of a procedure, checking what an applicant
//! declared on it, and the code lists its choices come from.

pub mod code_lists;
pub mod designer;
pub mod drafts;
pub mod export;
pub mod known;
pub mod print;
pub mod readable;
pub mod results;

use crate::fresh::{ByRevision, Fresh};
use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use motcua_domain::form::{FieldKind, FieldProblem, FormContext, FormLookup, PreparedForm};
use motcua_domain::procedure::Procedure;
use motcua_store::{CodeEntry, DeclaredForm, VersionRecord};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Prepared forms by procedure version (a published version never changes, so an entry
/// never goes stale), and the code lists and the province's communes as last read.
#[derive(Default)]
pub struct FormCache {
    prepared: Mutex<HashMap<Uuid, Arc<PreparedForm>>>,
    /// Procedures by published version (immutable too), shared by every read of a dossier
    /// on one; at most [`PROCEDURES_HELD`].
    procedures: Mutex<HashMap<Uuid, Arc<Procedure>>>,
    /// The published version of each procedure submitted to, with the catalogue revision it
    /// was read at: any catalogue write moves the revision, so one cheap query tells whether
    /// it still holds (and the store refuses a form checked against another version).
    published: ByRevision<VersionRecord>,
    lists: Fresh<Lists>,
    units: Fresh<Communes>,
}

/// Past this many procedure versions held, the oldest reads start again (a province has a
/// few thousand procedures; this bounds what an unusual mix of old versions can hold).
const PROCEDURES_HELD: usize = 4000;

/// Code lists by key, each sorted by code.
pub type Lists = HashMap<String, Vec<CodeEntry>>;

impl FormCache {
    /// The version's form with its patterns compiled, if it has one.
    pub fn prepared(&self, version: &VersionRecord) -> Option<Arc<PreparedForm>> {
        let definition = version.procedure.form.as_ref()?;
        let mut cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            cache
                .entry(version.id)
                .or_insert_with(|| Arc::new(PreparedForm::new(definition.clone())))
                .clone(),
        )
    }

    /// The procedure of the published version `version_id` of `procedure_code`, if this node
    /// holds it: a published version never changes, so its id proves it current.
    pub(crate) fn held_procedure(
        &self,
        procedure_code: &str,
        version_id: Uuid,
    ) -> Option<Arc<Procedure>> {
        if let Some(procedure) = self.held_version(version_id) {
            return Some(procedure);
        }
        let version = self
            .published
            .held(procedure_code)
            .filter(|v| v.id == version_id)?;
        Some(self.hold_version(version_id, version.procedure.clone()))
    }

    fn held_version(&self, version_id: Uuid) -> Option<Arc<Procedure>> {
        let held = self.procedures.lock().unwrap_or_else(|e| e.into_inner());
        held.get(&version_id).cloned()
    }

    fn hold_version(&self, version_id: Uuid, procedure: Procedure) -> Arc<Procedure> {
        let mut held = self.procedures.lock().unwrap_or_else(|e| e.into_inner());
        if held.len() >= PROCEDURES_HELD {
            held.clear();
        }
        held.entry(version_id)
            .or_insert_with(|| Arc::new(procedure))
            .clone()
    }

    pub(crate) fn forget_lists(&self) {
        self.lists.forget();
    }

    pub(crate) fn forget_published(&self, procedure_code: &str) {
        self.published.forget(procedure_code);
    }
}

/// The procedure of a version a dossier was submitted on (so published once, and never
/// changed since), read once per node.
pub(crate) async fn procedure_of_version(
    app: &App,
    procedure_code: &str,
    version_no: i64,
    version_id: Uuid,
) -> AppResult<Option<Arc<Procedure>>> {
    if let Some(procedure) = app.forms.held_version(version_id) {
        return Ok(Some(procedure));
    }
    let Some(version) = app
        .store
        .procedure_version(procedure_code, version_no)
        .await?
        .filter(|v| v.id == version_id)
    else {
        return Ok(None);
    };
    Ok(Some(app.forms.hold_version(version_id, version.procedure)))
}

/// The published version of a procedure: as this node last read it while the catalogue's
/// revision stays the same, unless `fresh`.
pub(crate) async fn published_version(
    app: &App,
    procedure_code: &str,
    fresh: bool,
) -> AppResult<Option<Arc<VersionRecord>>> {
    Ok(published_at(app, procedure_code, fresh).await?.1)
}

/// [`published_version`] with the catalogue revision it holds at, for what else is kept
/// by revision.
pub(crate) async fn published_at(
    app: &App,
    procedure_code: &str,
    fresh: bool,
) -> AppResult<(i64, Option<Arc<VersionRecord>>)> {
    let code = procedure_code.trim();
    // Read the revision first: a write landing meanwhile makes the next call read again.
    let revision = app.store.catalogue_revision().await?;
    if !fresh && let Some(version) = app.forms.published.get(code, revision) {
        return Ok((revision, Some(version)));
    }
    let Some(version) = app.store.published_version(code).await? else {
        app.forms.forget_published(code);
        return Ok((revision, None));
    };
    let version = app.forms.published.put(code, revision, version);
    Ok((revision, Some(version)))
}

/// The code lists, read from the store and kept for [`crate::fresh::READ_FOR`] (or until one
/// is replaced here).
pub async fn lists(app: &App) -> AppResult<Arc<Lists>> {
    if let Some(lists) = app.forms.lists.get() {
        return Ok(lists);
    }
    let read: Lists = app
        .store
        .code_lists()
        .await?
        .into_iter()
        .map(|l| (l.key, l.entries))
        .collect();
    Ok(app.forms.lists.put(read))
}

/// Every code list with its entries (public: the lists forms offer).
pub async fn all_lists(app: &App) -> AppResult<Vec<motcua_store::CodeListRecord>> {
    Ok(app.store.code_lists().await?)
}

/// A procedure's published form, with the version it belongs to.
pub struct PublishedForm {
    pub version: VersionRecord,
    pub form: Arc<PreparedForm>,
}

/// The procedure's published version as stored, or `procedure_not_found`.
pub(crate) async fn published_or_not_found(
    app: &App,
    procedure_code: &str,
) -> AppResult<VersionRecord> {
    app.store
        .published_version(procedure_code.trim())
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                "procedure_not_found",
                format!("Không có thủ tục {procedure_code} đang công bố."),
            )
        })
}

/// The current published form of a procedure (anyone may read it: it is public, like the
/// catalogue).
pub async fn published(app: &App, procedure_code: &str) -> AppResult<PublishedForm> {
    let version = published_or_not_found(app, procedure_code).await?;
    let form = app.forms.prepared(&version).ok_or_else(|| {
        AppError::not_found(
            "form_not_found",
            format!("Thủ tục {procedure_code} chưa có tờ khai điện tử."),
        )
    })?;
    Ok(PublishedForm { version, form })
}

/// What the rules look up, fetched before they run so the domain stays pure.
struct Lookup<'a> {
    lists: &'a Lists,
    today: NaiveDate,
    live_units: HashSet<String>,
}

impl FormLookup for Lookup<'_> {
    fn in_list(&self, list: &str, code: &str) -> Option<bool> {
        let entries = self.lists.get(list)?;
        Some(
            entries
                .binary_search_by(|e| e.code.as_str().cmp(code))
                .is_ok_and(|i| entries[i].in_force(self.today)),
        )
    }
    fn unit_live(&self, code: &str) -> bool {
        self.live_units.contains(code)
    }
}

/// Every unit code an address field of the data names (at most a few per form).
fn unit_codes(form: &PreparedForm, data: &Value) -> HashSet<String> {
    let mut codes = HashSet::new();
    for (section, field) in form.definition.fields() {
        if field.kind != FieldKind::Address {
            continue;
        }
        for (_, scope) in motcua_domain::form::Section::scopes(section, data) {
            if let Some(unit) = scope
                .get(&field.key)
                .and_then(|a| a.get("unit"))
                .and_then(Value::as_str)
            {
                codes.insert(unit.trim().to_owned());
            }
        }
    }
    codes
}

/// Checks what was declared against the version's form, today, and gives what the store
/// keeps; every problem comes back at once as [`AppError::InvalidForm`]. `components`
/// names the components supplied with it, when known.
pub async fn declare(
    app: &App,
    version: &VersionRecord,
    data: &Value,
    components: Option<&[String]>,
) -> AppResult<Option<DeclaredForm>> {
    let Some(form) = app.forms.prepared(version) else {
        if data.is_null() || data.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(None);
        }
        return Err(AppError::invalid(
            "form_not_expected",
            "Thủ tục này không có tờ khai điện tử; không gửi form_data.",
        ));
    };
    let today = crate::today_vn();
    let lists = lists(app).await?;
    let mut live_units = HashSet::new();
    let communes = communes(app, today).await?;
    for code in unit_codes(&form, data) {
        // Most addresses are in the province; others (anywhere in the country) are read.
        let live = communes.has(&code)
            || app
                .store
                .unit_at(&code, today)
                .await?
                .is_some_and(|u| u.kind.is_commune_level());
        if live {
            live_units.insert(code);
        }
    }
    let lookup = Lookup {
        lists: &lists,
        today,
        live_units,
    };
    let ctx = FormContext {
        today,
        lookup: &lookup,
        components,
    };
    let data = if data.is_null() {
        &Value::Object(Default::default())
    } else {
        data
    };
    match motcua_domain::form::validate(&form, data, &ctx) {
        Ok(clean) => Ok(Some(DeclaredForm {
            reused: Vec::new(),
            version_id: version.id,
            search: form.definition.search_text(&clean),
            data: clean.to_string(),
        })),
        Err(problems) => Err(AppError::invalid_form(problems)),
    }
}

/// The declaration as a reader may see it: personal fields masked unless they may see the
/// applicant in full.
pub fn shown(form: &motcua_domain::form::FormDefinition, data: Value, full: bool) -> Value {
    if full { data } else { form.masked(&data) }
}

impl AppError {
    /// A declaration that breaks the form's rules: every field's problem, by path.
    pub fn invalid_form(problems: Vec<FieldProblem>) -> AppError {
        AppError::InvalidForm { problems }
    }
}

/// Checks a declaration against the procedure's published form without registering
/// anything (a page checks before it keeps files; the submission checks again).
pub async fn check(app: &App, procedure_code: &str, data: &Value) -> AppResult<()> {
    if let Some(version) = published_version(app, procedure_code, false).await? {
        declare(app, &version, data, None).await?;
    }
    Ok(())
}

/// What a page offers in a form's choices: the code lists, and the commune-level units of
/// the province in force today (for addresses).
pub struct Choices {
    pub lists: Arc<Lists>,
    pub units: Arc<Communes>,
    pub today: NaiveDate,
}

/// The province's commune-level units in force on a day: code and full name, by name.
pub struct Communes {
    pub day: NaiveDate,
    pub list: Vec<(String, String)>,
}

impl Communes {
    fn has(&self, code: &str) -> bool {
        self.list.iter().any(|(c, _)| c == code)
    }
}

pub async fn choices(app: &App) -> AppResult<Choices> {
    let today = crate::today_vn();
    Ok(Choices {
        lists: lists(app).await?,
        units: communes(app, today).await?,
        today,
    })
}

/// The province's communes in force today, as read within [`crate::fresh::READ_FOR`].
async fn communes(app: &App, today: NaiveDate) -> AppResult<Arc<Communes>> {
    if let Some(units) = app.forms.units.get().filter(|u| u.day == today) {
        return Ok(units);
    }
    let list = province_communes(app, today).await?;
    Ok(app.forms.units.put(Communes { day: today, list }))
}

/// The province's commune-level units in force on `day`, by name.
async fn province_communes(app: &App, today: NaiveDate) -> AppResult<Vec<(String, String)>> {
    let page = app
        .store
        .search_units(&motcua_store::UnitQuery {
            at: today,
            kind: None,
            parent: Some(app.province.code.clone()),
            q: None,
            limit: 5000,
            offset: 0,
        })
        .await?;
    let mut units: Vec<(String, String)> = page
        .units
        .into_iter()
        .filter(|u| u.kind.is_commune_level())
        .map(|u| (u.code, u.full_name))
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(units)
}

/// The form of a version (prepared once per version), if it has one.
pub fn of_version(app: &App, version: &VersionRecord) -> Option<Arc<PreparedForm>> {
    app.forms.prepared(version)
}

/// A dossier's declaration as its applicant's proof may see it: in full for the signed-in
/// owner, personal fields masked for someone holding only the code and a check (as the
/// applicant's own details are).
pub async fn of_applicant(
    app: &App,
    access: &crate::dossiers::applicant::ApplicantAccess,
) -> AppResult<Option<crate::dossiers::read::Declaration>> {
    let parts = crate::dossiers::read::parts_of(app, access.record()).await?;
    let full = access.signed_in();
    Ok(crate::dossiers::read::Declaration::of(
        parts.procedure,
        parts.form_data,
        full,
    ))
}

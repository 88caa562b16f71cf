//! The electronic-form designer (`/procedures/{code}/form`, province administrators): the
//! newest form as sections and fields, each changed by a small form whose post saves a new
//! draft through `motcua_app::forms::designer::edit` (the same `drafts::save_form` as the
//! API), and a preview drawn by the submission page's own `eform.html`. No script: an
//! editor opens with `?edit=S` or `?edit=S.F`, a refused post comes back with what was
//! typed and each problem beside its section or field.

mod editors;
mod places;
mod values;

use self::editors::{FieldEditor, Offers, SectionEditor, condition_note, field_notes};
use self::places::{Spot, anchor, in_words, said, spot_of, spot_of_problem};
use self::values::{FieldValues, HeaderValues, Op, Posted, SectionValues};
use super::{Opt, forbidden, is_admin, options};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::dossiers::eform::{FormBlock, form_block};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::forms::designer::{self, Designing};
use motcua_domain::form::edit::{Move, blank};
use motcua_domain::form::{FieldKind, FormDefinition, PreparedForm};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
pub(crate) struct DesignQuery {
    /// The section (`2`) or field (`2.5`) whose editor is open, by position from 0.
    edit: Option<String>,
    saved: Option<String>,
}

/// A line of the error summary, linked to where the problem is shown.
pub(crate) struct Problem {
    pub anchor: Option<String>,
    pub text: String,
}

pub(crate) struct FieldRow {
    pub index: usize,
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub notes: Vec<String>,
    pub errors: Vec<String>,
    pub last: bool,
    pub editor: Option<FieldEditor>,
}

pub(crate) struct SectionRow {
    pub index: usize,
    pub key: String,
    pub title: String,
    pub notes: Vec<String>,
    pub errors: Vec<String>,
    pub last: bool,
    pub editor: Option<SectionEditor>,
    pub fields: Vec<FieldRow>,
    pub add: FieldEditor,
    pub add_open: bool,
}

#[derive(Template)]
#[template(path = "form_designer.html")]
struct DesignerPage {
    chrome: Chrome,
    code: String,
    name: String,
    version_no: i64,
    in_draft: bool,
    stamp: String,
    notice: Option<&'static str>,
    problems: Vec<Problem>,
    header: HeaderValues,
    header_errors: Vec<String>,
    stands_for: Vec<Opt>,
    /// No form yet: the form that starts one.
    create: Option<(SectionEditor, FieldEditor)>,
    create_errors: Vec<String>,
    sections: Vec<SectionRow>,
    new_section: (SectionEditor, FieldEditor),
    new_section_open: bool,
    eform: Option<FormBlock>,
}

/// What the page shows besides the form as saved: an open editor, what a refused post typed
/// (shown again), the problems, a notice.
#[derive(Default)]
struct Shown {
    header: Option<HeaderValues>,
    create: Option<(SectionValues, FieldValues)>,
    add_section: Option<(SectionValues, FieldValues)>,
    add_field: Option<(usize, FieldValues)>,
    edit_section: Option<(usize, Option<SectionValues>)>,
    edit_field: Option<(usize, usize, Option<FieldValues>)>,
    problems: Vec<(Spot, String)>,
    notice: Option<&'static str>,
}

impl Shown {
    /// The editor a refused post came from, open again with what was typed.
    fn again(op: &Op) -> Shown {
        let mut shown = Shown::default();
        match op.clone() {
            Op::Create(h, s, f) => {
                shown.header = Some(h);
                shown.create = Some((s, f));
            }
            Op::Header(h) => shown.header = Some(h),
            Op::AddSection(s, f) => shown.add_section = Some((s, f)),
            Op::EditSection(i, s) => shown.edit_section = Some((i, Some(s))),
            Op::AddField(i, f) => shown.add_field = Some((i, f)),
            Op::EditField(i, j, f) => shown.edit_field = Some((i, j, Some(f))),
            Op::MoveSection(..)
            | Op::RemoveSection(_)
            | Op::MoveField(..)
            | Op::RemoveField(..) => {}
        }
        shown
    }

    fn errors(&self, spot: Spot) -> Vec<String> {
        (self.problems.iter())
            .filter(|(s, _)| *s == spot)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

/// The page for the procedure's newest form, with `shown` over it.
async fn page(
    state: &AppState,
    chrome: Chrome,
    d: Designing,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, PageError> {
    let lists = motcua_app::forms::all_lists(&state.app).await?;
    let form = d.form.clone().unwrap_or_else(blank);
    let fields: Vec<(String, String)> = (form.fields())
        .map(|(_, f)| (f.key.clone(), format!("{} ({})", f.label, f.key)))
        .collect();
    let offers = Offers {
        code_lists: (lists.iter())
            .map(|l| (l.key.clone(), format!("{} ({})", l.name, l.key)))
            .collect(),
        components: d.components.clone(),
        dates: (form.fields())
            .filter(|(_, f)| f.kind == FieldKind::Date)
            .map(|(_, f)| (f.key.clone(), format!("{} ({})", f.label, f.key)))
            .collect(),
        fields,
    };
    let header = shown.header.clone().unwrap_or_else(|| {
        HeaderValues::of(
            &form.title,
            form.template_no.as_deref(),
            form.stands_for.as_deref(),
        )
    });
    let mut components = offers.components_pairs();
    if !header.stands_for.is_empty() && !d.components.contains(&header.stands_for) {
        components.push((header.stands_for.clone(), header.stands_for.clone()));
    }
    let stands_for = options(
        std::iter::once((String::new(), "— Không thay thế giấy tờ nào —".to_owned()))
            .chain(components),
        &header.stands_for,
    );
    // A form is started whole (a section needs a field); one without sections, which only
    // the API could have saved, is started again.
    let create = form.sections.is_empty().then(|| {
        let (s, f) = shown
            .create
            .clone()
            .unwrap_or_else(|| (SectionValues::default(), FieldValues::fresh()));
        (
            offers.section_editor("new-s".into(), s, Vec::new()),
            offers.field_editor("new-f".into(), f, Vec::new()),
        )
    });
    let count = form.sections.len();
    let sections = (form.sections.iter().enumerate())
        .map(|(i, s)| {
            let editing_section = shown.edit_section.as_ref().filter(|(at, _)| *at == i);
            let editor = editing_section.map(|(_, v)| {
                let v = v.clone().unwrap_or_else(|| SectionValues::of(s));
                offers.section_editor("es".into(), v, Vec::new())
            });
            let mut notes = Vec::new();
            if let Some(r) = s.repeat {
                notes.push(format!("nhóm lặp, từ {} đến {} mục", r.min, r.max));
            }
            if let Some(c) = &s.show_when {
                notes.push(condition_note(&form, c));
            }
            let rows = (s.fields.iter().enumerate())
                .map(|(j, f)| {
                    let open = shown
                        .edit_field
                        .as_ref()
                        .filter(|(a, b, _)| (*a, *b) == (i, j));
                    let editor = open.map(|(_, _, v)| {
                        let v = v.clone().unwrap_or_else(|| FieldValues::of(f));
                        offers.field_editor("ef".into(), v, shown.errors(Spot::Field(i, j)))
                    });
                    FieldRow {
                        index: j,
                        key: f.key.clone(),
                        label: f.label.clone(),
                        kind: f.kind.label_vi(),
                        required: f.required,
                        notes: field_notes(&form, f),
                        errors: if editor.is_some() {
                            Vec::new()
                        } else {
                            shown.errors(Spot::Field(i, j))
                        },
                        last: j + 1 == s.fields.len(),
                        editor,
                    }
                })
                .collect();
            let added = shown.add_field.as_ref().filter(|(at, _)| *at == i);
            let add_errors = shown.errors(Spot::AddField(i));
            SectionRow {
                index: i,
                key: s.key.clone(),
                title: s.title.clone(),
                notes,
                errors: shown.errors(Spot::Section(i)),
                last: i + 1 == count,
                editor,
                fields: rows,
                add_open: added.is_some() || !add_errors.is_empty(),
                add: offers.field_editor(
                    format!("nf{i}"),
                    added.map_or_else(FieldValues::fresh, |(_, v)| v.clone()),
                    add_errors,
                ),
            }
        })
        .collect();
    let (ns, nf) = shown
        .add_section
        .clone()
        .unwrap_or_else(|| (SectionValues::default(), FieldValues::fresh()));
    let new_section_errors = shown.errors(Spot::AddSection);
    let eform = if form.sections.is_empty() {
        None
    } else {
        Some(preview(state, &form).await?)
    };
    let page = DesignerPage {
        problems: (shown.problems.iter())
            .map(|(spot, text)| Problem {
                anchor: anchor(*spot),
                text: text.clone(),
            })
            .collect(),
        notice: shown.notice,
        header,
        header_errors: shown.errors(Spot::Header),
        stands_for,
        create,
        create_errors: shown.errors(Spot::Create),
        sections,
        new_section_open: shown.add_section.is_some() || !new_section_errors.is_empty(),
        new_section: (
            offers.section_editor("ns".into(), ns, Vec::new()),
            offers.field_editor("nsf".into(), nf, new_section_errors),
        ),
        eform,
        code: d.code,
        name: d.name,
        version_no: d.version_no,
        in_draft: d.in_draft,
        stamp: d.stamp,
        chrome,
    };
    Ok(render(status, &page))
}

/// The form as the submission page draws it, empty; its buttons for repeating groups are
/// left out, since the preview is not a form.
async fn preview(state: &AppState, def: &FormDefinition) -> Result<FormBlock, PageError> {
    let choices = motcua_app::forms::choices(&state.app).await?;
    let all: Vec<usize> = (0..def.sections.len()).collect();
    let prepared = PreparedForm::new(def.clone());
    let mut block = form_block(
        &prepared,
        &all,
        &HashMap::new(),
        &[],
        &choices,
        &motcua_app::forms::known::Known::default(),
        &HashMap::new(),
    );
    for section in &mut block.sections {
        if let Some(r) = section.repeat.as_mut() {
            r.add = None;
        }
        section.items.iter_mut().for_each(|item| item.remove = None);
    }
    Ok(block)
}

/// `2` or `2.5`: a section, or a field of it.
fn editing(raw: &str) -> Option<(usize, Option<usize>)> {
    match raw.split_once('.') {
        Some((s, f)) => Some((s.parse().ok()?, Some(f.parse().ok()?))),
        None => Some((raw.parse().ok()?, None)),
    }
}

pub(crate) async fn designer_page(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(q): Query<DesignQuery>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let d = match designer::current(&state.app, &user.principal(), &code).await {
        Ok(d) => d,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let mut shown = Shown {
        notice: q.saved.is_some().then_some(
            "Đã lưu bản nháp. Biểu mẫu đang công bố giữ nguyên cho đến khi dự thảo được công bố.",
        ),
        ..Shown::default()
    };
    match q.edit.as_deref().and_then(editing) {
        Some((s, None)) => shown.edit_section = Some((s, None)),
        Some((s, Some(f))) => shown.edit_field = Some((s, f, None)),
        None => {}
    }
    page(&state, chrome, d, shown, StatusCode::OK).await
}

pub(crate) async fn designer_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let who = user.principal();
    let before = match designer::current(&state.app, &who, &code).await {
        Ok(d) => d,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let posted = Posted(pairs.into_iter().collect());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let op = match Op::read(&posted) {
        Ok(op) => op,
        Err(message) => {
            let shown = Shown {
                problems: vec![(Spot::General, message)],
                ..Shown::default()
            };
            return page(&state, chrome, before, shown, unprocessable).await;
        }
    };
    let mut shown = Shown::again(&op);
    let edit = match op.edit() {
        Ok(edit) => edit,
        Err(errors) => {
            shown.problems = errors.into_iter().map(|e| (spot_of(&op), e)).collect();
            return page(&state, chrome, before, shown, unprocessable).await;
        }
    };
    let seen = posted.0.get("stamp").map(String::as_str);
    match designer::edit(&state.app, &who, &code, seen, edit.clone()).await {
        Ok(_) => {
            // Back to the section the change left in view.
            let at = match op {
                Op::AddSection(..) => before.form.as_ref().map(|f| f.sections.len()),
                Op::MoveSection(i, Move::Up) => Some(i.saturating_sub(1)),
                Op::MoveSection(i, Move::Down) => Some(i + 1),
                Op::EditSection(i, _)
                | Op::AddField(i, _)
                | Op::EditField(i, ..)
                | Op::MoveField(i, ..)
                | Op::RemoveField(i, _) => Some(i),
                Op::Create(..) | Op::Header(_) | Op::RemoveSection(_) => None,
            };
            let at = at.map(|i| format!("#d-s{i}")).unwrap_or_default();
            let to = format!("/procedures/{}/form?saved=1{at}", before.code);
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::InvalidForm { problems }) => {
            let old = before.form.clone().unwrap_or_else(blank);
            let mut edited = old.clone();
            // The edit applied before the save refused it, so it applies here too.
            let _ = edit.clone().apply(&mut edited);
            shown.problems = (problems.iter())
                .map(|p| {
                    let spot = spot_of_problem(&edit, &old, &p.path);
                    let text = format!(
                        "{}: {}",
                        said(&edited, &p.path),
                        in_words(&edited, &p.message)
                    );
                    (spot, text)
                })
                .collect();
            page(&state, chrome, before, shown, unprocessable).await
        }
        Err(AppError::Invalid { detail, .. }) => {
            shown.problems = vec![(spot_of(&op), detail)];
            page(&state, chrome, before, shown, unprocessable).await
        }
        Err(AppError::Stale { detail }) => {
            // The form changed since the page was drawn: drawn again, latest first.
            let latest = designer::current(&state.app, &who, &code).await?;
            let shown = Shown {
                problems: vec![(Spot::General, detail)],
                ..Shown::default()
            };
            page(&state, chrome, latest, shown, StatusCode::CONFLICT).await
        }
        Err(err) => Err(PageError::app(chrome, err)),
    }
}

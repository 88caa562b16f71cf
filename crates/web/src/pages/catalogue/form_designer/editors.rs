//! The designer's editors: the inputs of a section or a field with what they offer to
//! choose from, and the notes beside a listed field.

use super::values::{FieldValues, SectionValues};
use crate::pages::catalogue::{Opt, enum_options, options};
use motcua_domain::form::{Condition, Field, FieldKind, FormDefinition, Prefill};

/// The inputs of a field, under ids starting with `id`.
pub(crate) struct FieldEditor {
    pub id: String,
    pub v: FieldValues,
    pub kinds: Vec<Opt>,
    pub code_lists: Vec<Opt>,
    pub components: Vec<Opt>,
    pub prefills: Vec<Opt>,
    pub show_fields: Vec<Opt>,
    pub before_fields: Vec<Opt>,
    pub errors: Vec<String>,
}

pub(crate) struct SectionEditor {
    pub id: String,
    pub v: SectionValues,
    pub show_fields: Vec<Opt>,
    pub errors: Vec<String>,
}

/// What every field editor offers to choose from.
pub(super) struct Offers {
    pub code_lists: Vec<(String, String)>,
    pub components: Vec<String>,
    pub fields: Vec<(String, String)>,
    pub dates: Vec<(String, String)>,
}

impl Offers {
    pub(super) fn field_editor(
        &self,
        id: String,
        v: FieldValues,
        errors: Vec<String>,
    ) -> FieldEditor {
        let none = |label: &str| (String::new(), label.to_owned());
        let with_current = |items: &[(String, String)], current: &str| {
            let mut all = items.to_vec();
            if !current.is_empty() && !all.iter().any(|(k, _)| k == current) {
                all.push((current.to_owned(), current.to_owned()));
            }
            all
        };
        FieldEditor {
            kinds: enum_options(
                FieldKind::ALL,
                FieldKind::as_str,
                FieldKind::label_vi,
                &v.kind,
            ),
            code_lists: options(
                std::iter::once(none("— Không dùng danh mục —"))
                    .chain(with_current(&self.code_lists, &v.code_list)),
                &v.code_list,
            ),
            components: options(
                std::iter::once(none("— Không phải trường tệp —"))
                    .chain(with_current(&self.components_pairs(), &v.component)),
                &v.component,
            ),
            prefills: options(
                std::iter::once(none("— Không điền sẵn —")).chain(
                    Prefill::ALL
                        .iter()
                        .map(|p| (p.as_str().to_owned(), p.label_vi().to_owned())),
                ),
                &v.prefill,
            ),
            show_fields: options(
                std::iter::once(none("— Luôn hiện —"))
                    .chain(with_current(&self.fields, &v.show_field))
                    .filter(|(k, _)| k.is_empty() || *k != v.key),
                &v.show_field,
            ),
            before_fields: options(
                std::iter::once(none("— Không —")).chain(with_current(&self.dates, &v.before)),
                &v.before,
            ),
            id,
            v,
            errors,
        }
    }

    pub(super) fn components_pairs(&self) -> Vec<(String, String)> {
        (self.components.iter())
            .map(|c| (c.clone(), c.clone()))
            .collect()
    }

    pub(super) fn section_editor(
        &self,
        id: String,
        v: SectionValues,
        errors: Vec<String>,
    ) -> SectionEditor {
        let mut fields = self.fields.clone();
        if !v.show_field.is_empty() && !fields.iter().any(|(k, _)| *k == v.show_field) {
            fields.push((v.show_field.clone(), v.show_field.clone()));
        }
        SectionEditor {
            show_fields: options(
                std::iter::once((String::new(), "— Luôn hiện —".to_owned())).chain(fields),
                &v.show_field,
            ),
            id,
            v,
            errors,
        }
    }
}

/// Notes on a field beside its name: what it is asked with, when, and which rules it has.
pub(super) fn field_notes(form: &FormDefinition, f: &Field) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(list) = &f.code_list {
        notes.push(format!("danh mục {list}"));
    }
    if let Some(c) = &f.component {
        notes.push(format!("thành phần «{c}»"));
    }
    if let Some(p) = f.prefill {
        notes.push(format!("điền sẵn: {}", p.label_vi().to_lowercase()));
    }
    if let Some(r) = &f.from_result {
        notes.push(format!("điền sẵn từ kết quả {}", r.written()));
    }
    if f.searchable {
        notes.push("dùng để tìm hồ sơ".into());
    }
    if f.personal {
        notes.push("thông tin cá nhân (được che)".into());
    }
    if let Some(c) = &f.show_when {
        notes.push(condition_note(form, c));
    }
    if !f.rules.is_empty() {
        notes.push(format!("{} quy tắc", f.rules.len()));
    }
    notes
}

pub(super) fn condition_note(form: &FormDefinition, c: &Condition) -> String {
    let label = form
        .field(&c.field)
        .map_or(c.field.as_str(), |(_, f)| &f.label);
    if c.equals.is_empty() {
        format!("chỉ hiện khi đã điền «{label}»")
    } else {
        format!("chỉ hiện khi «{label}» là {}", c.equals.join(" hoặc "))
    }
}

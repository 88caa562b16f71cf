//! The designer's edits: one change to a form at a time (a section or a field added,
//! changed, moved or removed; the header changed), each saved as a new draft.
//!
//! An edit refuses only what it cannot do at all: a position that does not exist, a move
//! past either end, a form or a section left empty. Whether the form that results is sound
//! is [`super::check_definition`]'s to say, on the whole form, when the draft is saved.

use super::{Condition, Field, FieldKind, FormDefinition, Repeat, Rule, Section};

/// The form's header: what is printed above the declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub title: String,
    pub template_no: Option<String>,
    /// The procedure's component this form replaces.
    pub stands_for: Option<String>,
}

/// A section without its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionHead {
    pub key: String,
    pub title: String,
    pub show_when: Option<Condition>,
    pub repeat: Option<Repeat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// One change to a form. Sections and fields are named by position (from 0), as the page
/// lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormEdit {
    /// Starts the form of a procedure that has none. A section needs a field and a form a
    /// section, so the first of each comes with it.
    Create {
        header: Header,
        section: SectionHead,
        field: Field,
    },
    Header(Header),
    /// Adds a section at the end, with its first field.
    AddSection {
        section: SectionHead,
        field: Field,
    },
    /// Changes a section's key, title, condition and repetition; its fields stay.
    EditSection {
        index: usize,
        section: SectionHead,
    },
    MoveSection {
        index: usize,
        to: Move,
    },
    RemoveSection {
        index: usize,
    },
    /// Adds a field at the end of a section.
    AddField {
        section: usize,
        field: Field,
    },
    /// Replaces a field. A changed key is changed where other fields, sections and the
    /// result name it too, so renaming does not break what refers to it.
    EditField {
        section: usize,
        index: usize,
        field: Field,
    },
    MoveField {
        section: usize,
        index: usize,
        to: Move,
    },
    RemoveField {
        section: usize,
        index: usize,
    },
}

/// Why an edit cannot be made. Positions are said from 1, as people count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(
        "Thủ tục chưa có biểu mẫu điện tử: hãy tạo biểu mẫu với tiêu đề, phần đầu tiên và trường đầu tiên."
    )]
    NoForm,
    #[error("Thủ tục đã có biểu mẫu điện tử; hãy sửa biểu mẫu đang có.")]
    FormExists,
    #[error("Không có phần thứ {number} (biểu mẫu có {count} phần).")]
    NoSection { number: usize, count: usize },
    #[error("Không có trường thứ {number} trong phần «{section}» (phần có {count} trường).")]
    NoField {
        section: String,
        number: usize,
        count: usize,
    },
    #[error("{what} đã ở {}, không chuyển {} được nữa.", if *up { "đầu" } else { "cuối" }, if *up { "lên" } else { "xuống" })]
    AtEnd { what: String, up: bool },
    #[error("Biểu mẫu phải còn ít nhất một phần.")]
    LastSection,
    #[error("Phần «{0}» phải còn ít nhất một trường; muốn bỏ cả phần thì xóa phần.")]
    LastField(String),
}

impl EditError {
    pub fn code(&self) -> &'static str {
        match self {
            EditError::NoForm => "form_not_found",
            EditError::FormExists => "form_exists",
            EditError::NoSection { .. } | EditError::NoField { .. } => "form_position_not_found",
            EditError::AtEnd { .. } => "form_position_at_end",
            EditError::LastSection | EditError::LastField(_) => "form_section_empty",
        }
    }
}

/// A form with nothing in it yet, for [`FormEdit::Create`].
pub fn blank() -> FormDefinition {
    FormDefinition {
        template_no: None,
        title: String::new(),
        stands_for: None,
        sections: Vec::new(),
        result: None,
    }
}

/// A section, or a field of it, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub section: usize,
    pub field: Option<usize>,
}

/// Where a definition problem's path (`sections[1].fields[0].rules[2]`) points: a section,
/// or a field of it; `None` for the header and the form as a whole.
pub fn place_of(path: &str) -> Option<Place> {
    let index = |rest: &str, name: &str| -> Option<(usize, usize)> {
        let inner = rest.strip_prefix(name)?.strip_prefix('[')?;
        let close = inner.find(']')?;
        Some((inner[..close].parse().ok()?, name.len() + close + 2))
    };
    let (section, used) = index(path, "sections")?;
    let field = path[used..]
        .strip_prefix('.')
        .and_then(|rest| index(rest, "fields"))
        .map(|(f, _)| f);
    Some(Place { section, field })
}

/// Where something at `place` after the edit was before it (in `before`, the form the edit
/// was applied to); `None` for what the edit added. Problems of the edited form are shown
/// beside the page's own (unchanged) list with it.
pub fn origin(edit: &FormEdit, before: &FormDefinition, place: Place) -> Option<Place> {
    let Place {
        section: s,
        field: f,
    } = place;
    let swap = |i: usize, at: usize, to: Move| {
        // The two positions a move exchanged, the others as they were.
        let other = match to {
            Move::Up => at.checked_sub(1),
            Move::Down => Some(at + 1),
        };
        match other {
            Some(o) if i == at => o,
            Some(o) if i == o => at,
            _ => i,
        }
    };
    match *edit {
        FormEdit::Create { .. } => None,
        FormEdit::AddSection { .. } if s >= before.sections.len() => None,
        FormEdit::AddField { section, .. }
            if s == section
                && f.is_some_and(|f| {
                    before
                        .sections
                        .get(section)
                        .is_none_or(|b| f >= b.fields.len())
                }) =>
        {
            None
        }
        FormEdit::MoveSection { index, to } => Some(Place {
            section: swap(s, index, to),
            field: f,
        }),
        FormEdit::MoveField { section, index, to } if s == section => Some(Place {
            section: s,
            field: f.map(|f| swap(f, index, to)),
        }),
        FormEdit::RemoveSection { index } if s >= index => Some(Place {
            section: s + 1,
            field: f,
        }),
        FormEdit::RemoveField { section, index } if s == section => Some(Place {
            section: s,
            field: f.map(|f| if f >= index { f + 1 } else { f }),
        }),
        _ => Some(place),
    }
}

impl FormEdit {
    /// Makes the change on `form`, or says why it cannot be made (and leaves `form` as it was).
    pub fn apply(self, form: &mut FormDefinition) -> Result<(), EditError> {
        if form.sections.is_empty() && !matches!(self, FormEdit::Create { .. }) {
            return Err(EditError::NoForm);
        }
        match self {
            FormEdit::Create {
                header,
                section,
                field,
            } => {
                if !form.sections.is_empty() {
                    return Err(EditError::FormExists);
                }
                set_header(form, header);
                form.sections.push(new_section(section, field));
            }
            FormEdit::Header(header) => set_header(form, header),
            FormEdit::AddSection { section, field } => {
                form.sections.push(new_section(section, field))
            }
            FormEdit::EditSection { index, section } => {
                let head = tidy_head(section);
                let target = section_mut(form, index)?;
                target.key = head.key;
                target.title = head.title;
                target.show_when = head.show_when;
                target.repeat = head.repeat;
            }
            FormEdit::MoveSection { index, to } => {
                let count = form.sections.len();
                section_mut(form, index)?;
                let other = neighbour(index, count, to).ok_or_else(|| EditError::AtEnd {
                    what: format!("Phần «{}»", form.sections[index].title),
                    up: to == Move::Up,
                })?;
                form.sections.swap(index, other);
            }
            FormEdit::RemoveSection { index } => {
                section_mut(form, index)?;
                if form.sections.len() == 1 {
                    return Err(EditError::LastSection);
                }
                form.sections.remove(index);
            }
            FormEdit::AddField { section, field } => {
                section_mut(form, section)?.fields.push(tidy_field(field))
            }
            FormEdit::EditField {
                section,
                index,
                field,
            } => {
                let field = tidy_field(field);
                let target = field_mut(form, section, index)?;
                let old_key = std::mem::replace(target, field.clone()).key;
                if old_key != field.key {
                    rename(form, &old_key, &field.key);
                }
            }
            FormEdit::MoveField { section, index, to } => {
                field_mut(form, section, index)?;
                let s = &mut form.sections[section];
                let other =
                    neighbour(index, s.fields.len(), to).ok_or_else(|| EditError::AtEnd {
                        what: format!("Trường «{}»", s.fields[index].label),
                        up: to == Move::Up,
                    })?;
                s.fields.swap(index, other);
            }
            FormEdit::RemoveField { section, index } => {
                field_mut(form, section, index)?;
                let s = &mut form.sections[section];
                if s.fields.len() == 1 {
                    return Err(EditError::LastField(s.title.clone()));
                }
                s.fields.remove(index);
            }
        }
        Ok(())
    }
}

fn neighbour(index: usize, count: usize, to: Move) -> Option<usize> {
    match to {
        Move::Up => index.checked_sub(1),
        Move::Down => Some(index + 1).filter(|&i| i < count),
    }
}

fn section_mut(form: &mut FormDefinition, index: usize) -> Result<&mut Section, EditError> {
    let count = form.sections.len();
    form.sections.get_mut(index).ok_or(EditError::NoSection {
        number: index + 1,
        count,
    })
}

fn field_mut(
    form: &mut FormDefinition,
    section: usize,
    index: usize,
) -> Result<&mut Field, EditError> {
    let s = section_mut(form, section)?;
    let count = s.fields.len();
    let title = s.title.clone();
    s.fields.get_mut(index).ok_or(EditError::NoField {
        section: title,
        number: index + 1,
        count,
    })
}

fn set_header(form: &mut FormDefinition, header: Header) {
    form.title = header.title.trim().to_owned();
    form.template_no = text(header.template_no);
    form.stands_for = text(header.stands_for);
}

fn new_section(head: SectionHead, field: Field) -> Section {
    let head = tidy_head(head);
    Section {
        key: head.key,
        title: head.title,
        show_when: head.show_when,
        repeat: head.repeat,
        fields: vec![tidy_field(field)],
    }
}

/// Optional text as the form keeps it: trimmed, and absent rather than empty.
fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn tidy_condition(c: Option<Condition>) -> Option<Condition> {
    c.map(|c| Condition {
        field: c.field.trim().to_owned(),
        equals: (c.equals.into_iter())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    })
    .filter(|c| !c.field.is_empty())
}

fn tidy_head(head: SectionHead) -> SectionHead {
    SectionHead {
        key: head.key.trim().to_owned(),
        title: head.title.trim().to_owned(),
        show_when: tidy_condition(head.show_when),
        repeat: head.repeat,
    }
}

/// What a field keeps: text trimmed, and a code list or component only for the kind that
/// uses it (a page offers both inputs whatever the kind).
fn tidy_field(mut field: Field) -> Field {
    field.key = field.key.trim().to_owned();
    field.label = field.label.trim().to_owned();
    field.hint = text(field.hint);
    field.code_list = text(field.code_list).filter(|_| field.kind == FieldKind::Choice);
    field.component = text(field.component).filter(|_| field.kind == FieldKind::File);
    field.show_when = tidy_condition(field.show_when);
    field
}

/// Every reference to the field `old` made to `new`: conditions, rules naming other fields,
/// and the result's `{old}`.
fn rename(form: &mut FormDefinition, old: &str, new: &str) {
    let fix = |c: &mut Option<Condition>| {
        if let Some(c) = c.as_mut().filter(|c| c.field == old) {
            c.field = new.to_owned();
        }
    };
    for section in &mut form.sections {
        fix(&mut section.show_when);
        for field in &mut section.fields {
            fix(&mut field.show_when);
            for rule in &mut field.rules {
                match rule {
                    Rule::Before { field } if field == old => *field = new.to_owned(),
                    Rule::AtLeastOneOf { fields } => fields
                        .iter_mut()
                        .filter(|f| *f == old)
                        .for_each(|f| *f = new.to_owned()),
                    _ => {}
                }
            }
        }
    }
    if let Some(result) = &mut form.result {
        let (from, to) = (format!("{{{old}}}"), format!("{{{new}}}"));
        for row in &mut result.rows {
            row.value = row.value.replace(&from, &to);
        }
    }
}

#[cfg(test)]
mod tests;

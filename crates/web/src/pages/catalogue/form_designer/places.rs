//! Where a problem is shown on the designer's page, and a path of the form in words.

use super::values::Op;
use motcua_domain::form::FormDefinition;
use motcua_domain::form::edit::{FormEdit, Place, origin, place_of};

/// Where on the page a problem is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spot {
    General,
    Header,
    Create,
    AddSection,
    AddField(usize),
    Section(usize),
    Field(usize, usize),
}

/// Where an operation's own trouble (a value that does not read, a position gone) is shown.
pub(super) fn spot_of(op: &Op) -> Spot {
    match *op {
        Op::Create(..) => Spot::Create,
        Op::Header(_) => Spot::Header,
        Op::AddSection(..) => Spot::AddSection,
        Op::EditSection(i, _) | Op::MoveSection(i, _) | Op::RemoveSection(i) => Spot::Section(i),
        Op::AddField(i, _) => Spot::AddField(i),
        Op::EditField(i, j, _) | Op::MoveField(i, j, _) | Op::RemoveField(i, j) => {
            Spot::Field(i, j)
        }
    }
}

/// Where a definition problem of the edited form is shown on the page, which lists the form
/// as it was before the edit.
pub(super) fn spot_of_problem(edit: &FormEdit, before: &FormDefinition, path: &str) -> Spot {
    if matches!(edit, FormEdit::Create { .. }) {
        return Spot::Create;
    }
    let Some(place) = place_of(path) else {
        return match path {
            p if p.starts_with("title") || p.starts_with("stands_for") => Spot::Header,
            _ => Spot::General,
        };
    };
    match (origin(edit, before, place), edit) {
        (Some(Place { section, field }), _) => match field {
            None => Spot::Section(section),
            Some(f) => Spot::Field(section, f),
        },
        (None, FormEdit::AddSection { .. }) => Spot::AddSection,
        (None, FormEdit::AddField { section, .. }) => Spot::AddField(*section),
        (None, _) => Spot::General,
    }
}

/// A path of the form in words: "Phần 2 «Người được khai sinh», trường 3 «Ngày sinh»".
pub(super) fn said(form: &FormDefinition, path: &str) -> String {
    let Some(Place { section, field }) = place_of(path) else {
        return match path {
            p if p.starts_with("title") => "Tiêu đề tờ khai".into(),
            p if p.starts_with("stands_for") => "Thành phần hồ sơ được thay thế".into(),
            p if p.starts_with("result") => "Mẫu kết quả".into(),
            _ => "Biểu mẫu".into(),
        };
    };
    let s = form.sections.get(section);
    let mut out = format!("Phần {}", section + 1);
    if let Some(s) = s {
        out.push_str(&format!(" «{}»", s.title));
    }
    if let Some(f) = field {
        out.push_str(&format!(", trường {}", f + 1));
        if let Some(field) = s.and_then(|s| s.fields.get(f)) {
            out.push_str(&format!(" «{}»", field.label));
        }
    }
    out
}

/// A message with the paths it quotes (`đã dùng ở sections[0].fields[1]`) said in words.
pub(super) fn in_words(form: &FormDefinition, message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("sections[") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "[]._".contains(c)))
            .unwrap_or(tail.len());
        out.push_str(&said(form, &tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    motcua_domain::text::sentence(&out).into_owned()
}

pub(super) fn anchor(spot: Spot) -> Option<String> {
    match spot {
        Spot::General => None,
        Spot::Header => Some("d-header".into()),
        Spot::Create => Some("d-create".into()),
        Spot::AddSection => Some("d-add-section".into()),
        Spot::AddField(i) => Some(format!("d-s{i}-add")),
        Spot::Section(i) => Some(format!("d-s{i}")),
        Spot::Field(i, j) => Some(format!("d-s{i}-f{j}")),
    }
}

//! A declaration as people read it: each section's fields with their labels and values
//! said in words (names for codes, "Có"/"Không", dates as dd/mm/yyyy, sums in đồng, an
//! address with its commune), for the officers' page, the applicant's page and the print.

use super::Choices;
use crate::dossiers::read::Declaration;
use motcua_domain::form::{Field, FieldKind};
use motcua_domain::text::group_thousands;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadableSection {
    pub title: String,
    pub rows: Vec<ReadableRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadableRow {
    pub label: String,
    pub value: String,
    /// A row that opens an item of a repeating group ("Mục 2").
    pub heading: bool,
}

/// The sections that hold something, in the form's order.
pub fn readable(declaration: &Declaration, choices: &Choices) -> Vec<ReadableSection> {
    let data = &declaration.data;
    let mut out = Vec::new();
    for section in &declaration.form().sections {
        let mut rows = Vec::new();
        match section.repeat {
            None => rows.extend(section.fields.iter().filter_map(|f| row(f, data, choices))),
            Some(_) => {
                let items = data.get(&section.key).and_then(Value::as_array);
                for (i, item) in items.into_iter().flatten().enumerate() {
                    rows.push(ReadableRow {
                        label: format!("Mục {}", i + 1),
                        value: String::new(),
                        heading: true,
                    });
                    rows.extend(section.fields.iter().filter_map(|f| row(f, item, choices)));
                }
            }
        }
        if !rows.is_empty() {
            out.push(ReadableSection {
                title: section.title.clone(),
                rows,
            });
        }
    }
    out
}

fn row(field: &Field, scope: &Value, choices: &Choices) -> Option<ReadableRow> {
    let v = scope.get(&field.key)?;
    Some(ReadableRow {
        label: field.label.clone(),
        value: said(field, v, choices),
        heading: false,
    })
}

/// One value in words.
pub fn said(field: &Field, v: &Value, choices: &Choices) -> String {
    match (field.kind, v) {
        (FieldKind::YesNo, Value::Bool(b)) => if *b { "Có" } else { "Không" }.to_owned(),
        (FieldKind::Date, Value::String(s)) => motcua_domain::calendar::parse_iso_date(s)
            .map_or_else(|| s.clone(), |d| d.format("%d/%m/%Y").to_string()),
        (FieldKind::Money, Value::Number(n)) => n
            .as_i64()
            .map_or_else(|| n.to_string(), |n| format!("{} đồng", group_thousands(n))),
        (FieldKind::Choice, Value::String(code)) => {
            let list = field.code_list.as_deref().unwrap_or_default();
            (choices.lists.get(list))
                .and_then(|entries| entries.iter().find(|e| e.code == *code))
                .map_or_else(|| code.clone(), |e| e.name.clone())
        }
        (FieldKind::Address, Value::Object(a)) => {
            let unit = a.get("unit").and_then(Value::as_str).unwrap_or_default();
            let unit_name = (choices.units.list.iter())
                .find(|(c, _)| c == unit)
                .map_or(unit, |(_, n)| n.as_str());
            let street = a.get("street").and_then(Value::as_str).unwrap_or_default();
            [street, unit_name]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

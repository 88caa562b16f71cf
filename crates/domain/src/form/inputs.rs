//! A form as a page posts it: one text input per field, named by the field's path, turned
//! into the typed data [`super::validate`] checks. What does not read as its kind stays
//! text, so the rules report it ("phải là một số") instead of the page guessing.

use super::{Field, FieldKind, FormDefinition, REPEAT_MAX};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// The prefix of every form input's name, keeping them apart from the page's own fields.
pub const PREFIX: &str = "f.";

/// The name of the input for a path: `f.child_name`, `f.members[2].name`, `f.home.unit`.
pub fn input_name(path: &str) -> String {
    format!("{PREFIX}{path}")
}

/// The name of the hidden input that says how many items of a repeating section the page
/// showed (so an item left empty is shown again rather than lost).
pub fn count_name(section_key: &str) -> String {
    format!("n.{section_key}")
}

/// An HTML id for a path: `f-members-2-name`.
pub fn input_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        });
    }
    id.trim_end_matches('-').to_owned()
}

/// How many items of each repeating section the inputs carry: the count the page said, or
/// more if an item past it was sent; never over the section's maximum (nor [`REPEAT_MAX`]).
pub fn item_counts(
    form: &FormDefinition,
    inputs: &HashMap<String, String>,
) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for section in &form.sections {
        let Some(repeat) = section.repeat else {
            continue;
        };
        let said = inputs
            .get(&count_name(&section.key))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(repeat.min.max(1) as usize);
        let prefix = format!("{PREFIX}{}[", section.key);
        let seen = inputs
            .keys()
            .filter_map(|k| {
                k.strip_prefix(&prefix)?
                    .split(']')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        let cap = (repeat.max.min(REPEAT_MAX)) as usize;
        counts.insert(section.key.clone(), said.max(seen).min(cap));
    }
    counts
}

/// The data the inputs declare. Blank inputs are left out; a repeating item whose inputs
/// are all blank is left out too (a page shows one empty item to fill).
pub fn data_from_inputs(form: &FormDefinition, inputs: &HashMap<String, String>) -> Value {
    let counts = item_counts(form, inputs);
    let mut out = Map::new();
    for section in &form.sections {
        match section.repeat {
            None => {
                for field in &section.fields {
                    if let Some(v) = value_of(field, &field.key, inputs) {
                        out.insert(field.key.clone(), v);
                    }
                }
            }
            Some(_) => {
                let mut items = Vec::new();
                for i in 0..counts.get(&section.key).copied().unwrap_or(0) {
                    let mut item = Map::new();
                    for field in &section.fields {
                        let path = format!("{}[{i}].{}", section.key, field.key);
                        if let Some(v) = value_of(field, &path, inputs) {
                            item.insert(field.key.clone(), v);
                        }
                    }
                    if !item.is_empty() {
                        items.push(Value::Object(item));
                    }
                }
                if !items.is_empty() {
                    out.insert(section.key.clone(), Value::Array(items));
                }
            }
        }
    }
    Value::Object(out)
}

fn value_of(field: &Field, path: &str, inputs: &HashMap<String, String>) -> Option<Value> {
    let text = |p: &str| {
        inputs
            .get(&input_name(p))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    if field.kind == FieldKind::Address {
        let unit = text(&format!("{path}.unit"));
        let street = text(&format!("{path}.street"));
        if unit.is_none() && street.is_none() {
            return None;
        }
        let mut address = Map::new();
        address.insert(
            "unit".into(),
            unit.map_or(Value::Null, |u| Value::String(u.into())),
        );
        address.insert(
            "street".into(),
            Value::String(street.unwrap_or_default().into()),
        );
        return Some(Value::Object(address));
    }
    let raw = text(path)?;
    let as_text = || Value::String(raw.to_owned());
    Some(match field.kind {
        FieldKind::Number => {
            let decimal = raw.replace(' ', "").replace(',', ".");
            match decimal.parse::<i64>() {
                Ok(n) => Value::Number(n.into()),
                Err(_) => decimal
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map_or_else(as_text, Value::Number),
            }
        }
        // "1.500.000", "1 500 000 đ": thousands separators and the currency sign are common.
        FieldKind::Money => {
            let digits: String = raw
                .chars()
                .filter(|c| !matches!(c, '.' | ',' | ' ' | 'đ' | '₫'))
                .collect();
            digits
                .parse::<i64>()
                .map_or_else(|_| as_text(), |n| Value::Number(n.into()))
        }
        FieldKind::YesNo => match raw {
            "true" | "1" | "co" | "có" => Value::Bool(true),
            "false" | "0" | "khong" | "không" => Value::Bool(false),
            _ => as_text(),
        },
        FieldKind::File => return None,
        _ => as_text(),
    })
}

/// Every input's text for a page to show again, from stored data (a draft, a prefill).
pub fn inputs_from_data(form: &FormDefinition, data: &Value) -> HashMap<String, String> {
    let mut inputs = HashMap::new();
    let put = |inputs: &mut HashMap<String, String>, path: String, v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => return,
        };
        inputs.insert(input_name(&path), text);
    };
    for section in &form.sections {
        for (prefix, scope) in super::Section::scopes(section, data) {
            for field in &section.fields {
                let Some(v) = scope.get(&field.key) else {
                    continue;
                };
                let path = format!("{prefix}{}", field.key);
                match v {
                    Value::Object(address) => {
                        for part in ["unit", "street"] {
                            if let Some(p) = address.get(part) {
                                put(&mut inputs, format!("{path}.{part}"), p);
                            }
                        }
                    }
                    other => put(&mut inputs, path, other),
                }
            }
        }
        if section.repeat.is_some() {
            let n = data
                .get(&section.key)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            inputs.insert(count_name(&section.key), n.to_string());
        }
    }
    inputs
}

/// A form with more fields than this is filled in steps.
pub const STEPS_FROM: usize = 20;
/// About how many fields a step holds (whole sections: one larger section is a step alone).
pub const STEP_FIELDS: usize = 12;

/// The sections of each step: one step with every section for a short form; for a long one,
/// consecutive whole sections of about [`STEP_FIELDS`] fields.
pub fn steps(form: &FormDefinition) -> Vec<Vec<usize>> {
    if form.fields().count() <= STEPS_FROM {
        return vec![(0..form.sections.len()).collect()];
    }
    let mut steps: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for (i, section) in form.sections.iter().enumerate() {
        if !current.is_empty() && size + section.fields.len() > STEP_FIELDS {
            steps.push(std::mem::take(&mut current));
            size = 0;
        }
        current.push(i);
        size += section.fields.len();
    }
    if !current.is_empty() {
        steps.push(current);
    }
    steps
}

/// The section an input belongs to (`f.home.unit`, `f.members[2].name` and `n.members` all
/// name theirs), if any.
pub fn section_of(form: &FormDefinition, input: &str) -> Option<usize> {
    let path = input
        .strip_prefix(PREFIX)
        .or_else(|| input.strip_prefix("n."))?;
    let key = path.split(['.', '[']).next()?;
    form.sections.iter().position(|s| match s.repeat {
        Some(_) => s.key == key,
        None => s.fields.iter().any(|f| f.key == key),
    })
}

//! The form as a JSON Schema (draft 2020-12), for integrators who check `form_data` before
//! they send it. What a schema cannot say (conditions, code lists at a date, live units,
//! identity check digits) is left to the server, which answers 422 with field paths.

use super::{Field, FieldKind, FormDefinition, Rule};
use serde_json::{Map, Value, json};

pub fn json_schema(form: &FormDefinition, id: &str) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for section in &form.sections {
        match section.repeat {
            Some(repeat) => {
                let (item, item_required) = object_of(&section.fields);
                properties.insert(
                    section.key.clone(),
                    json!({
                        "title": section.title,
                        "type": "array",
                        "minItems": repeat.min,
                        "maxItems": repeat.max,
                        "items": with_required(item, item_required),
                    }),
                );
                if repeat.min > 0 && section.show_when.is_none() {
                    required.push(section.key.clone());
                }
            }
            None => {
                for field in section.fields.iter().filter(|f| f.kind != FieldKind::File) {
                    properties.insert(field.key.clone(), field_schema(field));
                    if field.required && field.show_when.is_none() && section.show_when.is_none() {
                        required.push(field.key.clone());
                    }
                }
            }
        }
    }
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": id,
        "title": form.title,
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn object_of(fields: &[Field]) -> (Value, Vec<String>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields.iter().filter(|f| f.kind != FieldKind::File) {
        properties.insert(field.key.clone(), field_schema(field));
        if field.required && field.show_when.is_none() {
            required.push(field.key.clone());
        }
    }
    (
        json!({"type": "object", "additionalProperties": false, "properties": properties}),
        required,
    )
}

fn with_required(mut object: Value, required: Vec<String>) -> Value {
    if !required.is_empty() {
        object["required"] = json!(required);
    }
    object
}

fn field_schema(field: &Field) -> Value {
    let mut s = match field.kind {
        FieldKind::Text | FieldKind::LongText => json!({"type": "string"}),
        FieldKind::Number => json!({"type": "number"}),
        FieldKind::Money => json!({"type": "integer", "minimum": 0}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::YesNo => json!({"type": "boolean"}),
        FieldKind::Choice => json!({
            "type": "string",
            "x-code-list": field.code_list,
        }),
        FieldKind::CitizenId => json!({"type": "string", "pattern": "^[0-9 ]{12,20}$"}),
        FieldKind::TaxCode => json!({"type": "string", "pattern": "^[0-9]{10}(-[0-9]{3})?$"}),
        FieldKind::Phone => json!({"type": "string"}),
        FieldKind::Email => json!({"type": "string", "format": "email"}),
        FieldKind::Address => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["unit"],
            "properties": {
                "unit": {"type": "string", "description": "Mã đơn vị hành chính cấp xã đang hoạt động"},
                "street": {"type": "string", "maxLength": 200},
            },
        }),
        FieldKind::File => json!({}),
    };
    s["title"] = json!(field.label);
    if let Some(hint) = &field.hint {
        s["description"] = json!(hint);
    }
    let cap = match field.kind {
        FieldKind::Text => Some(super::TEXT_MAX),
        FieldKind::LongText => Some(super::LONG_TEXT_MAX),
        _ => None,
    };
    if let Some(cap) = cap {
        s["maxLength"] = json!(cap);
    }
    for rule in &field.rules {
        match rule {
            Rule::Length { min, max } => {
                if let Some(min) = min {
                    s["minLength"] = json!(min);
                }
                if let Some(max) = max {
                    s["maxLength"] = json!(max.min(&cap.unwrap_or(*max)));
                }
            }
            Rule::Range { min, max } => {
                if let Some(min) = min {
                    s["minimum"] = json!(min);
                }
                if let Some(max) = max {
                    s["maximum"] = json!(max);
                }
            }
            Rule::Pattern { regex, .. } => s["pattern"] = json!(format!("^(?:{regex})$")),
            _ => {}
        }
    }
    s
}

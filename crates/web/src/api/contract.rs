//! What every operation shares, added to the OpenAPI document in one place so that it is the
//! contract: the error answers any route can give, and the rule every free-text input obeys.
//! The parameter types below carry the formats the server checks (dates, codes, hashes).

use serde_json::{Map, Value, json};

/// Free text: no control characters (but tab and line breaks), no invisible bidirectional
/// controls, zero-width characters or byte-order marks, as `motcua_domain::text::forbidden_char`
/// refuses (422 `invalid_characters`).
pub(crate) const FREE_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u061C\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2069\\uFEFF]*$";

/// The answers every operation may give besides its own, by status: why, and when they apply.
fn shared_answers(method: &str, op: &Map<String, Value>) -> Vec<(&'static str, &'static str)> {
    let secured = op.get("security").is_some_and(|s| {
        s.as_array().is_some_and(|list| {
            list.iter()
                .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
        })
    });
    let has_path_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let has_body = op.contains_key("requestBody");
    let writes = matches!(method, "post" | "put" | "patch" | "delete");
    let mut answers = vec![
        (
            "400",
            "`invalid_query`, `invalid_paging`, `malformed_json` or another input that cannot be read",
        ),
        (
            "401",
            "`unauthenticated`: missing, expired or unknown credentials where they are needed, or a bad token",
        ),
        (
            "422",
            "`invalid_characters` (control or invisible characters in text) or another rule the input breaks",
        ),
        (
            "503",
            "`storage_unavailable`: the database cannot be reached now; retry after `Retry-After` seconds",
        ),
    ];
    if secured {
        answers.push(("403", "`forbidden`: the role or agency may not do this"));
    }
    if has_path_params {
        answers.push(("404", "`not_found`: nothing under this identifier"));
    }
    if has_body {
        answers.push(("413", "`payload_too_large`: the body is over the limit"));
        answers.push((
            "415",
            "`unsupported_media_type`: another Content-Type than documented",
        ));
    }
    if writes {
        answers.push((
            "409",
            "A conflict with the current state (a stale version, a duplicate)",
        ));
        answers.push((
            "507",
            "`storage_full`: the server's disk is full; nothing was kept",
        ));
    }
    answers
}

/// Adds to the generated document what every operation shares.
pub(crate) fn complete(mut doc: Value) -> Value {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                let Some(op) = op.as_object_mut() else {
                    continue;
                };
                let answers = shared_answers(method, op);
                let responses = op
                    .entry("responses")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("responses is an object");
                for (status, why) in answers {
                    responses.entry(status).or_insert_with(|| {
                        json!({
                            "description": why,
                            "content": { "application/problem+json": {
                                "schema": { "$ref": "#/components/schemas/Problem" }
                            } }
                        })
                    });
                }
                for parameter in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(schema) = parameter.get_mut("schema") {
                        mark_free_text(schema);
                    }
                }
                if let Some(body) = op.get_mut("requestBody") {
                    mark_free_text(body);
                    close_objects(body);
                }
            }
        }
    }
    // Components that requests carry (directly or inside others) follow the same rules;
    // those only answers use are left as they are.
    let mut pending: Vec<String> = Vec::new();
    collect_refs(doc.get("paths").unwrap_or(&Value::Null), &mut pending, true);
    let mut open = std::collections::BTreeSet::new();
    all_of_parts(&doc, &mut open);
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            mark_free_text(schema);
            if !open.contains(&name) {
                close_objects(schema);
            }
            collect_refs(schema, &mut pending, false);
        }
    }
    doc
}

/// The component names that `value` refers to; under `paths`, only from requests.
fn collect_refs(value: &Value, names: &mut Vec<String>, skip_responses: bool) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some(name) = target.strip_prefix("#/components/schemas/")
            {
                names.push(name.to_owned());
            }
            for (key, inner) in map {
                if !(skip_responses && key == "responses") {
                    collect_refs(inner, names, skip_responses);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_refs(v, names, skip_responses)),
        _ => {}
    }
}

/// Request objects take only the properties documented: others are not read, so a client
/// sending them has made a mistake (and the edge would check their names as text). The parts
/// of an `allOf` stay open: each closed would refuse the other's properties.
fn close_objects(schema: &mut Value) {
    close_objects_within(schema, false);
}

fn close_objects_within(schema: &mut Value, part_of_all_of: bool) {
    match schema {
        Value::Object(map) => {
            if !part_of_all_of
                && map.contains_key("properties")
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, value) in map.iter_mut() {
                match key.as_str() {
                    "example" | "examples" => {}
                    "allOf" => close_objects_within(value, true),
                    _ => close_objects_within(value, false),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| close_objects_within(item, part_of_all_of)),
        _ => {}
    }
}

/// Components that are parts of an `allOf` somewhere: left open, like inline parts.
fn all_of_parts(value: &Value, names: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(parts)) = map.get("allOf") {
                let mut refs = Vec::new();
                parts
                    .iter()
                    .for_each(|part| collect_refs(part, &mut refs, false));
                names.extend(refs);
            }
            map.values().for_each(|v| all_of_parts(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| all_of_parts(v, names)),
        _ => {}
    }
}

/// Gives every plain string schema (no format, pattern, enum or constant) the free-text rule.
fn mark_free_text(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let constrained = ["format", "pattern", "enum", "const", "contentMediaType"]
                .iter()
                .any(|k| map.contains_key(*k));
            if is_string && !constrained {
                map.insert("pattern".into(), Value::String(FREE_TEXT.into()));
            }
            for (key, value) in map.iter_mut() {
                // Examples are data, not schemas.
                if key != "example" && key != "examples" {
                    mark_free_text(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mark_free_text),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_text_pattern_is_the_domain_rule() {
        // The characters it names (the ends of its ranges), against the domain's rule.
        let named: Vec<char> = FREE_TEXT
            .split("\\u")
            .skip(1)
            .filter_map(|hex| u32::from_str_radix(&hex[..4], 16).ok())
            .filter_map(char::from_u32)
            .collect();
        for c in named {
            assert!(
                motcua_domain::text::forbidden_char(&c.to_string()).is_some(),
                "U+{:04X} is in the pattern but allowed",
                c as u32
            );
        }
        for allowed in ['\t', '\n', '\r', 'a', 'ệ', ' '] {
            assert!(motcua_domain::text::forbidden_char(&allowed.to_string()).is_none());
        }
    }

    #[test]
    fn shared_answers_follow_the_operation() {
        let doc = complete(json!({
            "paths": {
                "/a/{id}": { "post": {
                    "security": [{"bearer": []}],
                    "parameters": [{"in": "path", "name": "id", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "string"}}}},
                    "responses": {"400": {"description": "own"}}
                } },
                "/b": { "get": { "responses": {} } }
            }
        }));
        let post = &doc["paths"]["/a/{id}"]["post"];
        assert_eq!(post["responses"]["400"]["description"], "own", "kept");
        for status in [
            "401", "403", "404", "409", "413", "415", "422", "503", "507",
        ] {
            assert!(post["responses"][status].is_object(), "{status}");
        }
        assert_eq!(post["parameters"][0]["schema"]["pattern"], FREE_TEXT);
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["pattern"],
            FREE_TEXT
        );
        let get = &doc["paths"]["/b"]["get"];
        for status in ["403", "404", "409", "413", "507"] {
            assert!(get["responses"][status].is_null(), "{status}");
        }
    }
}

/// The formats the server checks, for parameters and fields documented as strings: each
/// `#[param(value_type = …, inline)]` or `#[schema(value_type = …, inline)]` names one.
#[allow(dead_code)] // documentation only: never built
pub(crate) mod formats {
    use utoipa::ToSchema;

    /// A date, `YYYY-MM-DD`, year 1000 or later (29 February is valid in leap years only).
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^[1-9][0-9]{3}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$"
    )]
    pub struct IsoDate(String);

    /// A date the working-day calendar covers, `YYYY-MM-DD` from 1900-01-01 to 2100-12-31.
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$"
    )]
    pub struct CalendarDate(String);

    /// A month, `YYYY-MM`.
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")]
    pub struct Month(String);

    /// An agency's identifier: `000.00.00.H37` or `H37.001.05` (letters upper case).
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        pattern = "^([0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}|[A-Z][0-9]{2}\\.[0-9]{3}\\.[0-9]{2})$",
        example = "000.00.00.H37"
    )]
    pub struct AgencyCode(String);

    /// A procedure's code: ASCII letters, digits, `.`, `-`, `_`, at least one letter or digit.
    #[derive(ToSchema)]
    #[schema(
        value_type = String,
        pattern = "^[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*$",
        max_length = 64,
        example = "1.001193"
    )]
    pub struct ProcedureCode(String);

    /// A statistics code: 2 digits (province), 3 (historical district) or 5 (commune level).
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^([0-9]{2}|[0-9]{3}|[0-9]{5})$", example = "05977")]
    pub struct UnitCode(String);

    /// A SHA-256, 64 hexadecimal digits.
    #[derive(ToSchema)]
    #[schema(value_type = String, pattern = "^[0-9a-fA-F]{64}$")]
    pub struct Sha256(String);
}

/// Closed lists taken as parameters, documented as enumerations.
#[allow(dead_code)] // documentation only: never built
pub(crate) mod choices {
    use utoipa::ToSchema;

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ScoreLevel {
        Province,
        Commune,
        Agency,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum Level {
        Province,
        Commune,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum OpenDataFormat {
        Json,
        Csv,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum CatalogueFormat {
        Xlsx,
        Csv,
        Json,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum Period {
        Month,
        Quarter,
        Year,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ProcessState {
        Draft,
        Approved,
        Superseded,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum TaskStatus {
        NotStarted,
        InProgress,
        Done,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum Channel {
        Paper,
        Online,
        Postal,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum UnitKind {
        Province,
        CentralCity,
        District,
        Commune,
        Ward,
        Township,
        SpecialZone,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum AgencyKind {
        ProvincialCommittee,
        Department,
        ServiceCentre,
        CommuneCommittee,
        Other,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum DocumentKind {
        Component,
        Result,
    }
}

//! Checking what an applicant declared against the form, purely: one pass over the data,
//! every field's problem at once, each at its path (`members[2].birth_date`).

use super::{Condition, Field, FieldKind, FormDefinition, Rule, Section};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The most problems one answer lists; past it the applicant fixes these first.
const PROBLEMS_MAX: usize = 100;

/// What the rules need from outside: code lists and the register of units, at the day of
/// submission.
pub trait FormLookup {
    /// Whether `code` is in the list today; `None` when there is no such list.
    fn in_list(&self, list: &str, code: &str) -> Option<bool>;
    /// Whether `code` is a commune-level unit in force today.
    fn unit_live(&self, code: &str) -> bool;
}

pub struct FormContext<'a> {
    pub today: NaiveDate,
    pub lookup: &'a dyn FormLookup,
    /// The components supplied with the dossier, when known: a required file field is met by
    /// its component. `None` (the API, where files follow the dossier) leaves files unchecked.
    pub components: Option<&'a [String]>,
}

/// One field's problem: where, a stable code, and what to tell the applicant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

/// A definition with its patterns compiled once, as the catalogue caches it per version.
#[derive(Debug)]
pub struct PreparedForm {
    pub definition: FormDefinition,
    pub(super) patterns: HashMap<String, regex::Regex>,
    /// Each field's section and place, by key.
    fields: HashMap<String, (usize, usize)>,
    /// The keys the data may hold at its top level.
    top_keys: std::collections::HashSet<String>,
}

impl PreparedForm {
    /// Compiles the patterns; a definition that passed [`super::check_definition`] always does.
    pub fn new(definition: FormDefinition) -> PreparedForm {
        let patterns = definition
            .fields()
            .flat_map(|(_, f)| &f.rules)
            .filter_map(|r| match r {
                Rule::Pattern { regex, .. } => {
                    let anchored = format!("^(?:{regex})$");
                    regex::Regex::new(&anchored)
                        .ok()
                        .map(|re| (regex.clone(), re))
                }
                _ => None,
            })
            .collect();
        let mut fields = HashMap::new();
        let mut top_keys = std::collections::HashSet::new();
        for (s, section) in definition.sections.iter().enumerate() {
            if section.repeat.is_some() {
                top_keys.insert(section.key.clone());
            }
            for (f, field) in section.fields.iter().enumerate() {
                fields.entry(field.key.clone()).or_insert((s, f));
                if section.repeat.is_none() {
                    top_keys.insert(field.key.clone());
                }
            }
        }
        PreparedForm {
            definition,
            patterns,
            fields,
            top_keys,
        }
    }

    /// The field with this key, and its section.
    pub fn field(&self, key: &str) -> Option<(&Section, &Field)> {
        let &(s, f) = self.fields.get(key)?;
        let section = &self.definition.sections[s];
        Some((section, &section.fields[f]))
    }
}

/// The declared data, normalised (text in NFC and trimmed, identity numbers in their
/// canonical shape, hidden fields dropped), or every problem.
pub fn validate(
    form: &PreparedForm,
    data: &Value,
    ctx: &FormContext<'_>,
) -> Result<Value, Vec<FieldProblem>> {
    let mut run = Run {
        form,
        ctx,
        problems: Vec::new(),
    };
    let Some(top) = data.as_object() else {
        run.problem(
            String::new(),
            "invalid_form_data",
            "dữ liệu tờ khai phải là một đối tượng JSON".into(),
        );
        return Err(run.problems);
    };
    let def = &form.definition;
    for key in top.keys() {
        if !form.top_keys.contains(key) {
            run.problem(
                key.clone(),
                "unknown_field",
                format!("tờ khai không có trường {key:?}"),
            );
        }
    }
    // Top-level fields first: rules inside repeating items may refer to them.
    let mut out = Map::new();
    let flat: Vec<&Section> = def.sections.iter().filter(|s| s.repeat.is_none()).collect();
    let mut shown: Vec<&Field> = Vec::new();
    for section in &flat {
        if run.visible(section.show_when.as_ref(), top, None) {
            shown.extend(
                (section.fields.iter()).filter(|f| run.visible(f.show_when.as_ref(), top, None)),
            );
        }
    }
    for field in &shown {
        run.field(field, top, "", &mut out);
    }
    run.cross_rules(&shown, &out, None, "");
    for section in def.sections.iter().filter(|s| s.repeat.is_some()) {
        if run.visible(section.show_when.as_ref(), top, None) {
            let items = run.items(section, top, &out);
            out.insert(section.key.clone(), Value::Array(items));
        }
    }
    if run.problems.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(run.problems)
    }
}

pub(super) struct Run<'a> {
    pub(super) form: &'a PreparedForm,
    pub(super) ctx: &'a FormContext<'a>,
    problems: Vec<FieldProblem>,
}

fn blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Object(o)) => o.values().all(|v| blank(Some(v))),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

pub(super) fn path_of(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

impl Run<'_> {
    pub(super) fn problem(&mut self, path: String, code: &'static str, message: String) {
        if self.problems.len() < PROBLEMS_MAX {
            self.problems.push(FieldProblem {
                path,
                code,
                message,
            });
        }
    }

    pub(super) fn labelled(&mut self, path: String, field: &Field, code: &'static str, what: &str) {
        let message = format!("{}: {what}", field.label);
        self.problem(path, code, message);
    }

    /// Whether a condition holds, on the raw data of the item (or top level) it looks at;
    /// a field that is itself hidden counts as empty. Definitions are acyclic (checked when
    /// saved); the depth guard keeps an unchecked one from looping.
    fn visible(
        &self,
        cond: Option<&Condition>,
        top: &Map<String, Value>,
        item: Option<&Map<String, Value>>,
    ) -> bool {
        self.holds(cond, top, item, 0)
    }

    fn holds(
        &self,
        cond: Option<&Condition>,
        top: &Map<String, Value>,
        item: Option<&Map<String, Value>>,
        depth: u8,
    ) -> bool {
        let Some(cond) = cond else { return true };
        if depth > 32 {
            return false;
        }
        let Some((section, field)) = self.form.field(&cond.field) else {
            return false;
        };
        let scope = match (section.repeat, item) {
            (Some(_), Some(item)) => item,
            (Some(_), None) => return false,
            (None, _) => top,
        };
        let inner = if section.repeat.is_some() { item } else { None };
        if !self.holds(section.show_when.as_ref(), top, inner, depth + 1)
            || !self.holds(field.show_when.as_ref(), top, inner, depth + 1)
        {
            return false;
        }
        let value = scope.get(&field.key);
        if cond.equals.is_empty() {
            return !blank(value);
        }
        let text = match value {
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return false,
        };
        cond.equals.contains(&text)
    }

    fn items(
        &mut self,
        section: &Section,
        top: &Map<String, Value>,
        parsed_top: &Map<String, Value>,
    ) -> Vec<Value> {
        let repeat = section.repeat.expect("a repeating section");
        let list = match top.get(&section.key) {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => &list[..],
            Some(_) => {
                let message = format!("{}: phải là một danh sách", section.title);
                self.problem(section.key.clone(), "wrong_type", message);
                return Vec::new();
            }
        };
        let n = list.len() as u32;
        if n < repeat.min || n > repeat.max {
            let code = if n < repeat.min {
                "too_few_items"
            } else {
                "too_many_items"
            };
            let (min, max) = (repeat.min, repeat.max);
            let message = format!("{}: cần từ {min} đến {max} mục, có {n}", section.title);
            self.problem(section.key.clone(), code, message);
            if n > repeat.max {
                return Vec::new();
            }
        }
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let prefix = format!("{}[{i}]", section.key);
            let Some(item) = item.as_object() else {
                let message = format!("{}: mỗi mục phải là một đối tượng", section.title);
                self.problem(prefix, "wrong_type", message);
                continue;
            };
            for key in item
                .keys()
                .filter(|k| !section.fields.iter().any(|f| f.key == **k))
            {
                let message = format!("{} không có trường {key:?}", section.title);
                self.problem(path_of(&prefix, key), "unknown_field", message);
            }
            let shown: Vec<&Field> = (section.fields.iter())
                .filter(|f| self.visible(f.show_when.as_ref(), top, Some(item)))
                .collect();
            let mut values = Map::new();
            for field in &shown {
                self.field(field, item, &prefix, &mut values);
            }
            self.cross_rules(&shown, &values, Some(parsed_top), &prefix);
            out.push(Value::Object(values));
        }
        out
    }

    /// One field of a scope (top level, or one item): absent, or parsed by its kind and
    /// checked by its own rules; the value goes into `out`.
    fn field(
        &mut self,
        field: &Field,
        scope: &Map<String, Value>,
        prefix: &str,
        out: &mut Map<String, Value>,
    ) {
        // A top-level field's path is its key: no string is made unless a problem needs it.
        let owned;
        let path: &str = if prefix.is_empty() {
            &field.key
        } else {
            owned = path_of(prefix, &field.key);
            &owned
        };
        let raw = scope.get(&field.key);
        if field.kind == FieldKind::File {
            self.file(field, raw, path.to_owned());
            return;
        }
        if blank(raw) {
            if field.required {
                self.labelled(path.to_owned(), field, "required", "chưa điền (bắt buộc)");
            }
            return;
        }
        let raw = raw.expect("not blank");
        if let Some(value) = self.parse(field, raw, path) {
            out.insert(field.key.clone(), value);
        }
    }

    fn file(&mut self, field: &Field, raw: Option<&Value>, path: String) {
        if !blank(raw) {
            self.labelled(
                path,
                field,
                "wrong_type",
                "tệp nộp ở phần thành phần hồ sơ, không trong dữ liệu tờ khai",
            );
            return;
        }
        let component = field.component.as_deref().unwrap_or_default();
        if let Some(supplied) = self.ctx.components
            && field.required
            && !supplied.iter().any(|c| c == component)
        {
            self.labelled(
                path,
                field,
                "required",
                &format!("chưa nộp tệp \"{component}\" (bắt buộc)"),
            );
        }
    }

    /// Rules between fields, on the values already parsed: one date before another, at
    /// least one of several filled.
    fn cross_rules(
        &mut self,
        fields: &[&Field],
        values: &Map<String, Value>,
        top: Option<&Map<String, Value>>,
        prefix: &str,
    ) {
        let get = |key: &str| values.get(key).or_else(|| top.and_then(|t| t.get(key)));
        for field in fields {
            for rule in &field.rules {
                match rule {
                    Rule::Before { field: other } => {
                        let date = |v: Option<&Value>| {
                            v.and_then(Value::as_str)
                                .and_then(crate::calendar::parse_iso_date)
                        };
                        if let (Some(a), Some(b)) = (date(get(&field.key)), date(get(other)))
                            && a >= b
                        {
                            let other_label = self
                                .form
                                .field(other)
                                .map_or(other.as_str(), |(_, f)| f.label.as_str())
                                .to_owned();
                            let what = format!("phải trước {other_label}");
                            self.labelled(path_of(prefix, &field.key), field, "date_order", &what);
                        }
                    }
                    Rule::AtLeastOneOf { fields: others } => {
                        let filled = std::iter::once(&field.key)
                            .chain(others)
                            .any(|k| get(k).is_some());
                        if !filled {
                            let labels: Vec<&str> = others
                                .iter()
                                .filter_map(|k| self.form.field(k).map(|(_, f)| f.label.as_str()))
                                .collect();
                            let what =
                                format!("điền trường này hoặc một trong: {}", labels.join(", "));
                            self.labelled(
                                path_of(prefix, &field.key),
                                field,
                                "at_least_one",
                                &what,
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

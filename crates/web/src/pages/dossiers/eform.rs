//! The electronic form on the submission page: sections as fieldsets, an input per field,
//! repeating groups added and removed with a round trip to the server (no script), and
//! each problem beside its field.

use super::FormError;
use motcua_app::forms::Choices;
use motcua_app::forms::known::Known;
use motcua_domain::form::inputs::{count_name, input_id, input_name, item_counts, section_of};
use motcua_domain::form::{
    Condition, Field, FieldKind, FieldProblem, FormDefinition, PreparedForm,
};
use std::collections::HashMap;

pub(crate) struct FormBlock {
    pub title: String,
    pub template_no: Option<String>,
    /// The sections drawn on this step.
    pub sections: Vec<SectionBlock>,
    /// What was typed in the sections of the other steps, carried along.
    pub hidden: Vec<(String, String)>,
}

pub(crate) struct SectionBlock {
    pub title: String,
    /// When the section applies, in words, if only sometimes.
    pub note: Option<String>,
    pub repeat: Option<RepeatBlock>,
    pub items: Vec<ItemBlock>,
}

pub(crate) struct RepeatBlock {
    /// The group's own id, where a problem with the number of items points.
    pub id: String,
    pub error: Option<String>,
    pub count_name: String,
    pub count: usize,
    pub bounds: String,
    /// The button's value that adds an item, while there is room.
    pub add: Option<String>,
}

pub(crate) struct ItemBlock {
    /// "Mục 2" in a repeating group.
    pub label: Option<String>,
    /// The button's value that removes this item, when more than the minimum are shown.
    pub remove: Option<String>,
    pub fields: Vec<FieldBlock>,
}

pub(crate) struct OptionItem {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

pub(crate) struct FieldBlock {
    pub id: String,
    pub name: String,
    pub label: String,
    /// How the template draws it: text, textarea, number, money, date, yes_no, select,
    /// address, email, tel, file.
    pub control: &'static str,
    pub value: String,
    pub hint: Option<String>,
    pub note: Option<String>,
    pub error: Option<String>,
    /// Required (marked with a star), when it applies.
    pub required: bool,
    /// Required by the browser too: only where no condition can hide it, so a form that
    /// leaves it out rightly is never stopped before the server decides.
    pub always_required: bool,
    pub options: Vec<OptionItem>,
    /// Addresses: the street line's input.
    pub street_id: String,
    pub street_name: String,
    pub street_value: String,
    pub max_length: u32,
    /// Filled from the verified electronic identity: shown, not editable.
    pub verified: bool,
}

impl FormBlock {
    /// No field is required by the browser: for the counter, where the declaration may
    /// stay on paper (the server still checks what is typed).
    pub fn optional_in_browser(&mut self) {
        let items = self.sections.iter_mut().flat_map(|s| s.items.iter_mut());
        items
            .flat_map(|i| i.fields.iter_mut())
            .for_each(|f| f.always_required = false);
    }
}

impl FieldBlock {
    pub fn is(&self, control: &str) -> bool {
        self.control == control
    }
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() || self.note.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// A problem of the declaration as a page error: linked to the field's input.
pub(crate) fn form_errors(problems: &[FieldProblem]) -> Vec<FormError> {
    problems
        .iter()
        .map(|p| {
            // An address's unit is its own input; other sub-paths point at the field.
            let id = input_id(&p.path);
            FormError {
                field: id,
                message: motcua_domain::text::sentence(&p.message).into_owned(),
            }
        })
        .collect()
}

/// What a round-trip button asks: add an item to a group, or remove one.
pub(crate) enum GroupChange {
    Add(String),
    Remove(String, usize),
}

impl GroupChange {
    pub fn parse(raw: &str) -> Option<GroupChange> {
        let mut parts = raw.split(':');
        match (parts.next()?, parts.next()?, parts.next()) {
            ("add", key, None) => Some(GroupChange::Add(key.to_owned())),
            ("remove", key, Some(i)) => Some(GroupChange::Remove(key.to_owned(), i.parse().ok()?)),
            _ => None,
        }
    }

    /// The inputs with the group changed: one more (empty) item, or the item taken out and
    /// those after it moved up.
    pub fn apply(&self, form: &FormDefinition, inputs: &mut HashMap<String, String>) {
        let counts = item_counts(form, inputs);
        match self {
            GroupChange::Add(key) => {
                if let Some(n) = counts.get(key) {
                    inputs.insert(count_name(key), (n + 1).to_string());
                }
            }
            GroupChange::Remove(key, index) => {
                let Some(&n) = counts.get(key) else { return };
                if *index >= n {
                    return;
                }
                let prefix = |i: usize| input_name(&format!("{key}[{i}]."));
                let moved: Vec<(String, String)> = inputs
                    .iter()
                    .filter_map(|(name, value)| {
                        let rest = name.strip_prefix(&input_name(&format!("{key}[")))?;
                        let (i, tail) = rest.split_once("].")?;
                        let i: usize = i.parse().ok()?;
                        (i > *index).then(|| (format!("{}{tail}", prefix(i - 1)), value.clone()))
                    })
                    .collect();
                inputs.retain(|name, _| {
                    !(name.starts_with(&input_name(&format!("{key}[")))
                        && name
                            .strip_prefix(&input_name(&format!("{key}[")))
                            .and_then(|r| r.split_once(']'))
                            .and_then(|(i, _)| i.parse::<usize>().ok())
                            .is_some_and(|i| i >= *index))
                });
                inputs.extend(moved);
                inputs.insert(count_name(key), n.saturating_sub(1).to_string());
            }
        }
    }
}

/// The form as the page draws it, with the values typed so far (or prefilled) and each
/// problem beside its field.
pub(crate) fn form_block(
    form: &PreparedForm,
    drawn: &[usize],
    inputs: &HashMap<String, String>,
    errors: &[FormError],
    choices: &Choices,
    known: &Known,
    held: &HashMap<String, String>,
) -> FormBlock {
    let fill = Fill {
        known,
        held,
        choices,
    };
    let def = &form.definition;
    let counts = item_counts(def, inputs);
    let error = |id: &str| {
        errors
            .iter()
            .find(|e| e.field == id || e.field.starts_with(&format!("{id}-")))
            .map(|e| e.message.clone())
    };
    let mut hidden: Vec<(String, String)> = inputs
        .iter()
        .filter(|(name, _)| section_of(def, name).is_some_and(|s| !drawn.contains(&s)))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    hidden.sort();
    let sections = (def.sections.iter().enumerate())
        .filter(|(i, _)| drawn.contains(i))
        .map(|(_, section)| {
            let note = section.show_when.as_ref().map(|c| condition_note(def, c));
            let mut block = match section.repeat {
                None => SectionBlock {
                    title: section.title.clone(),
                    note,
                    repeat: None,
                    items: vec![ItemBlock {
                        label: None,
                        remove: None,
                        fields: (section.fields.iter())
                            .map(|f| field_block(def, f, &f.key, inputs, &error, &fill))
                            .collect(),
                    }],
                },
                Some(repeat) => {
                    let n = counts.get(&section.key).copied().unwrap_or(0);
                    SectionBlock {
                        title: section.title.clone(),
                        note,
                        repeat: Some(RepeatBlock {
                            id: input_id(&section.key),
                            error: errors
                                .iter()
                                .find(|e| e.field == input_id(&section.key))
                                .map(|e| e.message.clone()),
                            count_name: count_name(&section.key),
                            count: n,
                            bounds: format!("Từ {} đến {} mục.", repeat.min, repeat.max),
                            add: (n < repeat.max as usize).then(|| format!("add:{}", section.key)),
                        }),
                        items: (0..n)
                            .map(|i| ItemBlock {
                                label: Some(format!("Mục {}", i + 1)),
                                remove: (n > repeat.min as usize)
                                    .then(|| format!("remove:{}:{i}", section.key)),
                                fields: (section.fields.iter())
                                    .map(|f| {
                                        let path = format!("{}[{i}].{}", section.key, f.key);
                                        // What is known is about the applicant, not
                                        // about the items of a group.
                                        let fill = Fill {
                                            known: &Known::default(),
                                            ..fill
                                        };
                                        field_block(def, f, &path, inputs, &error, &fill)
                                    })
                                    .collect(),
                            })
                            .collect(),
                    }
                }
            };
            if section.show_when.is_some() {
                let fields = block.items.iter_mut().flat_map(|i| i.fields.iter_mut());
                fields.for_each(|f| f.always_required = false);
            }
            block
        })
        .collect();
    FormBlock {
        title: def.title.clone(),
        template_no: def.template_no.clone(),
        sections,
        hidden,
    }
}

fn condition_note(def: &FormDefinition, c: &Condition) -> String {
    let Some((_, field)) = def.field(&c.field) else {
        return String::new();
    };
    if c.equals.is_empty() {
        return format!("Chỉ điền khi đã điền «{}».", field.label);
    }
    let said: Vec<String> = c
        .equals
        .iter()
        .map(|v| match (field.kind, v.as_str()) {
            (FieldKind::YesNo, "true") => "Có".to_owned(),
            (FieldKind::YesNo, "false") => "Không".to_owned(),
            _ => v.clone(),
        })
        .collect();
    format!("Chỉ điền khi «{}» là {}.", field.label, said.join(" hoặc "))
}

/// What fills a form beside what was typed: the citizen's known values, the components
/// their store holds (name → the item's label), and the choices.
#[derive(Clone, Copy)]
struct Fill<'a> {
    known: &'a Known,
    held: &'a HashMap<String, String>,
    choices: &'a Choices,
}

fn field_block(
    def: &FormDefinition,
    field: &Field,
    path: &str,
    inputs: &HashMap<String, String>,
    error: &dyn Fn(&str) -> Option<String>,
    fill: &Fill,
) -> FieldBlock {
    let choices = fill.choices;
    let id = input_id(path);
    let name = input_name(path);
    let unit_name = input_name(&format!("{path}.unit"));
    let street_name = input_name(&format!("{path}.street"));
    // A known value fills the field until the page has been posted once (then what was
    // posted stands, even empty).
    let known = (fill.known.for_field(field))
        .filter(|_| !inputs.contains_key(&name) && !inputs.contains_key(&unit_name));
    let value = inputs
        .get(&name)
        .cloned()
        .or_else(|| known.as_ref().and_then(|k| k.text().map(str::to_owned)))
        .unwrap_or_default();
    let control = match field.kind {
        FieldKind::Text | FieldKind::CitizenId | FieldKind::TaxCode => "text",
        FieldKind::LongText => "textarea",
        FieldKind::Number => "number",
        FieldKind::Money => "money",
        FieldKind::Date => "date",
        FieldKind::YesNo => "yes_no",
        FieldKind::Choice => "select",
        FieldKind::Phone => "tel",
        FieldKind::Email => "email",
        FieldKind::Address => "address",
        FieldKind::File => "file",
    };
    let options = match field.kind {
        FieldKind::Choice => choices
            .lists
            .get(field.code_list.as_deref().unwrap_or_default())
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e.in_force(choices.today))
                    .map(|e| OptionItem {
                        selected: e.code == value,
                        code: e.code.clone(),
                        name: e.name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        FieldKind::Address => {
            let unit = (inputs.get(&unit_name).map(String::as_str))
                .or_else(|| known.as_ref().and_then(|k| k.part("unit")))
                .unwrap_or_default();
            choices
                .units
                .list
                .iter()
                .map(|(code, name)| OptionItem {
                    selected: *code == unit,
                    code: code.clone(),
                    name: name.clone(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let component = field.component.as_deref().unwrap_or_default();
    let hint = match field.kind {
        FieldKind::File => Some(match fill.held.get(component) {
            Some(item) => format!(
                "Kho dữ liệu của bạn đã có giấy tờ này: {item}. Giấy tờ đó đã được chọn dùng \
                 lại ở mục «Thành phần hồ sơ» ({component}), không cần tải lên."
            ),
            None => format!("Nộp tệp này ở mục «Thành phần hồ sơ»: {component}."),
        }),
        FieldKind::Date => Some(
            field
                .hint
                .clone()
                .unwrap_or_else(|| "Ngày dạng năm-tháng-ngày.".into()),
        ),
        FieldKind::Money => Some(
            field
                .hint
                .clone()
                .unwrap_or_else(|| "Số tiền bằng đồng, ví dụ 1.500.000.".into()),
        ),
        _ => field.hint.clone(),
    };
    let verified = known.as_ref().is_some_and(|k| {
        matches!(k.source, motcua_app::forms::known::Source::Verified(..))
            && matches!(control, "text" | "date")
    });
    let hint = match &known {
        Some(k) if verified => Some(format!(
            "Đã xác thực qua {}; không sửa được.",
            k.source.said()
        )),
        Some(k) => Some(format!(
            "{}Đã điền sẵn từ {}; sửa nếu đã thay đổi.",
            hint.map(|h| format!("{} ", h.trim_end_matches('.').to_owned() + "."))
                .unwrap_or_default(),
            k.source.said()
        )),
        None => hint,
    };
    FieldBlock {
        error: error(&id),
        note: field.show_when.as_ref().map(|c| condition_note(def, c)),
        label: field.label.clone(),
        control,
        value,
        hint,
        required: field.required,
        always_required: field.required && field.show_when.is_none(),
        options,
        street_id: input_id(&format!("{path}.street")),
        street_value: (inputs.get(&street_name).map(String::as_str))
            .or_else(|| known.as_ref().and_then(|k| k.part("street")))
            .unwrap_or_default()
            .to_owned(),
        street_name,
        verified,
        max_length: match field.kind {
            FieldKind::LongText => motcua_domain::form::LONG_TEXT_MAX,
            _ => motcua_domain::form::TEXT_MAX,
        },
        id,
        name,
    }
}

//! The designer's forms as typed: the header, a section's head and a field, read from a
//! post and turned into a [`FormEdit`], or drawn from the form as it is. Kept as text so a
//! refused post is shown again as it was typed.

use motcua_domain::form::edit::{FormEdit, Header, Move, SectionHead};
use motcua_domain::form::{
    Condition, Field, FieldKind, Prefill, Repeat, ResultSource, Rule, Section,
};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderValues {
    pub title: String,
    pub template_no: String,
    pub stands_for: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SectionValues {
    pub key: String,
    pub title: String,
    pub repeat: bool,
    pub repeat_min: String,
    pub repeat_max: String,
    pub show_field: String,
    pub show_equals: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FieldValues {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub hint: String,
    pub code_list: String,
    pub component: String,
    pub prefill: String,
    /// `procedure | row` of an earlier result the applicant holds.
    pub from_result: String,
    pub searchable: bool,
    pub personal: bool,
    pub show_field: String,
    pub show_equals: String,
    pub len_min: String,
    pub len_max: String,
    pub range_min: String,
    pub range_max: String,
    pub pattern: String,
    pub pattern_message: String,
    pub not_in_future: bool,
    pub before: String,
    pub at_least_one_of: String,
}

/// The posted form, by name (a checkbox is there only when ticked).
pub(crate) struct Posted(pub HashMap<String, String>);

impl Posted {
    fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }
    fn ticked(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    fn index(&self, name: &str) -> Result<usize, String> {
        self.text(name)
            .parse()
            .map_err(|_| format!("Yêu cầu thiếu vị trí ({name})."))
    }
}

fn opt(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A list typed with commas or semicolons.
fn list(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// An optional number, or what to say about it.
fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<Option<T>, String> {
    let text = text.trim().replace('.', "");
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{what} phải là một số nguyên."))
}

fn condition(field: &str, equals: &str) -> Option<Condition> {
    opt(field).map(|field| Condition {
        field,
        equals: list(equals),
    })
}

fn condition_values(c: Option<&Condition>) -> (String, String) {
    c.map(|c| (c.field.clone(), c.equals.join(", ")))
        .unwrap_or_default()
}

impl HeaderValues {
    pub fn of(title: &str, template_no: Option<&str>, stands_for: Option<&str>) -> HeaderValues {
        HeaderValues {
            title: title.to_owned(),
            template_no: template_no.unwrap_or_default().to_owned(),
            stands_for: stands_for.unwrap_or_default().to_owned(),
        }
    }
    fn read(p: &Posted) -> HeaderValues {
        HeaderValues {
            title: p.text("title"),
            template_no: p.text("template_no"),
            stands_for: p.text("stands_for"),
        }
    }
    fn header(&self) -> Header {
        Header {
            title: self.title.clone(),
            template_no: opt(&self.template_no),
            stands_for: opt(&self.stands_for),
        }
    }
}

impl SectionValues {
    pub fn of(s: &Section) -> SectionValues {
        let (show_field, show_equals) = condition_values(s.show_when.as_ref());
        SectionValues {
            key: s.key.clone(),
            title: s.title.clone(),
            repeat: s.repeat.is_some(),
            repeat_min: s.repeat.map(|r| r.min.to_string()).unwrap_or_default(),
            repeat_max: s.repeat.map(|r| r.max.to_string()).unwrap_or_default(),
            show_field,
            show_equals,
        }
    }
    fn read(p: &Posted) -> SectionValues {
        SectionValues {
            key: p.text("s.key"),
            title: p.text("s.title"),
            repeat: p.ticked("s.repeat"),
            repeat_min: p.text("s.repeat_min"),
            repeat_max: p.text("s.repeat_max"),
            show_field: p.text("s.show_field"),
            show_equals: p.text("s.show_equals"),
        }
    }
    fn head(&self) -> Result<SectionHead, Vec<String>> {
        let mut errors = Vec::new();
        let mut bound = |text: &str, what: &str, default: u32| match number::<u32>(text, what) {
            Ok(n) => n.unwrap_or(default),
            Err(e) => {
                errors.push(e);
                default
            }
        };
        let repeat = self.repeat.then(|| Repeat {
            min: bound(&self.repeat_min, "Số mục tối thiểu", 0),
            max: bound(
                &self.repeat_max,
                "Số mục tối đa",
                motcua_domain::form::REPEAT_MAX,
            ),
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SectionHead {
            key: self.key.clone(),
            title: self.title.clone(),
            show_when: condition(&self.show_field, &self.show_equals),
            repeat,
        })
    }
}

impl FieldValues {
    /// A new field's form: a line of text.
    pub fn fresh() -> FieldValues {
        FieldValues {
            kind: FieldKind::Text.as_str().into(),
            ..FieldValues::default()
        }
    }

    /// The field as its form shows it; a rule of each kind (the first, if a field was
    /// given two of one kind elsewhere).
    pub fn of(f: &Field) -> FieldValues {
        let (show_field, show_equals) = condition_values(f.show_when.as_ref());
        let mut v = FieldValues {
            key: f.key.clone(),
            label: f.label.clone(),
            kind: f.kind.as_str().into(),
            required: f.required,
            hint: f.hint.clone().unwrap_or_default(),
            code_list: f.code_list.clone().unwrap_or_default(),
            component: f.component.clone().unwrap_or_default(),
            prefill: f.prefill.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            from_result: (f.from_result.as_ref())
                .map(ResultSource::written)
                .unwrap_or_default(),
            searchable: f.searchable,
            personal: f.personal,
            show_field,
            show_equals,
            ..FieldValues::default()
        };
        let show = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        for rule in f.rules.iter().rev() {
            match rule {
                Rule::Length { min, max } => {
                    v.len_min = show(min.map(i64::from));
                    v.len_max = show(max.map(i64::from));
                }
                Rule::Range { min, max } => {
                    v.range_min = show(*min);
                    v.range_max = show(*max);
                }
                Rule::Pattern { regex, message } => {
                    v.pattern = regex.clone();
                    v.pattern_message = message.clone();
                }
                Rule::NotInFuture => v.not_in_future = true,
                Rule::Before { field } => v.before = field.clone(),
                Rule::AtLeastOneOf { fields } => v.at_least_one_of = fields.join(", "),
            }
        }
        v
    }

    fn read(p: &Posted) -> FieldValues {
        FieldValues {
            key: p.text("f.key"),
            label: p.text("f.label"),
            kind: p.text("f.kind"),
            required: p.ticked("f.required"),
            hint: p.text("f.hint"),
            code_list: p.text("f.code_list"),
            component: p.text("f.component"),
            prefill: p.text("f.prefill"),
            from_result: p.text("f.from_result"),
            searchable: p.ticked("f.searchable"),
            personal: p.ticked("f.personal"),
            show_field: p.text("f.show_field"),
            show_equals: p.text("f.show_equals"),
            len_min: p.text("f.len_min"),
            len_max: p.text("f.len_max"),
            range_min: p.text("f.range_min"),
            range_max: p.text("f.range_max"),
            pattern: p.text("f.pattern"),
            pattern_message: p.text("f.pattern_message"),
            not_in_future: p.ticked("f.not_in_future"),
            before: p.text("f.before"),
            at_least_one_of: p.text("f.at_least_one_of"),
        }
    }

    /// The field, or what cannot be read in its form (whether the field then makes sense
    /// in the form is the definition check's to say).
    fn field(&self) -> Result<Field, Vec<String>> {
        let mut errors = Vec::new();
        let mut num = |text: &str, what: &str| {
            number::<i64>(text, what).unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        };
        let len_min = num(&self.len_min, "Độ dài tối thiểu");
        let len_max = num(&self.len_max, "Độ dài tối đa");
        let range_min = num(&self.range_min, "Giá trị nhỏ nhất");
        let range_max = num(&self.range_max, "Giá trị lớn nhất");
        let kind = FieldKind::parse(&self.kind);
        if kind.is_none() {
            errors.push("Chọn loại trường.".into());
        }
        let prefill = opt(&self.prefill).map(|p| Prefill::parse(&p));
        if prefill.is_some_and(|p| p.is_none()) {
            errors.push("Nguồn điền sẵn không có trong danh sách.".into());
        }
        let from_result = opt(&self.from_result).map(|r| ResultSource::parse_written(&r));
        if from_result.as_ref().is_some_and(Option::is_none) {
            errors.push(
                "Điền sẵn từ kết quả: viết «mã thủ tục | tên dòng», ví dụ 1.001193 | Số.".into(),
            );
        }
        let length = |n: Option<i64>, errors: &mut Vec<String>| {
            n.map(|n| {
                u32::try_from(n).unwrap_or_else(|_| {
                    errors.push("Độ dài là số không âm.".into());
                    0
                })
            })
        };
        let (len_min, len_max) = (length(len_min, &mut errors), length(len_max, &mut errors));
        if self.pattern.is_empty() && !self.pattern_message.is_empty() {
            errors.push("Quy tắc mẫu có lời báo lỗi nhưng thiếu biểu thức.".into());
        }
        let Some(kind) = kind.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let mut rules = Vec::new();
        if len_min.is_some() || len_max.is_some() {
            rules.push(Rule::Length {
                min: len_min,
                max: len_max,
            });
        }
        if range_min.is_some() || range_max.is_some() {
            rules.push(Rule::Range {
                min: range_min,
                max: range_max,
            });
        }
        if !self.pattern.is_empty() {
            rules.push(Rule::Pattern {
                regex: self.pattern.clone(),
                message: self.pattern_message.clone(),
            });
        }
        if self.not_in_future {
            rules.push(Rule::NotInFuture);
        }
        if let Some(field) = opt(&self.before) {
            rules.push(Rule::Before { field });
        }
        let others = list(&self.at_least_one_of);
        if !others.is_empty() {
            rules.push(Rule::AtLeastOneOf { fields: others });
        }
        Ok(Field {
            key: self.key.clone(),
            label: self.label.clone(),
            kind,
            required: self.required,
            code_list: opt(&self.code_list),
            component: opt(&self.component),
            rules,
            show_when: condition(&self.show_field, &self.show_equals),
            searchable: self.searchable,
            personal: self.personal,
            prefill: prefill.flatten(),
            from_result: from_result.flatten(),
            hint: opt(&self.hint),
        })
    }
}

/// What a post asks, with what was typed.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Create(HeaderValues, SectionValues, FieldValues),
    Header(HeaderValues),
    AddSection(SectionValues, FieldValues),
    EditSection(usize, SectionValues),
    MoveSection(usize, Move),
    RemoveSection(usize),
    AddField(usize, FieldValues),
    EditField(usize, usize, FieldValues),
    MoveField(usize, usize, Move),
    RemoveField(usize, usize),
}

impl Op {
    /// Reads the post: `op` names the change, `section` and `field` the position.
    pub fn read(p: &Posted) -> Result<Op, String> {
        let s = || p.index("section");
        let f = || p.index("field");
        Ok(match p.text("op").as_str() {
            "create" => Op::Create(
                HeaderValues::read(p),
                SectionValues::read(p),
                FieldValues::read(p),
            ),
            "header" => Op::Header(HeaderValues::read(p)),
            "add_section" => Op::AddSection(SectionValues::read(p), FieldValues::read(p)),
            "edit_section" => Op::EditSection(s()?, SectionValues::read(p)),
            "section_up" => Op::MoveSection(s()?, Move::Up),
            "section_down" => Op::MoveSection(s()?, Move::Down),
            "section_remove" => Op::RemoveSection(s()?),
            "add_field" => Op::AddField(s()?, FieldValues::read(p)),
            "edit_field" => Op::EditField(s()?, f()?, FieldValues::read(p)),
            "field_up" => Op::MoveField(s()?, f()?, Move::Up),
            "field_down" => Op::MoveField(s()?, f()?, Move::Down),
            "field_remove" => Op::RemoveField(s()?, f()?),
            _ => return Err("Yêu cầu không rõ thao tác nào trên biểu mẫu.".into()),
        })
    }

    /// The edit, or what in the typed values cannot be read.
    pub fn edit(&self) -> Result<FormEdit, Vec<String>> {
        Ok(match self {
            Op::Create(h, s, f) => {
                let (section, field) = both(s.head(), f.field())?;
                FormEdit::Create {
                    header: h.header(),
                    section,
                    field,
                }
            }
            Op::Header(h) => FormEdit::Header(h.header()),
            Op::AddSection(s, f) => {
                let (section, field) = both(s.head(), f.field())?;
                FormEdit::AddSection { section, field }
            }
            Op::EditSection(index, s) => FormEdit::EditSection {
                index: *index,
                section: s.head()?,
            },
            Op::MoveSection(index, to) => FormEdit::MoveSection {
                index: *index,
                to: *to,
            },
            Op::RemoveSection(index) => FormEdit::RemoveSection { index: *index },
            Op::AddField(section, f) => FormEdit::AddField {
                section: *section,
                field: f.field()?,
            },
            Op::EditField(section, index, f) => FormEdit::EditField {
                section: *section,
                index: *index,
                field: f.field()?,
            },
            Op::MoveField(section, index, to) => FormEdit::MoveField {
                section: *section,
                index: *index,
                to: *to,
            },
            Op::RemoveField(section, index) => FormEdit::RemoveField {
                section: *section,
                index: *index,
            },
        })
    }
}

fn both<A, B>(a: Result<A, Vec<String>>, b: Result<B, Vec<String>>) -> Result<(A, B), Vec<String>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err([a.err(), b.err()].into_iter().flatten().flatten().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn a_field_reads_with_its_rules_and_back() {
        let p = posted(&[
            ("op", "edit_field"),
            ("section", "1"),
            ("field", "2"),
            ("f.key", " ho_ten "),
            ("f.label", "Họ tên"),
            ("f.kind", "text"),
            ("f.required", "on"),
            ("f.len_max", "100"),
            ("f.pattern", "[^0-9]+"),
            ("f.pattern_message", "Không chứa chữ số"),
            ("f.show_field", "co_cha"),
            ("f.show_equals", "true"),
            ("f.prefill", "name"),
            ("f.from_result", "1.001193 | Số"),
        ]);
        let op = Op::read(&p).unwrap();
        let FormEdit::EditField {
            section: 1,
            index: 2,
            field,
        } = op.edit().unwrap()
        else {
            panic!("{op:?}")
        };
        assert!(field.required);
        assert_eq!(field.prefill, Some(Prefill::Name));
        assert_eq!(
            field.from_result.as_ref().map(|r| r.row.as_str()),
            Some("Số")
        );
        assert_eq!(
            field.rules,
            [
                Rule::Length {
                    min: None,
                    max: Some(100)
                },
                Rule::Pattern {
                    regex: "[^0-9]+".into(),
                    message: "Không chứa chữ số".into()
                }
            ]
        );
        assert_eq!(field.show_when.as_ref().unwrap().equals, ["true"]);
        let back = FieldValues::of(&field);
        assert_eq!(
            (back.len_max.as_str(), back.pattern.as_str()),
            ("100", "[^0-9]+")
        );
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        let p = posted(&[
            ("op", "add_field"),
            ("section", "0"),
            ("f.kind", "text"),
            ("f.len_min", "abc"),
            ("f.from_result", "1.001193"),
        ]);
        let errors = Op::read(&p).unwrap().edit().unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0], "Độ dài tối thiểu phải là một số nguyên.");
        assert!(Op::read(&posted(&[("op", "field_up"), ("section", "0")])).is_err());
        assert!(Op::read(&posted(&[("op", "drop_table")])).is_err());
    }
}

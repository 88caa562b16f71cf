//! Electronic forms (tờ khai điện tử): a procedure version's declaration as data, so a
//! dossier carries what the applicant declared, checked, instead of a scanned page.
//!
//! A form is sections of fields. Fields of ordinary sections sit at the top level of the
//! data (`{"child_name": "…"}`); a repeating section is an array of items under its own key
//! (`{"members": [{"name": "…"}]}`), so a problem's path reads `members[2].birth_date`.
//! Keys are unique across the whole form. Rules are checked purely here ([`validate`]); the
//! code lists and the register of units come in through [`FormLookup`].
//! Decree 45/2020/ND-CP, art. 9 and 11: online dossiers are filled in on electronic forms,
//! and data already held is not asked for again.

mod check;
pub mod edit;
pub mod inputs;
mod schema;
mod validate;
mod values;

pub use check::{DefinitionProblem, check_definition};
pub use schema::json_schema;
pub use validate::{FieldProblem, FormContext, FormLookup, PreparedForm, validate};

use serde::{Deserialize, Serialize};

/// The most items a repeating section may allow, and the most fields a form may have.
pub const REPEAT_MAX: u32 = 100;
pub const FIELDS_MAX: usize = 400;
/// Length caps when a field sets none: a line of text and a paragraph.
pub const TEXT_MAX: u32 = 500;
pub const LONG_TEXT_MAX: u32 = 5000;

/// A procedure version's electronic form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// The official template number printed on the declaration, e.g. "Mẫu số 01/HT".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_no: Option<String>,
    /// The declaration's title, e.g. "TỜ KHAI ĐĂNG KÝ KHAI SINH".
    pub title: String,
    /// The procedure's component this form replaces (the paper declaration): filled in as
    /// data, it is not asked for as a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stands_for: Option<String>,
    pub sections: Vec<Section>,
    /// A result the agency issues from the declaration, if the procedure has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultTemplate>,
}

/// A result made from the declaration and the officer's decision, such as a birth
/// registration extract ("Trích lục khai sinh"). Each row's value is text in which
/// `{key}` stands for a top-level field of the form, said in words, and `{@…}` for what the
/// dossier and the issuing officer supply (see [`RESULT_FACTS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultTemplate {
    /// E.g. "TRÍCH LỤC KHAI SINH".
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_no: Option<String>,
    /// Who signs, above the signature: e.g. "TM. ỦY BAN NHÂN DÂN".
    pub signer: String,
    pub rows: Vec<ResultRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRow {
    pub label: String,
    pub value: String,
}

/// What a result's rows may name beside the form's fields: the register number the officer
/// gives, the day of issue, the issuing agency, the dossier's code.
pub const RESULT_FACTS: [&str; 4] = ["@so", "@ngay", "@co_quan", "@ma_ho_so"];

impl ResultTemplate {
    /// The names in braces, in order, or the first malformed brace's byte offset.
    pub fn placeholders(text: &str) -> Result<Vec<&str>, usize> {
        let mut out = Vec::new();
        let mut rest = text;
        let mut at = 0;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(at + open);
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(at + open);
            };
            let name = &rest[open + 1..open + close];
            if name.is_empty() || name.contains('{') {
                return Err(at + open);
            }
            out.push(name);
            at += open + close + 1;
            rest = &rest[open + close + 1..];
        }
        Ok(out)
    }

    /// The rows with every placeholder replaced by what `value` says of it (nothing when it
    /// says nothing: a field left empty).
    pub fn fill(&self, value: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
        self.rows
            .iter()
            .map(|row| {
                let mut text = String::with_capacity(row.value.len());
                let mut rest = row.value.as_str();
                while let Some(open) = rest.find('{') {
                    text.push_str(&rest[..open]);
                    match rest[open..].find('}') {
                        Some(close) => {
                            text.push_str(
                                &value(&rest[open + 1..open + close]).unwrap_or_default(),
                            );
                            rest = &rest[open + close + 1..];
                        }
                        None => {
                            rest = &rest[open..];
                            break;
                        }
                    }
                }
                text.push_str(rest);
                (row.label.clone(), text.trim().to_owned())
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub title: String,
    /// Shown (and checked) only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_when: Option<Condition>,
    /// A repeating group: the data holds a list of items under the section's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// For `choice`: the code list's key (`dan_toc`, `quoc_tich`, or one an administrator made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_list: Option<String>,
    /// For `file`: the name of the required component the file is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_when: Option<Condition>,
    /// Officers find dossiers by this field in the queue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub searchable: bool,
    /// Personal data: masked for readers who may not see the applicant in full.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
    /// What the applicant's account or store already knows and fills in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    /// Or a row of an earlier result in the applicant's store (a birth extract's number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_result: Option<ResultSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A row of the latest result made from data by `procedure` in the applicant's store,
/// e.g. the "Số" of a birth extract (1.001193) for a request for its copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSource {
    pub procedure: String,
    /// The row's label, as the result template names it.
    pub row: String,
}

impl ResultSource {
    /// `1.001193 | Số`, as the catalogue workbook writes it.
    pub fn written(&self) -> String {
        format!("{} | {}", self.procedure, self.row)
    }
    pub fn parse_written(raw: &str) -> Option<ResultSource> {
        let (procedure, row) = raw.split_once('|')?;
        Some(ResultSource {
            procedure: procedure.trim().to_owned(),
            row: row.trim().to_owned(),
        })
    }
}

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal : $label:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
            pub fn label_vi(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
            pub fn parse(raw: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|k| k.as_str() == raw.trim())
            }
        }
    };
}

labelled_enum!(
    /// What a field holds, and so how it is typed, checked and shown.
    FieldKind {
        Text = "text": "Văn bản một dòng",
        LongText = "long_text": "Đoạn văn",
        Number = "number": "Số",
        Money = "money": "Số tiền (đồng)",
        Date = "date": "Ngày",
        YesNo = "yes_no": "Có/không",
        Choice = "choice": "Chọn trong danh mục",
        CitizenId = "citizen_id": "Số định danh cá nhân",
        TaxCode = "tax_code": "Mã số thuế",
        Phone = "phone": "Số điện thoại",
        Email = "email": "Thư điện tử",
        Address = "address": "Địa chỉ (đơn vị hành chính cấp xã và số nhà, đường)",
        File = "file": "Tệp của thành phần hồ sơ",
    }
);

labelled_enum!(
    /// Where a prefilled value comes from: the signed-in citizen's verified identity and
    /// account, or an earlier result in their store.
    Prefill {
        Name = "name": "Họ và tên",
        CitizenId = "citizen_id": "Số định danh cá nhân",
        BirthDate = "birth_date": "Ngày sinh",
        Phone = "phone": "Số điện thoại",
        Email = "email": "Thư điện tử",
        Address = "address": "Địa chỉ",
    }
);

impl FieldKind {
    /// Kinds whose value is text a length rule and a pattern apply to.
    pub fn is_text(self) -> bool {
        matches!(self, FieldKind::Text | FieldKind::LongText)
    }
    /// Kinds a range applies to.
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldKind::Number | FieldKind::Money)
    }
}

/// A rule beyond "required". Checked in [`validate`]; [`check_definition`] refuses one that
/// does not fit its field or can never be met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Characters, for text.
    Length {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// Bounds, for numbers and money.
    Range {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// A regular expression the whole text matches, with what to tell the applicant.
    Pattern { regex: String, message: String },
    /// A date not after the day of submission.
    NotInFuture,
    /// A date before another date field's (same item of a repeating section, or top level).
    Before { field: String },
    /// This field or one of the others is filled.
    AtLeastOneOf { fields: Vec<String> },
}

/// Shows a field or section only when another field is filled (`equals` empty) or holds
/// one of `equals` (yes/no fields compare as `true`/`false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
}

impl Section {
    /// Where this section's fields are in the data: the top level, or each item of a
    /// repeating section (at most [`REPEAT_MAX`]) with its path prefix (`members[2].`).
    pub fn scopes<'d>(
        section: &Section,
        data: &'d serde_json::Value,
    ) -> Vec<(String, &'d serde_json::Value)> {
        match section.repeat {
            None => vec![(String::new(), data)],
            Some(_) => (data.get(&section.key).and_then(|v| v.as_array()))
                .into_iter()
                .flatten()
                .take(REPEAT_MAX as usize)
                .enumerate()
                .map(|(i, item)| (format!("{}[{i}].", section.key), item))
                .collect(),
        }
    }
}

impl FormDefinition {
    /// Every field with the repeating section it belongs to, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&Section, &Field)> {
        self.sections
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
    }

    /// The field with this key, and its section.
    pub fn field(&self, key: &str) -> Option<(&Section, &Field)> {
        self.fields().find(|(_, f)| f.key == key)
    }

    /// The text officers search by: the searchable fields' values, folded.
    pub fn search_text(&self, data: &serde_json::Value) -> String {
        let mut words = Vec::new();
        for (section, field) in self.fields().filter(|(_, f)| f.searchable) {
            for (_, scope) in Section::scopes(section, data) {
                if let Some(text) = scope.get(&field.key).and_then(|v| v.as_str()) {
                    words.push(crate::text::fold(text));
                }
            }
        }
        words.join(" ")
    }

    /// The data with personal fields masked, for a reader who may not see the applicant
    /// in full.
    pub fn masked(&self, data: &serde_json::Value) -> serde_json::Value {
        let mut out = data.clone();
        for (section, field) in self.fields().filter(|(_, f)| f.personal) {
            let mask = |item: &mut serde_json::Value| {
                if let Some(v) = item.get_mut(&field.key) {
                    *v = serde_json::Value::String(mask_value(v));
                }
            };
            match section.repeat {
                Some(_) => {
                    if let Some(items) = out.get_mut(&section.key).and_then(|v| v.as_array_mut()) {
                        items.iter_mut().for_each(mask);
                    }
                }
                None => mask(&mut out),
            }
        }
        out
    }
}

/// A personal value as a masked reader sees it: the first and last characters of short
/// codes, nothing of the rest.
fn mask_value(value: &serde_json::Value) -> String {
    match value.as_str() {
        Some(text) if text.chars().all(|c| c.is_ascii_digit()) && text.len() > 4 => {
            format!("{}…{}", &text[..2], &text[text.len() - 2..])
        }
        Some(text) if !text.is_empty() => crate::dossier::mask_name(text),
        _ => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests;

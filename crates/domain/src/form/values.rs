//! Each kind of field read from the data and checked by its own rules: text with its length
//! and pattern, numbers and money in range, dates, code-list choices, identity numbers,
//! e-mail and addresses.

use super::validate::{Run, path_of};
use super::{Field, FieldKind, LONG_TEXT_MAX, Rule, TEXT_MAX};
use crate::dossier::{CitizenId, PhoneNumber, TaxCode};
use serde_json::{Map, Value};

/// The street line of an address.
const STREET_MAX: usize = 200;

impl Run<'_> {
    pub(super) fn text<'v>(
        &mut self,
        field: &Field,
        raw: &'v Value,
        path: &str,
    ) -> Option<&'v str> {
        match raw {
            Value::String(s) => match crate::text::forbidden_char(s) {
                None => Some(s.trim()),
                Some(ch) => {
                    let what = format!("có ký tự không được phép (U+{:04X})", ch as u32);
                    self.labelled(path.to_owned(), field, "invalid_characters", &what);
                    None
                }
            },
            _ => {
                self.labelled(path.to_owned(), field, "wrong_type", "phải là chuỗi ký tự");
                None
            }
        }
    }

    pub(super) fn parse(&mut self, field: &Field, raw: &Value, path: &str) -> Option<Value> {
        let wrong = |run: &mut Self, what: &str| {
            run.labelled(path.to_owned(), field, "wrong_type", what);
            None
        };
        match field.kind {
            FieldKind::Text | FieldKind::LongText => {
                let text = crate::text::nfc(self.text(field, raw, path)?);
                self.text_rules(field, &text, path)
                    .then_some(Value::String(text))
            }
            FieldKind::Number => match raw {
                Value::Number(n) => {
                    let v = n.as_f64().unwrap_or(f64::NAN);
                    self.range(field, v, path).then(|| raw.clone())
                }
                _ => wrong(self, "phải là một số"),
            },
            FieldKind::Money => match raw.as_i64() {
                Some(v) if v >= 0 => self.range(field, v as f64, path).then(|| raw.clone()),
                _ => wrong(self, "phải là số tiền bằng đồng, số nguyên không âm"),
            },
            FieldKind::YesNo => match raw {
                Value::Bool(_) => Some(raw.clone()),
                _ => wrong(self, "phải là có (true) hoặc không (false)"),
            },
            FieldKind::Date => {
                let text = self.text(field, raw, path)?;
                let Some(date) = crate::calendar::parse_iso_date(text) else {
                    return wrong(self, "phải là ngày dạng YYYY-MM-DD");
                };
                let future = field.rules.iter().any(|r| matches!(r, Rule::NotInFuture));
                if future && date > self.ctx.today {
                    self.labelled(
                        path.to_owned(),
                        field,
                        "date_in_future",
                        "không được sau ngày hôm nay",
                    );
                    return None;
                }
                // The strict shape is already the canonical one.
                Some(Value::String(text.to_owned()))
            }
            FieldKind::Choice => {
                let code = self.text(field, raw, path)?;
                let list = field.code_list.as_deref().unwrap_or_default();
                match self.ctx.lookup.in_list(list, code) {
                    Some(true) => Some(Value::String(code.to_owned())),
                    Some(false) => {
                        let what = format!("giá trị {code:?} không có trong danh mục");
                        self.labelled(path.to_owned(), field, "not_in_code_list", &what);
                        None
                    }
                    None => {
                        let what = format!("danh mục {list:?} chưa có trong hệ thống");
                        self.labelled(path.to_owned(), field, "unknown_code_list", &what);
                        None
                    }
                }
            }
            FieldKind::CitizenId | FieldKind::TaxCode | FieldKind::Phone => {
                let text = self.text(field, raw, path)?;
                let parsed = match field.kind {
                    FieldKind::CitizenId => CitizenId::parse(text).map(|v| v.as_str().to_owned()),
                    FieldKind::TaxCode => TaxCode::parse(text).map(|v| v.as_str().to_owned()),
                    _ => PhoneNumber::parse(text).map(|v| v.as_str().to_owned()),
                };
                match parsed {
                    Ok(v) => Some(Value::String(v)),
                    Err(e) => {
                        self.labelled(path.to_owned(), field, e.code(), &e.to_string());
                        None
                    }
                }
            }
            FieldKind::Email => {
                let text = self.text(field, raw, path)?;
                if crate::dossier::applicant::plausible_email(text) {
                    Some(Value::String(text.to_owned()))
                } else {
                    self.labelled(
                        path.to_owned(),
                        field,
                        "invalid_email",
                        "địa chỉ thư điện tử không hợp lệ",
                    );
                    None
                }
            }
            FieldKind::Address => self.address(field, raw, path),
            FieldKind::File => None,
        }
    }

    fn address(&mut self, field: &Field, raw: &Value, path: &str) -> Option<Value> {
        let Some(obj) = raw.as_object() else {
            self.labelled(
                path.to_owned(),
                field,
                "wrong_type",
                "phải có đơn vị hành chính (unit) và số nhà, đường (street)",
            );
            return None;
        };
        let mut ok = true;
        for key in obj
            .keys()
            .filter(|k| !matches!(k.as_str(), "unit" | "street"))
        {
            self.problem(
                path_of(path, key),
                "unknown_field",
                format!("{}: không có trường {key:?}", field.label),
            );
            ok = false;
        }
        let unit = match obj.get("unit") {
            Some(Value::String(u)) if !u.trim().is_empty() => Some(u.trim()),
            None | Some(Value::Null) | Some(Value::String(_)) => None,
            Some(_) => {
                self.labelled(
                    path_of(path, "unit"),
                    field,
                    "wrong_type",
                    "mã đơn vị hành chính phải là chuỗi",
                );
                return None;
            }
        };
        let Some(unit) = unit else {
            self.labelled(
                path_of(path, "unit"),
                field,
                "required",
                "chưa chọn xã, phường, đặc khu",
            );
            return None;
        };
        if !self.ctx.lookup.unit_live(unit) {
            let what =
                format!("đơn vị hành chính {unit:?} không phải xã, phường, đặc khu đang hoạt động");
            self.labelled(path_of(path, "unit"), field, "unit_not_live", &what);
            ok = false;
        }
        let street = match obj.get("street") {
            None | Some(Value::Null) => String::new(),
            Some(v) => crate::text::nfc(self.text(field, v, &path_of(path, "street"))?),
        };
        if street.chars().count() > STREET_MAX {
            let what = format!("số nhà, đường dài quá {STREET_MAX} ký tự");
            self.labelled(path_of(path, "street"), field, "too_long", &what);
            ok = false;
        }
        let mut out = Map::new();
        out.insert("unit".into(), Value::String(unit.to_owned()));
        out.insert("street".into(), Value::String(street));
        ok.then_some(Value::Object(out))
    }

    fn text_rules(&mut self, field: &Field, text: &str, path: &str) -> bool {
        let len = text.chars().count() as u32;
        let cap = if field.kind == FieldKind::LongText {
            LONG_TEXT_MAX
        } else {
            TEXT_MAX
        };
        let mut ok = true;
        if field.kind == FieldKind::Text && text.contains(['\n', '\r']) {
            self.labelled(
                path.to_owned(),
                field,
                "invalid_characters",
                "là một dòng, không xuống dòng",
            );
            ok = false;
        }
        let (mut min, mut max) = (0, cap);
        for rule in &field.rules {
            match rule {
                Rule::Length { min: a, max: b } => {
                    min = a.unwrap_or(min);
                    max = b.unwrap_or(max).min(cap);
                }
                Rule::Pattern { regex, message }
                    if ok
                        && !self
                            .form
                            .patterns
                            .get(regex)
                            .is_some_and(|re| re.is_match(text)) =>
                {
                    self.labelled(path.to_owned(), field, "pattern_mismatch", message);
                    ok = false;
                }
                _ => {}
            }
        }
        if len < min || len > max {
            let what = format!("dài từ {min} đến {max} ký tự, có {len}");
            self.labelled(
                path.to_owned(),
                field,
                if len > max { "too_long" } else { "too_short" },
                &what,
            );
            ok = false;
        }
        ok
    }

    fn range(&mut self, field: &Field, v: f64, path: &str) -> bool {
        for rule in &field.rules {
            if let Rule::Range { min, max } = rule {
                let below = min.is_some_and(|m| v < m as f64);
                let above = max.is_some_and(|m| v > m as f64);
                if below || above || v.is_nan() {
                    let bound = |b: &Option<i64>| b.map_or("…".to_owned(), |b| b.to_string());
                    let what = format!("phải từ {} đến {}", bound(min), bound(max));
                    self.labelled(path.to_owned(), field, "out_of_range", &what);
                    return false;
                }
            }
        }
        true
    }
}

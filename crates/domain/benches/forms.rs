//! Checking a declaration against its electronic form (issue 15: a 100-field form in under
//! 50 µs). Run: `cargo bench -p motcua-domain --bench forms -- --quick`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use motcua_domain::form::{FormContext, FormDefinition, FormLookup, PreparedForm, validate};
use serde_json::{Map, Value, json};

struct Lists;

impl FormLookup for Lists {
    fn in_list(&self, _list: &str, code: &str) -> Option<bool> {
        Some(code.len() == 2)
    }
    fn unit_live(&self, code: &str) -> bool {
        code.len() == 5
    }
}

/// A form of `sections` sections of ten fields each, of every kind a declaration uses,
/// with rules and a condition, and data that passes.
fn form_and_data(sections: usize) -> (FormDefinition, Value) {
    let kinds = [
        ("text", json!("Nguyễn Văn An")),
        (
            "long_text",
            json!("Nơi sinh: Trạm y tế xã Đồng Đăng, tỉnh Lạng Sơn"),
        ),
        ("number", json!(3200)),
        ("money", json!(1_500_000)),
        ("date", json!("2025-03-01")),
        ("yes_no", json!(true)),
        ("choice", json!("01")),
        ("citizen_id", json!("020095001234")),
        ("phone", json!("0912345678")),
        ("address", json!({"unit": "06628", "street": "12 Lê Lợi"})),
    ];
    let mut out = Vec::new();
    let mut data = Map::new();
    for s in 0..sections {
        let fields: Vec<Value> = kinds
            .iter()
            .enumerate()
            .map(|(i, (kind, value))| {
                let key = format!("s{s}_f{i}");
                data.insert(key.clone(), value.clone());
                let mut field = json!({"key": key, "label": format!("Trường {s}.{i}"), "kind": kind, "required": true});
                match *kind {
                    "text" => field["rules"] = json!([{"rule": "length", "min": 2, "max": 100}, {"rule": "pattern", "regex": "[^0-9]+", "message": "không có chữ số"}]),
                    "number" | "money" => field["rules"] = json!([{"rule": "range", "min": 0, "max": 100_000_000}]),
                    "date" => field["rules"] = json!([{"rule": "not_in_future"}]),
                    "choice" => field["code_list"] = json!("dan_toc"),
                    _ => {}
                }
                if *kind == "long_text" {
                    field["show_when"] = json!({"field": format!("s{s}_f5"), "equals": ["true"]});
                }
                field
            })
            .collect();
        out.push(json!({"key": format!("s{s}"), "title": format!("Phần {s}"), "fields": fields}));
    }
    let form = serde_json::from_value(json!({"title": "TỜ KHAI", "sections": out})).unwrap();
    (form, Value::Object(data))
}

fn validation(c: &mut Criterion) {
    let ctx = FormContext {
        today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        lookup: &Lists,
        components: None,
    };
    for fields in [30, 100] {
        let (form, data) = form_and_data(fields / 10);
        assert!(motcua_domain::form::check_definition(&form).is_empty());
        let prepared = PreparedForm::new(form);
        assert!(validate(&prepared, &data, &ctx).is_ok());
        c.bench_function(&format!("validate a {fields}-field form"), |b| {
            b.iter(|| validate(black_box(&prepared), black_box(&data), &ctx))
        });
    }
}

criterion_group!(benches, validation);
criterion_main!(benches);

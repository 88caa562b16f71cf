use super::*;
use chrono::NaiveDate;
use serde_json::json;

struct Lists;

impl FormLookup for Lists {
    fn in_list(&self, list: &str, code: &str) -> Option<bool> {
        match list {
            "dan_toc" => Some(matches!(code, "01" | "02")),
            _ => None,
        }
    }
    fn unit_live(&self, code: &str) -> bool {
        code == "00004"
    }
}

fn form() -> FormDefinition {
    serde_json::from_value(json!({
        "template_no": "Mẫu số 01",
        "title": "TỜ KHAI THỬ",
        "sections": [
            {"key": "child", "title": "Người được khai sinh", "fields": [
                {"key": "child_name", "label": "Họ, chữ đệm, tên", "kind": "text", "required": true,
                 "searchable": true, "personal": true, "rules": [{"rule": "length", "max": 20}]},
                {"key": "birth_date", "label": "Ngày sinh", "kind": "date", "required": true,
                 "rules": [{"rule": "not_in_future"}, {"rule": "before", "field": "report_date"}]},
                {"key": "report_date", "label": "Ngày khai", "kind": "date"},
                {"key": "ethnicity", "label": "Dân tộc", "kind": "choice", "code_list": "dan_toc"},
                {"key": "weight", "label": "Cân nặng (gam)", "kind": "number",
                 "rules": [{"rule": "range", "min": 300, "max": 9000}]},
                {"key": "home", "label": "Nơi cư trú", "kind": "address"},
                {"key": "married", "label": "Cha mẹ đã đăng ký kết hôn", "kind": "yes_no"},
                {"key": "marriage_no", "label": "Số đăng ký kết hôn", "kind": "text",
                 "show_when": {"field": "married", "equals": ["true"]}, "required": true,
                 "rules": [{"rule": "pattern", "regex": "[0-9]{1,6}/[0-9]{4}", "message": "dạng số/năm"}]},
                {"key": "phone", "label": "Điện thoại", "kind": "phone",
                 "rules": [{"rule": "at_least_one_of", "fields": ["email"]}]},
                {"key": "email", "label": "Thư điện tử", "kind": "email"}
            ]},
            {"key": "members", "title": "Người làm chứng", "repeat": {"min": 1, "max": 2}, "fields": [
                {"key": "name", "label": "Họ tên", "kind": "text", "required": true},
                {"key": "id", "label": "Số định danh", "kind": "citizen_id"},
                {"key": "member_birth", "label": "Ngày sinh", "kind": "date",
                 "rules": [{"rule": "before", "field": "birth_date"}]}
            ]},
            {"key": "paper", "title": "Giấy chứng sinh", "fields": [
                {"key": "birth_paper", "label": "Giấy chứng sinh", "kind": "file", "component": "Giấy chứng sinh", "required": true}
            ]}
        ]
    }))
    .expect("the test form reads")
}

fn ctx<'a>(components: Option<&'a [String]>) -> FormContext<'a> {
    FormContext {
        today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        lookup: &Lists,
        components,
    }
}

fn good() -> serde_json::Value {
    json!({
        "child_name": "  Nguyễn Văn An ",
        "birth_date": "2026-11-20",
        "report_date": "2026-12-01",
        "ethnicity": "01",
        "weight": 3200,
        "home": {"unit": "00004", "street": "12 Hàng Bạc"},
        "married": true,
        "marriage_no": "12/2020",
        "phone": "0912 345 678",
        "members": [{"name": "Trần Thị Bình", "id": "001090012345", "member_birth": "1990-01-01"}]
    })
}

fn codes(err: Vec<FieldProblem>) -> Vec<(String, &'static str)> {
    err.into_iter().map(|p| (p.path, p.code)).collect()
}

#[test]
fn the_test_form_is_a_sound_definition() {
    assert_eq!(check_definition(&form()), vec![]);
}

#[test]
fn good_data_comes_back_normalised() {
    let prepared = PreparedForm::new(form());
    let out = validate(&prepared, &good(), &ctx(None)).expect("valid");
    assert_eq!(out["child_name"], "Nguyễn Văn An");
    assert_eq!(out["phone"], "0912345678");
    assert_eq!(out["members"][0]["name"], "Trần Thị Bình");
    assert_eq!(
        out["home"],
        json!({"unit": "00004", "street": "12 Hàng Bạc"})
    );
    assert_eq!(prepared.definition.search_text(&out), "nguyen van an");
}

#[test]
fn every_problem_is_reported_at_its_path() {
    let prepared = PreparedForm::new(form());
    let mut data = good();
    data["birth_date"] = json!("2026-12-24");
    data["ethnicity"] = json!("99");
    data["weight"] = json!("nặng");
    data["home"] = json!({"unit": "99999", "street": "x"});
    data["marriage_no"] = json!("mười hai");
    data["phone"] = json!(null);
    data["nickname"] = json!("Bi");
    data["members"] = json!([{"name": "", "id": "123", "member_birth": "2027-01-01", "extra": 1}]);
    let err = validate(&prepared, &data, &ctx(Some(&[]))).unwrap_err();
    let got = codes(err);
    for expected in [
        ("nickname", "unknown_field"),
        ("birth_date", "date_in_future"),
        ("ethnicity", "not_in_code_list"),
        ("weight", "wrong_type"),
        ("home.unit", "unit_not_live"),
        ("marriage_no", "pattern_mismatch"),
        ("phone", "at_least_one"),
        ("birth_paper", "required"),
        ("members[0].extra", "unknown_field"),
        ("members[0].name", "required"),
        ("members[0].id", "invalid_citizen_id"),
    ] {
        assert!(
            got.iter().any(|(p, c)| (p.as_str(), *c) == expected),
            "{expected:?} missing from {got:?}"
        );
    }
}

#[test]
fn conditions_hide_fields_and_their_rules() {
    let prepared = PreparedForm::new(form());
    let mut data = good();
    data["married"] = json!(false);
    data["marriage_no"] = json!("not a number but hidden");
    let out = validate(&prepared, &data, &ctx(None)).expect("hidden fields are not checked");
    assert!(
        out.get("marriage_no").is_none(),
        "a hidden field is dropped"
    );
    data["married"] = json!(true);
    data["marriage_no"] = json!("");
    let got = codes(validate(&prepared, &data, &ctx(None)).unwrap_err());
    assert_eq!(got, vec![("marriage_no".to_owned(), "required")]);
}

#[test]
fn dates_in_order_and_repeat_bounds() {
    let prepared = PreparedForm::new(form());
    let mut data = good();
    data["report_date"] = json!("2026-11-01");
    data["members"][0]["member_birth"] = json!("2026-11-25");
    let got = codes(validate(&prepared, &data, &ctx(None)).unwrap_err());
    assert!(
        got.contains(&("birth_date".into(), "date_order")),
        "{got:?}"
    );
    assert!(
        got.contains(&("members[0].member_birth".into(), "date_order")),
        "{got:?}"
    );
    data = good();
    data["members"] = json!([]);
    assert_eq!(
        codes(validate(&prepared, &data, &ctx(None)).unwrap_err()),
        vec![("members".to_owned(), "too_few_items")]
    );
    data["members"] = json!([{"name": "A"}, {"name": "B"}, {"name": "C"}]);
    assert_eq!(
        codes(validate(&prepared, &data, &ctx(None)).unwrap_err()),
        vec![("members".to_owned(), "too_many_items")]
    );
    data["members"] = json!({"name": "A"});
    assert_eq!(
        codes(validate(&prepared, &data, &ctx(None)).unwrap_err()),
        vec![("members".to_owned(), "wrong_type")]
    );
}

#[test]
fn wrong_shapes_are_refused_not_coerced() {
    let prepared = PreparedForm::new(form());
    assert_eq!(
        codes(validate(&prepared, &json!([1, 2]), &ctx(None)).unwrap_err()),
        vec![(String::new(), "invalid_form_data")]
    );
    let mut data = good();
    data["married"] = json!("true");
    data["child_name"] = json!({"deep": {"deeper": [1]}});
    data["weight"] = json!(9001);
    let got = codes(validate(&prepared, &data, &ctx(None)).unwrap_err());
    assert!(got.contains(&("married".into(), "wrong_type")), "{got:?}");
    assert!(
        got.contains(&("child_name".into(), "wrong_type")),
        "{got:?}"
    );
    assert!(got.contains(&("weight".into(), "out_of_range")), "{got:?}");
    data = good();
    data["child_name"] = json!("Tên\u{202E}ngược");
    let got = codes(validate(&prepared, &data, &ctx(None)).unwrap_err());
    assert_eq!(got, vec![("child_name".to_owned(), "invalid_characters")]);
    data["child_name"] = json!("Một cái tên dài hơn hai mươi ký tự");
    let got = codes(validate(&prepared, &data, &ctx(None)).unwrap_err());
    assert_eq!(got, vec![("child_name".to_owned(), "too_long")]);
}

#[test]
fn personal_fields_are_masked() {
    let prepared = PreparedForm::new(form());
    let out = validate(&prepared, &good(), &ctx(None)).unwrap();
    let masked = prepared.definition.masked(&out);
    assert_eq!(masked["child_name"], "N. V. An");
    assert_eq!(masked["weight"], 3200);
}

#[test]
fn unsound_definitions_are_refused_with_reasons() {
    let mut f = form();
    // A duplicate key across sections.
    f.sections[1].fields[0].key = "child_name".into();
    // A cycle: report_date shows when married, married shows when report_date.
    f.sections[0].fields[2].show_when = Some(Condition {
        field: "married".into(),
        equals: vec![],
    });
    f.sections[0].fields[6].show_when = Some(Condition {
        field: "report_date".into(),
        equals: vec![],
    });
    // Rules that can never be met or do not fit.
    f.sections[0].fields[0].rules = vec![Rule::Length {
        min: Some(10),
        max: Some(2),
    }];
    f.sections[0].fields[4].rules = vec![Rule::Pattern {
        regex: "(".into(),
        message: "x".into(),
    }];
    f.sections[1].repeat = Some(Repeat { min: 3, max: 2 });
    // A condition on a field of a repeating item, from outside it.
    f.sections[2].show_when = Some(Condition {
        field: "id".into(),
        equals: vec![],
    });
    // An earlier result fills only text, from a procedure named by its code.
    f.sections[0].fields[3].from_result = Some(ResultSource {
        procedure: "1.001193".into(),
        row: "Số".into(),
    });
    f.sections[0].fields[7].from_result = Some(ResultSource {
        procedure: "khai sinh".into(),
        row: "Số".into(),
    });
    let got: Vec<(String, &str)> = check_definition(&f)
        .into_iter()
        .map(|p| (p.path, p.code))
        .collect();
    for expected in [
        ("sections[1].fields[0]", "duplicate_form_key"),
        ("sections", "form_condition_cycle"),
        ("sections[0].fields[0].rules[0]", "impossible_rule"),
        ("sections[0].fields[4].rules[0]", "rule_not_applicable"),
        ("sections[1].repeat", "impossible_rule"),
        ("sections[2].show_when", "unknown_form_field"),
        ("sections[0].fields[3].from_result", "invalid_from_result"),
        ("sections[0].fields[7].from_result", "invalid_from_result"),
    ] {
        assert!(
            got.iter().any(|(p, c)| (p.as_str(), *c) == expected),
            "{expected:?} missing from {got:?}"
        );
    }
}

#[test]
fn the_json_schema_names_every_field_and_its_bounds() {
    let schema = json_schema(&form(), "https://example.test/form");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["members"]["maxItems"], 2);
    assert_eq!(
        schema["properties"]["members"]["items"]["required"],
        json!(["name"])
    );
    assert_eq!(schema["properties"]["weight"]["maximum"], 9000);
    assert_eq!(schema["properties"]["child_name"]["maxLength"], 20);
    assert!(schema["properties"].get("birth_paper").is_none());
    // A field behind a condition is not required by the schema.
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&json!("child_name")));
    assert!(!required.contains(&json!("marriage_no")));
}

#[test]
fn page_inputs_become_typed_data_and_back() {
    let f = form();
    let inputs: std::collections::HashMap<String, String> = [
        ("f.child_name", " Nguyễn Văn An "),
        ("f.weight", "3200"),
        ("f.married", "true"),
        ("f.home.unit", "00004"),
        ("f.home.street", "12 Hàng Bạc"),
        ("f.members[0].name", "Trần Thị Bình"),
        ("f.members[1].name", ""),
        ("n.members", "2"),
        ("f.email", ""),
        ("csrf_token", "x"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let data = inputs::data_from_inputs(&f, &inputs);
    assert_eq!(
        data,
        json!({
            "child_name": "Nguyễn Văn An",
            "weight": 3200,
            "married": true,
            "home": {"unit": "00004", "street": "12 Hàng Bạc"},
            "members": [{"name": "Trần Thị Bình"}]
        })
    );
    assert_eq!(inputs::item_counts(&f, &inputs)["members"], 2);
    let back = inputs::inputs_from_data(&f, &data);
    assert_eq!(back["f.home.street"], "12 Hàng Bạc");
    assert_eq!(back["f.members[0].name"], "Trần Thị Bình");
    assert_eq!(
        inputs::input_id("members[2].birth_date"),
        "f-members-2--birth_date"
    );
}

#[test]
fn text_that_does_not_read_as_its_kind_stays_text_for_the_rules_to_report() {
    let f = form();
    let inputs = [("f.weight", "nặng"), ("f.married", "có lẽ")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let data = inputs::data_from_inputs(&f, &inputs);
    assert_eq!(data["weight"], "nặng");
    let got = codes(validate(&PreparedForm::new(f), &data, &ctx(None)).unwrap_err());
    assert!(got.contains(&("weight".into(), "wrong_type")), "{got:?}");
}

#[test]
fn a_result_template_fills_from_the_data_and_names_only_what_exists() {
    let mut f = form();
    f.result = Some(ResultTemplate {
        title: "TRÍCH LỤC KHAI SINH".into(),
        template_no: None,
        signer: "TM. ỦY BAN NHÂN DÂN".into(),
        rows: vec![
            ResultRow {
                label: "Họ, chữ đệm, tên".into(),
                value: "{child_name}".into(),
            },
            ResultRow {
                label: "Số".into(),
                value: "{@so}/{@ngay}".into(),
            },
        ],
    });
    assert_eq!(check_definition(&f), vec![]);
    let rows = f.result.as_ref().unwrap().fill(&|name| match name {
        "child_name" => Some("Nguyễn Văn An".into()),
        "@so" => Some("12".into()),
        _ => None,
    });
    assert_eq!(rows[0].1, "Nguyễn Văn An");
    assert_eq!(rows[1].1, "12/");
    let result = f.result.as_mut().unwrap();
    result.rows.push(ResultRow {
        label: "x".into(),
        value: "{name} {@tuoi} {broken".into(),
    });
    let got: Vec<&str> = check_definition(&f).iter().map(|p| p.code).collect();
    assert_eq!(got, ["invalid_placeholder"]);
    f.result.as_mut().unwrap().rows.last_mut().unwrap().value = "{name} {@tuoi}".into();
    // `name` is a field of a repeating item, `@tuoi` no fact: both refused.
    let got: Vec<&str> = check_definition(&f).iter().map(|p| p.code).collect();
    assert_eq!(got, ["unknown_form_field", "unknown_form_field"]);
}

#[test]
fn long_forms_are_cut_into_steps_of_whole_sections() {
    let short = form();
    assert_eq!(inputs::steps(&short), vec![vec![0, 1, 2]]);
    let mut long = form();
    for i in 0..3 {
        let mut extra = long.sections[0].clone();
        extra.key = format!("extra{i}");
        for f in &mut extra.fields {
            f.key = format!("{}_{i}", f.key);
            f.show_when = None;
            f.rules.clear();
        }
        long.sections.push(extra);
    }
    let steps = inputs::steps(&long);
    assert_eq!(steps.concat(), (0..long.sections.len()).collect::<Vec<_>>());
    assert!(steps.len() > 1);
    assert_eq!(inputs::section_of(&long, "f.members[1].name"), Some(1));
    assert_eq!(inputs::section_of(&long, "n.members"), Some(1));
    assert_eq!(inputs::section_of(&long, "f.home.unit"), Some(0));
    assert_eq!(inputs::section_of(&long, "csrf_token"), None);
}

use super::*;
use crate::form::{ResultRow, ResultTemplate, check_definition};

fn field(key: &str, label: &str, kind: FieldKind) -> Field {
    serde_json::from_value(serde_json::json!({"key": key, "label": label, "kind": kind}))
        .expect("a field reads")
}

fn head(key: &str, title: &str) -> SectionHead {
    SectionHead {
        key: key.into(),
        title: title.into(),
        show_when: None,
        repeat: None,
    }
}

fn header(title: &str) -> Header {
    Header {
        title: title.into(),
        template_no: Some(" Mẫu số 01 ".into()),
        stands_for: Some("  ".into()),
    }
}

/// A form of two sections: "a" (a1, a2 shown when a1 is "x"), "b" (b1).
fn form() -> FormDefinition {
    let mut form = blank();
    FormEdit::Create {
        header: header("TỜ KHAI"),
        section: head("a", "Phần A"),
        field: field("a1", "Trường A1", FieldKind::Text),
    }
    .apply(&mut form)
    .unwrap();
    let mut a2 = field("a2", "Trường A2", FieldKind::Date);
    a2.show_when = Some(Condition {
        field: "a1".into(),
        equals: vec!["x".into()],
    });
    a2.rules = vec![Rule::NotInFuture];
    FormEdit::AddField {
        section: 0,
        field: a2,
    }
    .apply(&mut form)
    .unwrap();
    FormEdit::AddSection {
        section: head("b", "Phần B"),
        field: field("b1", "Trường B1", FieldKind::Text),
    }
    .apply(&mut form)
    .unwrap();
    form
}

fn keys(form: &FormDefinition) -> Vec<Vec<&str>> {
    form.sections
        .iter()
        .map(|s| s.fields.iter().map(|f| f.key.as_str()).collect())
        .collect()
}

#[test]
fn a_form_is_created_with_its_first_section_and_field_and_is_sound() {
    let form = form();
    assert_eq!(form.title, "TỜ KHAI");
    assert_eq!(form.template_no.as_deref(), Some("Mẫu số 01"));
    assert_eq!(form.stands_for, None, "blank text is no text");
    assert_eq!(keys(&form), [vec!["a1", "a2"], vec!["b1"]]);
    assert_eq!(check_definition(&form), []);
    // Only once: a form that has sections is edited, not created again.
    let again = FormEdit::Create {
        header: header("KHÁC"),
        section: head("c", "Phần C"),
        field: field("c1", "C1", FieldKind::Text),
    };
    let mut same = form.clone();
    assert_eq!(again.apply(&mut same), Err(EditError::FormExists));
    assert_eq!(same, form);
}

#[test]
fn nothing_but_creating_is_done_to_a_procedure_without_a_form() {
    let mut form = blank();
    let err = FormEdit::Header(header("TỜ KHAI"))
        .apply(&mut form)
        .unwrap_err();
    assert_eq!(err, EditError::NoForm);
    assert_eq!(err.code(), "form_not_found");
    assert_eq!(form, blank());
}

#[test]
fn the_header_changes_and_the_sections_stay() {
    let mut form = form();
    FormEdit::Header(Header {
        title: " TỜ KHAI MỚI ".into(),
        template_no: None,
        stands_for: Some("Tờ khai".into()),
    })
    .apply(&mut form)
    .unwrap();
    assert_eq!(form.title, "TỜ KHAI MỚI");
    assert_eq!(form.template_no, None);
    assert_eq!(form.stands_for.as_deref(), Some("Tờ khai"));
    assert_eq!(keys(&form), [vec!["a1", "a2"], vec!["b1"]]);
}

#[test]
fn sections_move_change_and_go_but_the_last_one_stays() {
    let mut form = form();
    FormEdit::MoveSection {
        index: 1,
        to: Move::Up,
    }
    .apply(&mut form)
    .unwrap();
    assert_eq!(keys(&form), [vec!["b1"], vec!["a1", "a2"]]);
    let err = FormEdit::MoveSection {
        index: 1,
        to: Move::Down,
    }
    .apply(&mut form)
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Phần «Phần A» đã ở cuối, không chuyển xuống được nữa."
    );
    let mut repeat = head(" b ", " Phần B lặp ");
    repeat.repeat = Some(Repeat { min: 0, max: 3 });
    repeat.show_when = Some(Condition {
        field: "a1".into(),
        equals: vec![" ".into()],
    });
    FormEdit::EditSection {
        index: 0,
        section: repeat,
    }
    .apply(&mut form)
    .unwrap();
    let b = &form.sections[0];
    assert_eq!((b.key.as_str(), b.title.as_str()), ("b", "Phần B lặp"));
    assert_eq!(b.repeat, Some(Repeat { min: 0, max: 3 }));
    assert_eq!(b.show_when.as_ref().unwrap().equals, Vec::<String>::new());
    assert_eq!(b.fields.len(), 1, "the fields stay");
    FormEdit::RemoveSection { index: 0 }
        .apply(&mut form)
        .unwrap();
    assert_eq!(keys(&form), [vec!["a1", "a2"]]);
    assert_eq!(
        FormEdit::RemoveSection { index: 0 }.apply(&mut form),
        Err(EditError::LastSection)
    );
    let err = FormEdit::RemoveSection { index: 4 }
        .apply(&mut form)
        .unwrap_err();
    assert_eq!(err.to_string(), "Không có phần thứ 5 (biểu mẫu có 1 phần).");
}

#[test]
fn fields_move_within_their_section_and_the_last_one_stays() {
    let mut form = form();
    FormEdit::MoveField {
        section: 0,
        index: 0,
        to: Move::Down,
    }
    .apply(&mut form)
    .unwrap();
    assert_eq!(keys(&form), [vec!["a2", "a1"], vec!["b1"]]);
    let err = FormEdit::MoveField {
        section: 0,
        index: 0,
        to: Move::Up,
    }
    .apply(&mut form)
    .unwrap_err();
    assert_eq!(err.code(), "form_position_at_end");
    assert!(err.to_string().starts_with("Trường «Trường A2» đã ở đầu"));
    let err = FormEdit::RemoveField {
        section: 0,
        index: 2,
    }
    .apply(&mut form)
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Không có trường thứ 3 trong phần «Phần A» (phần có 2 trường)."
    );
    FormEdit::RemoveField {
        section: 0,
        index: 0,
    }
    .apply(&mut form)
    .unwrap();
    assert_eq!(keys(&form), [vec!["a1"], vec!["b1"]]);
    assert_eq!(
        FormEdit::RemoveField {
            section: 1,
            index: 0
        }
        .apply(&mut form),
        Err(EditError::LastField("Phần B".into()))
    );
}

#[test]
fn a_field_is_replaced_tidied_and_a_new_key_followed_where_it_is_named() {
    let mut form = form();
    form.sections[1].show_when = Some(Condition {
        field: "a1".into(),
        equals: Vec::new(),
    });
    form.sections[1].fields[0].rules = vec![Rule::AtLeastOneOf {
        fields: vec!["a1".into()],
    }];
    form.result = Some(ResultTemplate {
        title: "TRÍCH LỤC".into(),
        template_no: None,
        signer: "TM. UBND".into(),
        rows: vec![ResultRow {
            label: "Họ tên".into(),
            value: "{a1} ({@so})".into(),
        }],
    });
    let mut edited = field(" ten ", " Họ và tên ", FieldKind::Choice);
    edited.code_list = Some(" dan_toc ".into());
    edited.component = Some("Giấy chứng sinh".into());
    edited.hint = Some("   ".into());
    edited.required = true;
    FormEdit::EditField {
        section: 0,
        index: 0,
        field: edited,
    }
    .apply(&mut form)
    .unwrap();
    let f = &form.sections[0].fields[0];
    assert_eq!((f.key.as_str(), f.label.as_str()), ("ten", "Họ và tên"));
    assert_eq!(f.code_list.as_deref(), Some("dan_toc"));
    assert_eq!(f.component, None, "only a file field names a component");
    assert_eq!(f.hint, None);
    assert!(f.required);
    assert_eq!(
        form.sections[0].fields[1].show_when.as_ref().unwrap().field,
        "ten"
    );
    assert_eq!(form.sections[1].show_when.as_ref().unwrap().field, "ten");
    assert_eq!(
        form.sections[1].fields[0].rules,
        [Rule::AtLeastOneOf {
            fields: vec!["ten".into()]
        }]
    );
    assert_eq!(form.result.as_ref().unwrap().rows[0].value, "{ten} ({@so})");
    assert_eq!(check_definition(&form), []);
}

#[test]
fn a_refused_definition_is_check_definitions_to_report() {
    // The edit makes what it is told; the check on saving names the problem's place.
    let mut form = form();
    FormEdit::AddField {
        section: 1,
        field: field("a1", "Trùng khóa", FieldKind::Text),
    }
    .apply(&mut form)
    .unwrap();
    let problems = check_definition(&form);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, "duplicate_form_key");
    assert_eq!(
        place_of(&problems[0].path),
        Some(Place {
            section: 1,
            field: Some(1)
        })
    );
}

#[test]
fn paths_point_at_sections_and_fields() {
    let at = |section, field| Some(Place { section, field });
    assert_eq!(place_of("sections[3]"), at(3, None));
    assert_eq!(place_of("sections[3].show_when"), at(3, None));
    assert_eq!(place_of("sections[1].fields[12].rules[0]"), at(1, Some(12)));
    assert_eq!(place_of("sections[0].repeat"), at(0, None));
    assert_eq!(place_of("sections"), None);
    assert_eq!(place_of("title"), None);
    assert_eq!(place_of("sections[x]"), None);
}

#[test]
fn a_place_after_an_edit_is_traced_to_where_it_was() {
    let form = form();
    let at = |section, field| Place { section, field };
    let moved = FormEdit::MoveSection {
        index: 1,
        to: Move::Up,
    };
    assert_eq!(origin(&moved, &form, at(0, Some(0))), Some(at(1, Some(0))));
    assert_eq!(origin(&moved, &form, at(1, None)), Some(at(0, None)));
    let down = FormEdit::MoveField {
        section: 0,
        index: 0,
        to: Move::Down,
    };
    assert_eq!(origin(&down, &form, at(0, Some(1))), Some(at(0, Some(0))));
    assert_eq!(origin(&down, &form, at(1, Some(0))), Some(at(1, Some(0))));
    let gone = FormEdit::RemoveField {
        section: 0,
        index: 0,
    };
    assert_eq!(origin(&gone, &form, at(0, Some(0))), Some(at(0, Some(1))));
    let gone = FormEdit::RemoveSection { index: 0 };
    assert_eq!(origin(&gone, &form, at(0, None)), Some(at(1, None)));
    let added = FormEdit::AddField {
        section: 1,
        field: field("c", "C", FieldKind::Text),
    };
    assert_eq!(origin(&added, &form, at(1, Some(1))), None);
    assert_eq!(origin(&added, &form, at(1, Some(0))), Some(at(1, Some(0))));
    let added = FormEdit::AddSection {
        section: head("c", "C"),
        field: field("c", "C", FieldKind::Text),
    };
    assert_eq!(origin(&added, &form, at(2, Some(0))), None);
    assert_eq!(origin(&added, &form, at(0, None)), Some(at(0, None)));
}

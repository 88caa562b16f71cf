//! The rules a form definition itself must meet before a draft holding it is saved.

use super::{Condition, Field, FieldKind, FormDefinition, REPEAT_MAX, Rule};
use std::collections::{HashMap, HashSet};

/// What is wrong with a form definition: where (`sections[1].fields[2]`) and what, in
/// Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("biểu mẫu, {path}: {message}")]
pub struct DefinitionProblem {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

/// Every problem of a definition at once: keys missing, malformed or used twice; kinds
/// without what they need; rules that do not fit their field or can never be met;
/// conditions on unknown fields, on a field of another repeating item, or in a cycle.
pub fn check_definition(form: &FormDefinition) -> Vec<DefinitionProblem> {
    let mut problems = Vec::new();
    let mut add = |path: String, code: &'static str, message: String| {
        problems.push(DefinitionProblem {
            path,
            code,
            message,
        })
    };
    if form.title.trim().is_empty() {
        add(
            "title".into(),
            "form_title_missing",
            "thiếu tiêu đề tờ khai".into(),
        );
    }
    let count = form.fields().count();
    if count > super::FIELDS_MAX {
        add(
            "sections".into(),
            "form_too_large",
            format!(
                "{count} trường, nhiều hơn {} trường cho phép",
                super::FIELDS_MAX
            ),
        );
    }
    // Keys: fields and repeating sections share one namespace (the data's keys).
    let mut seen: HashMap<&str, String> = HashMap::new();
    let mut section_keys = HashSet::new();
    for (s, section) in form.sections.iter().enumerate() {
        let spath = format!("sections[{s}]");
        if section.repeat.is_some() {
            claim(&mut seen, &section.key, spath.clone(), &mut add);
        } else if !is_key(&section.key) || !section_keys.insert(section.key.as_str()) {
            add(
                spath.clone(),
                "invalid_form_key",
                format!("khóa phần {:?} không hợp lệ hoặc trùng", section.key),
            );
        }
        if section.title.trim().is_empty() {
            add(spath.clone(), "form_title_missing", "thiếu tên phần".into());
        }
        if let Some(r) = section.repeat
            && (r.max == 0 || r.min > r.max || r.max > REPEAT_MAX)
        {
            add(
                format!("{spath}.repeat"),
                "impossible_rule",
                format!(
                    "số mục từ {} đến {} không thể đáp ứng (tối đa {REPEAT_MAX}, tối thiểu không lớn hơn tối đa)",
                    r.min, r.max
                ),
            );
        }
        if section.fields.is_empty() {
            add(
                spath.clone(),
                "form_section_empty",
                "phần không có trường nào".into(),
            );
        }
        for (f, field) in section.fields.iter().enumerate() {
            let fpath = format!("{spath}.fields[{f}]");
            claim(&mut seen, &field.key, fpath.clone(), &mut add);
            check_field(field, &fpath, &mut add);
        }
    }
    check_references(form, &mut add);
    if let Some(result) = &form.result {
        check_result(form, result, &mut add);
    }
    problems
}

/// A result template names only top-level fields of its form and the facts it is given.
fn check_result(
    form: &FormDefinition,
    result: &super::ResultTemplate,
    add: &mut dyn FnMut(String, &'static str, String),
) {
    if result.title.trim().is_empty() || result.rows.is_empty() {
        add(
            "result".into(),
            "form_title_missing",
            "mẫu kết quả phải có tiêu đề và ít nhất một dòng".into(),
        );
    }
    let top_level = |key: &str| {
        form.sections
            .iter()
            .filter(|s| s.repeat.is_none())
            .flat_map(|s| &s.fields)
            .any(|f| f.key == key && f.kind != FieldKind::File)
    };
    for (r, row) in result.rows.iter().enumerate() {
        let path = format!("result.rows[{r}]");
        match super::ResultTemplate::placeholders(&row.value) {
            Err(at) => add(
                path,
                "invalid_placeholder",
                format!("dấu ngoặc nhọn không khớp ở vị trí {at}"),
            ),
            Ok(names) => {
                for name in names {
                    let known = if name.starts_with('@') {
                        super::RESULT_FACTS.contains(&name)
                    } else {
                        top_level(name)
                    };
                    if !known {
                        add(
                            path.clone(),
                            "unknown_form_field",
                            format!(
                                "mẫu kết quả dùng {{{name}}}, không phải trường của tờ khai (ngoài nhóm lặp) hay {}",
                                super::RESULT_FACTS.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// Takes a key for the data; a second use of it, or a malformed one, is a problem.
fn claim<'f>(
    seen: &mut HashMap<&'f str, String>,
    key: &'f str,
    path: String,
    add: &mut dyn FnMut(String, &'static str, String),
) {
    if !is_key(key) {
        add(
            path.clone(),
            "invalid_form_key",
            format!(
                "khóa {key:?} không hợp lệ (chữ thường không dấu, số, dấu gạch dưới; bắt đầu bằng chữ)"
            ),
        );
    }
    match seen.get(key) {
        Some(first) => add(
            path,
            "duplicate_form_key",
            format!("khóa {key:?} đã dùng ở {first}"),
        ),
        None => {
            seen.insert(key, path);
        }
    }
}

/// A key as data carries it: `child_name`, `members`.
fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 64
}

fn check_field(field: &Field, path: &str, add: &mut dyn FnMut(String, &'static str, String)) {
    if field.label.trim().is_empty() {
        add(
            path.into(),
            "form_label_missing",
            "thiếu nhãn của trường".into(),
        );
    }
    match field.kind {
        FieldKind::Choice if field.code_list.as_deref().is_none_or(|l| !is_key(l)) => add(
            path.into(),
            "code_list_missing",
            "trường chọn trong danh mục phải nêu danh mục (code_list)".into(),
        ),
        FieldKind::File
            if field
                .component
                .as_deref()
                .is_none_or(|c| c.trim().is_empty()) =>
        {
            add(
                path.into(),
                "component_missing",
                "trường tệp phải nêu thành phần hồ sơ (component)".into(),
            )
        }
        _ => {}
    }
    if let Some(source) = &field.from_result {
        let fits = matches!(field.kind, FieldKind::Text | FieldKind::LongText);
        let problem = if field.prefill.is_some() {
            Some("trường chỉ điền sẵn từ một nguồn: prefill hoặc from_result")
        } else if !fits {
            Some("chỉ trường văn bản được điền từ kết quả đã cấp")
        } else if crate::procedure::ProcedureCode::parse(&source.procedure).is_err() {
            Some("from_result phải nêu mã thủ tục hợp lệ (ví dụ 1.001193)")
        } else if source.row.trim().is_empty() || source.row.chars().count() > 200 {
            Some("from_result phải nêu nhãn dòng của kết quả (tối đa 200 ký tự)")
        } else {
            None
        };
        if let Some(message) = problem {
            add(
                format!("{path}.from_result"),
                "invalid_from_result",
                message.into(),
            );
        }
    }
    for (r, rule) in field.rules.iter().enumerate() {
        let rpath = format!("{path}.rules[{r}]");
        let unfit = |what: &str| {
            format!(
                "quy tắc {what} không áp dụng cho loại \"{}\"",
                field.kind.label_vi()
            )
        };
        match rule {
            Rule::Length { min, max } => {
                if !field.kind.is_text() {
                    add(rpath, "rule_not_applicable", unfit("độ dài"));
                } else if min.zip(*max).is_some_and(|(a, b)| a > b) || *max == Some(0) {
                    add(
                        rpath,
                        "impossible_rule",
                        "độ dài tối thiểu lớn hơn tối đa".into(),
                    );
                }
            }
            Rule::Range { min, max } => {
                if !field.kind.is_numeric() {
                    add(rpath, "rule_not_applicable", unfit("khoảng giá trị"));
                } else if min.zip(*max).is_some_and(|(a, b)| a > b)
                    || (field.kind == FieldKind::Money && max.is_some_and(|m| m < 0))
                {
                    add(
                        rpath,
                        "impossible_rule",
                        "khoảng giá trị không chứa số nào".into(),
                    );
                }
            }
            Rule::Pattern { regex, message } => {
                if !field.kind.is_text() {
                    add(rpath, "rule_not_applicable", unfit("mẫu"));
                } else if regex::Regex::new(regex).is_err() || regex.len() > 500 {
                    add(
                        rpath,
                        "invalid_pattern",
                        format!("biểu thức {regex:?} không hợp lệ"),
                    );
                } else if message.trim().is_empty() {
                    add(
                        rpath,
                        "form_label_missing",
                        "quy tắc mẫu phải có lời báo lỗi".into(),
                    );
                }
            }
            Rule::NotInFuture | Rule::Before { .. } if field.kind != FieldKind::Date => {
                add(rpath, "rule_not_applicable", unfit("ngày"))
            }
            Rule::AtLeastOneOf { fields } if fields.is_empty() => add(
                rpath,
                "impossible_rule",
                "quy tắc \"ít nhất một trong các trường\" phải nêu các trường khác".into(),
            ),
            _ => {}
        }
    }
}

/// Where a key lives: top level (`None`) or the repeating section with that index.
fn scopes(form: &FormDefinition) -> HashMap<&str, (Option<usize>, &Field)> {
    let mut out = HashMap::new();
    for (s, section) in form.sections.iter().enumerate() {
        let scope = section.repeat.map(|_| s);
        for field in &section.fields {
            out.entry(field.key.as_str()).or_insert((scope, field));
        }
    }
    out
}

/// Conditions and rules that name other fields: each must exist, be visible from where it
/// is named (a top-level field, or one of the same repeating item), and conditions must not
/// go round in a cycle.
fn check_references(form: &FormDefinition, add: &mut dyn FnMut(String, &'static str, String)) {
    let scopes = scopes(form);
    // Edges of the condition graph: a field or section depends on the field it is shown by.
    let mut edges: Vec<(String, String)> = Vec::new();
    let reach = |name: &str, from: Option<usize>| -> Option<&Field> {
        scopes
            .get(name)
            .filter(|(scope, _)| scope.is_none() || *scope == from)
            .map(|(_, f)| *f)
    };
    // The edge a condition adds, or its problem.
    let condition_edge = |cond: &Condition, from: Option<usize>| match reach(&cond.field, from) {
        None => Err((
            "unknown_form_field",
            format!(
                "điều kiện dựa vào trường {:?} không có hoặc thuộc nhóm lặp khác",
                cond.field
            ),
        )),
        Some(f) if f.kind == FieldKind::File => Err((
            "rule_not_applicable",
            "điều kiện không dựa vào trường tệp".to_owned(),
        )),
        Some(_) => Ok(format!("field:{}", cond.field)),
    };
    for (s, section) in form.sections.iter().enumerate() {
        let scope = section.repeat.map(|_| s);
        let snode = format!("section:{s}");
        if let Some(cond) = &section.show_when {
            // A section's own fields cannot show it.
            let own = section.fields.iter().any(|f| f.key == cond.field);
            if own {
                add(
                    format!("sections[{s}].show_when"),
                    "form_condition_cycle",
                    format!(
                        "phần chỉ hiện khi trường {:?} của chính nó có giá trị",
                        cond.field
                    ),
                );
            } else {
                match condition_edge(cond, None) {
                    Ok(to) => edges.push((snode.clone(), to)),
                    Err((code, message)) => add(format!("sections[{s}].show_when"), code, message),
                }
            }
        }
        for (f, field) in section.fields.iter().enumerate() {
            let fpath = format!("sections[{s}].fields[{f}]");
            let fnode = format!("field:{}", field.key);
            edges.push((fnode.clone(), snode.clone()));
            if let Some(cond) = &field.show_when {
                match condition_edge(cond, scope) {
                    Ok(to) => edges.push((fnode.clone(), to)),
                    Err((code, message)) => add(format!("{fpath}.show_when"), code, message),
                }
            }
            for (r, rule) in field.rules.iter().enumerate() {
                let names: Vec<&String> = match rule {
                    Rule::Before { field } => vec![field],
                    Rule::AtLeastOneOf { fields } => fields.iter().collect(),
                    _ => continue,
                };
                for name in names {
                    let ok = match (rule, reach(name, scope)) {
                        (Rule::Before { .. }, Some(other)) => {
                            other.kind == FieldKind::Date && *name != field.key
                        }
                        (_, Some(other)) => other.key != field.key,
                        (_, None) => false,
                    };
                    if !ok {
                        add(
                            format!("{fpath}.rules[{r}]"),
                            "unknown_form_field",
                            format!(
                                "quy tắc dựa vào trường {name:?} không có, không hợp hoặc thuộc nhóm lặp khác"
                            ),
                        );
                    }
                }
            }
        }
    }
    if let Some(node) = cycle(&edges) {
        add(
            "sections".into(),
            "form_condition_cycle",
            format!(
                "các điều kiện hiển thị vòng quanh nhau ({})",
                node.replace("field:", "trường ")
                    .replace("section:", "phần thứ ")
            ),
        );
    }
}

/// A node on a cycle of the graph, if there is one (Kahn's algorithm: what is never freed
/// of incoming edges lies on or behind a cycle).
fn cycle(edges: &[(String, String)]) -> Option<String> {
    let mut incoming: HashMap<&str, usize> = HashMap::new();
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, to) in edges {
        incoming.entry(from.as_str()).or_default();
        *incoming.entry(to.as_str()).or_default() += 1;
        out.entry(from.as_str()).or_default().push(to.as_str());
    }
    let mut ready: Vec<&str> = incoming
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(node) = ready.pop() {
        for next in out.get(node).into_iter().flatten() {
            let n = incoming.get_mut(next).expect("every target is counted");
            *n -= 1;
            if *n == 0 {
                ready.push(next);
            }
        }
        incoming.remove(node);
    }
    let mut left: Vec<&str> = incoming.into_keys().collect();
    left.sort_unstable();
    left.first().map(|s| (*s).to_owned())
}

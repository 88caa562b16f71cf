//! The demo's electronic forms and code lists: the official lists (`data/code-lists`), the
//! lists the demo province defines (`demo/code-lists`), and forms for eight procedures of
//! the catalogue (`demo/forms.json`), all data imported through the same code an
//! administrator uses.

use anyhow::Context;
use motcua_app::Principal;
use motcua_domain::form::FormDefinition;
use motcua_domain::procedure::Procedure;
use motcua_store::Store;
use std::collections::HashMap;

const FORMS_JSON: &str = include_str!("../demo/forms.json");

/// The official lists: key, name, source, file.
const OFFICIAL_LISTS: [(&str, &str, &str, &str); 2] = [
    (
        "dan_toc",
        "Danh mục các dân tộc Việt Nam",
        "Quyết định 121-TCTK/PPCĐ ngày 02/3/1979 của Tổng cục Thống kê",
        include_str!("../../../data/code-lists/dan-toc.csv"),
    ),
    (
        "quoc_tich",
        "Danh mục quốc gia, vùng lãnh thổ (quốc tịch)",
        "ISO 3166-1",
        include_str!("../../../data/code-lists/quoc-tich.csv"),
    ),
];

/// The lists the demo province defines; their titles are in `demo/code-lists/names.csv`.
const DEMO_LISTS: [(&str, &str); 9] = [
    (
        "ben_to_chuc_mai_tang",
        include_str!("../demo/code-lists/ben_to_chuc_mai_tang.csv"),
    ),
    (
        "chu_the_thanh_lap",
        include_str!("../demo/code-lists/chu_the_thanh_lap.csv"),
    ),
    (
        "doi_tuong_bao_tro_xa_hoi",
        include_str!("../demo/code-lists/doi_tuong_bao_tro_xa_hoi.csv"),
    ),
    (
        "gioi_tinh",
        include_str!("../demo/code-lists/gioi_tinh.csv"),
    ),
    (
        "hinh_thuc_nhan_tien",
        include_str!("../demo/code-lists/hinh_thuc_nhan_tien.csv"),
    ),
    (
        "loai_trich_luc",
        include_str!("../demo/code-lists/loai_trich_luc.csv"),
    ),
    (
        "muc_dich_su_dung",
        include_str!("../demo/code-lists/muc_dich_su_dung.csv"),
    ),
    ("quan_he", include_str!("../demo/code-lists/quan_he.csv")),
    (
        "tinh_trang_hon_nhan",
        include_str!("../demo/code-lists/tinh_trang_hon_nhan.csv"),
    ),
];
const DEMO_LIST_NAMES: &str = include_str!("../demo/code-lists/names.csv");

/// The demo's forms by procedure code.
pub fn forms() -> anyhow::Result<HashMap<String, FormDefinition>> {
    serde_json::from_str(FORMS_JSON).context("demo/forms.json")
}

/// Gives each procedure of the catalogue its demo form.
pub fn attach_forms(procedures: &mut [Procedure]) -> anyhow::Result<()> {
    let mut forms = forms()?;
    for p in procedures.iter_mut() {
        p.form = forms.remove(p.code.as_str());
    }
    if let Some(code) = forms.keys().next() {
        anyhow::bail!("demo/forms.json: no procedure {code} in the demo catalogue");
    }
    Ok(())
}

/// Imports every code list the demo's forms choose from (idempotent: each is replaced).
pub async fn seed_code_lists(store: &Store) -> anyhow::Result<()> {
    let operator = Principal::operator();
    let import = motcua_app::forms::code_lists::import_csv;
    for (key, name, source, csv) in OFFICIAL_LISTS {
        import(store, &operator, key, name, source, csv.as_bytes()).await?;
    }
    let names: HashMap<&str, &str> = DEMO_LIST_NAMES
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .collect();
    for (key, csv) in DEMO_LISTS {
        let name = names.get(key).copied().unwrap_or(key);
        let source = "Danh mục của tỉnh (dữ liệu minh họa)";
        import(store, &operator, key, name, source, csv.as_bytes()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_forms_are_sound_and_name_only_lists_the_demo_has() {
        let mut catalogue = crate::demo::catalogue().unwrap().procedures;
        attach_forms(&mut catalogue).unwrap();
        let with_form: Vec<&Procedure> = catalogue.iter().filter(|p| p.form.is_some()).collect();
        assert!(with_form.len() >= 8, "{}", with_form.len());
        let lists: Vec<&str> = OFFICIAL_LISTS
            .iter()
            .map(|l| l.0)
            .chain(DEMO_LISTS.iter().map(|l| l.0))
            .collect();
        for p in &with_form {
            assert_eq!(p.problems(), vec![], "{}", p.code);
            for (_, field) in p.form.as_ref().unwrap().fields() {
                if let Some(list) = &field.code_list {
                    assert!(lists.contains(&list.as_str()), "{}: {list}", p.code);
                }
            }
        }
        let forms: Vec<&FormDefinition> =
            with_form.iter().filter_map(|p| p.form.as_ref()).collect();
        assert!(
            forms
                .iter()
                .any(|f| f.sections.iter().any(|s| s.repeat.is_some()))
        );
        assert!(
            forms
                .iter()
                .filter(|f| f.sections.iter().any(|s| s.show_when.is_some()))
                .count()
                >= 1
        );
        for (_, csv) in DEMO_LISTS {
            motcua_app::forms::code_lists::read_csv(csv.as_bytes()).unwrap();
        }
        for (_, _, _, csv) in OFFICIAL_LISTS {
            motcua_app::forms::code_lists::read_csv(csv.as_bytes()).unwrap();
        }
    }
}

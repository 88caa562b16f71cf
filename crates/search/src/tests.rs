//! The index's ranking and filters, on a small catalogue.
use super::*;

fn doc(code: &str, name: &str, sector: &str, level: Level, online: OnlineLevel) -> CatalogueDoc {
    CatalogueDoc {
        code: code.into(),
        name: name.into(),
        sector: sector.into(),
        sector_name: sector.into(),
        levels: vec![level],
        agencies: vec![match level {
            Level::Province => "000.00.02.H37".into(),
            Level::Commune => "commune_committee".into(),
        }],
        agency_label: String::new(),
        online_level: online,
        version_no: 1,
        extra: "Luật Hộ tịch".into(),
    }
}

fn index() -> CatalogueIndex {
    CatalogueIndex::build(vec![
        doc(
            "1.001193",
            "Đăng ký khai sinh",
            "ho_tich",
            Level::Commune,
            OnlineLevel::Full,
        ),
        doc(
            "1.004884",
            "Đăng ký lại khai sinh",
            "ho_tich",
            Level::Commune,
            OnlineLevel::Full,
        ),
        doc(
            "1.000656",
            "Đăng ký khai tử",
            "ho_tich",
            Level::Commune,
            OnlineLevel::Full,
        ),
        doc(
            "2.000488",
            "Cấp Phiếu lý lịch tư pháp",
            "ly_lich_tu_phap",
            Level::Province,
            OnlineLevel::Full,
        ),
        doc(
            "1.000001",
            "Thông báo lưu trú",
            "cu_tru",
            Level::Commune,
            OnlineLevel::Partial,
        ),
        doc(
            "1.000002",
            "Hỗ trợ bảo trợ xã hội",
            "bao_tro_xa_hoi",
            Level::Commune,
            OnlineLevel::Partial,
        ),
        doc(
            "1.000003",
            "Thuê đất",
            "dat_dai",
            Level::Province,
            OnlineLevel::None,
        ),
        doc(
            "1.000004",
            "Miễn thuế đất",
            "dat_dai",
            Level::Province,
            OnlineLevel::Partial,
        ),
    ])
    .unwrap()
}

fn codes(page: &SearchPage) -> Vec<&str> {
    page.hits.iter().map(|h| h.doc.code.as_str()).collect()
}

fn text(t: &str) -> SearchQuery {
    SearchQuery {
        text: t.into(),
        ..SearchQuery::default()
    }
}

#[test]
fn i_and_y_are_one_letter_as_people_write_them() {
    let idx = index();
    for q in ["dang ki khai sinh", "đăng kí khai sinh", "phieu li lich"] {
        let page = idx.search(&text(q)).unwrap();
        assert!(!page.hits.is_empty(), "{q}");
        assert!(
            ["1.001193", "2.000488"].contains(&codes(&page)[0]),
            "{q}: {:?}",
            codes(&page)
        );
    }
    // Written as in the name, the exact diacritics still rank first.
    let page = idx.search(&text("Đăng ký khai sinh")).unwrap();
    assert_eq!(codes(&page)[0], "1.001193");
}

#[test]
fn one_typo_in_a_longer_word_is_forgiven_and_ranks_below_the_right_spelling() {
    let idx = index();
    // "phieu" with a swap, "phiue"; "sinh" is too short to guess at.
    let page = idx.search(&text("phiue ly lich")).unwrap();
    assert_eq!(codes(&page), ["2.000488"]);
    assert!(idx.search(&text("khai sihn")).unwrap().hits.is_empty());
    // Nothing at all: the nearest procedures are suggested.
    let none = idx.search(&text("dang kys khai sinhh")).unwrap();
    assert_eq!(none.total, 0);
    let near = idx.suggest("dang kys khai sinhh", 3).unwrap();
    assert_eq!(near.len(), 3);
    assert!(near.iter().any(|d| d.code == "1.001193"), "{near:?}");
    assert!(idx.suggest("", 3).unwrap().is_empty());
}

#[test]
fn finds_with_or_without_diacritics() {
    let idx = index();
    for q in [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "DANG KY KHAI SINH ",
    ] {
        let page = idx.search(&text(q)).unwrap();
        assert_eq!(codes(&page)[0], "1.001193", "{q}");
        assert_eq!(page.total, 2, "{q}: both birth registrations");
    }
}

#[test]
fn exact_diacritics_rank_first() {
    let idx = index();
    assert_eq!(
        codes(&idx.search(&text("báo")).unwrap()),
        ["1.000001", "1.000002"]
    );
    assert_eq!(
        codes(&idx.search(&text("bảo")).unwrap()),
        ["1.000002", "1.000001"]
    );
    assert_eq!(codes(&idx.search(&text("thuế")).unwrap())[0], "1.000004");
    assert_eq!(codes(&idx.search(&text("thuê")).unwrap())[0], "1.000003");
}

#[test]
fn codes_prefixes_and_other_text_are_found() {
    let idx = index();
    assert_eq!(codes(&idx.search(&text("2.000488")).unwrap()), ["2.000488"]);
    assert_eq!(
        codes(&idx.search(&text("ly lich tu ph")).unwrap()),
        ["2.000488"]
    );
    // A word followed by a space is finished: no longer a prefix.
    assert_eq!(idx.search(&text("ly lich tu ph ")).unwrap().total, 0);
    assert_eq!(idx.search(&text("luat ho tich")).unwrap().total, 8);
    assert_eq!(idx.search(&text("khong co gi")).unwrap().total, 0);
}

#[test]
fn filters_and_pages() {
    let idx = index();
    let q = SearchQuery {
        text: "dang ky".into(),
        level: Some(Level::Commune),
        online: Some(OnlineLevel::Full),
        per_page: 2,
        page: 2,
        ..SearchQuery::default()
    };
    let page = idx.search(&q).unwrap();
    assert_eq!((page.total, page.hits.len(), page.pages()), (3, 1, 2));
    let q = SearchQuery {
        agencies: vec!["000.00.02.H37".into()],
        ..SearchQuery::default()
    };
    assert_eq!(
        codes(&idx.search(&q).unwrap()),
        ["2.000488", "1.000004", "1.000003"]
    );
    let q = SearchQuery {
        sector: Some("dat_dai".into()),
        ..SearchQuery::default()
    };
    let page = idx.search(&q).unwrap();
    assert_eq!(
        codes(&page),
        ["1.000004", "1.000003"],
        "by name without text"
    );
    assert!(page.hits.iter().all(|h| h.score.is_none()));
}

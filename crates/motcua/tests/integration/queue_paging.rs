//! Deep pages of the queue read from a place: the API's cursors and the `/work` page's
//! links walk the same dossiers as the numbered pages, both ways, on both backends.

use crate::common::{self, Api, Backend, TestApp, problem};
use crate::dossier_pages::{signed_in, text};
use motcua::demo_dossiers;
use motcua_domain::dossier::DossierState;

use crate::common::item_codes as codes;

async fn paging_from_a_place(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    demo_dossiers::seed(&app.store, common::demo_password)
        .await
        .unwrap();
    let admin = Api::new(&app, "quantri.tinh").await;
    let states: Vec<&str> = DossierState::ALL.iter().map(|s| s.as_str()).collect();
    let queue = format!("/api/v1/dossiers?status={}", states.join(","));
    let everything = admin.json(&format!("{queue}&per_page=200")).await;
    let all = codes(&everything);
    assert!(all.len() > 25, "more than one page of /work: {}", all.len());
    assert_eq!(everything["page"], 1);
    assert!(everything["next_cursor"].is_null() && everything["prev_cursor"].is_null());

    // Forwards by cursor, then back.
    let mut walked = Vec::new();
    let mut path = format!("{queue}&per_page=4");
    let last = loop {
        let page = admin.json(&path).await;
        let numbered = walked.is_empty();
        assert_eq!(page["page"].is_null(), !numbered, "{path}");
        assert_eq!(page["prev_cursor"].is_null(), numbered, "{path}");
        walked.extend(codes(&page));
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert!(walked.len() < all.len(), "no page after the last");
                path = format!("{queue}&per_page=4&after={next}");
            }
            None => break page,
        }
    };
    assert_eq!(walked, all);
    let mut back = vec![codes(&last)];
    let mut before = last["prev_cursor"].as_str().map(str::to_owned);
    while let Some(cursor) = before {
        let page = admin
            .json(&format!("{queue}&per_page=4&before={cursor}"))
            .await;
        assert!(page["page"].is_null());
        back.push(codes(&page));
        before = page["prev_cursor"].as_str().map(str::to_owned);
    }
    back.reverse();
    assert_eq!(back.concat(), all);

    // Bad places are refused, with nothing guessed.
    let first = admin.json("/api/v1/dossiers?per_page=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    for query in [
        format!("after={cursor}&page=2"),
        format!("after={cursor}&before={cursor}"),
        "after=bm90LWEtcGxhY2U".to_owned(),
        "before=!!".to_owned(),
    ] {
        let body = problem(
            admin.get(&format!("/api/v1/dossiers?{query}")).await,
            400,
            "invalid_query",
        )
        .await;
        assert!(!body["detail"].as_str().unwrap().is_empty());
    }

    // The page follows the same places: "Trang sau" carries the cursor and the number.
    let browser = signed_in(&app, "quantri.tinh").await;
    let mut shown = Vec::new();
    let mut link = Some("/work?status=all".to_owned());
    let mut number = 0;
    while let Some(href) = link {
        let (status, html) = text(&browser, &app.url(&href.replace("&#38;", "&"))).await;
        assert_eq!(status, 200, "{href}");
        number += 1;
        if number > 1 {
            assert!(href.contains("after="), "{href}");
            assert!(html.contains(&format!("Trang {number}")), "{href}");
            assert!(html.contains("← Trang trước"));
        }
        shown.extend(
            html.split("<a href=\"/work/dossiers/")
                .skip(1)
                .map(|s| s[..s.find('"').unwrap()].to_owned()),
        );
        link = html
            .split("<a href=\"")
            .filter_map(|s| s.split_once("\">Trang sau"))
            .map(|(href, _)| href.to_owned())
            .next();
    }
    assert!(number >= 2, "{number} pages");
    assert_eq!(shown, all, "the page lists what the API lists");
    app.stop().await;
}

#[tokio::test]
async fn deep_queue_pages_are_read_from_a_place_on_sqlite() {
    paging_from_a_place(Backend::Sqlite).await;
}

#[tokio::test]
async fn deep_queue_pages_are_read_from_a_place_on_postgres() {
    paging_from_a_place(Backend::Postgres).await;
}

//! Reading the queue from a place (keyset paging): the same dossiers in the same order as
//! the numbered pages, forwards and backwards, across the dated and undated ones.

use motcua_store::{DossierFilter, Keyset, Store};

/// Checks that walking `filter`'s queue by places gives its numbered pages, for several
/// page sizes; returns how many dossiers it holds, and how many of them are undated.
pub async fn walk_both_ways(store: &Store, filter: &DossierFilter) -> (usize, usize) {
    let mut all = filter.clone();
    all.per_page = 200;
    all.page = 1;
    let everything = store.dossier_queue(&all).await.unwrap().items;
    let undated = everything.iter().filter(|s| s.due_at.is_none()).count();
    let numbered: Vec<String> = everything.into_iter().map(|s| s.code).collect();
    assert!(numbered.len() < 200, "one numbered page holds them all");
    for per_page in [1, 4, 7, numbered.len().max(1) as i64, 200] {
        let mut forwards = Vec::new();
        let mut f = filter.clone();
        f.per_page = per_page;
        let mut pages = 0;
        let last = loop {
            let page = store.dossier_queue(&f).await.unwrap();
            assert!(page.items.len() as i64 <= per_page);
            if f.keyset.is_some() {
                assert!(
                    page.prev.is_some(),
                    "a page read after a place has one before"
                );
            }
            forwards.extend(page.items.iter().map(|s| s.code.clone()));
            pages += 1;
            match page.next.clone() {
                Some(next) => f.keyset = Some(Keyset::After(next)),
                None => break page,
            }
        };
        assert_eq!(forwards, numbered, "forwards by {per_page}");
        let expected_pages = numbered.len().div_ceil(per_page as usize).max(1);
        assert_eq!(pages, expected_pages, "no empty page at the end");
        // And back from the last page to the first.
        let mut backwards: Vec<Vec<String>> =
            vec![last.items.iter().map(|s| s.code.clone()).collect()];
        let mut place = last.prev;
        while let Some(before) = place {
            f.keyset = Some(Keyset::Before(before));
            let page = store.dossier_queue(&f).await.unwrap();
            assert_eq!(
                page.items.len() as i64,
                per_page,
                "only the last page is short"
            );
            assert!(page.next.is_some());
            backwards.push(page.items.iter().map(|s| s.code.clone()).collect());
            place = page.prev;
        }
        backwards.reverse();
        assert_eq!(backwards.concat(), numbered, "backwards by {per_page}");
    }
    (numbered.len(), undated)
}

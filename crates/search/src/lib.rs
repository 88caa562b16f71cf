//! The procedure catalogue index: tantivy in memory, rebuilt from the store.
//!
//! Each procedure name is indexed twice: folded (NFC, lowercase, no diacritics, đ → d,
//! y → i, since people write "ký"/"kí" and "lý"/"lí" both ways) so that "dang ki khai
//! sinh" finds "Đăng ký khai sinh", and exact (NFC, lowercase)
//! so that a match on the diacritics the user typed ranks first. Every query word must
//! match the folded text (the name, or the code, sector and legal bases); each word
//! typed with diacritics that also matches the exact name adds a constant larger than
//! any text score, so exact-diacritic matches come before folded ones; then the text
//! score and a phrase bonus order the rest. The last word, while it is still being typed, also
//! matches the longer name words it begins. A word of five letters or more may carry one
//! typo (an edit or a swap), scored below a true match. When nothing matches,
//! [`CatalogueIndex::suggest`] offers the procedures nearest any of the words. Filters
//! (level, sector, agency, online level) are term fields.

use motcua_domain::procedure::{Level, OnlineLevel};
use motcua_domain::text::{fold, has_diacritics, nfc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{FAST, Field, IndexRecordOption, STRING, Schema, TEXT, TantivyDocument};
use tantivy::{DocAddress, Index, Searcher, Term};

/// One published procedure as the index and result lists see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueDoc {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub sector_name: String,
    /// The levels where it is handled now.
    pub levels: Vec<Level>,
    /// Agency codes and agency kinds (`commune_committee`, …) that handle it now.
    pub agencies: Vec<String>,
    /// Who handles it, for people.
    pub agency_label: String,
    pub online_level: OnlineLevel,
    pub version_no: i64,
    /// More searchable text: legal bases, result names.
    #[serde(skip)]
    pub extra: String,
}

/// A search: free text plus filters. `agencies` match any of the given codes or kinds.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub level: Option<Level>,
    pub sector: Option<String>,
    pub agencies: Vec<String>,
    pub online: Option<OnlineLevel>,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub doc: CatalogueDoc,
    /// Relevance; None when there was no text to rank by.
    pub score: Option<f32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
}

impl SearchPage {
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("lỗi chỉ mục tìm kiếm: {0}")]
    Index(#[from] tantivy::TantivyError),
}

pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 200;
/// Added for each word typed with diacritics that matches them exactly: more than any
/// BM25 text score here, so exact matches always rank first.
const EXACT_BONUS: f32 = 100.0;
const PHRASE_BOOST: f32 = 2.0;
const EXTRA_BOOST: f32 = 0.3;
const CODE_BONUS: f32 = 1000.0;
/// A word matched with one typo counts this much of a true match.
const TYPO_SCORE: f32 = 0.4;
/// Words shorter than this must be typed right (one edit turns "xa" into "xe").
const TYPO_MIN_LETTERS: usize = 5;

/// The search key of a text: folded, with y as i ("ký" and "kí" are one word to people).
fn key(text: &str) -> String {
    fold(text).replace('y', "i")
}

#[derive(Clone, Copy)]
struct Fields {
    ord: Field,
    code: Field,
    name_folded: Field,
    name_exact: Field,
    extra_folded: Field,
    level: Field,
    sector: Field,
    agency: Field,
    online: Field,
}

/// An immutable index over one catalogue snapshot. Build a new one to change it.
pub struct CatalogueIndex {
    searcher: Searcher,
    fields: Fields,
    /// Each segment's `ord` column: a hit's place in `docs` without reading a stored
    /// document (which decodes its whole block).
    ords: Vec<Column<u64>>,
    /// Sorted by folded name: the order of a search without text.
    docs: Vec<CatalogueDoc>,
    /// Every word of the folded names, sorted: the last word typed is completed from it
    /// (a regular expression over the term dictionary cost ten times the rest of a search).
    vocabulary: Vec<String>,
}

/// At most this many completions of a word being typed take part in a search.
const MAX_COMPLETIONS: usize = 256;

/// The words of a text, as the index's tokenizer splits them: NFC, lowercase, split
/// on anything that is not a letter or digit.
fn words(text: &str) -> Vec<String> {
    nfc(text)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CatalogueIndex {
    pub fn build(mut docs: Vec<CatalogueDoc>) -> Result<CatalogueIndex, SearchError> {
        docs.sort_by_cached_key(|d| (fold(&d.name), d.code.clone()));
        let mut schema = Schema::builder();
        let fields = Fields {
            ord: schema.add_u64_field("ord", FAST),
            code: schema.add_text_field("code", STRING),
            name_folded: schema.add_text_field("name_folded", TEXT),
            name_exact: schema.add_text_field("name_exact", TEXT),
            extra_folded: schema.add_text_field("extra_folded", TEXT),
            level: schema.add_text_field("level", STRING),
            sector: schema.add_text_field("sector", STRING),
            agency: schema.add_text_field("agency", STRING),
            online: schema.add_text_field("online", STRING),
        };
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;
        let mut vocabulary: Vec<String> = Vec::new();
        for (ord, d) in docs.iter().enumerate() {
            let name_key = key(&d.name);
            // Folded keys are lower case already; split as the tokenizer does.
            vocabulary.extend(
                (name_key.split(|c: char| !c.is_alphanumeric()))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.ord, ord as u64);
            doc.add_text(fields.code, &d.code);
            doc.add_text(fields.name_folded, name_key);
            doc.add_text(fields.name_exact, nfc(&d.name));
            doc.add_text(
                fields.extra_folded,
                key(&format!("{} {} {}", d.code, d.sector_name, d.extra)),
            );
            for level in &d.levels {
                doc.add_text(fields.level, level.as_str());
            }
            doc.add_text(fields.sector, &d.sector);
            for agency in &d.agencies {
                doc.add_text(fields.agency, agency);
            }
            doc.add_text(fields.online, d.online_level.as_str());
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let searcher = index.reader()?.searcher();
        let ords = (searcher.segment_readers().iter())
            .map(|segment| segment.fast_fields().u64("ord"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CatalogueIndex {
            searcher,
            fields,
            ords,
            docs,
            vocabulary,
        })
    }

    /// The procedure a hit names.
    fn doc_at(&self, address: DocAddress) -> Option<&CatalogueDoc> {
        let column = self.ords.get(address.segment_ord as usize)?;
        let ord = column.first(address.doc_id)?;
        self.docs.get(ord as usize)
    }

    /// Every document, sorted by name.
    pub fn docs(&self) -> &[CatalogueDoc] {
        &self.docs
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&CatalogueDoc> {
        self.docs.iter().find(|d| d.code == code)
    }

    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut clauses = Vec::new();
        if let Some(level) = q.level {
            clauses.push((Occur::Must, term(f.level, level.as_str())));
        }
        if let Some(sector) = &q.sector {
            clauses.push((Occur::Must, term(f.sector, sector)));
        }
        if !q.agencies.is_empty() {
            let any: Vec<_> = q
                .agencies
                .iter()
                .map(|a| (Occur::Should, term(f.agency, a)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(online) = q.online {
            clauses.push((Occur::Must, term(f.online, online.as_str())));
        }
        clauses
    }

    fn matches_filters(q: &SearchQuery, d: &CatalogueDoc) -> bool {
        q.level.is_none_or(|l| d.levels.contains(&l))
            && q.sector.as_ref().is_none_or(|s| &d.sector == s)
            && (q.agencies.is_empty() || q.agencies.iter().any(|a| d.agencies.contains(a)))
            && q.online.is_none_or(|o| d.online_level == o)
    }

    /// The text part: every word must match; exact diacritics, phrases and codes add.
    fn text_query(&self, text: &str) -> Option<Vec<(Occur, Box<dyn Query>)>> {
        let f = self.fields;
        let typed = words(text);
        if typed.is_empty() {
            return None;
        }
        let partial_last = !text.ends_with(char::is_whitespace);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let folded: Vec<String> = typed.iter().map(|w| key(w)).collect();
        for (i, (word, f_word)) in typed.iter().zip(&folded).enumerate() {
            let name_term = Term::from_field_text(f.name_folded, f_word);
            let mut any: Vec<(Occur, Box<dyn Query>)> = vec![
                (
                    Occur::Should,
                    Box::new(TermQuery::new(name_term, IndexRecordOption::WithFreqs)),
                ),
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.extra_folded, f_word),
                            IndexRecordOption::WithFreqs,
                        )),
                        EXTRA_BOOST,
                    )),
                ),
            ];
            if f_word.chars().count() >= TYPO_MIN_LETTERS {
                any.push((Occur::Should, self.typo(f_word)));
            }
            // The last word may still be being typed: accept it as a prefix too.
            if i + 1 == typed.len() && partial_last && f_word.chars().count() >= 2 {
                let longer: Vec<(Occur, Box<dyn Query>)> = (self.completions(f_word))
                    .map(|w| -> (Occur, Box<dyn Query>) {
                        let term = Term::from_field_text(f.name_folded, w);
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                        )
                    })
                    .collect();
                if !longer.is_empty() {
                    let prefix = Box::new(BooleanQuery::new(longer));
                    any.push((Occur::Should, Box::new(ConstScoreQuery::new(prefix, 0.5))));
                }
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            if has_diacritics(word) {
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.name_exact, word),
                            IndexRecordOption::Basic,
                        )),
                        EXACT_BONUS,
                    )),
                ));
            }
        }
        if folded.len() > 1 {
            let terms = folded
                .iter()
                .map(|w| Term::from_field_text(f.name_folded, w))
                .collect();
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new(terms)),
                    PHRASE_BOOST,
                )),
            ));
        }
        let raw = text.trim();
        if !raw.is_empty() {
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.code, raw),
                        IndexRecordOption::Basic,
                    )),
                    CODE_BONUS,
                )),
            ));
        }
        Some(clauses)
    }

    /// The name words that begin with `prefix` and are longer, at most [`MAX_COMPLETIONS`].
    fn completions<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        let from = self.vocabulary.partition_point(|w| w.as_str() <= prefix);
        self.vocabulary[from..]
            .iter()
            .take_while(move |w| w.starts_with(prefix))
            .take(MAX_COMPLETIONS)
    }

    /// A name word within one typo of `word` (a folded key), scored below a true match.
    fn typo(&self, word: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(self.fields.name_folded, word);
        Box::new(ConstScoreQuery::new(
            Box::new(FuzzyTermQuery::new(term, 1, true)),
            TYPO_SCORE,
        ))
    }

    /// When a search finds nothing: up to `limit` procedures that share the most words
    /// with `text` (each word exact or within one typo), best first.
    pub fn suggest(&self, text: &str, limit: usize) -> Result<Vec<CatalogueDoc>, SearchError> {
        let f = self.fields;
        let any: Vec<(Occur, Box<dyn Query>)> = words(text)
            .iter()
            .map(|w| key(w))
            .filter(|w| w.chars().count() >= 2)
            .flat_map(|w| {
                let exact: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.name_folded, &w),
                    IndexRecordOption::WithFreqs,
                ));
                let mut alternatives = vec![(Occur::Should, exact)];
                if w.chars().count() >= TYPO_MIN_LETTERS - 1 {
                    alternatives.push((Occur::Should, self.typo(&w)));
                }
                alternatives
            })
            .collect();
        if any.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let top = self.searcher.search(
            &BooleanQuery::new(any),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        Ok((top.into_iter())
            .filter_map(|(_, address)| self.doc_at(address).cloned())
            .collect())
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, SearchError> {
        let per_page = match q.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        let page = q.page.max(1);
        let offset = (page - 1).saturating_mul(per_page);
        let Some(mut clauses) = self.text_query(&q.text) else {
            // No text: the catalogue in name order, filtered.
            let matching: Vec<&CatalogueDoc> = self
                .docs
                .iter()
                .filter(|d| Self::matches_filters(q, d))
                .collect();
            return Ok(SearchPage {
                total: matching.len(),
                page,
                per_page,
                hits: matching
                    .into_iter()
                    .skip(offset)
                    .take(per_page)
                    .map(|d| Hit {
                        doc: d.clone(),
                        score: None,
                    })
                    .collect(),
            });
        };
        clauses.extend(self.filters(q));
        let query = BooleanQuery::new(clauses);
        // A page past every document: count only (the collector would reserve the offset).
        if offset >= self.docs.len() {
            return Ok(SearchPage {
                total: self.searcher.search(&query, &Count)?,
                page,
                per_page,
                hits: Vec::new(),
            });
        }
        let (total, top) = self.searcher.search(
            &query,
            &(
                Count,
                TopDocs::with_limit(per_page)
                    .and_offset(offset)
                    .order_by_score(),
            ),
        )?;
        let hits = (top.into_iter())
            .filter_map(|(score, address)| {
                self.doc_at(address).map(|doc| Hit {
                    doc: doc.clone(),
                    score: Some(score),
                })
            })
            .collect();
        Ok(SearchPage {
            total,
            page,
            per_page,
            hits,
        })
    }
}

#[cfg(test)]
mod tests;

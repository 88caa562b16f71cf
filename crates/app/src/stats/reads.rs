//! What a scorecard reads besides the monthly counters: the open dossiers still within time,
//! the documents' indicators and the catalogue's announcements. The dashboard reads them
//! once and shares them between its scorecard, the table of agencies and the trend.

use super::facts::announced_in;
use crate::{App, AppResult};
use chrono::{DateTime, Utc};
use motcua_domain::calendar::from_vn_local;
use motcua_domain::quality::{DocumentInputs, Month};
use motcua_store::DocumentIndicatorCounts;
use std::collections::BTreeMap;

pub(super) struct Reads {
    /// Open dossiers still within time, by (month of receipt, handling agency).
    within: BTreeMap<(Month, String), i64>,
    /// By receiving agency, over the period.
    documents: BTreeMap<String, DocumentIndicatorCounts>,
    /// By procedure code: announced in the period, and whether on time.
    pub(super) announced: BTreeMap<String, bool>,
}

impl Reads {
    /// For a scorecard over the consecutive `period` months, with the within-time counts of
    /// the `trend` months as well (empty when there is no trend).
    pub(super) async fn load(app: &App, period: &[Month], trend: &[Month]) -> AppResult<Reads> {
        let mut months: Vec<Month> = period.iter().chain(trend).copied().collect();
        months.sort();
        months.dedup();
        let within = app.store.open_within_time(&months, crate::now()).await?;
        if period.is_empty() {
            return Ok(Reads {
                within,
                documents: BTreeMap::new(),
                announced: BTreeMap::new(),
            });
        }
        let (from, to) = instants(period);
        Ok(Reads {
            within,
            documents: app.store.document_indicator_counts(from, to).await?,
            announced: announced_in(app, period).await?,
        })
    }

    /// The open dossiers still within time now, by month of receipt, of `agencies` (None:
    /// every one).
    pub(super) fn within_by_month(&self, agencies: Option<&[String]>) -> BTreeMap<Month, i64> {
        let mut by_month = BTreeMap::new();
        for ((month, agency), n) in &self.within {
            if agencies.is_none_or(|a| a.contains(agency)) {
                *by_month.entry(*month).or_default() += n;
            }
        }
        by_month
    }

    /// The same, summed over `months`.
    pub(super) fn within_in(&self, months: &[Month], agencies: Option<&[String]>) -> i64 {
        self.within_by_month(agencies)
            .into_iter()
            .filter(|(m, _)| months.contains(m))
            .map(|(_, n)| n)
            .sum()
    }

    /// The open dossiers still within time now of each handling agency, over `months`.
    pub(super) fn within_by_agency(&self, months: &[Month]) -> BTreeMap<String, i64> {
        let mut by_agency = BTreeMap::new();
        for ((month, agency), n) in &self.within {
            if months.contains(month) {
                *by_agency.entry(agency.clone()).or_default() += n;
            }
        }
        by_agency
    }

    /// What the documents show for the dossiers `agencies` received (None: every agency).
    pub(super) fn documents(&self, agencies: Option<&[String]>) -> DocumentInputs {
        let mut sum = DocumentInputs::default();
        for (agency, c) in &self.documents {
            if agencies.is_none_or(|a| a.contains(agency)) {
                let c = documents_of(c);
                sum.digitised += c.digitised;
                sum.reused += c.reused;
                sum.linked_store += c.linked_store;
                sum.signed_results += c.signed_results;
                sum.synchronised += c.synchronised;
            }
        }
        sum
    }

    /// What the documents show for one agency.
    pub(super) fn documents_of_agency(&self, agency: &str) -> DocumentInputs {
        self.documents
            .get(agency)
            .map(documents_of)
            .unwrap_or_default()
    }
}

/// The instants consecutive months span, from the first one's Vietnamese local midnight
/// to the one after the last.
fn instants(months: &[Month]) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |day: chrono::NaiveDate| {
        from_vn_local(day.and_time(chrono::NaiveTime::MIN)).with_timezone(&Utc)
    };
    match (months.first(), months.last()) {
        (Some(first), Some(last)) => (at(first.first_day()), at(last.next().first_day())),
        _ => (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC),
    }
}

fn documents_of(c: &DocumentIndicatorCounts) -> DocumentInputs {
    DocumentInputs {
        digitised: c.digitised,
        reused: c.reused,
        linked_store: c.linked_store,
        signed_results: c.signed_results,
        synchronised: c.synchronised,
    }
}

/// What the documents show for the dossiers received in consecutive `months`, alone.
pub(super) async fn document_inputs(app: &App, months: &[Month]) -> AppResult<DocumentInputs> {
    let (from, to) = instants(months);
    let reads = Reads {
        within: BTreeMap::new(),
        documents: app.store.document_indicator_counts(from, to).await?,
        announced: BTreeMap::new(),
    };
    Ok(reads.documents(None))
}

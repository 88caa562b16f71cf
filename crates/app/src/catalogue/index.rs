//! The catalogue as every request sees it: a search index rebuilt from the store.
//!
//! The index is built at start and rebuilt whenever the store's catalogue revision
//! (bumped by every catalogue write, on any node) or the date changes. Before answering,
//! a request compares the revision with one cheap query, so several app nodes agree.

use motcua_domain::agency::AgencyKind;
use motcua_domain::procedure::{Level, OnlineLevel};
use motcua_search::{CatalogueDoc, CatalogueIndex, SearchError};
use motcua_store::{ProcedureSet, PublishedEntry, Sector, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// One catalogue snapshot: the index and what pages need beside it.
pub struct Snapshot {
    pub revision: i64,
    pub built_for: chrono::NaiveDate,
    pub index: CatalogueIndex,
    pub sectors: Vec<Sector>,
    pub sets: Vec<ProcedureSet>,
    /// Agency code → name.
    pub agency_names: BTreeMap<String, String>,
    /// Agency code → kind.
    pub agency_kinds: BTreeMap<String, AgencyKind>,
}

impl Snapshot {
    fn empty() -> Snapshot {
        Snapshot {
            revision: -1,
            built_for: chrono::NaiveDate::MIN,
            index: CatalogueIndex::build(Vec::new()).expect("an empty index builds"),
            sectors: Vec::new(),
            sets: Vec::new(),
            agency_names: BTreeMap::new(),
            agency_kinds: BTreeMap::new(),
        }
    }

    pub fn sector_name(&self, code: &str) -> String {
        self.sectors
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_owned(), |s| s.name.clone())
    }

    pub fn agency_name(&self, code: &str) -> String {
        self.agency_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The filter values an agency stands for: a commune People's Committee also
    /// handles what is assigned to every commune People's Committee.
    pub fn agency_filter(&self, agency: &str) -> Vec<String> {
        let mut values = vec![agency.to_owned()];
        if let Some(kind) = self.agency_kinds.get(agency)
            && *kind == AgencyKind::CommuneCommittee
        {
            values.push(kind.as_str().to_owned());
        }
        values
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("xây dựng chỉ mục bị gián đoạn")]
    Interrupted,
}

pub struct CatalogueState {
    current: RwLock<Arc<Snapshot>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl Default for CatalogueState {
    fn default() -> Self {
        CatalogueState {
            current: RwLock::new(Arc::new(Snapshot::empty())),
            rebuilding: tokio::sync::Mutex::new(()),
        }
    }
}

/// Who handles it, for people: agency names, or the kind of agency.
fn label_for(
    names: &BTreeMap<String, String>,
    levels: &[(Level, Option<String>, Option<AgencyKind>)],
) -> String {
    let mut labels: Vec<String> = levels
        .iter()
        .map(|(_, code, kind)| match (code, kind) {
            (Some(code), _) => names.get(code).cloned().unwrap_or_else(|| code.clone()),
            (None, Some(kind)) => kind.label_vi().to_owned(),
            (None, None) => String::new(),
        })
        .filter(|l| !l.is_empty())
        .collect();
    labels.dedup();
    labels.join("; ")
}

/// The index document for a published procedure, placed where it is handled on `today`
/// (or, before it takes effect, where it will be).
pub fn doc_for(
    entry: &PublishedEntry,
    today: chrono::NaiveDate,
    sectors: &[Sector],
    names: &BTreeMap<String, String>,
) -> CatalogueDoc {
    let p = &entry.version.procedure;
    let in_force: Vec<_> = entry
        .assignments
        .iter()
        .map(|a| &a.assignment)
        .filter(|a| a.in_force(today))
        .cloned()
        .collect();
    let placed = if in_force.is_empty() {
        p.assignments_from(p.valid_from.unwrap_or(today))
    } else {
        in_force
    };
    let places: Vec<_> = placed
        .iter()
        .map(|a| {
            (
                a.level,
                a.agency_code.as_ref().map(ToString::to_string),
                a.agency_kind,
            )
        })
        .collect();
    let mut levels: Vec<Level> = places.iter().map(|p| p.0).collect();
    levels.sort();
    levels.dedup();
    let mut agencies: Vec<String> = places
        .iter()
        .flat_map(|(_, code, kind)| {
            code.iter()
                .cloned()
                .chain(kind.map(|k| k.as_str().to_owned()))
        })
        .collect();
    agencies.sort();
    agencies.dedup();
    let sector_name = sectors
        .iter()
        .find(|s| s.code == p.sector)
        .map_or_else(|| p.sector.clone(), |s| s.name.clone());
    let mut extra = p.legal_bases.join(" ");
    for r in &p.results {
        extra.push(' ');
        extra.push_str(&r.name);
    }
    CatalogueDoc {
        code: p.code.to_string(),
        name: p.name.clone(),
        sector: p.sector.clone(),
        sector_name,
        levels,
        agency_label: label_for(names, &places),
        agencies,
        online_level: p.online_level,
        version_no: entry.version.version_no,
        extra,
    }
}

impl CatalogueState {
    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The snapshot for the store's current revision and today's date, rebuilt first
    /// if it is stale.
    pub async fn current(&self, store: &Store) -> Result<Arc<Snapshot>, CatalogueError> {
        let today = crate::today_vn();
        let revision = store.catalogue_revision().await?;
        let snapshot = self.snapshot();
        if snapshot.revision == revision && snapshot.built_for == today {
            return Ok(snapshot);
        }
        let _guard = self.rebuilding.lock().await;
        let snapshot = self.snapshot();
        if snapshot.revision == revision && snapshot.built_for == today {
            return Ok(snapshot);
        }
        let rebuilt = Arc::new(build(store, today).await?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = rebuilt.clone();
        Ok(rebuilt)
    }

    /// Rebuilds now if stale, logging rather than failing: for start-up and after writes.
    pub async fn refresh(&self, store: &Store) {
        let started = std::time::Instant::now();
        match self.current(store).await {
            Ok(snapshot) => tracing::debug!(
                procedures = snapshot.index.len(),
                revision = snapshot.revision,
                ms = started.elapsed().as_millis() as u64,
                "catalogue index ready"
            ),
            Err(err) => tracing::warn!(error = %err, "catalogue index not rebuilt"),
        }
    }
}

async fn build(store: &Store, today: chrono::NaiveDate) -> Result<Snapshot, CatalogueError> {
    // Read the revision first: a write that lands while we read makes the next request rebuild again.
    let revision = store.catalogue_revision().await?;
    let entries = store.published_catalogue().await?;
    let sectors = store.sectors().await?;
    let sets = store.procedure_sets().await?;
    let agencies = store.agencies(None).await?;
    let agency_names: BTreeMap<String, String> = agencies
        .iter()
        .map(|a| (a.code.to_string(), a.name.clone()))
        .collect();
    let agency_kinds = agencies
        .iter()
        .map(|a| (a.code.to_string(), a.kind))
        .collect();
    let docs: Vec<CatalogueDoc> = entries
        .iter()
        .map(|e| doc_for(e, today, &sectors, &agency_names))
        .collect();
    let index = tokio::task::spawn_blocking(move || CatalogueIndex::build(docs))
        .await
        .map_err(|_| CatalogueError::Interrupted)??;
    Ok(Snapshot {
        revision,
        built_for: today,
        index,
        sectors,
        sets,
        agency_names,
        agency_kinds,
    })
}

/// Counts for the catalogue's front page and the stats API.
pub fn count_by<K: Ord + Clone>(
    docs: &[CatalogueDoc],
    keys: impl Fn(&CatalogueDoc) -> Vec<K>,
) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for doc in docs {
        for key in keys(doc) {
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    counts
}

/// (total, toàn trình) for a named set, over its published members.
pub fn set_counts(snapshot: &Snapshot, set: &ProcedureSet) -> (usize, usize) {
    let members: Vec<&CatalogueDoc> = set
        .members
        .iter()
        .filter_map(|code| snapshot.index.get(code))
        .collect();
    let full = members
        .iter()
        .filter(|d| d.online_level == OnlineLevel::Full)
        .count();
    (members.len(), full)
}

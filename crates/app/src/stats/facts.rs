//! What the index needs from the published catalogue, computed once per catalogue
//! revision and day.

use crate::catalogue::{CatalogueError, Snapshot};
use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use motcua_domain::procedure::OnlineLevel;
use motcua_domain::quality::CatalogueInputs;
use motcua_domain::quality::Month;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// The current catalogue snapshot; only a store failure is worth telling apart.
pub(super) async fn snapshot(app: &App) -> AppResult<Arc<Snapshot>> {
    app.catalogue
        .current(&app.store)
        .await
        .map_err(|err| match err {
            CatalogueError::Store(e) => e.into(),
            other => AppError::internal(other),
        })
}

/// What the index needs to know about one published procedure.
#[derive(Debug, Clone)]
pub struct ProcedureFacts {
    pub code: String,
    /// Who handles it: agency codes and agency kinds (as the catalogue filter has them).
    pub handled_by: Vec<String>,
    pub online: OnlineLevel,
    pub complete: bool,
    /// It has a fee or charge above zero.
    pub with_fees: bool,
    /// It is toàn trình, or publishes no reason why it cannot be.
    pub full_online_eligible: bool,
}

/// Catalogue facts as of (catalogue revision, date).
type CachedFacts = (i64, NaiveDate, Arc<Vec<ProcedureFacts>>);

/// The catalogue facts, rebuilt with the catalogue snapshot.
#[derive(Default)]
pub struct StatsCache {
    facts: Mutex<Option<CachedFacts>>,
}

pub(super) async fn procedure_facts(
    app: &App,
) -> AppResult<(Arc<Snapshot>, Arc<Vec<ProcedureFacts>>)> {
    let snapshot = snapshot(app).await?;
    let key = (snapshot.revision, snapshot.built_for);
    if let Some((rev, day, facts)) = app
        .stats
        .facts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        && (*rev, *day) == key
    {
        return Ok((snapshot, facts.clone()));
    }
    let entries = app.store.published_catalogue().await?;
    let facts: Vec<ProcedureFacts> = entries
        .iter()
        .map(|e| {
            let p = &e.version.procedure;
            let complete = !p.legal_bases.is_empty()
                && !p.steps.trim().is_empty()
                && !p.documents.is_empty()
                && !p.results.is_empty()
                && p.problems().is_empty();
            ProcedureFacts {
                code: p.code.to_string(),
                handled_by: snapshot
                    .index
                    .get(p.code.as_str())
                    .map(|d| d.agencies.clone())
                    .unwrap_or_default(),
                online: p.online_level,
                complete,
                with_fees: p.fees.iter().any(|f| f.amount_vnd > 0),
                full_online_eligible: p.online_level == OnlineLevel::Full
                    || p.online_reason
                        .as_deref()
                        .is_none_or(|r| r.trim().is_empty()),
            }
        })
        .collect();
    let facts = Arc::new(facts);
    *app.stats.facts.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((key.0, key.1, facts.clone()));
    Ok((snapshot, facts))
}

/// The procedures that had dossiers of some kind in the period.
#[derive(Debug, Default)]
pub(super) struct Used {
    /// Received online.
    pub online: BTreeSet<String>,
    /// Paid online.
    pub paid_online: BTreeSet<String>,
}

impl Used {
    pub fn note(&mut self, procedure: &str, counters: &motcua_domain::quality::Counters) {
        if counters.received_online > 0 {
            self.online.insert(procedure.to_owned());
        }
        if counters.paid_online > 0 {
            self.paid_online.insert(procedure.to_owned());
        }
    }
}

/// The procedures announced by a decision dated in the period: on time when every one of
/// their announcements in it was dated on or before the day they take effect (a late
/// amendment makes the period late, as the portal counts 1.1).
pub(super) async fn announced_in(app: &App, months: &[Month]) -> AppResult<BTreeMap<String, bool>> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(BTreeMap::new());
    };
    let mut on_time: BTreeMap<String, bool> = BTreeMap::new();
    for a in app
        .store
        .announcements(first.first_day(), last.next().first_day())
        .await?
    {
        let this = a.valid_from.is_none_or(|from| a.decided_on <= from);
        *on_time.entry(a.code).or_insert(true) &= this;
    }
    Ok(on_time)
}

pub(super) fn catalogue_inputs(
    facts: &[ProcedureFacts],
    handles: Option<&[String]>,
    used: &Used,
    announced: &BTreeMap<String, bool>,
    payable_online: bool,
) -> CatalogueInputs {
    let mut c = CatalogueInputs::default();
    let in_scope =
        |p: &ProcedureFacts| handles.is_none_or(|h| p.handled_by.iter().any(|v| h.contains(v)));
    for (code, on_time) in announced {
        let counted = match facts.iter().find(|p| &p.code == code) {
            Some(p) => in_scope(p),
            // No longer published: it belongs to the province as a whole.
            None => handles.is_none(),
        };
        if counted {
            c.announced += 1;
            c.announced_on_time += i64::from(*on_time);
        }
    }
    for p in facts {
        if !in_scope(p) {
            continue;
        }
        c.procedures += 1;
        c.complete += i64::from(p.complete);
        if p.online != OnlineLevel::None {
            c.online += 1;
            c.online_used += i64::from(used.online.contains(&p.code));
        }
        c.full_online += i64::from(p.online == OnlineLevel::Full);
        c.full_online_eligible += i64::from(p.full_online_eligible);
        // With the payment platform connected every fee-bearing procedure can be paid online
        // (the applicant's page offers it whenever a fee is asked).
        if p.with_fees {
            c.with_fees += 1;
            c.payable_online += i64::from(payable_online);
            c.paid_online += i64::from(used.paid_online.contains(&p.code));
        }
    }
    c
}

//! Live counts from the catalogue, for its front page and the stats API.

use super::{count_by, set_counts};
use crate::{App, AppResult};
use chrono::NaiveDate;
use motcua_domain::procedure::{Level, OnlineLevel};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionStat {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
    /// How many the decision had to publish, when recorded.
    pub required: Option<i64>,
    pub published: i64,
    pub withdrawn: i64,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetStat {
    pub code: String,
    pub name: String,
    /// Published members of the set.
    pub total: usize,
    /// Of which toàn trình (`full`).
    pub full: usize,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueStats {
    /// The date the counts hold for (today, Vietnam time).
    pub at: NaiveDate,
    /// Published procedures.
    pub total: usize,
    pub by_level: Vec<Count>,
    pub by_sector: Vec<Count>,
    pub by_online_level: Vec<Count>,
    /// Published against required, per decision, newest first.
    pub decisions: Vec<DecisionStat>,
    /// Toàn trình against total for each named set, e.g. the 25 essential services.
    pub sets: Vec<SetStat>,
}

/// By level, sector and online level; published against required per decision;
/// toàn trình against total for each named set. Public.
pub async fn stats(app: &App) -> AppResult<CatalogueStats> {
    let snapshot = app.catalogue.current(&app.store).await?;
    let docs = snapshot.index.docs();
    let by_level = count_by(docs, |d| d.levels.clone());
    let by_online = count_by(docs, |d| vec![d.online_level]);
    let by_sector = count_by(docs, |d| vec![d.sector.clone()]);
    let mut sectors: Vec<Count> = by_sector
        .into_iter()
        .map(|(key, count)| Count {
            label: snapshot.sector_name(&key),
            key,
            count,
        })
        .collect();
    sectors.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let decisions = app.store.decisions().await?;
    Ok(CatalogueStats {
        at: snapshot.built_for,
        total: docs.len(),
        by_level: [Level::Province, Level::Commune]
            .into_iter()
            .map(|l| Count {
                key: l.as_str().into(),
                label: l.label_vi().into(),
                count: by_level.get(&l).copied().unwrap_or(0),
            })
            .collect(),
        by_sector: sectors,
        by_online_level: OnlineLevel::ALL
            .iter()
            .map(|&o| Count {
                key: o.as_str().into(),
                label: o.label_vi().into(),
                count: by_online.get(&o).copied().unwrap_or(0),
            })
            .collect(),
        decisions: decisions
            .into_iter()
            .map(|d| DecisionStat {
                number: d.decision.number,
                date: d.decision.decided_on,
                signer: d.decision.signer,
                required: d.decision.required_count,
                published: d.published,
                withdrawn: d.withdrawn,
            })
            .collect(),
        sets: snapshot
            .sets
            .iter()
            .map(|s| {
                let (total, full) = set_counts(&snapshot, s);
                SetStat {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    total,
                    full,
                }
            })
            .collect(),
    })
}

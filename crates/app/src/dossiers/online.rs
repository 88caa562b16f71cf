//! What the online form of a procedure offers today: the agencies that receive it, and
//! whether it takes dossiers online at all.

use crate::{App, AppResult};
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::procedure::Level;
use motcua_store::{AssignmentRecord, VersionRecord};
use std::sync::Arc;

/// Agencies of one tier that receive the procedure.
pub struct ReceivingGroup {
    pub tier: ReceivingTier,
    pub agencies: Vec<Agency>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceivingTier {
    /// The assigned provincial departments and the public administration service centre.
    Province,
    /// Every commune's one-stop desk, for a province-level procedure.
    AnyCommuneDesk,
    /// The commune committees, for a commune-level procedure.
    Commune,
}

impl ReceivingTier {
    pub fn label_vi(self) -> &'static str {
        match self {
            ReceivingTier::Province => "Cơ quan cấp tỉnh",
            ReceivingTier::AnyCommuneDesk => {
                "Bộ phận một cửa cấp xã (tiếp nhận không phụ thuộc địa giới hành chính)"
            }
            ReceivingTier::Commune => "Ủy ban nhân dân cấp xã",
        }
    }
}

/// Why a procedure takes no dossiers online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    NotOnline,
    /// No approved internal process at the agency (being redrawn after devolution).
    ProcessBeingRedrawn,
    NoReceivingAgency,
}

impl Closed {
    pub fn detail_vi(self) -> &'static str {
        match self {
            Closed::NotOnline => {
                "Thủ tục này chưa cung cấp dịch vụ công trực tuyến. Vui lòng nộp hồ sơ trực tiếp \
                 hoặc qua bưu chính tại Bộ phận một cửa."
            }
            Closed::ProcessBeingRedrawn => {
                "Thủ tục này đang được xây dựng lại quy trình nội bộ (sau khi phân cấp), nên tạm \
                 thời chưa tiếp nhận hồ sơ trực tuyến. Vui lòng quay lại sau."
            }
            Closed::NoReceivingAgency => "Chưa có cơ quan tiếp nhận thủ tục này.",
        }
    }
}

pub struct OnlineForm {
    /// The published version the form is built from.
    pub version: Arc<VersionRecord>,
    /// Non-empty groups, province first.
    pub receiving: Vec<ReceivingGroup>,
    pub closed: Option<Closed>,
}

/// The form of a published procedure, or None when no version is published.
pub async fn online_form(app: &App, code: &str) -> AppResult<Option<OnlineForm>> {
    let (revision, Some(version)) = crate::forms::published_at(app, code, false).await? else {
        return Ok(None);
    };
    let p = &version.procedure;
    let assignments = assignments(app, code, revision).await?;
    let today = crate::today_vn();
    let all = crate::register::all_agencies(app).await?;
    let agencies: Vec<Agency> = (all.iter())
        .filter(|a| a.is_valid_at(today))
        .cloned()
        .collect();
    let receiving = receiving_groups(
        &agencies,
        &assignments,
        today,
        &p.levels,
        p.agency_code.as_ref().map(|a| a.as_str()),
    );
    let closed = if !p.is_online() {
        Some(Closed::NotOnline)
    } else if let Some(first) = receiving.first().and_then(|g| g.agencies.first()) {
        let covered = app.store.has_approved_process(code, first).await?;
        (!covered).then_some(Closed::ProcessBeingRedrawn)
    } else {
        Some(Closed::NoReceivingAgency)
    };
    Ok(Some(OnlineForm {
        version,
        receiving,
        closed,
    }))
}

/// A procedure's assignments, as read at the catalogue revision (every assignment written
/// moves it).
async fn assignments(
    app: &App,
    code: &str,
    revision: i64,
) -> AppResult<Arc<Vec<AssignmentRecord>>> {
    if let Some(read) = app.assignments.get(code, revision) {
        return Ok(read);
    }
    let read = app.store.assignments(code).await?;
    Ok(app.assignments.put(code, revision, read))
}

/// The commune committees for commune-level procedures; for province-level ones the assigned
/// department and the service centre, and every commune's one-stop desk (Decree 118/2025:
/// receipt does not depend on administrative boundaries).
fn receiving_groups(
    agencies: &[Agency],
    assignments: &[AssignmentRecord],
    today: chrono::NaiveDate,
    fallback_levels: &[Level],
    fallback_agency: Option<&str>,
) -> Vec<ReceivingGroup> {
    let in_force: Vec<_> = assignments
        .iter()
        .filter(|a| a.assignment.in_force(today))
        .collect();
    let mut levels: Vec<Level> = in_force.iter().map(|a| a.assignment.level).collect();
    let mut assigned: Vec<String> = in_force
        .iter()
        .filter_map(|a| a.assignment.agency_code.as_ref().map(|c| c.to_string()))
        .collect();
    let kinds: Vec<AgencyKind> = in_force
        .iter()
        .filter_map(|a| a.assignment.agency_kind)
        .collect();
    if in_force.is_empty() {
        levels = fallback_levels.to_vec();
        assigned.extend(fallback_agency.map(str::to_owned));
    }
    let communes = || {
        agencies
            .iter()
            .filter(|a| a.kind == AgencyKind::CommuneCommittee)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut groups = Vec::new();
    if levels.contains(&Level::Province) {
        let provincial = agencies
            .iter()
            .filter(|a| {
                a.kind == AgencyKind::ServiceCentre
                    || assigned.contains(&a.code.to_string())
                    || (assigned.is_empty()
                        && a.kind != AgencyKind::CommuneCommittee
                        && kinds.contains(&a.kind))
            })
            .cloned()
            .collect();
        groups.push(ReceivingGroup {
            tier: ReceivingTier::Province,
            agencies: provincial,
        });
        groups.push(ReceivingGroup {
            tier: ReceivingTier::AnyCommuneDesk,
            agencies: communes(),
        });
    } else if levels.contains(&Level::Commune) {
        groups.push(ReceivingGroup {
            tier: ReceivingTier::Commune,
            agencies: communes(),
        });
    }
    groups.retain(|g| !g.agencies.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::agency::AgencyCode;

    fn agency(code: &str, kind: AgencyKind) -> Agency {
        Agency {
            code: AgencyCode::parse(code).unwrap(),
            name: code.to_owned(),
            kind,
            unit_code: "20".into(),
            parent_code: None,
            valid_from: None,
            valid_to: None,
            successor_code: None,
        }
    }

    fn codes(group: &ReceivingGroup) -> Vec<&str> {
        group.agencies.iter().map(|a| a.code.as_str()).collect()
    }

    #[test]
    fn province_procedures_are_received_by_their_department_the_centre_and_every_commune() {
        let agencies = [
            agency("000.01.20.H37", AgencyKind::Department),
            agency("000.02.20.H37", AgencyKind::Department),
            agency("000.00.20.H37", AgencyKind::ServiceCentre),
            agency("000.40.20.H37", AgencyKind::CommuneCommittee),
            agency("000.41.20.H37", AgencyKind::CommuneCommittee),
        ];
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let groups = receiving_groups(
            &agencies,
            &[],
            today,
            &[Level::Province],
            Some("000.01.20.H37"),
        );
        let tiers: Vec<_> = groups.iter().map(|g| g.tier).collect();
        assert_eq!(
            tiers,
            [ReceivingTier::Province, ReceivingTier::AnyCommuneDesk]
        );
        assert_eq!(codes(&groups[0]), ["000.01.20.H37", "000.00.20.H37"]);
        assert_eq!(codes(&groups[1]), ["000.40.20.H37", "000.41.20.H37"]);

        let commune = receiving_groups(&agencies, &[], today, &[Level::Commune], None);
        assert_eq!(commune.len(), 1);
        assert_eq!(commune[0].tier, ReceivingTier::Commune);
        assert_eq!(codes(&commune[0]), ["000.40.20.H37", "000.41.20.H37"]);

        let none = receiving_groups(&agencies[..3], &[], today, &[Level::Commune], None);
        assert!(none.is_empty(), "no commune committee: no group at all");
    }
}

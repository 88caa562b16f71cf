//! The move from three tiers to two: for every agency of an abolished unit, where it and
//! everything bound to it (user accounts, procedure assignments, dossiers in flight) goes.
//!
//! The store gathers the facts, [`plan`] decides, and the store carries the plan out.
//! What cannot be decided automatically (an old commune split between several new ones)
//! is listed apart with how to decide it: an assignment `OLD=NEW`, or the applicant's address.

use crate::agency::{Agency, AgencyCode};
use crate::text::fold;
use crate::unit::{AdminUnit, SuccessionLink};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// An agency that stops at the effective date, with its unit on the day before.
#[derive(Debug, Clone)]
pub struct AbolishedAgency {
    pub agency: Agency,
    pub unit: AdminUnit,
    /// The units its unit went into at the effective date.
    pub successors: Vec<(AdminUnit, SuccessionLink)>,
    /// Everything bound to the agency that must follow it.
    pub items: Vec<BoundItem>,
}

/// One thing bound to an agency: a user account, a procedure assignment, a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundItem {
    /// `user`, `procedure_assignment`, `dossier`, …
    pub kind: String,
    pub key: String,
    pub label: String,
    /// The applicant's address, where the item has one (dossiers).
    pub address: Option<String>,
}

/// A decision given by hand: `OLD=NEW`, each side a unit code or an agency identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub old: String,
    pub new: String,
}

impl std::str::FromStr for Assignment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (old, new) = s
            .split_once('=')
            .ok_or_else(|| format!("phân định phải có dạng CŨ=MỚI: {s}"))?;
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() || new.is_empty() {
            return Err(format!("phân định phải có dạng CŨ=MỚI: {s}"));
        }
        let norm = |x: &str| AgencyCode::parse(x).map_or_else(|_| x.to_owned(), |c| c.to_string());
        Ok(Assignment {
            old: norm(old),
            new: norm(new),
        })
    }
}

/// How a move was decided, or why it was not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Decision {
    /// The unit went whole (or only) into one new unit.
    Succession,
    /// An `OLD=NEW` assignment.
    Assigned,
    /// No successor unit: the agency's parent agency takes its work.
    ParentAgency,
    /// The applicant's address names exactly one of the successor units.
    Address,
    /// Left for a person: why, and how to decide it.
    Undecided { reason: String, hint: String },
}

impl Decision {
    pub fn label_vi(&self) -> String {
        match self {
            Decision::Succession => "theo đơn vị kế thừa".into(),
            Decision::Assigned => "theo phân định".into(),
            Decision::ParentAgency => "chuyển về cơ quan cấp trên (không có đơn vị kế thừa)".into(),
            Decision::Address => "theo địa chỉ người nộp".into(),
            Decision::Undecided { reason, .. } => format!("chưa quyết định: {reason}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    pub code: String,
    pub name: String,
}

impl From<&Agency> for AgencyRef {
    fn from(a: &Agency) -> AgencyRef {
        AgencyRef {
            code: a.code.to_string(),
            name: a.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub code: String,
    pub full_name: String,
}

impl From<&AdminUnit> for UnitRef {
    fn from(u: &AdminUnit) -> UnitRef {
        UnitRef {
            code: u.code.clone(),
            full_name: u.full_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemMove {
    pub kind: String,
    pub key: String,
    pub label: String,
    pub target: Option<AgencyRef>,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyMove {
    pub agency: AgencyRef,
    pub unit: UnitRef,
    pub successors: Vec<(UnitRef, SuccessionLink)>,
    pub target: Option<AgencyRef>,
    pub decision: Decision,
    pub items: Vec<ItemMove>,
}

/// What moves where at one effective date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionPlan {
    pub effective: NaiveDate,
    pub agencies: Vec<AgencyMove>,
    /// Assignments that matched no abolished agency or unit (probably typing mistakes).
    pub unused_assignments: Vec<Assignment>,
}

/// How many items of one kind a plan lists, and how many of them have a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub kind: String,
    pub total: usize,
    pub decided: usize,
}

/// One line of what is left for a person to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecided {
    pub agency: AgencyRef,
    pub item: Option<(String, String)>,
    pub reason: String,
    pub hint: String,
}

impl TransitionPlan {
    pub fn undecided(&self) -> Vec<Undecided> {
        let mut out = Vec::new();
        for m in &self.agencies {
            if let Decision::Undecided { reason, hint } = &m.decision {
                out.push(Undecided {
                    agency: m.agency.clone(),
                    item: None,
                    reason: reason.clone(),
                    hint: hint.clone(),
                });
            }
            for item in &m.items {
                if let (None, Decision::Undecided { reason, hint }) = (&item.target, &item.decision)
                {
                    out.push(Undecided {
                        agency: m.agency.clone(),
                        item: Some((item.kind.clone(), item.key.clone())),
                        reason: reason.clone(),
                        hint: hint.clone(),
                    });
                }
            }
        }
        out
    }

    pub fn moved_item_count(&self) -> usize {
        self.agencies
            .iter()
            .flat_map(|m| &m.items)
            .filter(|i| i.target.is_some())
            .count()
    }

    pub fn item_count(&self) -> usize {
        self.agencies.iter().map(|m| m.items.len()).sum()
    }

    /// Per item kind (in order of first appearance): how many items, how many decided.
    pub fn counts_by_kind(&self) -> Vec<KindCount> {
        let mut out: Vec<KindCount> = Vec::new();
        for item in self.agencies.iter().flat_map(|m| &m.items) {
            let i = match out.iter().position(|c| c.kind == item.kind) {
                Some(i) => i,
                None => {
                    out.push(KindCount {
                        kind: item.kind.clone(),
                        total: 0,
                        decided: 0,
                    });
                    out.len() - 1
                }
            };
            out[i].total += 1;
            out[i].decided += usize::from(item.target.is_some());
        }
        out
    }
}

/// Options of a plan: assignments given by hand, and whether dossiers of a split unit
/// may follow the applicant's address.
#[derive(Debug, Clone, Default)]
pub struct PlanRules {
    pub assignments: Vec<Assignment>,
    pub by_address: bool,
}

/// Decides every move. `working` are the agencies that work at the effective date.
pub fn plan(
    effective: NaiveDate,
    abolished: &[AbolishedAgency],
    working: &[Agency],
    rules: &PlanRules,
) -> TransitionPlan {
    let mut used = BTreeSet::new();
    let mut agencies = Vec::new();
    for a in abolished {
        let successor_units: Vec<&AdminUnit> = {
            let mut seen = BTreeSet::new();
            a.successors
                .iter()
                .map(|(u, _)| u)
                .filter(|u| seen.insert(u.code.clone()))
                .collect()
        };
        let (target, decision) = decide_agency(a, &successor_units, working, rules, &mut used);
        let items = a
            .items
            .iter()
            .map(|item| match &target {
                Some(t) => ItemMove {
                    kind: item.kind.clone(),
                    key: item.key.clone(),
                    label: item.label.clone(),
                    target: Some(t.clone()),
                    decision: decision.clone(),
                },
                None => decide_item(item, a, &successor_units, working, rules, &decision),
            })
            .collect();
        agencies.push(AgencyMove {
            agency: (&a.agency).into(),
            unit: (&a.unit).into(),
            successors: a.successors.iter().map(|(u, l)| (u.into(), *l)).collect(),
            target,
            decision,
            items,
        });
    }
    let unused_assignments = rules
        .assignments
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, a)| a.clone())
        .collect();
    TransitionPlan {
        effective,
        agencies,
        unused_assignments,
    }
}

/// The working agency that serves `unit_code` in the role `like` had.
fn agency_for_unit<'a>(
    unit_code: &str,
    like: &Agency,
    working: &'a [Agency],
) -> Result<&'a Agency, String> {
    let at_unit: Vec<&Agency> = working
        .iter()
        .filter(|w| w.unit_code == unit_code)
        .collect();
    let same_kind: Vec<&Agency> = at_unit
        .iter()
        .copied()
        .filter(|w| w.kind == like.kind)
        .collect();
    match (same_kind.as_slice(), at_unit.as_slice()) {
        ([one], _) => Ok(one),
        ([], [one]) => Ok(one),
        ([], []) => Err(format!(
            "đơn vị {unit_code} chưa có cơ quan nào đang hoạt động"
        )),
        _ => Err(format!(
            "đơn vị {unit_code} có nhiều cơ quan cùng loại; hãy chỉ định mã cơ quan"
        )),
    }
}

fn undecided(reason: impl Into<String>, hint: impl Into<String>) -> Decision {
    Decision::Undecided {
        reason: reason.into(),
        hint: hint.into(),
    }
}

fn decide_agency(
    a: &AbolishedAgency,
    successors: &[&AdminUnit],
    working: &[Agency],
    rules: &PlanRules,
    used: &mut BTreeSet<usize>,
) -> (Option<AgencyRef>, Decision) {
    let code = a.agency.code.as_str();
    let find_assignment = |old: &str| rules.assignments.iter().position(|x| x.old == old);
    if let Some(i) = find_assignment(code) {
        used.insert(i);
        let new = &rules.assignments[i].new;
        return match working.iter().find(|w| w.code.as_str() == new) {
            Some(t) => (Some(t.into()), Decision::Assigned),
            None => (
                None,
                undecided(
                    format!("cơ quan {new} được phân định không hoạt động tại ngày hiệu lực"),
                    format!("--assign {code}=<mã cơ quan đang hoạt động>"),
                ),
            ),
        };
    }
    let unit_choice = if let Some(i) = find_assignment(&a.unit.code) {
        used.insert(i);
        Some((rules.assignments[i].new.clone(), Decision::Assigned))
    } else if let [one] = successors {
        Some((one.code.clone(), Decision::Succession))
    } else {
        None
    };
    if let Some((unit_code, decision)) = unit_choice {
        return match agency_for_unit(&unit_code, &a.agency, working) {
            Ok(t) => (Some(t.into()), decision),
            Err(reason) => (
                None,
                undecided(reason, format!("--assign {code}=<mã cơ quan>")),
            ),
        };
    }
    if successors.is_empty() {
        let parent = a
            .agency
            .parent_code
            .as_ref()
            .and_then(|p| working.iter().find(|w| &w.code == p));
        return match parent {
            Some(p) => (Some(p.into()), Decision::ParentAgency),
            None => (
                None,
                undecided(
                    "đơn vị không có đơn vị kế thừa và cơ quan không có cơ quan cấp trên đang hoạt động",
                    format!("--assign {code}=<mã cơ quan>"),
                ),
            ),
        };
    }
    let names: Vec<String> = successors
        .iter()
        .map(|u| format!("{} ({})", u.full_name, u.code))
        .collect();
    let hints: Vec<String> = successors
        .iter()
        .map(|u| format!("--assign {}={}", a.unit.code, u.code))
        .collect();
    (
        None,
        undecided(
            format!("{} được chia cho {}", a.unit.full_name, names.join(", ")),
            format!(
                "{}; hoặc --by-address để hồ sơ theo địa chỉ người nộp",
                hints.join(" hoặc ")
            ),
        ),
    )
}

fn decide_item(
    item: &BoundItem,
    a: &AbolishedAgency,
    successors: &[&AdminUnit],
    working: &[Agency],
    rules: &PlanRules,
    agency_decision: &Decision,
) -> ItemMove {
    let mut decision = agency_decision.clone();
    let mut target = None;
    if rules.by_address
        && let Some(address) = &item.address
    {
        let address = format!(" {} ", fold(address));
        let named: Vec<&&AdminUnit> = successors
            .iter()
            .filter(|u| address.contains(&format!(" {} ", fold(&u.name))))
            .collect();
        if let [unit] = named.as_slice() {
            match agency_for_unit(&unit.code, &a.agency, working) {
                Ok(t) => {
                    target = Some(t.into());
                    decision = Decision::Address;
                }
                Err(reason) => {
                    decision = undecided(reason, format!("--assign {}=<mã cơ quan>", a.agency.code))
                }
            }
        }
    }
    ItemMove {
        kind: item.kind.clone(),
        key: item.key.clone(),
        label: item.label.clone(),
        target,
        decision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::AgencyKind;
    use crate::unit::{UnitKind, Validity};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    fn unit(code: &str, name: &str, from: NaiveDate) -> AdminUnit {
        AdminUnit {
            code: code.into(),
            name: name.into(),
            full_name: format!("Xã {name}"),
            kind: UnitKind::Commune,
            parent_code: Some("20".into()),
            validity: Validity {
                valid_from: from,
                valid_to: None,
            },
        }
    }

    fn agency(code: &str, unit: &str) -> Agency {
        Agency::new(
            AgencyCode::parse(code).unwrap(),
            format!("UBND {unit}"),
            AgencyKind::CommuneCommittee,
            unit,
            Some(AgencyCode::parse("000.00.00.H37").unwrap()),
        )
    }

    fn user(key: &str, address: Option<&str>) -> BoundItem {
        BoundItem {
            kind: "user".into(),
            key: key.into(),
            label: key.into(),
            address: address.map(Into::into),
        }
    }

    fn setting() -> (Vec<AbolishedAgency>, Vec<Agency>) {
        let old = d(1, 1);
        let new = d(7, 1);
        let abolished = vec![
            AbolishedAgency {
                agency: agency("000.01.21.H37", "06034"),
                unit: unit("06034", "Cũ", old),
                successors: vec![(unit("06040", "Mai Pha", new), SuccessionLink::Full)],
                items: vec![user("a", None)],
            },
            AbolishedAgency {
                agency: agency("000.02.21.H37", "06622"),
                unit: unit("06622", "Bính Xá", old),
                successors: vec![
                    (unit("06613", "Đình Lập", new), SuccessionLink::Partial),
                    (unit("06625", "Kiên Mộc", new), SuccessionLink::Partial),
                ],
                items: vec![
                    user("b", Some("Thôn Pò Háng, xã Kiên Mộc")),
                    user("c", None),
                ],
            },
        ];
        let working = vec![
            agency("000.01.40.H37", "06040"),
            agency("000.02.40.H37", "06613"),
            agency("000.03.40.H37", "06625"),
        ];
        (abolished, working)
    }

    #[test]
    fn whole_successions_decide_and_splits_wait_for_a_person() {
        let (abolished, working) = setting();
        let p = plan(d(7, 1), &abolished, &working, &PlanRules::default());
        assert_eq!(p.agencies[0].decision, Decision::Succession);
        assert_eq!(p.agencies[0].target.as_ref().unwrap().code, "000.01.40.H37");
        assert_eq!(
            p.agencies[0].items[0].target.as_ref().unwrap().code,
            "000.01.40.H37"
        );
        assert!(p.agencies[1].target.is_none());
        let open = p.undecided();
        assert_eq!(open.len(), 3, "{open:?}");
        assert!(open[0].hint.contains("--assign 06622=06613"));
        assert!(open[0].reason.contains("Đình Lập"));
    }

    #[test]
    fn counts_by_kind_count_items_and_decided_ones() {
        let (mut abolished, working) = setting();
        for a in &mut abolished {
            a.items.push(BoundItem {
                kind: "dossier".into(),
                ..user("H37.1", None)
            });
        }
        let p = plan(d(7, 1), &abolished, &working, &PlanRules::default());
        let count = |kind: &str, total, decided| KindCount {
            kind: kind.into(),
            total,
            decided,
        };
        assert_eq!(
            p.counts_by_kind(),
            [count("user", 3, 1), count("dossier", 2, 1)]
        );
    }

    #[test]
    fn assignments_and_addresses_decide_the_rest() {
        let (abolished, working) = setting();
        let by_address = PlanRules {
            assignments: vec![],
            by_address: true,
        };
        let p = plan(d(7, 1), &abolished, &working, &by_address);
        let items = &p.agencies[1].items;
        assert_eq!(items[0].decision, Decision::Address);
        assert_eq!(items[0].target.as_ref().unwrap().code, "000.03.40.H37");
        assert!(items[1].target.is_none());

        let assigned = PlanRules {
            assignments: vec![
                "06622=06613".parse().unwrap(),
                "99999=00001".parse().unwrap(),
            ],
            by_address: false,
        };
        let p = plan(d(7, 1), &abolished, &working, &assigned);
        assert_eq!(p.agencies[1].decision, Decision::Assigned);
        assert_eq!(p.agencies[1].target.as_ref().unwrap().code, "000.02.40.H37");
        assert!(p.undecided().is_empty());
        assert_eq!(p.unused_assignments.len(), 1);
    }

    #[test]
    fn without_successors_the_parent_agency_takes_over() {
        let (mut abolished, mut working) = setting();
        abolished[0].successors.clear();
        working.push(Agency::new(
            AgencyCode::parse("000.00.00.H37").unwrap(),
            "UBND tỉnh",
            AgencyKind::ProvincialCommittee,
            "20",
            None,
        ));
        let p = plan(d(7, 1), &abolished, &working, &PlanRules::default());
        assert_eq!(p.agencies[0].decision, Decision::ParentAgency);
        assert_eq!(p.agencies[0].target.as_ref().unwrap().code, "000.00.00.H37");
    }

    #[test]
    fn assignments_parse_and_normalise_agency_codes() {
        let a: Assignment = "000.02.21.h37 = 000.02.40.H37".parse().unwrap();
        assert_eq!(
            (a.old.as_str(), a.new.as_str()),
            ("000.02.21.H37", "000.02.40.H37")
        );
        assert!("06622".parse::<Assignment>().is_err());
        assert!("=06613".parse::<Assignment>().is_err());
    }
}

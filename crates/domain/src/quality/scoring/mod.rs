//! The indicators, their points and the scorecard of a scope and period.

use super::*;
use serde::{Deserialize, Serialize};

mod indicators;

pub use indicators::{Indicator, Source};

/// `min(max, rate × max ÷ threshold)`; rates below zero score zero.
pub fn score(rate: f64, max: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 {
        return max;
    }
    tidy((rate.max(0.0) * max / threshold).min(max))
}

/// The six groups of Decision 766 and their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Publicity,
    Progress,
    OnlineServices,
    OnlinePayment,
    Digitisation,
    Satisfaction,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Publicity,
        Group::Progress,
        Group::OnlineServices,
        Group::OnlinePayment,
        Group::Digitisation,
        Group::Satisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Publicity => "publicity",
            Group::Progress => "progress",
            Group::OnlineServices => "online_services",
            Group::OnlinePayment => "online_payment",
            Group::Digitisation => "digitisation",
            Group::Satisfaction => "satisfaction",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Group::Publicity => "Công khai, minh bạch",
            Group::Progress => "Tiến độ, kết quả giải quyết",
            Group::OnlineServices => "Dịch vụ công trực tuyến",
            Group::OnlinePayment => "Thanh toán trực tuyến",
            Group::Digitisation => "Số hóa hồ sơ",
            Group::Satisfaction => "Mức độ hài lòng",
        }
    }

    /// The group's points in the decision.
    pub fn points(self) -> f64 {
        match self {
            Group::Publicity => 18.0,
            Group::Progress => 20.0,
            Group::OnlineServices => 12.0,
            Group::OnlinePayment => 10.0,
            Group::Digitisation => 22.0,
            Group::Satisfaction => 18.0,
        }
    }

    pub fn indicators(self) -> Vec<Indicator> {
        Indicator::ALL
            .into_iter()
            .filter(|i| i.group() == self)
            .collect()
    }
}

/// Facts of the published catalogue within a scope, counted today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueInputs {
    /// Published procedures handled in the scope.
    pub procedures: i64,
    /// Procedures of the scope announced by a decision dated in the period (each once).
    pub announced: i64,
    /// Of those, every announcement in the period dated on or before the day the procedure
    /// takes effect.
    pub announced_on_time: i64,
    /// Of those, with complete published information.
    pub complete: i64,
    /// Of those, with an online service (toàn trình or một phần).
    pub online: i64,
    /// Of those, toàn trình.
    pub full_online: i64,
    /// Of those, eligible for toàn trình: every procedure but those that publish why they
    /// are not (DOMAIN.md §3, Decree 42/2022).
    pub full_online_eligible: i64,
    /// Online services that received an online dossier in the period.
    pub online_used: i64,
    /// Procedures with a fee or charge above zero.
    pub with_fees: i64,
    /// Of those, payable online.
    pub payable_online: i64,
    /// Of those, with a dossier paid online in the period.
    pub paid_online: i64,
}

/// What the documents show for the dossiers received in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInputs {
    /// With at least one component, every component digitised.
    pub digitised: i64,
    /// With a component taken from the applicant's store.
    pub reused: i64,
    /// With a component taken from the applicant's store or a result put into it.
    pub linked_store: i64,
    /// Decided in the period with a result that exists as a signed electronic document
    /// (by the handling agency).
    pub signed_results: i64,
    /// Received in the period and accepted by the national portal.
    #[serde(default)]
    pub synchronised: i64,
}

/// Everything a scorecard is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub counters: Counters,
    pub catalogue: CatalogueInputs,
    pub documents: DocumentInputs,
}

/// One indicator's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    pub max_points: f64,
    pub threshold: f64,
    /// None: no data.
    pub rate: Option<f64>,
    /// 0 when there is no data.
    pub points: f64,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Why there is no rate.
    pub no_data: Option<&'static str>,
}

impl IndicatorScore {
    /// Scored, and scored 0 for want of data.
    pub fn is_missing(&self) -> bool {
        self.rate.is_none() && self.indicator.is_scored()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub group: Group,
    pub max_points: f64,
    pub points: f64,
    /// The points of its indicators that have no data (scored 0).
    pub missing_points: f64,
    pub indicators: Vec<IndicatorScore>,
}

impl GroupScore {
    /// Points earned per 100 of the group's points.
    pub fn percent(&self) -> f64 {
        tidy(self.points / self.max_points * 100.0)
    }
}

/// The index: every group's points added up, out of 100, never rescaled (the portal sums
/// the group scores; no source rescales over the indicators that have data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub groups: Vec<GroupScore>,
    pub max_points: f64,
    pub points: f64,
    /// The points of indicators with no data, which scored 0.
    pub missing_points: f64,
}

impl Scorecard {
    /// The index out of 100.
    pub fn index(&self) -> f64 {
        self.points
    }

    pub fn indicator(&self, which: Indicator) -> Option<&IndicatorScore> {
        self.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .find(|i| i.indicator == which)
    }

    /// The scored indicators with no data.
    pub fn missing(&self) -> impl Iterator<Item = &IndicatorScore> {
        self.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .filter(|i| i.is_missing())
    }
}

/// A figure fit for display and JSON: never `-0.0`.
pub fn tidy(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

pub const NO_DATA: &str = "không có dữ liệu";
const NO_DOSSIERS: &str = "không có hồ sơ trong kỳ";
const NO_PROCEDURES: &str = "không có thủ tục thuộc phạm vi";
const NO_ANNOUNCEMENTS: &str = "không có thủ tục được công bố trong kỳ";
const NO_FEES: &str = "không có thủ tục có phí, lệ phí";
const NO_FEE_DOSSIERS: &str = "không có hồ sơ có nghĩa vụ tài chính";

fn ratio(
    numerator: i64,
    denominator: i64,
    empty: &'static str,
) -> Result<(f64, i64, i64), &'static str> {
    if denominator <= 0 {
        Err(empty)
    } else {
        Ok((
            tidy(numerator as f64 / denominator as f64),
            numerator,
            denominator,
        ))
    }
}

fn measure(i: Indicator, inputs: &Inputs) -> Result<(f64, Option<i64>, Option<i64>), &'static str> {
    use Indicator as I;
    let c = &inputs.counters;
    let k = &inputs.catalogue;
    let d = &inputs.documents;
    let with = |r: Result<(f64, i64, i64), &'static str>| r.map(|(r, n, d)| (r, Some(n), Some(d)));
    match i {
        I::AnnouncedOnTime => with(ratio(k.announced_on_time, k.announced, NO_ANNOUNCEMENTS)),
        I::CompleteInformation => with(ratio(k.complete, k.procedures, NO_PROCEDURES)),
        // Accepted by the portal at least once (`national_sync`); one-way synchronisation
        // counts (docs/decision-766-method.md, 1.4).
        I::PortalSync => with(ratio(d.synchronised, c.received, NO_DOSSIERS)),
        I::FullOnlineShare => with(ratio(k.full_online, k.full_online_eligible, NO_PROCEDURES)),
        I::OnlineServicesUsed => with(ratio(k.online_used, k.online, NO_PROCEDURES)),
        I::OnTime => with(ratio(c.timed - c.timed_late, c.timed, NO_DOSSIERS)),
        I::AverageTime => {
            if c.finished <= 0 {
                Err(NO_DOSSIERS)
            } else if c.time_used_minutes <= c.time_allowed_minutes {
                Ok((1.0, Some(c.time_allowed_minutes), Some(c.time_used_minutes)))
            } else {
                Ok((
                    c.time_allowed_minutes as f64 / c.time_used_minutes as f64,
                    Some(c.time_allowed_minutes),
                    Some(c.time_used_minutes),
                ))
            }
        }
        I::ReceivedOnline => with(ratio(c.received_online, c.received, NO_DOSSIERS)),
        I::FeesPayableOnline => with(ratio(k.payable_online, k.with_fees, NO_FEES)),
        I::ProceduresPaidOnline => with(ratio(k.paid_online, k.with_fees, NO_FEES)),
        I::PaidOnline => with(ratio(c.paid_online, c.fee_requested, NO_FEE_DOSSIERS)),
        I::ElectronicResult => with(ratio(d.signed_results, c.with_result, NO_DOSSIERS)),
        I::Digitised => with(ratio(d.digitised, c.received, NO_DOSSIERS)),
        I::Reuse => with(ratio(d.reused, c.received, NO_DOSSIERS)),
        I::DocumentStoreLinks => with(ratio(d.linked_store, c.received, NO_DOSSIERS)),
        // Decision 766, group 5: (all − late, disliked or complained about) ÷ all, each
        // dossier subtracted once.
        I::ProcedureSatisfaction => {
            with(ratio(c.finished - c.dissatisfied, c.finished, NO_DOSSIERS))
        }
        I::UpdatedOnTime
        | I::PopulationDataProcedures
        | I::PopulationDataDossiers
        | I::CertifiedCopies
        | I::ComplaintsOnTime
        | I::ComplaintSatisfaction => Err(NO_DATA),
    }
}

/// The scorecard of one scope and period.
pub fn evaluate(inputs: &Inputs) -> Scorecard {
    let groups: Vec<GroupScore> = Group::ALL
        .into_iter()
        .map(|group| {
            let indicators: Vec<IndicatorScore> = group
                .indicators()
                .into_iter()
                .map(|i| {
                    let (max, threshold) = (i.max_points(), i.threshold());
                    let measured = measure(i, inputs);
                    let (rate, numerator, denominator) = match measured {
                        Ok((rate, n, d)) => (Some(rate), n, d),
                        Err(_) => (None, None, None),
                    };
                    IndicatorScore {
                        indicator: i,
                        max_points: max,
                        threshold,
                        points: tidy(rate.map_or(0.0, |r| score(r, max, threshold))),
                        rate,
                        numerator,
                        denominator,
                        no_data: measured.err(),
                    }
                })
                .collect();
            GroupScore {
                group,
                max_points: group.points(),
                points: tidy(indicators.iter().map(|i| i.points).sum()),
                // An empty f64 sum is -0.0.
                missing_points: tidy(
                    indicators
                        .iter()
                        .filter(|i| i.is_missing())
                        .map(|i| i.max_points)
                        .sum(),
                ),
                indicators,
            }
        })
        .collect();
    Scorecard {
        max_points: groups.iter().map(|g| g.max_points).sum(),
        points: tidy(groups.iter().map(|g| g.points).sum()),
        missing_points: tidy(groups.iter().map(|g| g.missing_points).sum()),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn groups_add_up_to_one_hundred_and_indicators_to_their_group() {
        let total: f64 = Group::ALL.iter().map(|g| g.points()).sum();
        assert!(close(total, 100.0));
        for g in Group::ALL {
            let sum: f64 = g.indicators().iter().map(|i| i.max_points()).sum();
            assert!(close(sum, g.points()), "{g:?}: {sum}");
        }
    }

    #[test]
    fn below_the_threshold_an_indicator_scores_in_proportion() {
        // Dossiers received online: 30% against a 50% threshold, 4 points → 4 × 0.3 ÷ 0.5.
        assert!(close(score(0.3, 4.0, 0.5), 2.4));
        assert!(close(score(0.5, 4.0, 0.5), 4.0));
        assert!(close(score(0.9, 4.0, 0.5), 4.0));
        // Toàn trình: 21 of 25 = 84% ≥ 80% → full marks; 60% → 4 × 0.6 ÷ 0.8 = 3.
        assert!(close(score(21.0 / 25.0, 4.0, 0.8), 4.0));
        assert!(close(score(0.6, 4.0, 0.8), 3.0));
        assert!(close(score(-0.2, 4.0, 0.8), 0.0));
        assert!(close(score(0.45, 14.0, 1.0), 6.3));
    }

    fn hand_inputs() -> Inputs {
        Inputs {
            counters: Counters {
                received: 10,
                received_online: 3,
                finished: 8,
                on_time: 6,
                late: 2,
                // All 10 received: 3 late (one of them open and past due when read), 2 open.
                timed: 10,
                timed_late: 3,
                timed_open: 2,
                with_result: 5,
                time_used_minutes: 1200,
                time_allowed_minutes: 900,
                rated: 4,
                disliked: 1,
                // The 2 late dossiers and 1 disliked one that was on time.
                dissatisfied: 3,
                fee_requested: 2,
                ..Counters::default()
            },
            catalogue: CatalogueInputs {
                procedures: 10,
                announced: 4,
                announced_on_time: 4,
                complete: 5,
                online: 8,
                full_online: 6,
                full_online_eligible: 8,
                online_used: 2,
                with_fees: 4,
                payable_online: 0,
                paid_online: 0,
            },
            documents: DocumentInputs {
                digitised: 5,
                reused: 2,
                linked_store: 3,
                signed_results: 4,
                synchronised: 0,
            },
        }
    }

    #[test]
    fn a_hand_computed_scorecard_is_out_of_one_hundred() {
        let card = evaluate(&hand_inputs());
        let points = |i: Indicator| card.indicator(i).unwrap().points;
        // Publicity: 6 × 4/4 announced in the period + 0 (1.2, no data) + 2 × 5/10
        // + 6 × 0/10 (nothing synced).
        assert_eq!(points(Indicator::AnnouncedOnTime), 6.0);
        assert_eq!(points(Indicator::UpdatedOnTime), 0.0);
        assert_eq!(points(Indicator::CompleteInformation), 1.0);
        assert_eq!(points(Indicator::PortalSync), 0.0);
        // Progress: of the 10 received, 3 are late: 20 × 7/10 = 14. The average time is shown (900/1200) but not scored.
        assert_eq!(points(Indicator::OnTime), 14.0);
        let on_time = card.indicator(Indicator::OnTime).unwrap();
        assert_eq!(
            (on_time.numerator, on_time.denominator),
            (Some(7), Some(10))
        );
        let average = card.indicator(Indicator::AverageTime).unwrap();
        assert_eq!((average.rate, average.points), (Some(0.75), 0.0));
        // Online: 6 toàn trình of 8 eligible = 75% of an 80% threshold → 2 × 0.75 ÷ 0.8 = 1.875;
        // 2 of 8 online services used → 1;
        // 3/10 online of a 50% threshold → 6 × 0.3 ÷ 0.5 = 3.6.
        assert!(close(points(Indicator::FullOnlineShare), 1.875));
        assert_eq!(points(Indicator::OnlineServicesUsed), 1.0);
        assert!(close(points(Indicator::ReceivedOnline), 3.6));
        // Payment: 0 of 4 fee-bearing procedures payable online, 0 of 2 dossiers paid online.
        assert_eq!(points(Indicator::FeesPayableOnline), 0.0);
        assert_eq!(points(Indicator::PaidOnline), 0.0);
        // Digitisation: electronic results 4/5 → 6 × 0.8 = 4.8; 5/10 digitised of an 80%
        // threshold → 4 × 0.5 ÷ 0.8 = 2.5; 2/10 reused → 2 × 0.2 ÷ 0.8 = 0.5; 3/10 linked
        // with the applicant's store → 4 × 0.3 = 1.2.
        assert!(close(points(Indicator::ElectronicResult), 4.8));
        assert_eq!(points(Indicator::Digitised), 2.5);
        assert_eq!(points(Indicator::Reuse), 0.5);
        assert!(close(points(Indicator::DocumentStoreLinks), 1.2));
        // Satisfaction: (8 − 3) ÷ 8 = 62.5% of a 90% threshold → 6 × 0.625 ÷ 0.9.
        assert!(close(
            points(Indicator::ProcedureSatisfaction),
            6.0 * 0.625 / 0.9
        ));
        let earned = 7.0 + 14.0 + 6.475 + 0.0 + (4.8 + 2.5 + 0.5 + 1.2) + 6.0 * 0.625 / 0.9;
        assert!(close(card.points, earned), "{}", card.points);
        assert!(close(card.index(), earned), "never rescaled");
        assert_eq!(card.max_points, 100.0);
        // Without data: 1.2 (4), population data and certified copies (2+2+2), complaints (6+6).
        assert_eq!(card.missing_points, 22.0);
        let missing: Vec<_> = card.missing().map(|i| i.indicator).collect();
        assert_eq!(missing.len(), 6);
        assert!(missing.contains(&Indicator::UpdatedOnTime));
        assert!(!missing.contains(&Indicator::PortalSync), "a known zero");
        assert!(
            !missing.contains(&Indicator::FeesPayableOnline),
            "a known zero"
        );
        assert!(!missing.contains(&Indicator::AverageTime), "not scored");
        let group = |g: Group| card.groups.iter().find(|x| x.group == g).unwrap().clone();
        assert_eq!(group(Group::Publicity).points, 7.0);
        assert_eq!(group(Group::Publicity).missing_points, 4.0);
        assert_eq!(group(Group::OnlinePayment).points, 0.0);
        assert_eq!(group(Group::OnlinePayment).missing_points, 0.0);
        assert!(close(group(Group::Progress).percent(), 70.0));
    }

    #[test]
    fn satisfaction_subtracts_each_unhappy_dossier_once_from_all() {
        // One dislike among one rating, nine other dossiers on time and unrated: 9 ÷ 10, not
        // 1 − 1/1. 90% meets the threshold: full marks.
        let inputs = Inputs {
            counters: Counters {
                finished: 10,
                on_time: 10,
                rated: 1,
                disliked: 1,
                dissatisfied: 1,
                ..Counters::default()
            },
            ..Inputs::default()
        };
        let card = evaluate(&inputs);
        let s = card.indicator(Indicator::ProcedureSatisfaction).unwrap();
        assert_eq!((s.numerator, s.denominator), (Some(9), Some(10)));
        assert_eq!(s.points, 6.0);
    }

    #[test]
    fn nothing_to_count_scores_zero_and_is_listed() {
        let card = evaluate(&Inputs::default());
        assert_eq!(card.index(), 0.0);
        let on_time = card.indicator(Indicator::OnTime).unwrap();
        assert_eq!(on_time.points, 0.0);
        assert_eq!(on_time.no_data, Some("không có hồ sơ trong kỳ"));
        // Everything scored is missing: 100 points.
        assert_eq!(card.missing_points, 100.0);
        // With dossiers received, zero digitised is a real zero.
        let inputs = Inputs {
            counters: Counters {
                received: 4,
                ..Counters::default()
            },
            documents: DocumentInputs {
                digitised: 2,
                ..DocumentInputs::default()
            },
            ..Inputs::default()
        };
        let card = evaluate(&inputs);
        // 2/4 = 50% of an 80% threshold → 4 × 0.5 ÷ 0.8 = 2.5.
        assert_eq!(card.indicator(Indicator::Digitised).unwrap().points, 2.5);
        let reuse = card.indicator(Indicator::Reuse).unwrap();
        assert_eq!((reuse.rate, reuse.points), (Some(0.0), 0.0));
    }

    #[test]
    fn no_negative_zero_reaches_json() {
        let json = serde_json::to_string(&evaluate(&Inputs::default())).unwrap();
        assert!(!json.contains("-0"), "{json}");
        // A group with every indicator's data (no missing points) sums an empty list.
        let json = serde_json::to_string(&evaluate(&hand_inputs())).unwrap();
        assert!(!json.contains("-0"), "{json}");
        assert_eq!(tidy(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(score(-0.0, 6.0, 0.9).to_bits(), 0.0f64.to_bits());
    }
}

//! The indicators, their points and the scorecard of a scope and period.

use super::*;
use serde::{Deserialize, Serialize};

/// `min(max, rate × max ÷ threshold)`; rates below zero score zero.
pub fn score(rate: f64, max: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 {
        return max;
    }
    (rate.max(0.0) * max / threshold).min(max)
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

/// The indicators, in the order of their groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    AnnouncedOnTime,
    CompleteInformation,
    PortalSync,
    OnTime,
    AverageTime,
    FullOnlineShare,
    OnlineServicesUsed,
    ReceivedOnline,
    FeesPayableOnline,
    PaidOnline,
    ElectronicResult,
    Digitised,
    Reuse,
    DocumentStoreLinks,
    PopulationDatabase,
    ComplaintsOnTime,
    ComplaintSatisfaction,
    ProcedureSatisfaction,
}

/// Where an indicator's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The published catalogue, as it stands today.
    Catalogue,
    /// The dossier counters of the period.
    Dossiers,
    /// Data motcua does not hold (yet): never scored.
    NotHeld,
}

impl Indicator {
    pub const ALL: [Indicator; 18] = [
        Indicator::AnnouncedOnTime,
        Indicator::CompleteInformation,
        Indicator::PortalSync,
        Indicator::OnTime,
        Indicator::AverageTime,
        Indicator::FullOnlineShare,
        Indicator::OnlineServicesUsed,
        Indicator::ReceivedOnline,
        Indicator::FeesPayableOnline,
        Indicator::PaidOnline,
        Indicator::ElectronicResult,
        Indicator::Digitised,
        Indicator::Reuse,
        Indicator::DocumentStoreLinks,
        Indicator::PopulationDatabase,
        Indicator::ComplaintsOnTime,
        Indicator::ComplaintSatisfaction,
        Indicator::ProcedureSatisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::AnnouncedOnTime => "announced_on_time",
            Indicator::CompleteInformation => "complete_information",
            Indicator::PortalSync => "portal_sync",
            Indicator::OnTime => "on_time",
            Indicator::AverageTime => "average_time",
            Indicator::FullOnlineShare => "full_online_share",
            Indicator::OnlineServicesUsed => "online_services_used",
            Indicator::ReceivedOnline => "received_online",
            Indicator::FeesPayableOnline => "fees_payable_online",
            Indicator::PaidOnline => "paid_online",
            Indicator::ElectronicResult => "electronic_result",
            Indicator::Digitised => "digitised",
            Indicator::Reuse => "reuse",
            Indicator::DocumentStoreLinks => "document_store_links",
            Indicator::PopulationDatabase => "population_database",
            Indicator::ComplaintsOnTime => "complaints_on_time",
            Indicator::ComplaintSatisfaction => "complaint_satisfaction",
            Indicator::ProcedureSatisfaction => "procedure_satisfaction",
        }
    }

    pub fn group(self) -> Group {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::PortalSync => Group::Publicity,
            I::OnTime | I::AverageTime => Group::Progress,
            I::FullOnlineShare | I::OnlineServicesUsed | I::ReceivedOnline => Group::OnlineServices,
            I::FeesPayableOnline | I::PaidOnline => Group::OnlinePayment,
            I::ElectronicResult
            | I::Digitised
            | I::Reuse
            | I::DocumentStoreLinks
            | I::PopulationDatabase => Group::Digitisation,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => {
                Group::Satisfaction
            }
        }
    }

    /// The indicator's share of its group's points (motcua's split; the groups' totals
    /// are the decision's).
    pub fn max_points(self) -> f64 {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::PortalSync => 6.0,
            I::OnTime => 14.0,
            I::AverageTime => 6.0,
            I::FullOnlineShare | I::OnlineServicesUsed | I::ReceivedOnline => 4.0,
            I::FeesPayableOnline | I::PaidOnline => 5.0,
            I::ElectronicResult | I::Digitised => 6.0,
            I::Reuse => 4.0,
            I::DocumentStoreLinks | I::PopulationDatabase => 3.0,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => 6.0,
        }
    }

    /// The rate at which the indicator earns full marks (1.0 = 100%).
    pub fn threshold(self) -> f64 {
        use Indicator as I;
        match self {
            I::FullOnlineShare | I::FeesPayableOnline | I::Digitised | I::Reuse => 0.8,
            I::ReceivedOnline => 0.5,
            I::ProcedureSatisfaction => 0.9,
            _ => 1.0,
        }
    }

    pub fn source(self) -> Source {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::FullOnlineShare => Source::Catalogue,
            I::OnTime
            | I::AverageTime
            | I::OnlineServicesUsed
            | I::ReceivedOnline
            | I::ElectronicResult
            | I::ProcedureSatisfaction
            | I::Digitised
            | I::Reuse => Source::Dossiers,
            I::PortalSync
            | I::FeesPayableOnline
            | I::PaidOnline
            | I::DocumentStoreLinks
            | I::PopulationDatabase
            | I::ComplaintsOnTime
            | I::ComplaintSatisfaction => Source::NotHeld,
        }
    }

    pub fn label_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => "TTHC được công bố, công khai đúng hạn",
            I::CompleteInformation => "TTHC được công khai đầy đủ thông tin",
            I::PortalSync => "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
            I::OnTime => "Hồ sơ giải quyết đúng hạn",
            I::AverageTime => "Thời gian giải quyết trung bình so với thời hạn",
            I::FullOnlineShare => "TTHC có dịch vụ công trực tuyến toàn trình",
            I::OnlineServicesUsed => "Dịch vụ công trực tuyến có phát sinh hồ sơ",
            I::ReceivedOnline => "Hồ sơ được tiếp nhận trực tuyến",
            I::FeesPayableOnline => "TTHC có phí, lệ phí cho phép thanh toán trực tuyến",
            I::PaidOnline => "Hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến",
            I::ElectronicResult => "Hồ sơ được cấp kết quả điện tử",
            I::Digitised => "Hồ sơ được số hóa",
            I::Reuse => "Khai thác, sử dụng lại dữ liệu đã số hóa",
            I::DocumentStoreLinks => "Kết nối kho dữ liệu của tổ chức, cá nhân",
            I::PopulationDatabase => "Khai thác Cơ sở dữ liệu quốc gia về dân cư",
            I::ComplaintsOnTime => "Phản ánh, kiến nghị được xử lý đúng hạn (15 ngày làm việc)",
            I::ComplaintSatisfaction => "Hài lòng về xử lý phản ánh, kiến nghị",
            I::ProcedureSatisfaction => "Mức độ hài lòng về giải quyết TTHC",
        }
    }

    /// How motcua computes it, or why it cannot.
    pub fn method_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => {
                "Số TTHC đang công bố có quyết định công bố ban hành trước hoặc đúng ngày TTHC có hiệu lực, trên tổng số TTHC đang công bố thuộc phạm vi."
            }
            I::CompleteInformation => {
                "Số TTHC có đủ căn cứ pháp lý, trình tự, thành phần hồ sơ, kết quả và thời hạn, trên tổng số TTHC đang công bố thuộc phạm vi."
            }
            I::PortalSync => "motcua chưa kết nối Cổng Dịch vụ công quốc gia.",
            I::OnTime => {
                "Hồ sơ giải quyết xong trước hoặc đúng ngày hẹn trên giấy tiếp nhận (thời gian bổ sung hồ sơ không tính; phiếu xin lỗi không đổi ngày hẹn; yêu cầu bổ sung quá một lần tính là quá hạn), trên tổng số hồ sơ đã giải quyết trong kỳ."
            }
            I::AverageTime => {
                "Tổng thời gian được phép (từ lúc bắt đầu tính đến ngày hẹn) chia cho tổng thời gian thực tế đến khi giải quyết xong, tối đa 100%."
            }
            I::FullOnlineShare => {
                "Số TTHC toàn trình trên số TTHC có dịch vụ trực tuyến (toàn trình hoặc một phần) thuộc phạm vi; đủ điểm từ 80%."
            }
            I::OnlineServicesUsed => {
                "Số dịch vụ công trực tuyến thuộc phạm vi có hồ sơ tiếp nhận trực tuyến trong kỳ, trên tổng số dịch vụ công trực tuyến thuộc phạm vi."
            }
            I::ReceivedOnline => {
                "Hồ sơ nộp trực tuyến trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 50%."
            }
            I::FeesPayableOnline => {
                "Danh mục TTHC của motcua chưa ghi nhận thủ tục nào nhận thanh toán trực tuyến."
            }
            I::PaidOnline => {
                "motcua chưa ghi nhận hình thức nộp phí, lệ phí (chưa kết nối nền tảng thanh toán)."
            }
            I::ElectronicResult => {
                "Hồ sơ có kết quả bản điện tử trên tổng số hồ sơ có kết quả trong kỳ."
            }
            I::Digitised => {
                "Hồ sơ được số hóa thành phần trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Chưa có dữ liệu số hóa."
            }
            I::Reuse => {
                "Hồ sơ sử dụng lại dữ liệu đã số hóa trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Chưa có dữ liệu số hóa."
            }
            I::DocumentStoreLinks => "motcua chưa kết nối kho dữ liệu của tổ chức, cá nhân.",
            I::PopulationDatabase => "motcua chưa kết nối Cơ sở dữ liệu quốc gia về dân cư.",
            I::ComplaintsOnTime | I::ComplaintSatisfaction => {
                "motcua chưa tiếp nhận, xử lý phản ánh, kiến nghị."
            }
            I::ProcedureSatisfaction => {
                "100% trừ (tỷ lệ hồ sơ quá hạn + tỷ lệ đánh giá không hài lòng); đủ điểm từ 90%. Phản ánh, kiến nghị chưa có dữ liệu nên chưa được trừ."
            }
        }
    }
}

/// Facts of the published catalogue within a scope, counted today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueInputs {
    /// Published procedures handled in the scope.
    pub procedures: i64,
    /// Of those, published under a decision dated on or before the day they take effect.
    pub announced_on_time: i64,
    /// Of those, with complete published information.
    pub complete: i64,
    /// Of those, with an online service (toàn trình or một phần).
    pub online: i64,
    /// Of those, toàn trình.
    pub full_online: i64,
    /// Online services that received an online dossier in the period.
    pub online_used: i64,
}

/// Everything a scorecard is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub counters: Counters,
    pub catalogue: CatalogueInputs,
    /// Whether digitisation is recorded at all (until it is, 0 digitised means "no data").
    pub digitisation_recorded: bool,
}

/// One indicator's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    pub max_points: f64,
    pub threshold: f64,
    /// None: no data, left out of the denominator.
    pub rate: Option<f64>,
    pub points: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Why there is no rate.
    pub no_data: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub group: Group,
    pub max_points: f64,
    /// The maximum of the indicators with data.
    pub available_points: f64,
    pub points: f64,
    pub indicators: Vec<IndicatorScore>,
}

impl GroupScore {
    /// Points earned per 100 available, or None when nothing in the group has data.
    pub fn percent(&self) -> Option<f64> {
        (self.available_points > 0.0).then(|| self.points / self.available_points * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub groups: Vec<GroupScore>,
    pub max_points: f64,
    pub available_points: f64,
    pub points: f64,
}

impl Scorecard {
    /// The index on a 100-point scale over the indicators with data.
    pub fn index(&self) -> Option<f64> {
        (self.available_points > 0.0).then(|| self.points / self.available_points * 100.0)
    }

    pub fn indicator(&self, which: Indicator) -> Option<&IndicatorScore> {
        self.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .find(|i| i.indicator == which)
    }
}

pub const NO_DATA: &str = "không có dữ liệu";
const NO_DOSSIERS: &str = "không có hồ sơ trong kỳ";
const NO_PROCEDURES: &str = "không có thủ tục thuộc phạm vi";

fn ratio(
    numerator: i64,
    denominator: i64,
    empty: &'static str,
) -> Result<(f64, i64, i64), &'static str> {
    if denominator <= 0 {
        Err(empty)
    } else {
        Ok((
            numerator as f64 / denominator as f64,
            numerator,
            denominator,
        ))
    }
}

fn measure(i: Indicator, inputs: &Inputs) -> Result<(f64, Option<i64>, Option<i64>), &'static str> {
    use Indicator as I;
    let c = &inputs.counters;
    let k = &inputs.catalogue;
    let with = |r: Result<(f64, i64, i64), &'static str>| r.map(|(r, n, d)| (r, Some(n), Some(d)));
    match i {
        I::AnnouncedOnTime => with(ratio(k.announced_on_time, k.procedures, NO_PROCEDURES)),
        I::CompleteInformation => with(ratio(k.complete, k.procedures, NO_PROCEDURES)),
        I::FullOnlineShare => with(ratio(k.full_online, k.online, NO_PROCEDURES)),
        I::OnlineServicesUsed => with(ratio(k.online_used, k.online, NO_PROCEDURES)),
        I::OnTime => with(ratio(c.on_time, c.finished, NO_DOSSIERS)),
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
        I::ElectronicResult => with(ratio(c.electronic_result, c.with_result, NO_DOSSIERS)),
        I::Digitised | I::Reuse if !inputs.digitisation_recorded => Err(NO_DATA),
        I::Digitised => with(ratio(c.digitised, c.received, NO_DOSSIERS)),
        I::Reuse => with(ratio(c.reused, c.received, NO_DOSSIERS)),
        I::ProcedureSatisfaction => {
            if c.finished <= 0 {
                return Err(NO_DOSSIERS);
            }
            let late = c.late as f64 / c.finished as f64;
            let disliked = if c.rated > 0 {
                c.disliked as f64 / c.rated as f64
            } else {
                0.0
            };
            Ok(((1.0 - late - disliked).max(0.0), None, None))
        }
        I::PortalSync
        | I::FeesPayableOnline
        | I::PaidOnline
        | I::DocumentStoreLinks
        | I::PopulationDatabase
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
                    match measure(i, inputs) {
                        Ok((rate, numerator, denominator)) => IndicatorScore {
                            indicator: i,
                            max_points: max,
                            threshold,
                            rate: Some(rate),
                            points: Some(score(rate, max, threshold)),
                            numerator,
                            denominator,
                            no_data: None,
                        },
                        Err(why) => IndicatorScore {
                            indicator: i,
                            max_points: max,
                            threshold,
                            rate: None,
                            points: None,
                            numerator: None,
                            denominator: None,
                            no_data: Some(why),
                        },
                    }
                })
                .collect();
            GroupScore {
                group,
                max_points: group.points(),
                available_points: indicators
                    .iter()
                    .filter(|i| i.points.is_some())
                    .map(|i| i.max_points)
                    .sum(),
                points: indicators.iter().filter_map(|i| i.points).sum(),
                indicators,
            }
        })
        .collect();
    Scorecard {
        max_points: groups.iter().map(|g| g.max_points).sum(),
        available_points: groups.iter().map(|g| g.available_points).sum(),
        points: groups.iter().map(|g| g.points).sum(),
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

    #[test]
    fn a_hand_computed_scorecard() {
        let inputs = Inputs {
            counters: Counters {
                received: 10,
                received_online: 3,
                finished: 8,
                on_time: 6,
                late: 2,
                with_result: 5,
                electronic_result: 4,
                time_used_minutes: 1200,
                time_allowed_minutes: 900,
                rated: 4,
                disliked: 1,
                ..Counters::default()
            },
            catalogue: CatalogueInputs {
                procedures: 10,
                announced_on_time: 10,
                complete: 5,
                online: 8,
                full_online: 6,
                online_used: 2,
            },
            digitisation_recorded: false,
        };
        let card = evaluate(&inputs);
        let points = |i: Indicator| card.indicator(i).unwrap().points;
        // Publicity: 6 × 10/10 + 6 × 5/10; the portal sync has no data.
        assert_eq!(points(Indicator::AnnouncedOnTime), Some(6.0));
        assert_eq!(points(Indicator::CompleteInformation), Some(3.0));
        assert_eq!(points(Indicator::PortalSync), None);
        // Progress: 14 × 6/8 = 10.5; average time 900/1200 = 0.75 → 4.5.
        assert_eq!(points(Indicator::OnTime), Some(10.5));
        assert_eq!(points(Indicator::AverageTime), Some(4.5));
        // Online: 6/8 = 75% of an 80% threshold → 3.75; 2/8 used → 1; 30%/50% → 2.4.
        assert!(close(points(Indicator::FullOnlineShare).unwrap(), 3.75));
        assert_eq!(points(Indicator::OnlineServicesUsed), Some(1.0));
        assert!(close(points(Indicator::ReceivedOnline).unwrap(), 2.4));
        // Electronic results 4/5 → 4.8; digitisation not recorded → no data.
        assert!(close(points(Indicator::ElectronicResult).unwrap(), 4.8));
        assert_eq!(points(Indicator::Digitised), None);
        // Satisfaction: 100% − (2/8 + 1/4) = 50% of a 90% threshold → 6 × 0.5 ÷ 0.9.
        assert!(close(
            points(Indicator::ProcedureSatisfaction).unwrap(),
            6.0 * 0.5 / 0.9
        ));
        let group = |g: Group| card.groups.iter().find(|x| x.group == g).unwrap().clone();
        assert_eq!(group(Group::Publicity).available_points, 12.0);
        assert_eq!(group(Group::Publicity).points, 9.0);
        assert_eq!(group(Group::OnlinePayment).available_points, 0.0);
        assert_eq!(group(Group::OnlinePayment).percent(), None);
        // 18 − 6 + 20 + 12 + 0 + 6 + 6 = 56 points have data; 44 do not.
        assert!(close(card.available_points, 56.0));
        assert!(close(card.max_points, 100.0));
        let earned = 9.0 + 15.0 + 3.75 + 1.0 + 2.4 + 4.8 + 6.0 * 0.5 / 0.9;
        assert!(close(card.points, earned));
        assert!(close(card.index().unwrap(), earned / 56.0 * 100.0));
    }

    #[test]
    fn nothing_to_count_is_no_data_not_zero() {
        let card = evaluate(&Inputs::default());
        assert_eq!(card.available_points, 0.0);
        assert_eq!(card.index(), None);
        let on_time = card.indicator(Indicator::OnTime).unwrap();
        assert_eq!(on_time.points, None);
        assert_eq!(on_time.no_data, Some("không có hồ sơ trong kỳ"));
        // Once digitisation is recorded, zero digitised is a real zero.
        let inputs = Inputs {
            counters: Counters {
                received: 4,
                digitised: 2,
                ..Counters::default()
            },
            digitisation_recorded: true,
            ..Inputs::default()
        };
        let card = evaluate(&inputs);
        // 2/4 = 50% of an 80% threshold → 6 × 0.5 ÷ 0.8 = 3.75.
        assert_eq!(
            card.indicator(Indicator::Digitised).unwrap().points,
            Some(3.75)
        );
        assert_eq!(card.indicator(Indicator::Reuse).unwrap().points, Some(0.0));
    }
}

//! The applicant's rating of how a dossier was handled: up to nine criteria, each 0, 1 or 2.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingCriterion {
    /// Time taken against the appointment date.
    Timeliness,
    /// How many agencies had to be visited.
    AgenciesVisited,
    /// How many contacts were needed.
    ContactsNeeded,
    /// Accuracy of the published procedure information.
    PublishedInformation,
    /// Staff attitude.
    StaffAttitude,
    /// Lawfulness of the result.
    ResultLawfulness,
    /// Lawfulness of the costs.
    CostLawfulness,
    /// How complaints were handled.
    ComplaintHandling,
    /// Quality of the online service.
    OnlineService,
}

impl RatingCriterion {
    pub const ALL: [RatingCriterion; 9] = [
        RatingCriterion::Timeliness,
        RatingCriterion::AgenciesVisited,
        RatingCriterion::ContactsNeeded,
        RatingCriterion::PublishedInformation,
        RatingCriterion::StaffAttitude,
        RatingCriterion::ResultLawfulness,
        RatingCriterion::CostLawfulness,
        RatingCriterion::ComplaintHandling,
        RatingCriterion::OnlineService,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            RatingCriterion::Timeliness => "Thời gian giải quyết so với giấy hẹn",
            RatingCriterion::AgenciesVisited => "Số cơ quan phải đi lại",
            RatingCriterion::ContactsNeeded => "Số lần phải liên hệ",
            RatingCriterion::PublishedInformation => "Tính chính xác của thông tin công khai",
            RatingCriterion::StaffAttitude => "Thái độ của cán bộ, công chức",
            RatingCriterion::ResultLawfulness => "Kết quả đúng quy định",
            RatingCriterion::CostLawfulness => "Chi phí đúng quy định",
            RatingCriterion::ComplaintHandling => "Việc tiếp nhận, xử lý phản ánh, kiến nghị",
            RatingCriterion::OnlineService => "Chất lượng dịch vụ công trực tuyến",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("đánh giá phải có ít nhất một tiêu chí")]
    Empty,
    #[error("mỗi tiêu chí chỉ được chấm 0, 1 hoặc 2 điểm")]
    ScoreOutOfRange,
    #[error("một tiêu chí được chấm hai lần")]
    Duplicate,
}

impl RatingError {
    pub fn code(&self) -> &'static str {
        match self {
            RatingError::Empty => "empty_rating",
            RatingError::ScoreOutOfRange => "rating_score_out_of_range",
            RatingError::Duplicate => "duplicate_rating_criterion",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub scores: Vec<(RatingCriterion, u8)>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl Rating {
    pub fn new(
        mut scores: Vec<(RatingCriterion, u8)>,
        comment: Option<String>,
    ) -> Result<Rating, RatingError> {
        if scores.is_empty() {
            return Err(RatingError::Empty);
        }
        if scores.iter().any(|(_, s)| *s > 2) {
            return Err(RatingError::ScoreOutOfRange);
        }
        scores.sort_by_key(|(c, _)| *c);
        if scores.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(RatingError::Duplicate);
        }
        Ok(Rating {
            scores,
            comment: comment.filter(|c| !c.trim().is_empty()),
        })
    }

    /// The dossier's score: the mean over the criteria rated, from 0 to 2.
    pub fn average(&self) -> f64 {
        let total: u32 = self.scores.iter().map(|(_, s)| u32::from(*s)).sum();
        f64::from(total) / self.scores.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_average_their_scores_and_validate() {
        let r = Rating::new(
            vec![
                (RatingCriterion::StaffAttitude, 2),
                (RatingCriterion::Timeliness, 1),
            ],
            Some("  ".into()),
        )
        .unwrap();
        assert_eq!(r.average(), 1.5);
        assert_eq!(
            r.scores[0].0,
            RatingCriterion::Timeliness,
            "sorted by criterion"
        );
        assert_eq!(r.comment, None);
        assert_eq!(Rating::new(vec![], None), Err(RatingError::Empty));
        assert_eq!(
            Rating::new(vec![(RatingCriterion::Timeliness, 3)], None),
            Err(RatingError::ScoreOutOfRange)
        );
        let dup = vec![
            (RatingCriterion::Timeliness, 1),
            (RatingCriterion::Timeliness, 2),
        ];
        assert_eq!(Rating::new(dup, None), Err(RatingError::Duplicate));
    }
}

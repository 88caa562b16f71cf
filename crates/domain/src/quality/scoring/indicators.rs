//! The indicators of Decision 766 as the national portal scores them: their groups, points,
//! thresholds, names and how motcua computes each (or why it cannot).

use super::Group;
use serde::{Deserialize, Serialize};

/// The indicators, in the order of their groups (the national portal's numbering in the
/// comments: docs/decision-766-method.md, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 1.1
    AnnouncedOnTime,
    /// 1.2
    UpdatedOnTime,
    /// 1.3
    CompleteInformation,
    /// 1.4
    PortalSync,
    /// 2.1
    OnTime,
    /// 2.2, shown but not scored.
    AverageTime,
    /// 3.1
    FullOnlineShare,
    /// 3.2
    OnlineServicesUsed,
    /// 3.3
    ReceivedOnline,
    /// 3.5
    FeesPayableOnline,
    /// 3.5b
    ProceduresPaidOnline,
    /// 3.6
    PaidOnline,
    /// 4.1
    ElectronicResult,
    /// 4.2
    Digitised,
    /// 4.3
    Reuse,
    /// 4.4
    DocumentStoreLinks,
    /// 4.5a
    PopulationDataProcedures,
    /// 4.5b
    PopulationDataDossiers,
    /// Electronic certified copies (API metric `ELECTRONIC_CERTIFIED_COPY`).
    CertifiedCopies,
    /// 5.2
    ComplaintsOnTime,
    /// 5.3
    ComplaintSatisfaction,
    /// 5.4
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
    /// Data motcua does not hold (yet): scored 0 and listed as missing.
    NotHeld,
}

impl Indicator {
    pub const ALL: [Indicator; 22] = [
        Indicator::AnnouncedOnTime,
        Indicator::UpdatedOnTime,
        Indicator::CompleteInformation,
        Indicator::PortalSync,
        Indicator::OnTime,
        Indicator::AverageTime,
        Indicator::FullOnlineShare,
        Indicator::OnlineServicesUsed,
        Indicator::ReceivedOnline,
        Indicator::FeesPayableOnline,
        Indicator::ProceduresPaidOnline,
        Indicator::PaidOnline,
        Indicator::ElectronicResult,
        Indicator::Digitised,
        Indicator::Reuse,
        Indicator::DocumentStoreLinks,
        Indicator::PopulationDataProcedures,
        Indicator::PopulationDataDossiers,
        Indicator::CertifiedCopies,
        Indicator::ComplaintsOnTime,
        Indicator::ComplaintSatisfaction,
        Indicator::ProcedureSatisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => "announced_on_time",
            I::UpdatedOnTime => "updated_on_time",
            I::CompleteInformation => "complete_information",
            I::PortalSync => "portal_sync",
            I::OnTime => "on_time",
            I::AverageTime => "average_time",
            I::FullOnlineShare => "full_online_share",
            I::OnlineServicesUsed => "online_services_used",
            I::ReceivedOnline => "received_online",
            I::FeesPayableOnline => "fees_payable_online",
            I::ProceduresPaidOnline => "procedures_paid_online",
            I::PaidOnline => "paid_online",
            I::ElectronicResult => "electronic_result",
            I::Digitised => "digitised",
            I::Reuse => "reuse",
            I::DocumentStoreLinks => "document_store_links",
            I::PopulationDataProcedures => "population_data_procedures",
            I::PopulationDataDossiers => "population_data_dossiers",
            I::CertifiedCopies => "certified_copies",
            I::ComplaintsOnTime => "complaints_on_time",
            I::ComplaintSatisfaction => "complaint_satisfaction",
            I::ProcedureSatisfaction => "procedure_satisfaction",
        }
    }

    pub fn group(self) -> Group {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::UpdatedOnTime | I::CompleteInformation | I::PortalSync => {
                Group::Publicity
            }
            I::OnTime | I::AverageTime => Group::Progress,
            I::FullOnlineShare | I::OnlineServicesUsed | I::ReceivedOnline => Group::OnlineServices,
            I::FeesPayableOnline | I::ProceduresPaidOnline | I::PaidOnline => Group::OnlinePayment,
            I::ElectronicResult
            | I::Digitised
            | I::Reuse
            | I::DocumentStoreLinks
            | I::PopulationDataProcedures
            | I::PopulationDataDossiers
            | I::CertifiedCopies => Group::Digitisation,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => {
                Group::Satisfaction
            }
        }
    }

    /// The indicator's points: the national portal's `maxScore` per metric (method note S9,
    /// S10), which add up to the decision's group totals.
    pub fn max_points(self) -> f64 {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::PortalSync => 6.0,
            I::UpdatedOnTime => 4.0,
            I::CompleteInformation => 2.0,
            // The portal gives the group's 20 points to 2.1; 2.2 has no maxScore (S9).
            I::OnTime => 20.0,
            I::AverageTime => 0.0,
            I::FullOnlineShare => 2.0,
            I::OnlineServicesUsed => 4.0,
            I::ReceivedOnline => 6.0,
            I::FeesPayableOnline | I::ProceduresPaidOnline => 2.0,
            I::PaidOnline => 6.0,
            I::ElectronicResult => 6.0,
            I::Digitised | I::DocumentStoreLinks => 4.0,
            I::Reuse | I::PopulationDataProcedures | I::PopulationDataDossiers => 2.0,
            I::CertifiedCopies => 2.0,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => 6.0,
        }
    }

    /// The rate at which the indicator earns full marks (1.0 = 100%), from the portal's
    /// published method ("Mô tả công thức tính chỉ số 766", S8).
    pub fn threshold(self) -> f64 {
        use Indicator as I;
        match self {
            I::FullOnlineShare
            | I::FeesPayableOnline
            | I::ProceduresPaidOnline
            | I::Digitised
            | I::Reuse => 0.8,
            I::ReceivedOnline => 0.5,
            I::ProcedureSatisfaction => 0.9,
            _ => 1.0,
        }
    }

    /// Whether it counts towards the total (2.2 is shown only).
    pub fn is_scored(self) -> bool {
        self.max_points() > 0.0
    }

    pub fn source(self) -> Source {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime
            | I::CompleteInformation
            | I::FullOnlineShare
            | I::OnlineServicesUsed
            | I::FeesPayableOnline
            | I::ProceduresPaidOnline => Source::Catalogue,
            I::PortalSync
            | I::OnTime
            | I::AverageTime
            | I::ReceivedOnline
            | I::PaidOnline
            | I::ElectronicResult
            | I::ProcedureSatisfaction
            | I::Digitised
            | I::Reuse
            | I::DocumentStoreLinks => Source::Dossiers,
            I::UpdatedOnTime
            | I::PopulationDataProcedures
            | I::PopulationDataDossiers
            | I::CertifiedCopies
            | I::ComplaintsOnTime
            | I::ComplaintSatisfaction => Source::NotHeld,
        }
    }

    pub fn label_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => "TTHC được công bố đúng hạn",
            I::UpdatedOnTime => "TTHC được cập nhật, công khai đúng hạn",
            I::CompleteInformation => "TTHC được công khai đầy đủ các bộ phận tạo thành",
            I::PortalSync => "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
            I::OnTime => "Hồ sơ xử lý trước hạn, đúng hạn",
            I::AverageTime => "Thời gian giải quyết trung bình so với thời hạn (không tính điểm)",
            I::FullOnlineShare => "TTHC có dịch vụ công trực tuyến toàn trình",
            I::OnlineServicesUsed => "Dịch vụ công trực tuyến có phát sinh hồ sơ",
            I::ReceivedOnline => "Hồ sơ được tiếp nhận trực tuyến",
            I::FeesPayableOnline => {
                "TTHC có nghĩa vụ tài chính được tích hợp thanh toán trực tuyến"
            }
            I::ProceduresPaidOnline => "TTHC có giao dịch thanh toán trực tuyến",
            I::PaidOnline => "Hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến",
            I::ElectronicResult => "Hồ sơ được cấp kết quả điện tử",
            I::Digitised => "Hồ sơ được số hóa",
            I::Reuse => "Hồ sơ khai thác, sử dụng lại dữ liệu đã số hóa",
            I::DocumentStoreLinks => {
                "Hồ sơ kết nối, chia sẻ dữ liệu với kho dữ liệu cá nhân, tổ chức"
            }
            I::PopulationDataProcedures => "TTHC kết nối, chia sẻ dữ liệu dân cư",
            I::PopulationDataDossiers => {
                "Hồ sơ sử dụng thông tin từ Cơ sở dữ liệu quốc gia về dân cư"
            }
            I::CertifiedCopies => "Cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
            I::ComplaintsOnTime => "Phản ánh, kiến nghị được xử lý đúng hạn",
            I::ComplaintSatisfaction => "Hài lòng trong xử lý phản ánh, kiến nghị",
            I::ProcedureSatisfaction => "Hài lòng trong tiếp nhận, giải quyết TTHC",
        }
    }

    /// How motcua computes it, or why it cannot, with its source.
    pub fn method_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => {
                "Số TTHC thuộc phạm vi được công bố bằng quyết định ban hành trong kỳ mà mọi lần công bố trong kỳ đều trước hoặc đúng ngày TTHC có hiệu lực, trên số TTHC được công bố trong kỳ. Nguồn: QĐ 766, nhóm 1; thời hạn theo Điều 15 Nghị định 63/2010; Cổng DVCQG, chỉ số 1.1 (tính theo quyết định công bố trong kỳ)."
            }
            I::UpdatedOnTime => {
                "Chưa có dữ liệu: motcua chưa ghi nhận ngày TTHC được công khai trên Cơ sở dữ liệu quốc gia về TTHC (chậm nhất 5 ngày làm việc sau quyết định công bố). Nguồn: Cổng DVCQG, mô tả công thức chỉ số 1.2."
            }
            I::CompleteInformation => {
                "Số TTHC có đủ căn cứ pháp lý, trình tự, thành phần hồ sơ, kết quả và thời hạn, trên tổng số TTHC đang công bố thuộc phạm vi. Nguồn: Điều 8 khoản 2 Nghị định 63/2010; Cổng DVCQG, chỉ số 1.3."
            }
            I::PortalSync => {
                "Hồ sơ tiếp nhận trong kỳ đã được Cổng DVCQG nhận đồng bộ (đồng bộ một chiều được tính), trên tổng số hồ sơ tiếp nhận trong kỳ; hồ sơ Cổng đang giữ trạng thái cũ được liệt kê ở báo cáo đối soát hằng ngày. Khi chưa cấu hình kết nối Cổng DVCQG, không hồ sơ nào được đồng bộ: 0 điểm. Nguồn: Cổng DVCQG, chỉ số 1.4."
            }
            I::OnTime => {
                "Mọi hồ sơ tiếp nhận trong kỳ, tính một lần theo cơ quan giải quyết: hồ sơ đã kết thúc (có kết quả, từ chối, rút hoặc dừng sau tiếp nhận) đúng hạn nếu thời điểm kết thúc trừ thời gian người nộp bổ sung hồ sơ không muộn hơn ngày hẹn ghi trên giấy tiếp nhận lần đầu; hồ sơ đang giải quyết đã quá ngày hẹn đó tính là quá hạn; yêu cầu bổ sung quá một lần tính là quá hạn. Thời hạn luật định trên hồ sơ vẫn tính lại khi nhận đủ hồ sơ bổ sung (chỉ tiêu \"đúng hạn luật định\" theo dõi riêng). Nguồn: QĐ 766, nhóm 2; Cổng DVCQG, chỉ số 2.1 (20 điểm)."
            }
            I::AverageTime => {
                "Tổng thời gian được phép (từ lúc bắt đầu tính đến ngày hẹn) chia cho tổng thời gian thực tế đến khi giải quyết xong, tối đa 100%. Chỉ để theo dõi: Cổng DVCQG hiển thị nhưng không chấm điểm chỉ số 2.2."
            }
            I::FullOnlineShare => {
                "Số TTHC có dịch vụ công trực tuyến toàn trình trên số TTHC đủ điều kiện toàn trình thuộc phạm vi (mọi TTHC trừ những TTHC đã công bố lý do không thể cung cấp toàn trình); đủ điểm từ 80%. Nguồn: Cổng DVCQG, chỉ số 3.1 (tỷ lệ toàn trình trên TTHC đủ điều kiện)."
            }
            I::OnlineServicesUsed => {
                "Số dịch vụ công trực tuyến thuộc phạm vi có hồ sơ tiếp nhận trực tuyến trong kỳ, trên tổng số dịch vụ công trực tuyến thuộc phạm vi. Nguồn: Cổng DVCQG, chỉ số 3.2."
            }
            I::ReceivedOnline => {
                "Hồ sơ nộp trực tuyến trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 50%. Nguồn: Cổng DVCQG, chỉ số 3.3."
            }
            I::FeesPayableOnline => {
                "Số TTHC có phí, lệ phí cho phép thanh toán trực tuyến trên số TTHC có phí, lệ phí thuộc phạm vi; đủ điểm từ 80%. motcua chưa kết nối nền tảng thanh toán nên chưa TTHC nào cho phép: 0 điểm. Nguồn: Cổng DVCQG, chỉ số 3.5."
            }
            I::ProceduresPaidOnline => {
                "Số TTHC có hồ sơ thanh toán trực tuyến trong kỳ trên số TTHC có phí, lệ phí thuộc phạm vi; đủ điểm từ 80%. Nguồn: Cổng DVCQG (điểm tối đa theo API)."
            }
            I::PaidOnline => {
                "Hồ sơ thanh toán trực tuyến trên tổng số hồ sơ có nghĩa vụ tài chính tiếp nhận trong kỳ. Nguồn: Cổng DVCQG, chỉ số 3.6."
            }
            I::ElectronicResult => {
                "Hồ sơ giải quyết trong kỳ có kết quả là văn bản điện tử đã ký số (không tính dấu \"kết quả điện tử\" do cán bộ tự đánh dấu), trên tổng số hồ sơ có kết quả trong kỳ. Nguồn: QĐ 766, nhóm 3; Cổng DVCQG, chỉ số 4.1 (kết quả kèm tệp); Nghị định 45/2020 (chữ ký số)."
            }
            I::Digitised => {
                "Hồ sơ tiếp nhận trong kỳ có mọi thành phần đã được cán bộ đánh dấu số hóa, trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Nguồn: Cổng DVCQG, chỉ số 4.2; Thông tư 01/2023/TT-VPCP."
            }
            I::Reuse => {
                "Hồ sơ tiếp nhận trong kỳ có thành phần lấy lại từ kho dữ liệu của người nộp (dữ liệu đã số hóa), trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Nguồn: Cổng DVCQG, chỉ số 4.3."
            }
            I::DocumentStoreLinks => {
                "Hồ sơ tiếp nhận trong kỳ có thành phần lấy từ kho dữ liệu của người nộp hoặc có kết quả được đưa vào kho đó, trên tổng số hồ sơ tiếp nhận trong kỳ. Nguồn: Cổng DVCQG, chỉ số 4.4."
            }
            I::PopulationDataProcedures | I::PopulationDataDossiers => {
                "Chưa có dữ liệu: motcua chưa kết nối Cơ sở dữ liệu quốc gia về dân cư. Nguồn: Cổng DVCQG, chỉ số 4.5."
            }
            I::CertifiedCopies => {
                "Chưa có dữ liệu: motcua chưa cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính. Nguồn: Cổng DVCQG (điểm tối đa theo API)."
            }
            I::ComplaintsOnTime | I::ComplaintSatisfaction => {
                "Chưa có dữ liệu: motcua chưa tiếp nhận, xử lý phản ánh, kiến nghị. Nguồn: QĐ 766, nhóm 5."
            }
            I::ProcedureSatisfaction => {
                "(Hồ sơ đã giải quyết − hồ sơ quá hạn hoặc bị đánh giá không hài lòng, mỗi hồ sơ tính một lần) ÷ hồ sơ đã giải quyết trong kỳ; đủ điểm từ 90%. Phản ánh, kiến nghị chưa có dữ liệu nên chưa được trừ. Nguồn: QĐ 766, nhóm 5; mức 90% theo Nghị quyết 76/NQ-CP."
            }
        }
    }
}

//! The readiness indicators, shared with the programme review page.

use crate::charts::{count, percent};
use crate::stats::{self, Readiness};

/// The readiness section, shared with the programme review page.
pub(crate) struct ReadinessBlock {
    pub items: Vec<ReadinessItem>,
    pub decisions: Vec<DecisionLine>,
    pub communes_without: String,
    pub missing_processes: String,
    pub at: String,
}

pub(crate) struct ReadinessItem {
    pub label: String,
    pub value: String,
    pub rate: String,
    pub width: u32,
    pub no_data: bool,
    pub note: String,
}

pub(crate) struct DecisionLine {
    pub number: String,
    pub date: String,
    pub published: i64,
    pub required: String,
}

fn names_list(names: &[String], shown: usize) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut text = names
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > shown {
        text.push_str(&format!(" và {} đơn vị khác", names.len() - shown));
    }
    text
}

pub(crate) fn readiness_block(r: &Readiness) -> ReadinessBlock {
    let item = |label: String, ratio: Option<stats::Ratio>, note: String| {
        let rate = ratio.and_then(|x| x.rate());
        ReadinessItem {
            label,
            value: ratio
                .map(|x| format!("{}/{}", count(x.numerator), count(x.denominator)))
                .unwrap_or_else(|| "—".into()),
            rate: rate.map_or_else(|| "không có dữ liệu".into(), percent),
            width: rate.map_or(0, |r| (r.clamp(0.0, 1.0) * 100.0).round() as u32),
            no_data: rate.is_none(),
            note,
        }
    };
    let mut items = vec![item(
        "TTHC đã công bố so với số phải công bố".into(),
        r.announced,
        "Theo các quyết định công bố có nêu số thủ tục phải công bố.".into(),
    )];
    for s in &r.sets {
        items.push(item(
            format!("{}: toàn trình", s.name),
            Some(stats::Ratio {
                numerator: s.full_online,
                denominator: s.total,
            }),
            "Dịch vụ cung cấp trực tuyến toàn trình trên tổng số của nhóm.".into(),
        ));
    }
    items.push(item(
        "TTHC đã công bố có quy trình nội bộ được phê duyệt".into(),
        Some(r.processes),
        "Có quy trình được phê duyệt ở mọi nơi thủ tục được giải quyết.".into(),
    ));
    items.push(item(
        "Xã, phường có tài khoản cán bộ tại UBND cấp xã".into(),
        Some(r.communes),
        "UBND xã, phường (bộ phận một cửa) có ít nhất một tài khoản cán bộ đang hoạt động.".into(),
    ));
    items.push(item(
        "Hồ sơ được số hóa (12 tháng gần nhất)".into(),
        r.digitisation,
        "Chưa ghi nhận việc số hóa hồ sơ.".into(),
    ));
    items.push(item(
        "Hồ sơ sử dụng lại dữ liệu số hóa (12 tháng gần nhất)".into(),
        r.reuse,
        "Chưa ghi nhận việc sử dụng lại dữ liệu số hóa.".into(),
    ));
    ReadinessBlock {
        items,
        decisions: r
            .decisions
            .iter()
            .map(|d| DecisionLine {
                number: d.number.clone(),
                date: d.decided_on.format("%d/%m/%Y").to_string(),
                published: d.published,
                required: d
                    .required
                    .map_or_else(|| "không nêu".into(), |n| n.to_string()),
            })
            .collect(),
        communes_without: names_list(&r.communes_without_staff, 12),
        missing_processes: names_list(&r.procedures_without_process, 12),
        at: r.at.format("%d/%m/%Y").to_string(),
    }
}

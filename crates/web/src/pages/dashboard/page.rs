//! The dashboard page built from the app's figures: index, groups, trend, scorecard.

use super::readiness::{ReadinessBlock, readiness_block};
use super::{dashboard_href, drill_href, query};
use crate::charts::{self, Bar, Part, Series, count, number, percent};
use crate::pages::Chrome;
use crate::stats::{Dashboard, Level, Quality, figures_of, rate};
use askama::Template;
use motcua_domain::quality::Figure;

/// Who may list the dossiers behind a figure: province administrators and auditors
/// everywhere, an agency's officers for their own agency.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Link {
    label: String,
    href: String,
}

struct FigureCell {
    label: &'static str,
    value: String,
    href: Option<String>,
}

struct GroupRow {
    label: &'static str,
    points: String,
    missing: String,
    max: String,
    percent: String,
    no_data: bool,
}

struct IndicatorGroup {
    label: &'static str,
    rows: Vec<IndicatorRow>,
}

struct IndicatorRow {
    label: &'static str,
    method: &'static str,
    value: String,
    threshold: String,
    points: String,
    max: String,
    no_data: Option<&'static str>,
    links: Vec<Link>,
}

struct TrendRow {
    label: String,
    received: String,
    online: String,
    finished: String,
    on_time: String,
    late: String,
    on_time_rate: String,
}

struct ShareRow {
    label: &'static str,
    parts: Vec<(String, String, String)>,
}

struct AgencyRow {
    name: String,
    href: String,
    kind: &'static str,
    index: String,
    index_width: u32,
    groups: Vec<String>,
    received: String,
    finished: String,
    on_time_rate: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub(super) struct DashboardPage {
    chrome: Chrome,
    scope_name: String,
    level_label: &'static str,
    period_label: String,
    scope_choices: Vec<Choice>,
    period_choices: Vec<Choice>,
    at: String,
    index: String,
    /// The indicators without data, which score 0.
    missing_names: String,
    missing_points: String,
    figures: Vec<FigureCell>,
    groups_svg: String,
    groups: Vec<GroupRow>,
    indicator_groups: Vec<IndicatorGroup>,
    trend_svg: String,
    trend: Vec<TrendRow>,
    shares_svg: String,
    shares: Vec<ShareRow>,
    agencies: Vec<AgencyRow>,
    group_headers: Vec<&'static str>,
    readiness: ReadinessBlock,
    json_href: String,
    csv_href: String,
    agencies_csv_href: String,
    trend_csv_href: String,
    may_drill: bool,
    /// The reconciliation with the national portal, for leaders and administrators.
    pub(super) sync: Option<SyncBlock>,
}

/// What the national portal does not know as it is, over the last 30 days.
pub(super) struct SyncBlock {
    pub configured: bool,
    pub submitted: String,
    pub never_synced: String,
    pub differing: String,
    pub rows: Vec<SyncRow>,
}

pub(super) struct SyncRow {
    pub code: String,
    pub agency: String,
    pub status: i64,
    pub synced: String,
}

pub(super) fn sync_block(configured: bool, r: motcua_store::Reconciliation) -> SyncBlock {
    SyncBlock {
        configured,
        submitted: count(r.submitted),
        never_synced: count(r.never_synced),
        differing: count(r.differing),
        rows: r
            .dossiers
            .into_iter()
            .map(|d| SyncRow {
                code: d.code,
                agency: d.receiving_agency,
                status: d.status,
                synced: match (d.synced_status, d.synced_at) {
                    (Some(s), Some(at)) => format!("{s} (lúc {})", crate::programme::local(at)),
                    _ => "chưa đồng bộ".into(),
                },
            })
            .collect(),
    }
}

fn pts(x: f64) -> String {
    number(x, 1)
}

pub(super) fn build(chrome: &Chrome, dashboard: Dashboard) -> DashboardPage {
    let Dashboard {
        quality,
        units: communes,
        agencies,
        trend_end: end,
        trend: series,
        cards,
        readiness,
        may_list_dossiers: drill,
    } = dashboard;
    let Quality {
        scope,
        period,
        inputs,
        card,
    } = quality;
    let c = inputs.counters;
    let signed_results = inputs.documents.signed_results;
    let link = |f: Figure| drill.then(|| drill_href(&scope, period, f));

    // Choices for the form.
    let mut scope_choices = vec![Choice {
        value: "province".into(),
        label: format!("Toàn tỉnh ({})", chrome.province_name),
        selected: scope.level == Level::Province,
    }];
    scope_choices.extend(
        communes
            .iter()
            .filter(|u| u.kind.is_commune_level())
            .map(|u| Choice {
                value: format!("commune:{}", u.code),
                label: format!("Xã, phường: {}", u.full_name),
                selected: scope.level == Level::Commune && scope.code == u.code,
            }),
    );
    scope_choices.extend(agencies.iter().map(|a| Choice {
        value: format!("agency:{}", a.code),
        label: format!("Cơ quan: {}", a.name),
        selected: scope.level == Level::Agency && scope.code == a.code.as_str(),
    }));
    let period_choices = motcua_domain::quality::PeriodKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            label: k.label_vi().into(),
            selected: k == period.kind,
        })
        .collect();

    // Key figures.
    let cell = |label: &'static str, value: i64, f: Option<Figure>| FigureCell {
        label,
        value: count(value),
        href: f.and_then(&link),
    };
    let figures = vec![
        cell("Hồ sơ tiếp nhận", c.received, Some(Figure::Received)),
        cell(
            "Tiếp nhận trực tuyến",
            c.received_online,
            Some(Figure::ReceivedOnline),
        ),
        cell("Hồ sơ đã giải quyết", c.finished, Some(Figure::Finished)),
        cell(
            "Tính tiến độ (tiếp nhận trong kỳ)",
            c.timed,
            Some(Figure::Timed),
        ),
        cell(
            "Quá hạn theo chỉ số 766",
            c.timed_late,
            Some(Figure::TimedLate),
        ),
        cell(
            "Giải quyết đúng hạn luật định",
            c.on_time,
            Some(Figure::OnTime),
        ),
        cell("Giải quyết quá hạn luật định", c.late, Some(Figure::Late)),
        cell(
            "Yêu cầu bổ sung quá một lần",
            c.multi_supplement,
            Some(Figure::MultiSupplement),
        ),
        cell("Kết quả điện tử đã ký số", signed_results, None),
        cell("Được đánh giá", c.rated, Some(Figure::Rated)),
        cell("Không hài lòng", c.disliked, Some(Figure::Disliked)),
    ];
    // Groups: chart and table.
    let bars: Vec<Bar> = card
        .groups
        .iter()
        .map(|g| Bar {
            label: g.group.label_vi().into(),
            value: g.points,
            available: g.max_points - g.missing_points,
            max: g.max_points,
            text: if g.missing_points > 0.0 {
                format!(
                    "{}/{} (chưa có dữ liệu: {} điểm)",
                    pts(g.points),
                    pts(g.max_points),
                    pts(g.missing_points)
                )
            } else {
                format!("{}/{}", pts(g.points), pts(g.max_points))
            },
        })
        .collect();
    let groups_svg = charts::horizontal_bars(
        "chart-groups",
        &format!("Điểm theo nhóm chỉ số, {}", period.label_vi()),
        "Mỗi thanh là điểm đạt của một nhóm trên điểm tối đa theo Quyết định 766; nền liền là điểm của các chỉ tiêu có dữ liệu, nền nét đứt là phần chưa có dữ liệu (tính 0 điểm).",
        &bars,
    );
    let groups = card
        .groups
        .iter()
        .map(|g| GroupRow {
            label: g.group.label_vi(),
            points: pts(g.points),
            missing: pts(g.missing_points),
            max: pts(g.max_points),
            percent: number(g.percent(), 1),
            no_data: g.missing_points >= g.max_points,
        })
        .collect();
    let indicator_row = |i: &motcua_domain::quality::IndicatorScore| {
        let value = match (i.rate, i.numerator, i.denominator) {
            (Some(r), Some(n), Some(d))
                if i.indicator != motcua_domain::quality::Indicator::AverageTime =>
            {
                format!("{} ({}/{})", percent(r), count(n), count(d))
            }
            (Some(r), _, _) => percent(r),
            _ => String::new(),
        };
        IndicatorRow {
            label: i.indicator.label_vi(),
            method: i.indicator.method_vi(),
            value,
            threshold: percent(i.threshold),
            points: pts(i.points),
            max: pts(i.max_points),
            no_data: i.no_data,
            links: if drill {
                figures_of(i.indicator)
                    .into_iter()
                    .map(|f| Link {
                        label: f.label_vi().into(),
                        href: drill_href(&scope, period, f),
                    })
                    .collect()
            } else {
                vec![]
            },
        }
    };
    let indicator_groups = card
        .groups
        .iter()
        .map(|g| IndicatorGroup {
            label: g.group.label_vi(),
            rows: g.indicators.iter().map(indicator_row).collect(),
        })
        .collect();

    // Trend: twelve months up to the end of the period (or this month).
    let categories: Vec<String> = series
        .iter()
        .map(|(m, _)| format!("{:02}/{:02}", m.month(), m.year() % 100))
        .collect();
    let values = |f: fn(&motcua_domain::quality::Counters) -> i64| -> Vec<f64> {
        series.iter().map(|(_, c)| f(c) as f64).collect()
    };
    let trend_svg = charts::columns(
        "chart-trend",
        &format!(
            "Hồ sơ theo tháng, {} tháng đến {}",
            series.len(),
            end.label_vi()
        ),
        "Số hồ sơ tiếp nhận, số hồ sơ giải quyết đúng hạn và quá hạn của từng tháng.",
        &categories,
        &[
            Series {
                name: "Tiếp nhận".into(),
                values: values(|c| c.received),
            },
            Series {
                name: "Giải quyết đúng hạn".into(),
                values: values(|c| c.on_time),
            },
            Series {
                name: "Quá hạn".into(),
                values: values(|c| c.late),
            },
        ],
    );
    let trend = series
        .iter()
        .map(|(m, c)| TrendRow {
            label: m.label_vi(),
            received: count(c.received),
            online: count(c.received_online),
            finished: count(c.finished),
            on_time: count(c.on_time),
            late: count(c.late),
            on_time_rate: rate(c.on_time, c.finished).map_or_else(|| "—".into(), percent),
        })
        .collect();

    // Shares.
    let share_rows: Vec<(&'static str, Vec<(String, i64)>)> = vec![
        (
            "Kênh tiếp nhận",
            vec![
                ("Trực tuyến".into(), c.received_online),
                (
                    "Trực tiếp, bưu chính".into(),
                    c.received - c.received_online,
                ),
            ],
        ),
        (
            "Tiến độ giải quyết",
            vec![("Đúng hạn".into(), c.on_time), ("Quá hạn".into(), c.late)],
        ),
        (
            "Hình thức kết quả",
            vec![
                ("Điện tử đã ký số".into(), signed_results),
                ("Khác".into(), c.with_result - signed_results),
            ],
        ),
    ];
    let shares_svg = charts::shares(
        "chart-shares",
        &format!("Tỷ lệ, {}", period.label_vi()),
        "Tỷ lệ hồ sơ trực tuyến trên hồ sơ tiếp nhận, đúng hạn trên hồ sơ đã giải quyết, kết quả điện tử trên hồ sơ có kết quả.",
        &share_rows
            .iter()
            .map(|(label, parts)| {
                (
                    (*label).to_owned(),
                    parts
                        .iter()
                        .map(|(l, v)| Part {
                            label: l.clone(),
                            value: *v as f64,
                        })
                        .collect(),
                )
            })
            .collect::<Vec<_>>(),
    );
    let shares = share_rows
        .into_iter()
        .map(|(label, parts)| {
            let total: i64 = parts.iter().map(|(_, v)| *v).sum();
            ShareRow {
                label,
                parts: parts
                    .into_iter()
                    .map(|(l, v)| {
                        (
                            l,
                            count(v),
                            rate(v, total).map_or_else(|| "—".into(), percent),
                        )
                    })
                    .collect(),
            }
        })
        .collect();

    // Scorecard per agency.
    let agencies = cards
        .iter()
        .map(|a| {
            let index = a.card.index();
            AgencyRow {
                name: a.agency.name.clone(),
                href: dashboard_href(&format!("agency:{}", a.agency.code), period),
                kind: a.agency.kind.label_vi(),
                index: number(index, 1),
                index_width: index.clamp(0.0, 100.0).round() as u32,
                groups: a
                    .card
                    .groups
                    .iter()
                    .map(|g| format!("{}/{}", pts(g.points), pts(g.max_points)))
                    .collect(),
                received: count(a.inputs.counters.received),
                finished: count(a.inputs.counters.finished),
                on_time_rate: rate(a.inputs.counters.on_time, a.inputs.counters.finished)
                    .map_or_else(|| "—".into(), percent),
            }
        })
        .collect();

    let readiness = readiness_block(&readiness);
    let api_query = |extra: &[(&str, String)]| {
        let mut pairs = vec![
            ("level", scope.level.as_str().to_owned()),
            ("code", scope.code.clone()),
        ];
        pairs.extend_from_slice(extra);
        query(&pairs)
    };
    let period_pairs = [
        ("period", period.kind.as_str().to_owned()),
        ("at", period.anchor.to_string()),
    ];
    let missing: Vec<String> = card
        .missing()
        .map(|i| i.indicator.label_vi().to_owned())
        .collect();
    DashboardPage {
        chrome: chrome.clone(),
        scope_name: scope.name.clone(),
        level_label: scope.level.label_vi(),
        period_label: period.label_vi(),
        scope_choices,
        period_choices,
        at: period.anchor.to_string(),
        index: number(card.index(), 1),
        missing_names: missing.join("; "),
        missing_points: pts(card.missing_points),
        figures,
        groups_svg,
        groups,
        indicator_groups,
        trend_svg,
        trend,
        shares_svg,
        shares,
        agencies,
        group_headers: motcua_domain::quality::Group::ALL
            .iter()
            .map(|g| g.label_vi())
            .collect(),
        readiness,
        json_href: format!("/api/v1/stats/quality?{}", api_query(&period_pairs)),
        csv_href: format!(
            "/api/v1/stats/quality?{}",
            api_query(&[
                period_pairs[0].clone(),
                period_pairs[1].clone(),
                ("format", "csv".into())
            ])
        ),
        agencies_csv_href: format!(
            "/api/v1/stats/quality/agencies?{}",
            query(&[
                period_pairs[0].clone(),
                period_pairs[1].clone(),
                ("format", "csv".into())
            ])
        ),
        trend_csv_href: format!(
            "/api/v1/stats/quality/trend?{}",
            api_query(&[("at", end.to_string()), ("format", "csv".into())])
        ),
        may_drill: drill,
        sync: None,
    }
}

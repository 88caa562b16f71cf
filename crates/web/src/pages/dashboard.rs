//! `/dashboard`: the service-quality index (Decision 766/QĐ-TTg) of the province, a
//! commune or an agency over a month, quarter or year, with charts drawn as SVG on the
//! server and a table beside each; the scorecard per agency; the monthly trend; the
//! readiness indicators. Printable, and no script. `/dashboard/dossiers` lists the dossiers
//! behind a figure, for staff who may see them.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::charts::{self, Bar, Part, Series, count, number, percent};
use crate::stats::{
    self, Dashboard, DossierList, Level, Quality, QualityQuestion, Readiness, Scope, figures_of,
    rate,
};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::AppError;
use motcua_domain::dossier::DossierState;
use motcua_domain::quality::{Figure, Period};
use serde::Deserialize;

fn page_error(chrome: Chrome, status: StatusCode, message: &str) -> PageError {
    PageError(Box::new(error_page_with(chrome, status, message)))
}

/// Server faults read as "cannot read the data" here, as they always have on the dashboard.
fn from_app(chrome: Chrome, err: AppError) -> PageError {
    let err = crate::error::logged(err);
    let status = crate::error::status_of(&err);
    if status.is_server_error() {
        return page_error(
            chrome,
            status,
            "Không đọc được dữ liệu. Vui lòng thử lại sau ít phút.",
        );
    }
    page_error(chrome, status, &err.detail())
}

#[derive(Deserialize, Default)]
pub(super) struct DashboardQuery {
    /// `province`, `commune:CODE` or `agency:CODE`.
    scope: Option<String>,
    level: Option<String>,
    code: Option<String>,
    period: Option<String>,
    at: Option<String>,
    figure: Option<String>,
    page: Option<i64>,
}

impl DashboardQuery {
    fn question(&self) -> QualityQuestion<'_> {
        let (level, code) = match self
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => match s.split_once(':') {
                Some((level, code)) => (Some(level), Some(code)),
                None => (Some(s), None),
            },
            None => (self.level.as_deref(), self.code.as_deref()),
        };
        QualityQuestion {
            level,
            code,
            period: self.period.as_deref(),
            at: self.at.as_deref(),
        }
    }
}

fn scope_key(scope: &Scope) -> String {
    match scope.level {
        Level::Province => "province".to_owned(),
        level => format!("{}:{}", level.as_str(), scope.code),
    }
}

/// The query string of a dashboard link.
fn query(pairs: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn dashboard_href(scope_key: &str, period: Period) -> String {
    format!(
        "/dashboard?{}",
        query(&[
            ("scope", scope_key.to_owned()),
            ("period", period.kind.as_str().to_owned()),
            ("at", period.anchor.to_string()),
        ])
    )
}

fn drill_href(scope: &Scope, period: Period, figure: Figure) -> String {
    format!(
        "/dashboard/dossiers?{}",
        query(&[
            ("figure", figure.as_str().to_owned()),
            ("scope", scope_key(scope)),
            ("period", period.kind.as_str().to_owned()),
            ("at", period.anchor.to_string()),
        ])
    )
}

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
    available: String,
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
    has_index: bool,
    groups: Vec<String>,
    received: String,
    finished: String,
    on_time_rate: String,
}

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

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    scope_name: String,
    level_label: &'static str,
    period_label: String,
    scope_choices: Vec<Choice>,
    period_choices: Vec<Choice>,
    at: String,
    has_index: bool,
    index: String,
    points: String,
    available: String,
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
}

fn pts(x: f64) -> String {
    number(x, 1)
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let who = chrome.user.as_ref().map(|u| u.principal());
    match stats::dashboard(&state.app, who.as_ref(), &q.question()).await {
        Ok(dashboard) => Ok(render(StatusCode::OK, &build(&chrome, dashboard))),
        Err(err) => Err(from_app(chrome, err)),
    }
}

fn build(chrome: &Chrome, dashboard: Dashboard) -> DashboardPage {
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
    let cell = |label: &'static str, value: i64, f: Figure| FigureCell {
        label,
        value: count(value),
        href: link(f),
    };
    let figures = vec![
        cell("Hồ sơ tiếp nhận", c.received, Figure::Received),
        cell(
            "Tiếp nhận trực tuyến",
            c.received_online,
            Figure::ReceivedOnline,
        ),
        cell("Hồ sơ đã giải quyết", c.finished, Figure::Finished),
        cell("Giải quyết đúng hạn", c.on_time, Figure::OnTime),
        cell("Giải quyết quá hạn", c.late, Figure::Late),
        cell(
            "Yêu cầu bổ sung quá một lần",
            c.multi_supplement,
            Figure::MultiSupplement,
        ),
        cell(
            "Kết quả điện tử",
            c.electronic_result,
            Figure::ElectronicResult,
        ),
        cell("Được đánh giá", c.rated, Figure::Rated),
        cell("Không hài lòng", c.disliked, Figure::Disliked),
    ];
    // Groups: chart and table.
    let bars: Vec<Bar> = card
        .groups
        .iter()
        .map(|g| Bar {
            label: g.group.label_vi().into(),
            value: g.points,
            available: g.available_points,
            max: g.max_points,
            text: if g.available_points <= 0.0 {
                format!("không có dữ liệu (tối đa {})", pts(g.max_points))
            } else if g.available_points < g.max_points {
                format!(
                    "{}/{} (tối đa {})",
                    pts(g.points),
                    pts(g.available_points),
                    pts(g.max_points)
                )
            } else {
                format!("{}/{}", pts(g.points), pts(g.max_points))
            },
        })
        .collect();
    let groups_svg = charts::horizontal_bars(
        "chart-groups",
        &format!("Điểm theo nhóm chỉ số, {}", period.label_vi()),
        "Mỗi thanh là điểm đạt của một nhóm; nền liền là điểm của các chỉ tiêu có dữ liệu, nền nét đứt là phần chưa có dữ liệu, đến điểm tối đa của nhóm theo Quyết định 766.",
        &bars,
    );
    let groups = card
        .groups
        .iter()
        .map(|g| GroupRow {
            label: g.group.label_vi(),
            points: pts(g.points),
            available: pts(g.available_points),
            max: pts(g.max_points),
            percent: g.percent().map_or_else(|| "—".into(), |p| number(p, 1)),
            no_data: g.available_points <= 0.0,
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
            points: i.points.map_or_else(String::new, pts),
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
                ("Điện tử".into(), c.electronic_result),
                ("Bản giấy".into(), c.with_result - c.electronic_result),
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
                index: index.map_or_else(|| "—".into(), |x| number(x, 1)),
                index_width: index.map_or(0, |x| x.clamp(0.0, 100.0).round() as u32),
                has_index: index.is_some(),
                groups: a
                    .card
                    .groups
                    .iter()
                    .map(|g| {
                        if g.available_points > 0.0 {
                            format!("{}/{}", pts(g.points), pts(g.available_points))
                        } else {
                            "—".into()
                        }
                    })
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
    let missing = card.max_points - card.available_points;
    DashboardPage {
        chrome: chrome.clone(),
        scope_name: scope.name.clone(),
        level_label: scope.level.label_vi(),
        period_label: period.label_vi(),
        scope_choices,
        period_choices,
        at: period.anchor.to_string(),
        has_index: card.index().is_some(),
        index: card.index().map_or_else(String::new, |x| number(x, 1)),
        points: pts(card.points),
        available: pts(card.available_points),
        missing_points: pts(missing),
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
    }
}

// ------------------------------------------------------------------------- drill-down

struct DrillLine {
    code: String,
    procedure: String,
    state: &'static str,
    channel: &'static str,
    received_at: String,
    appointment_at: String,
    finished_at: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "dashboard_dossiers.html")]
struct DrillPage {
    chrome: Chrome,
    figure_label: &'static str,
    scope_name: String,
    period_label: String,
    total: String,
    rows: Vec<DrillLine>,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    back_href: String,
}

fn local(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        motcua_domain::calendar::to_vn_local(&t)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

pub(super) async fn dossiers(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let figure = q.figure.as_deref().unwrap_or_default();
    let list = stats::dossiers(&state.app, &user.principal(), figure, &q.question(), q.page).await;
    match list {
        Ok(list) => Ok(render(StatusCode::OK, &drill_page(chrome, list))),
        Err(err) => Err(from_app(chrome, err)),
    }
}

fn drill_page(chrome: Chrome, list: DossierList) -> DrillPage {
    let DossierList {
        figure,
        quality,
        total,
        page,
        pages,
        rows,
    } = list;
    let rows = rows
        .into_iter()
        .map(|r| DrillLine {
            procedure: format!("{} {}", r.procedure_code, r.procedure_name),
            state: DossierState::parse(&r.state).map_or("", DossierState::label_vi),
            channel: match r.channel.as_str() {
                "online" => "Trực tuyến",
                "postal" => "Bưu chính",
                _ => "Trực tiếp",
            },
            received_at: local(r.received_at),
            appointment_at: local(r.appointment_at),
            finished_at: local(r.finished_at),
            late: r.flags & motcua_domain::quality::flag::LATE != 0,
            code: r.code,
        })
        .collect();
    let scope = &quality.scope;
    let period = quality.period;
    let page_href = |p: i64| {
        format!(
            "/dashboard/dossiers?{}",
            query(&[
                ("figure", figure.as_str().to_owned()),
                ("scope", scope_key(scope)),
                ("period", period.kind.as_str().to_owned()),
                ("at", period.anchor.to_string()),
                ("page", p.to_string()),
            ])
        )
    };
    DrillPage {
        figure_label: figure.label_vi(),
        scope_name: scope.name.clone(),
        period_label: period.label_vi(),
        total: count(total),
        rows,
        page,
        pages,
        prev_href: (page > 1).then(|| page_href(page - 1)),
        next_href: (page < pages).then(|| page_href(page + 1)),
        back_href: dashboard_href(&scope_key(scope), period),
        chrome,
    }
}

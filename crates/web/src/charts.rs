//! Charts drawn on the server as SVG: no script, no chart library. Each chart is an
//! image with a `<title>` and a `<desc>` (`role="img"`, `aria-labelledby`), and the page
//! puts a table with the same numbers beside it. Colours come from CSS variables
//! (`--chart-1`, `--chart-2`, `--chart-3`, `--chart-track`) that the high-contrast mode
//! redefines; the second and third series are hatched or dotted as well as coloured, so
//! they stay apart in print and without colour. Text uses `currentColor`.

use std::fmt::Write as _;

/// `1234.5` → `1.234,5` (Vietnamese: dot for thousands, comma for decimals).
pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A rate (0–1) as a percentage with one decimal: `0.845` → `84,5%`.
pub fn percent(rate: f64) -> String {
    format!("{}%", number(rate * 100.0, 1))
}

/// A count with thousands separators.
pub fn count(n: i64) -> String {
    number(n as f64, 0)
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Only letters, digits and `-` in element ids.
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn open(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMinYMin meet\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <defs><pattern id=\"{id}-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" class=\"chart-bg\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"chart-hatch\"/></pattern>\
         <pattern id=\"{id}-dots\" patternUnits=\"userSpaceOnUse\" width=\"5\" height=\"5\">\
         <rect width=\"5\" height=\"5\" class=\"chart-bg\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1.6\" class=\"chart-dot\"/></pattern></defs>",
        esc(title),
        esc(desc)
    );
}

/// The fill of series `i` (0-based): solid, hatched, dotted.
fn fill(id: &str, i: usize) -> String {
    match i % 3 {
        0 => "class=\"chart-1\"".to_owned(),
        1 => format!("class=\"chart-2\" fill=\"url(#{id}-hatch)\""),
        _ => format!("class=\"chart-3\" fill=\"url(#{id}-dots)\""),
    }
}

/// The legend swatch of series `i`, for tables and captions.
pub fn swatch_class(i: usize) -> &'static str {
    [
        "swatch chart-swatch-1",
        "swatch chart-swatch-2",
        "swatch chart-swatch-3",
    ][i % 3]
}

/// One horizontal bar: `value` out of `available`, within `max`, drawn on a common
/// scale. The part of `max` beyond `available` (no data) is an empty, dashed track.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// What could be earned with the data there is (at most `max`).
    pub available: f64,
    pub max: f64,
    /// The text after the bar, e.g. "12,5/18".
    pub text: String,
}

/// Horizontal bars, each over a track as long as its maximum: solid where there is data,
/// dashed where there is none.
pub fn horizontal_bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let id = safe_id(id);
    let (width, row, label_w, text_w) = (640.0, 30.0, 200.0, 175.0);
    let area = width - label_w - text_w;
    let height = (bars.len() as f64 * row + 8.0).max(40.0);
    let scale = bars.iter().map(|b| b.max).fold(0.0_f64, f64::max).max(1e-9);
    let mut out = String::new();
    open(&mut out, &id, width as u32, height as u32, title, desc);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let track = (b.max / scale * area).max(0.0);
        let available = (b.available.clamp(0.0, b.max) / scale * area).max(0.0);
        let filled = (b.value.clamp(0.0, b.available.max(0.0)) / scale * area).max(0.0);
        let _ = write!(
            out,
            "<g class=\"chart-row\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"chart-label\">{}</text>",
            label_w - 8.0,
            y + row / 2.0 + 4.0,
            esc(&b.label)
        );
        let _ = write!(
            out,
            "<rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{track:.1}\" height=\"{:.1}\" class=\"chart-missing\" stroke-dasharray=\"4 3\"/>",
            y + 5.0,
            row - 10.0
        );
        if available > 0.0 {
            let _ = write!(
                out,
                "<rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{available:.1}\" height=\"{:.1}\" class=\"chart-track\"/>",
                y + 5.0,
                row - 10.0
            );
        }
        if filled > 0.0 {
            let _ = write!(
                out,
                "<rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{filled:.1}\" height=\"{:.1}\" {}/>",
                y + 5.0,
                row - 10.0,
                fill(&id, 0)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"chart-value\">{}</text></g>",
            label_w + track + 6.0,
            y + row / 2.0 + 4.0,
            esc(&b.text)
        );
    }
    out.push_str("</svg>");
    out
}

/// A named series of values, one per category.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// The smallest "round" number at or above `max` (1, 2, 5 × 10ⁿ), for the axis.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Grouped columns: one group per category, one column per series, with a legend and a
/// y axis from zero.
pub fn columns(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    series: &[Series],
) -> String {
    let id = safe_id(id);
    let (width, height) = (640.0, 280.0);
    let (left, right, top, bottom) = (56.0, 8.0, 34.0, 36.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let ceiling = nice_ceiling(max);
    let mut out = String::new();
    open(&mut out, &id, width as u32, height as u32, title, desc);
    // Legend.
    let mut x = left;
    for (i, s) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"8\" width=\"14\" height=\"14\" {}/><text x=\"{:.1}\" y=\"20\" class=\"chart-label\">{}</text>",
            fill(&id, i),
            x + 18.0,
            esc(&s.name)
        );
        x += 28.0 + s.name.chars().count() as f64 * 7.5;
    }
    // Axis and grid.
    for k in 0..=4 {
        let v = ceiling * f64::from(k) / 4.0;
        let y = top + plot_h - plot_h * f64::from(k) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{left:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" class=\"chart-grid\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"chart-axis\">{}</text>",
            width - right,
            left - 6.0,
            y + 4.0,
            number(v, if ceiling < 4.0 { 1 } else { 0 })
        );
    }
    let n = categories.len().max(1) as f64;
    let group_w = plot_w / n;
    let k = series.len().max(1) as f64;
    let col_w = (group_w * 0.8 / k).max(1.0);
    for (c, label) in categories.iter().enumerate() {
        let gx = left + group_w * c as f64 + group_w * 0.1;
        for (i, s) in series.iter().enumerate() {
            let v = s.values.get(c).copied().unwrap_or(0.0).max(0.0);
            let h = v / ceiling * plot_h;
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{col_w:.1}\" height=\"{h:.1}\" {}><title>{}: {}</title></rect>",
                gx + col_w * i as f64,
                top + plot_h - h,
                fill(&id, i),
                esc(&format!("{label}, {}", s.name)),
                number(v, 0)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"chart-axis\">{}</text>",
            left + group_w * (c as f64 + 0.5),
            height - bottom + 16.0,
            esc(label)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{left:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" class=\"chart-axis-line\"/></svg>",
        top + plot_h,
        width - right,
        top + plot_h
    );
    out
}

/// A part of a whole.
#[derive(Debug, Clone)]
pub struct Part {
    pub label: String,
    pub value: f64,
}

/// 100% bars: each row splits its total among its parts, labelled inside when there is room.
pub fn shares(id: &str, title: &str, desc: &str, rows: &[(String, Vec<Part>)]) -> String {
    let id = safe_id(id);
    let (width, row, label_w) = (640.0, 40.0, 170.0);
    let area = width - label_w - 8.0;
    let height = (rows.len() as f64 * row + 8.0).max(40.0);
    let mut out = String::new();
    open(&mut out, &id, width as u32, height as u32, title, desc);
    for (r, (label, parts)) in rows.iter().enumerate() {
        let y = 4.0 + r as f64 * row;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"chart-label\">{}</text>",
            label_w - 8.0,
            y + row / 2.0 + 4.0,
            esc(label)
        );
        let total: f64 = parts.iter().map(|p| p.value.max(0.0)).sum();
        if total <= 0.0 {
            let _ = write!(
                out,
                "<rect x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{area:.1}\" height=\"{:.1}\" class=\"chart-track\" stroke-dasharray=\"4 3\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" class=\"chart-value\">không có hồ sơ</text>",
                y + 6.0,
                row - 12.0,
                label_w + 8.0,
                y + row / 2.0 + 4.0
            );
            continue;
        }
        let mut x = label_w;
        for (i, p) in parts.iter().enumerate() {
            let w = p.value.max(0.0) / total * area;
            let share = p.value.max(0.0) / total;
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" {}><title>{}: {}</title></rect>",
                y + 6.0,
                row - 12.0,
                fill(&id, i),
                esc(&p.label),
                percent(share)
            );
            let text = format!("{} {}", p.label, percent(share));
            if w > text.chars().count() as f64 * 7.0 + 8.0 {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" class=\"chart-inside chart-inside-{}\">{}</text>",
                    x + 5.0,
                    y + row / 2.0 + 4.0,
                    i % 3 + 1,
                    esc(&text)
                );
            }
            x += w;
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(number(1234.56, 1), "1.234,6");
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(1_000_000.0, 0), "1.000.000");
        assert_eq!(number(-3.25, 2), "-3,25");
        assert_eq!(number(-0.01, 1), "0,0");
        assert_eq!(percent(0.845), "84,5%");
        assert_eq!(count(21), "21");
    }

    #[test]
    fn charts_are_labelled_images_with_escaped_text() {
        let svg = horizontal_bars(
            "groups",
            "Điểm theo nhóm",
            "Điểm <đạt> & tối đa",
            &[
                Bar {
                    label: "Công khai".into(),
                    value: 9.0,
                    available: 12.0,
                    max: 18.0,
                    text: "9/12".into(),
                },
                Bar {
                    label: "Thanh toán".into(),
                    value: 0.0,
                    available: 0.0,
                    max: 10.0,
                    text: "không có dữ liệu".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"groups-title\">Điểm theo nhóm</title>"));
        assert!(svg.contains("Điểm &lt;đạt&gt; &amp; tối đa"));
        assert_eq!(svg.matches("class=\"chart-missing\"").count(), 2);
        assert_eq!(svg.matches("class=\"chart-track\"").count(), 1);
        assert_eq!(svg.matches("class=\"chart-1\"").count(), 1);
        assert!(svg.ends_with("</svg>"));
        let cols = columns(
            "trend",
            "Theo tháng",
            "Tiếp nhận và đúng hạn",
            &["01/2026".into(), "02/2026".into()],
            &[
                Series {
                    name: "Tiếp nhận".into(),
                    values: vec![10.0, 30.0],
                },
                Series {
                    name: "Đúng hạn".into(),
                    values: vec![8.0, 25.0],
                },
            ],
        );
        assert_eq!(cols.matches("<rect x=").count(), 2 + 4);
        assert!(cols.contains("url(#trend-hatch)"));
        let parts = shares(
            "channel",
            "Kênh",
            "Trực tuyến và trực tiếp",
            &[
                (
                    "Tiếp nhận".into(),
                    vec![
                        Part {
                            label: "Trực tuyến".into(),
                            value: 1.0,
                        },
                        Part {
                            label: "Trực tiếp".into(),
                            value: 3.0,
                        },
                    ],
                ),
                ("Trống".into(), vec![]),
            ],
        );
        assert!(parts.contains("Trực tiếp 75,0%"));
        assert!(parts.contains("không có hồ sơ"));
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(180.0), 200.0);
        assert_eq!(nice_ceiling(2400.0), 2500.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }
}

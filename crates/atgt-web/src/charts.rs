//! Charts drawn on the server as SVG (no script needed): geometry is computed here, the
//! templates `partials/bar_chart.html` and `partials/trend_chart.html` draw it, with
//! every label escaped by the template engine.

/// One bar group: a label and two bars (this period and the year before).
pub struct BarGroup {
    pub label: String,
    pub y: f64,
    pub now_w: f64,
    pub prev_w: f64,
    pub now: f64,
    pub prev: f64,
}

pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub label_w: f64,
    pub groups: Vec<BarGroup>,
    pub legend_now: String,
    pub legend_prev: String,
}

impl BarChart {
    /// Horizontal paired bars, one group per row (at most 30 rows, the largest first).
    pub fn paired(items: &[(String, f64, f64)], legend_now: &str, legend_prev: &str) -> BarChart {
        let mut items: Vec<&(String, f64, f64)> = items.iter().collect();
        items.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        items.truncate(30);
        let max = items
            .iter()
            .map(|i| i.1.max(i.2))
            .fold(0.0, f64::max)
            .max(1.0);
        let (width, label_w, row_h) = (640.0, 200.0, 26.0);
        let bar_space = width - label_w - 50.0;
        let groups = items
            .iter()
            .enumerate()
            .map(|(i, (l, n, p))| BarGroup {
                label: l.clone(),
                y: 30.0 + i as f64 * row_h,
                now_w: n / max * bar_space,
                prev_w: p / max * bar_space,
                now: *n,
                prev: *p,
            })
            .collect::<Vec<_>>();
        let height = 40.0 + groups.len() as f64 * row_h;
        BarChart {
            width,
            height,
            label_w,
            groups,
            legend_now: legend_now.into(),
            legend_prev: legend_prev.into(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A line series over months.
pub struct Series {
    pub name: String,
    pub points: String,
    pub class: String,
    pub last: f64,
}

pub struct TrendChart {
    pub width: f64,
    pub height: f64,
    pub series: Vec<Series>,
    pub ticks: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
}

impl TrendChart {
    /// Lines for up to three values per period key ("YYYY-MM").
    pub fn new(points: &[(String, f64, f64, f64)], names: &[String]) -> TrendChart {
        let (width, height, left, bottom, top) = (640.0, 260.0, 40.0, 30.0, 10.0);
        let n = points.len().max(1);
        let max = points
            .iter()
            .map(|p| p.1.max(p.2).max(p.3))
            .fold(0.0, f64::max)
            .max(1.0);
        let x = |i: usize| {
            left + (width - left - 10.0)
                * if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    0.5
                }
        };
        let y = |v: f64| height - bottom - (height - bottom - top) * v / max;
        let series = (0..3)
            .map(|s| {
                let pts: Vec<String> = points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let v = [p.1, p.2, p.3][s];
                        format!("{:.1},{:.1}", x(i), y(v))
                    })
                    .collect();
                Series {
                    name: names.get(s).cloned().unwrap_or_default(),
                    points: pts.join(" "),
                    class: ["s-crashes", "s-deaths", "s-injured"][s].into(),
                    last: points.last().map(|p| [p.1, p.2, p.3][s]).unwrap_or(0.0),
                }
            })
            .collect();
        let step = (n / 6).max(1);
        let ticks = points
            .iter()
            .enumerate()
            .filter(|(i, _)| i % step == 0)
            .map(|(i, p)| {
                (
                    x(i),
                    p.0.get(5..7)
                        .map(|m| format!("{m}/{}", &p.0[2..4]))
                        .unwrap_or_else(|| p.0.clone()),
                )
            })
            .collect();
        let y_ticks = (0..=4)
            .map(|k| {
                let v = max * k as f64 / 4.0;
                (y(v), format!("{v:.0}"))
            })
            .collect();
        TrendChart {
            width,
            height,
            series,
            ticks,
            y_ticks,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value() {
        let c = BarChart::paired(
            &[("A".into(), 10.0, 5.0), ("B".into(), 20.0, 0.0)],
            "2025",
            "2024",
        );
        assert_eq!(c.groups[0].label, "B");
        assert!((c.groups[0].now_w - 390.0).abs() < 1e-9);
        assert!((c.groups[1].prev_w - 97.5).abs() < 1e-9);
    }

    #[test]
    fn trend_has_one_polyline_per_series() {
        let pts: Vec<(String, f64, f64, f64)> = (1..=12)
            .map(|m| (format!("2025-{m:02}"), m as f64, 1.0, 2.0))
            .collect();
        let t = TrendChart::new(&pts, &["a".into(), "b".into(), "c".into()]);
        assert_eq!(t.series.len(), 3);
        assert_eq!(t.series[0].points.split(' ').count(), 12);
        assert_eq!(t.series[0].last, 12.0);
    }
}

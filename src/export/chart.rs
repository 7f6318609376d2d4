//! A chart as data. The workbench draws it on screen and the exporter draws the same value into
//! PNG and SVG files, so what a presenter exports is what the analyst looked at, built from the
//! numbers rather than grabbed from the screen.

use serde::{Deserialize, Serialize};

/// Everything one chart shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    /// One line under the title: how to read the chart.
    pub how_to_read: String,
    /// Where the numbers come from: data file, model, date.
    pub footnote: String,
    pub body: ChartBody,
}

/// The drawing itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ChartBody {
    /// Side-by-side panels of bars with whiskers, each on its own scale (outcomes in different
    /// units: orders beside revenue).
    Bars(Vec<BarPanel>),
    /// Lines and points over a numeric x.
    Xy(XyPlot),
}

/// One panel of bars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarPanel {
    pub title: String,
    /// A second, smaller line under the title (the lift and its interval).
    pub subtitle: String,
    pub y_label: String,
    pub bars: Vec<Bar>,
}

/// One bar with an optional interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
    /// Drawn in the accent colour (the scenario beside its grey baseline).
    pub accent: bool,
}

/// A plot over a numeric x.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XyPlot {
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// A shaded x range with its name (the range a lever took in the data).
    pub shaded_x: Option<(f64, f64, String)>,
    /// Marked x values with their names (the most profitable value).
    pub vlines: Vec<(f64, String)>,
    /// Draw y = x (predicted against actual).
    pub diagonal: bool,
    /// Draw y = 0 (lift, profit, residuals).
    pub zero_line: bool,
}

/// One named series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub style: SeriesStyle,
    /// (x, y) points, in x order for lines.
    pub points: Vec<[f64; 2]>,
    /// (x, low, high): the interval band around a line.
    pub band: Vec<[f64; 3]>,
    pub band_name: String,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesStyle {
    Line,
    Points,
    /// A thin grey line among many (single rows' curves): one legend entry for all of them.
    Faint,
}

impl Series {
    pub fn line(name: impl Into<String>, points: Vec<[f64; 2]>) -> Self {
        Self {
            name: name.into(),
            style: SeriesStyle::Line,
            points,
            band: Vec::new(),
            band_name: String::new(),
        }
    }

    pub fn points(name: impl Into<String>, points: Vec<[f64; 2]>) -> Self {
        Self {
            style: SeriesStyle::Points,
            ..Self::line(name, points)
        }
    }

    pub fn faint(name: impl Into<String>, points: Vec<[f64; 2]>) -> Self {
        Self {
            style: SeriesStyle::Faint,
            ..Self::line(name, points)
        }
    }

    pub fn with_band(mut self, name: impl Into<String>, band: Vec<[f64; 3]>) -> Self {
        self.band_name = name.into();
        self.band = band;
        self
    }
}

impl XyPlot {
    pub fn new(x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            shaded_x: None,
            vlines: Vec::new(),
            diagonal: false,
            zero_line: false,
        }
    }

    /// The x and y extent of everything drawn (points, bands, the shaded range and marks),
    /// padded so nothing sits on the frame; `None` when there is nothing finite to draw.
    pub fn extent(&self) -> Option<([f64; 2], [f64; 2])> {
        let mut xs: Vec<f64> = Vec::new();
        let mut ys: Vec<f64> = Vec::new();
        for series in &self.series {
            for [x, y] in &series.points {
                xs.push(*x);
                ys.push(*y);
            }
            for [x, low, high] in &series.band {
                xs.push(*x);
                ys.extend([*low, *high]);
            }
        }
        if let Some((from, to, _)) = &self.shaded_x {
            xs.extend([*from, *to]);
        }
        xs.extend(self.vlines.iter().map(|(x, _)| *x));
        if self.zero_line {
            ys.push(0.0);
        }
        let x = padded_range(&xs, 0.02)?;
        let y = padded_range(&ys, 0.08)?;
        if self.diagonal {
            // A square frame so the diagonal sits at 45 degrees.
            let low = x[0].min(y[0]);
            let high = x[1].max(y[1]);
            return Some(([low, high], [low, high]));
        }
        Some((x, y))
    }
}

impl BarPanel {
    /// From zero (bars start there) to the highest whisker, padded away from zero only.
    pub fn y_range(&self) -> [f64; 2] {
        let mut values = vec![0.0];
        for bar in &self.bars {
            values.push(bar.value);
            if let Some((low, high)) = bar.interval {
                values.extend([low, high]);
            }
        }
        let [low, high] = padded_range(&values, 0.08).unwrap_or([0.0, 1.0]);
        let all_positive = values.iter().all(|v| !v.is_finite() || *v >= 0.0);
        let all_negative = values.iter().all(|v| !v.is_finite() || *v <= 0.0);
        [
            if all_positive { 0.0 } else { low },
            if all_negative { 0.0 } else { high },
        ]
    }
}

/// Numbers people read at a glance: 1.25M, 60M, 35k, 9.6k, 5k, 250, 2.5, 0.25.
pub fn compact_number(value: f64) -> String {
    // "60.00M" and "5.0k" say no more than "60M" and "5k".
    let trimmed = |text: String, unit: &str| {
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        };
        format!("{text}{unit}")
    };
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        trimmed(format!("{:.2}", value / 1e6), "M")
    } else if magnitude >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if magnitude >= 1e3 {
        trimmed(format!("{:.1}", value / 1e3), "k")
    } else if magnitude >= 100.0 || value == value.round() {
        format!("{value:.0}")
    } else if magnitude >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The range of the finite values, widened by `pad` of its width on each side (by 1 when all
/// values are equal).
fn padded_range(values: &[f64], pad: f64) -> Option<[f64; 2]> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold(None, |acc: Option<(f64, f64)>, v| match acc {
        None => Some((v, v)),
        Some((l, h)) => Some((l.min(v), h.max(v))),
    })?;
    let width = high - low;
    if width <= f64::EPSILON * high.abs().max(1.0) {
        return Some([low - 1.0, high + 1.0]);
    }
    Some([low - pad * width, high + pad * width])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(compact_number(1_254_000.0), "1.25M");
        assert_eq!(compact_number(60_000_000.0), "60M");
        assert_eq!(compact_number(-2_500_000.0), "-2.5M");
        assert_eq!(compact_number(9_551.0), "9.6k");
        assert_eq!(compact_number(5_000.0), "5k");
        assert_eq!(compact_number(35_200.0), "35k");
        assert_eq!(compact_number(250.4), "250");
        assert_eq!(compact_number(2.54), "2.5");
        assert_eq!(compact_number(0.254), "0.25");
        assert_eq!(compact_number(-3.0), "-3");
    }

    #[test]
    fn extent_covers_points_bands_and_marks_and_skips_non_finite() {
        let mut plot = XyPlot::new("x", "y");
        plot.series.push(
            Series::line("a", vec![[0.0, 1.0], [10.0, f64::NAN]])
                .with_band("80%", vec![[0.0, -2.0, 3.0]]),
        );
        plot.vlines.push((12.0, "best".into()));
        let (x, y) = plot.extent().unwrap();
        assert!(x[0] < 0.0 && x[1] > 12.0, "{x:?}");
        assert!(y[0] < -2.0 && y[1] > 3.0, "{y:?}");
        assert!(XyPlot::new("x", "y").extent().is_none());
    }

    #[test]
    fn a_diagonal_plot_is_square() {
        let mut plot = XyPlot::new("actual", "predicted");
        plot.diagonal = true;
        plot.series
            .push(Series::points("rows", vec![[0.0, 5.0], [2.0, 9.0]]));
        let (x, y) = plot.extent().unwrap();
        assert_eq!(x, y);
    }

    #[test]
    fn bars_start_at_zero_and_reach_the_whiskers() {
        let panel = BarPanel {
            title: "orders".into(),
            subtitle: String::new(),
            y_label: "orders".into(),
            bars: vec![Bar {
                label: "scenario".into(),
                value: 10.0,
                interval: Some((8.0, 14.0)),
                accent: true,
            }],
        };
        let [low, high] = panel.y_range();
        assert_eq!(low, 0.0, "positive bars stand on the axis");
        assert!(high > 14.0);
    }
}

//! Drawing a [`Chart`] into SVG text or PNG bytes with plotters, and writing it to a file
//! (atomically). Sizes scale with the width: 1920 × 1080 is a 16:9 slide at twice the 960-point
//! layout, so text stays sharp when projected.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use thiserror::Error;

use super::chart::{BarPanel, Chart, ChartBody, SeriesStyle, XyPlot, compact_number};
use crate::files::{FileError, atomic_write};

/// The width the layout is designed at; other widths scale every size.
const DESIGN_WIDTH: f64 = 960.0;
/// Accepted pixel sizes: big enough to read, small enough to keep in memory.
const MIN_SIDE: u32 = 200;
const MAX_SIDE: u32 = 8_000;

/// A 16:9 slide at 2× scale.
pub const SLIDE_SIZE: (u32, u32) = (1920, 1080);

const ACCENT: RGBColor = RGBColor(31, 119, 180);
const BASELINE: RGBColor = RGBColor(150, 150, 150);
const MARK: RGBColor = RGBColor(214, 39, 40);
/// Single rows' curves behind the average.
const FAINT: RGBColor = RGBColor(190, 190, 190);
const PALETTE: [RGBColor; 4] = [
    ACCENT,
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Why a chart could not be exported.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("{path}: unknown chart format; name the file .png or .svg")]
    UnknownFormat { path: String },
    #[error(
        "a chart of {width} × {height} pixels cannot be drawn; each side must be {MIN_SIDE} to {MAX_SIDE}"
    )]
    BadSize { width: u32, height: u32 },
    #[error("drawing the chart failed: {0}")]
    Drawing(String),
    #[error("the chart has nothing to draw: {0}")]
    Empty(String),
    #[error(transparent)]
    File(#[from] FileError),
}

/// File formats a chart exports to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// The format a file name asks for, by its extension.
    pub fn from_path(path: &Path) -> Result<Self, ExportError> {
        let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase());
        match extension.as_deref() {
            Some("png") => Ok(Self::Png),
            Some("svg") => Ok(Self::Svg),
            _ => Err(ExportError::UnknownFormat {
                path: path.display().to_string(),
            }),
        }
    }
}

/// Writes the chart to `path` (PNG or SVG by its extension) at `size` pixels.
pub fn write_chart(chart: &Chart, path: &Path, size: (u32, u32)) -> Result<(), ExportError> {
    let bytes = match ImageFormat::from_path(path)? {
        ImageFormat::Png => render_png(chart, size)?,
        ImageFormat::Svg => render_svg(chart, size)?.into_bytes(),
    };
    atomic_write(path, &bytes)?;
    Ok(())
}

/// The chart as an SVG document.
pub fn render_svg(chart: &Chart, size: (u32, u32)) -> Result<String, ExportError> {
    check_size(size)?;
    register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, chart, scale_of(size))?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// The chart as PNG bytes.
pub fn render_png(chart: &Chart, size: (u32, u32)) -> Result<Vec<u8>, ExportError> {
    check_size(size)?;
    register_fonts();
    let (width, height) = size;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        draw(&root, chart, scale_of(size))?;
        root.present().map_err(drawing)?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        width,
        height,
        image::ColorType::Rgb8,
    )
    .map_err(|e| ExportError::Drawing(format!("PNG encoding: {e}")))?;
    Ok(png)
}

fn check_size((width, height): (u32, u32)) -> Result<(), ExportError> {
    let fits = |side: u32| (MIN_SIDE..=MAX_SIDE).contains(&side);
    if fits(width) && fits(height) {
        Ok(())
    } else {
        Err(ExportError::BadSize { width, height })
    }
}

fn scale_of((width, _): (u32, u32)) -> f64 {
    f64::from(width) / DESIGN_WIDTH
}

/// The bundled font draws every label (no system fonts needed; CJK names render). In SVG the
/// text names the generic sans-serif family, which the viewer supplies.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would only lose text.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            crate::embedded::CJK_FONT,
        );
    });
}

fn drawing<E: std::fmt::Debug>(error: E) -> ExportError {
    ExportError::Drawing(format!("{error:?}"))
}

fn font(size: f64, scale: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size * scale, FontStyle::Normal)
}

fn px(value: f64, scale: f64) -> i32 {
    (value * scale).round() as i32
}

/// Title and how-to-read on top, footnote at the bottom, the body between.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    scale: f64,
) -> Result<(), ExportError> {
    root.fill(&WHITE).map_err(drawing)?;
    let (_, height) = root.dim_in_pixel();
    let header = px(62.0, scale) as u32;
    let footer = px(26.0, scale) as u32;
    let (top, rest) = root.split_vertically(header);
    let (body, bottom) = rest.split_vertically(height.saturating_sub(header + footer));
    top.draw_text(
        &chart.title,
        &font(20.0, scale).color(&BLACK),
        (px(16.0, scale), px(10.0, scale)),
    )
    .map_err(drawing)?;
    top.draw_text(
        &chart.how_to_read,
        &font(12.5, scale).color(&RGBColor(80, 80, 80)),
        (px(16.0, scale), px(38.0, scale)),
    )
    .map_err(drawing)?;
    bottom
        .draw_text(
            &chart.footnote,
            &font(10.5, scale).color(&RGBColor(110, 110, 110)),
            (px(16.0, scale), px(6.0, scale)),
        )
        .map_err(drawing)?;
    match &chart.body {
        ChartBody::Bars(panels) => draw_bars(&body, panels, scale),
        ChartBody::Xy(plot) => draw_xy(&body, plot, scale),
    }
}

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[BarPanel],
    scale: f64,
) -> Result<(), ExportError> {
    if panels.is_empty() {
        return Err(ExportError::Empty("no outcomes".into()));
    }
    let areas = area.split_evenly((1, panels.len()));
    for (panel, area) in panels.iter().zip(&areas) {
        if panel.bars.is_empty() {
            continue;
        }
        let [low, high] = panel.y_range();
        let labels: Vec<String> = panel.bars.iter().map(|b| b.label.clone()).collect();
        let heading = px(44.0, scale) as u32;
        let (top, area) = area.split_vertically(heading);
        top.draw_text(
            &panel.title,
            &font(14.0, scale).color(&BLACK),
            (px(16.0, scale), px(4.0, scale)),
        )
        .map_err(drawing)?;
        top.draw_text(
            &panel.subtitle,
            &font(11.5, scale).color(&RGBColor(80, 80, 80)),
            (px(16.0, scale), px(24.0, scale)),
        )
        .map_err(drawing)?;
        // A segmented range of 0..last has one slot per bar.
        let slots = (0..panel.bars.len() - 1).into_segmented();
        let mut chart = ChartBuilder::on(&area)
            .margin(px(10.0, scale))
            .x_label_area_size(px(28.0, scale))
            .y_label_area_size(px(64.0, scale))
            .build_cartesian_2d(slots, low..high)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(242, 242, 242))
            .y_desc(&panel.y_label)
            .x_label_formatter(&|value| match value {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|value| compact_number(*value))
            .label_style(font(11.0, scale))
            .axis_desc_style(font(11.5, scale))
            .draw()
            .map_err(drawing)?;
        let stroke = px(1.6, scale).max(1) as u32;
        for (i, bar) in panel.bars.iter().enumerate() {
            let colour = if bar.accent { ACCENT } else { BASELINE };
            let mut rectangle = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), bar.value),
                ],
                colour.filled(),
            );
            rectangle.set_margin(0, 0, px(18.0, scale) as u32, px(18.0, scale) as u32);
            chart
                .draw_series(std::iter::once(rectangle))
                .map_err(drawing)?;
            if let Some((from, to)) = bar.interval {
                let centre = SegmentValue::CenterOf(i);
                let whisker = BLACK.stroke_width(stroke);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(centre.clone(), from), (centre, to)],
                        whisker,
                    )))
                    .map_err(drawing)?;
                for end in [from, to] {
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((SegmentValue::CenterOf(i), end))
                                + PathElement::new(
                                    vec![(-px(8.0, scale), 0), (px(8.0, scale), 0)],
                                    whisker,
                                ),
                        ))
                        .map_err(drawing)?;
                }
            }
        }
    }
    Ok(())
}

fn draw_xy<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &XyPlot,
    scale: f64,
) -> Result<(), ExportError> {
    let Some(([x0, x1], [y0, y1])) = plot.extent() else {
        return Err(ExportError::Empty("no finite points".into()));
    };
    let mut chart = ChartBuilder::on(area)
        .margin(px(12.0, scale))
        .x_label_area_size(px(40.0, scale))
        .y_label_area_size(px(72.0, scale))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc(&plot.x_label)
        .y_desc(&plot.y_label)
        .x_label_formatter(&|value| compact_number(*value))
        .y_label_formatter(&|value| compact_number(*value))
        .label_style(font(11.0, scale))
        .axis_desc_style(font(12.0, scale))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(drawing)?;
    let stroke = px(2.0, scale).max(1) as u32;
    if let Some((from, to, name)) = &plot.shaded_x {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(*from, y0), (*to, y1)],
                BLACK.mix(0.06).filled(),
            )))
            .map_err(drawing)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 20, y + 6)], BLACK.mix(0.12).filled())
            });
    }
    if plot.zero_line {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                BLACK.mix(0.5).stroke_width(1),
            )))
            .map_err(drawing)?;
    }
    if plot.diagonal {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, x0), (x1, x1)],
                BLACK.mix(0.5).stroke_width(1),
            )))
            .map_err(drawing)?
            .label("predicted = actual")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    }
    let mut faint_named = false;
    let mut coloured = 0;
    for series in &plot.series {
        if series.style == SeriesStyle::Faint {
            let points = series
                .points
                .iter()
                .filter(|[x, y]| x.is_finite() && y.is_finite())
                .map(|[x, y]| (*x, *y));
            let drawn = chart
                .draw_series(LineSeries::new(points, FAINT.stroke_width(1)))
                .map_err(drawing)?;
            if !faint_named {
                faint_named = true;
                drawn.label(series.name.as_str()).legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], FAINT.stroke_width(2))
                });
            }
            continue;
        }
        let colour = PALETTE[coloured % PALETTE.len()];
        coloured += 1;
        if !series.band.is_empty() {
            let mut outline: Vec<(f64, f64)> = series
                .band
                .iter()
                .filter(|[x, low, high]| x.is_finite() && low.is_finite() && high.is_finite())
                .map(|[x, _, high]| (*x, *high))
                .collect();
            outline.extend(
                series
                    .band
                    .iter()
                    .rev()
                    .filter(|[x, low, high]| x.is_finite() && low.is_finite() && high.is_finite())
                    .map(|[x, low, _]| (*x, *low)),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.2))))
                .map_err(drawing)?
                .label(series.band_name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], colour.mix(0.2).filled())
                });
        }
        let points = series
            .points
            .iter()
            .filter(|[x, y]| x.is_finite() && y.is_finite())
            .map(|[x, y]| (*x, *y));
        let drawn = match series.style {
            SeriesStyle::Line => chart
                .draw_series(LineSeries::new(points, colour.stroke_width(stroke)))
                .map_err(drawing)?,
            SeriesStyle::Faint => continue,
            SeriesStyle::Points => {
                let radius = px(2.5, scale).max(1);
                chart
                    .draw_series(
                        points.map(|point| Circle::new(point, radius, colour.mix(0.6).filled())),
                    )
                    .map_err(drawing)?
            }
        };
        drawn.label(series.name.as_str()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
        });
    }
    for (x, name) in &plot.vlines {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*x, y0), (*x, y1)],
                MARK.stroke_width(stroke),
            )))
            .map_err(drawing)?
            .label(name.as_str())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MARK.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(font(11.0, scale))
        .draw()
        .map_err(drawing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(
            ImageFormat::from_path(Path::new("a/B.PNG")).unwrap(),
            ImageFormat::Png
        );
        assert_eq!(
            ImageFormat::from_path(Path::new("b.svg")).unwrap(),
            ImageFormat::Svg
        );
        assert!(matches!(
            ImageFormat::from_path(Path::new("c.jpg")),
            Err(ExportError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn sizes_outside_the_limits_are_refused() {
        assert!(check_size((1920, 1080)).is_ok());
        assert!(check_size((10, 1080)).is_err());
        assert!(check_size((1920, 100_000)).is_err());
    }
}

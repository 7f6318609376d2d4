//! Draws an [`export::Chart`](crate::export::Chart) on screen with egui_plot: the same value the
//! exporter draws into PNG and SVG, so the file shows what the screen showed. Each chart has its
//! one-line "how to read" and an Export button.

use eframe::egui::{self, Color32};
use egui_plot::{
    Bar, BarChart, Corner, FilledArea, GridInput, GridMark, Legend, Line, Plot, PlotPoints, Points,
    Span, VLine, uniform_grid_spacer,
};

use super::Command;
use crate::export::Chart;
use crate::export::chart::{BarPanel, ChartBody, SeriesStyle, XyPlot, compact_number};

const ACCENT: Color32 = Color32::from_rgb(31, 119, 180);
const BASELINE: Color32 = Color32::from_gray(150);
const MARK: Color32 = Color32::from_rgb(214, 39, 40);
const PALETTE: [Color32; 4] = [
    ACCENT,
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(148, 103, 189),
];

/// Title, how to read it, the plot, and an Export button that asks for a file.
pub fn chart_ui(
    ui: &mut egui::Ui,
    id: &str,
    chart: &Chart,
    height: f32,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.strong(&chart.title);
        if ui
            .small_button("Export chart…")
            .on_hover_text("Save as PNG (1920 × 1080) or SVG, drawn from these numbers")
            .clicked()
        {
            commands.push(Command::ExportChart(Box::new(chart.clone())));
        }
    });
    ui.weak(&chart.how_to_read);
    match &chart.body {
        ChartBody::Bars(panels) => bars_ui(ui, id, panels, height),
        ChartBody::Xy(plot) => xy_ui(ui, id, plot, height),
    }
}

fn bars_ui(ui: &mut egui::Ui, id: &str, panels: &[BarPanel], height: f32) {
    if panels.is_empty() {
        return;
    }
    ui.columns(panels.len(), |columns| {
        for (i, (panel, ui)) in panels.iter().zip(columns.iter_mut()).enumerate() {
            ui.label(egui::RichText::new(&panel.title).strong());
            ui.small(&panel.subtitle);
            let [low, high] = panel.y_range();
            let labels: Vec<String> = panel.bars.iter().map(|b| b.label.clone()).collect();
            let count = labels.len();
            let ink = ui.visuals().strong_text_color();
            Plot::new(format!("{id}_{i}"))
                .height(height)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show_x(false)
                .include_y(low)
                .include_y(high)
                .y_axis_label(panel.y_label.as_str())
                .show_grid([false, true])
                // One mark per bar, named by its label.
                .x_grid_spacer(move |_| {
                    (0..count)
                        .map(|i| GridMark {
                            value: i as f64,
                            step_size: 1.0,
                        })
                        .collect()
                })
                .x_axis_formatter(move |mark, _| {
                    let index = mark.value.round();
                    if (mark.value - index).abs() < 1e-9 && index >= 0.0 {
                        labels.get(index as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_axis_formatter(|mark, _| compact_number(mark.value))
                .y_grid_spacer(uniform_grid_spacer(nice_steps))
                .show(ui, |plot_ui| {
                    let bars = panel
                        .bars
                        .iter()
                        .enumerate()
                        .map(|(x, bar)| {
                            Bar::new(x as f64, bar.value)
                                .width(0.6)
                                .name(&bar.label)
                                .fill(if bar.accent { ACCENT } else { BASELINE })
                        })
                        .collect();
                    plot_ui.bar_chart(BarChart::new(panel.title.as_str(), bars));
                    for (x, bar) in panel.bars.iter().enumerate() {
                        if let Some((from, to)) = bar.interval {
                            let x = x as f64;
                            let whisker = |points: Vec<[f64; 2]>| {
                                Line::new("80% interval", PlotPoints::from(points))
                                    .color(ink)
                                    .width(1.5)
                            };
                            plot_ui.line(whisker(vec![[x, from], [x, to]]));
                            plot_ui.line(whisker(vec![[x - 0.08, from], [x + 0.08, from]]));
                            plot_ui.line(whisker(vec![[x - 0.08, to], [x + 0.08, to]]));
                        }
                    }
                });
        }
    });
}

/// Grid steps of 1, 2 or 5 times a power of ten, each dividing the next. egui_plot's default
/// steps are powers of ten, and it labels a step only when its marks are over 20 points apart:
/// on a short plot whose range spans some 10 tenths in 150 points, only "0" was labelled. Here
/// the middle step is 4 to 5 times the smallest (itself at least `base_step_size`, 8 points),
/// so its marks are 32 points apart or more and always labelled.
fn nice_steps(input: GridInput) -> [f64; 3] {
    let base = input.base_step_size.max(f64::MIN_POSITIVE);
    let power = 10f64.powf(base.log10().floor());
    let [small, middle, large] = match base / power {
        m if m <= 1.0 => [1.0, 5.0, 10.0],
        m if m <= 2.0 => [2.0, 10.0, 20.0],
        m if m <= 5.0 => [5.0, 20.0, 100.0],
        _ => [10.0, 50.0, 100.0],
    };
    [small * power, middle * power, large * power]
}

fn xy_ui(ui: &mut egui::Ui, id: &str, plot: &XyPlot, height: f32) {
    let mut view = Plot::new(id.to_owned())
        .height(height)
        // Top left: where rising lifts, profit humps and predicted-against-actual leave room.
        .legend(Legend::default().position(Corner::LeftTop))
        .x_axis_label(plot.x_label.as_str())
        .y_axis_label(plot.y_label.as_str())
        .x_axis_formatter(|mark, _| compact_number(mark.value))
        .y_axis_formatter(|mark, _| compact_number(mark.value))
        .y_grid_spacer(uniform_grid_spacer(nice_steps));
    // Frame at least what the exported file frames: marks and shaded ranges included.
    let extent = plot.extent();
    if let Some(([x0, x1], [y0, y1])) = extent {
        view = view.include_x(x0).include_x(x1).include_y(y0).include_y(y1);
    }
    view.show(ui, |plot_ui| {
        if let Some((from, to, name)) = &plot.shaded_x {
            plot_ui.span(
                Span::new(name.as_str(), *from..=*to)
                    .fill(Color32::from_black_alpha(18))
                    .border_width(0.0),
            );
        }
        if plot.zero_line {
            // Unnamed: the zero line needs no legend entry beside the curves.
            plot_ui.hline(egui_plot::HLine::new("", 0.0).color(Color32::GRAY));
        }
        if plot.diagonal
            && let Some(([x0, x1], _)) = extent
        {
            plot_ui.line(
                Line::new(
                    "predicted = actual",
                    PlotPoints::from(vec![[x0, x0], [x1, x1]]),
                )
                .color(Color32::GRAY),
            );
        }
        let mut coloured = 0;
        for series in &plot.series {
            if series.style == SeriesStyle::Faint {
                // One legend entry: egui_plot groups items of the same name.
                plot_ui.line(
                    Line::new(
                        series.name.as_str(),
                        PlotPoints::from(series.points.clone()),
                    )
                    .color(Color32::from_gray(170).gamma_multiply(0.6))
                    .width(1.0),
                );
                continue;
            }
            let colour = PALETTE[coloured % PALETTE.len()];
            coloured += 1;
            if !series.band.is_empty() {
                let xs: Vec<f64> = series.band.iter().map(|b| b[0]).collect();
                let lows: Vec<f64> = series.band.iter().map(|b| b[1]).collect();
                let highs: Vec<f64> = series.band.iter().map(|b| b[2]).collect();
                plot_ui.add(
                    FilledArea::new(series.band_name.as_str(), &xs, &lows, &highs)
                        .fill_color(colour.gamma_multiply(0.25)),
                );
            }
            let points = PlotPoints::from(series.points.clone());
            match series.style {
                SeriesStyle::Line => {
                    plot_ui.line(
                        Line::new(series.name.as_str(), points)
                            .color(colour)
                            .width(2.0),
                    );
                }
                SeriesStyle::Faint => {}
                SeriesStyle::Points => {
                    plot_ui.points(
                        Points::new(series.name.as_str(), points)
                            .color(colour.gamma_multiply(0.7))
                            .radius(2.5),
                    );
                }
            }
        }
        for (x, name) in &plot.vlines {
            plot_ui.vline(VLine::new(name.as_str(), *x).color(MARK).width(2.0));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_are_round_nested_and_leave_a_labelled_level() {
        for base in [
            0.003,
            0.8,
            1.0,
            1.5,
            2.0,
            3.7,
            5.0,
            7.2,
            8_400_000.0,
            14_000_000.0,
        ] {
            let steps = nice_steps(GridInput {
                bounds: (0.0, 1.0),
                base_step_size: base,
            });
            assert!(steps[0] >= base * (1.0 - 1e-12), "{base}: {steps:?}");
            // The middle level is at least four smallest steps, so 32 points apart or more.
            assert!(steps[1] >= 4.0 * base * (1.0 - 1e-12), "{base}: {steps:?}");
            for pair in steps.windows(2) {
                let ratio = pair[1] / pair[0];
                assert!((ratio - ratio.round()).abs() < 1e-9, "{base}: {steps:?}");
            }
            for step in steps {
                let mantissa = step / 10f64.powf(step.log10().floor());
                assert!(
                    [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
                    "{base}: {steps:?}"
                );
            }
        }
    }
}

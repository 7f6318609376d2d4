//! Export: charts as PNG and SVG drawn from the same data as the screen (tables as CSV and the
//! one-page report come with the diagnostics issue).

pub mod chart;
pub mod diagnostic_charts;
pub mod figures;
pub mod render;

pub use chart::Chart;
pub use render::{ExportError, SLIDE_SIZE, render_png, render_svg, write_chart};

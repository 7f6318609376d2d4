//! Export: charts as PNG and SVG drawn from the same data as the screen and tables as CSV (the
//! one-page report comes with the diagnostics issue).

pub mod chart;
pub mod diagnostic_charts;
pub mod figures;
pub mod render;
pub mod tables;

pub use chart::Chart;
pub use render::{ExportError, SLIDE_SIZE, render_png, render_svg, write_chart};

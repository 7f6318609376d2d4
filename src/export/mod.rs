//! Export: charts as PNG and SVG drawn from the same data as the screen, tables as CSV, and the
//! one-page HTML report.

pub mod chart;
pub mod diagnostic_charts;
pub mod figures;
pub mod render;
pub mod report;
pub mod tables;

pub use chart::Chart;
pub use render::{ExportError, SLIDE_SIZE, render_png, render_svg, write_chart};

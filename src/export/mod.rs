//! Export: charts as PNG and SVG drawn from the same data as the screen, tables as CSV, and the
//! one-page report.
//!
//! Not built yet: the workbench and diagnostics issues fill it in.

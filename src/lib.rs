//! Liftcast: campaign planning for e-commerce. Import campaign data, map its columns to roles,
//! train a forecast model, and see the predicted lift, cost and ROI of a campaign plan.
//!
//! The core (`data`, `model`, `scenario`, `diagnostics`, `export`, `jobs`, `files`, `numbers`) knows
//! nothing of the GUI; `app` (the eframe workbench) and `cli` are thin shells over it.

pub mod app;
pub mod cli;
pub mod data;
pub mod diagnostics;
pub mod export;
pub mod files;
pub mod jobs;
pub mod memory;
pub mod model;
pub mod numbers;
pub mod project;
pub mod quiet_device_select;
pub mod quiet_panics;
pub mod scenario;

/// The sample data compiled into the binary, so `liftcast` opens on something real.
pub mod embedded {
    /// `sample_data/shop_campaigns.csv` as committed.
    pub const SAMPLE_CSV: &[u8] = include_bytes!("../sample_data/shop_campaigns.csv");
    /// The name it is shown under.
    pub const SAMPLE_NAME: &str = "sample_data/shop_campaigns.csv";
    /// WenQuanYi Micro Hei (Apache-2.0, `assets/fonts`): Latin and CJK glyphs in one font, for the
    /// workbench and for exported charts alike.
    pub const CJK_FONT: &[u8] = include_bytes!("../assets/fonts/wqy-microhei.ttc");
}

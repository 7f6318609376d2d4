//! `liftcast sample`: writes the generated sample data.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::data::sample::{
    self, CSV_NAME, DEFAULT_SEED, PLAN_COVARIATES_NAME, SampleDesign, TRUTH_NAME,
};

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Random seed; the same seed always gives the same bytes.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Days between the starts of two randomised test windows (14 to 365; 14 runs them back to
    /// back). For experiments; the committed sample uses the default.
    #[arg(long, value_name = "DAYS", default_value_t = SampleDesign::default().window_spacing_days,
          value_parser = clap::value_parser!(i64).range(14..=365))]
    window_spacing: i64,
    /// Gamma shape of the clicks' day-to-day noise (larger = less noise). For experiments.
    #[arg(long, value_name = "SHAPE", default_value_t = SampleDesign::default().click_noise_shape,
          value_parser = positive)]
    noise_shape: f64,
    /// Multiplier on every audience (more messages, less count noise). For experiments.
    #[arg(long, value_name = "X", default_value_t = SampleDesign::default().audience_scale,
          value_parser = positive)]
    audience_scale: f64,
}

/// A finite number above zero.
fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("'{text}' is not a number above 0")),
    }
}

pub fn run(args: &SampleArgs) -> anyhow::Result<ExitCode> {
    let design = SampleDesign {
        window_spacing_days: args.window_spacing,
        click_noise_shape: args.noise_shape,
        audience_scale: args.audience_scale,
    };
    let data = sample::write(&args.out, args.seed, &design)?;
    let rows = data.csv.lines().count().saturating_sub(1);
    println!(
        "wrote {} ({rows} rows), {} ({} scenarios) and {} with seed {}",
        args.out.join(CSV_NAME).display(),
        args.out.join(TRUTH_NAME).display(),
        data.truth.scenarios.len(),
        args.out.join(PLAN_COVARIATES_NAME).display(),
        args.seed
    );
    Ok(ExitCode::SUCCESS)
}

//! `liftcast sample`: writes the generated sample data.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::data::sample::{self, CSV_NAME, DEFAULT_SEED, TRUTH_NAME};

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Random seed; the same seed always gives the same bytes.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

pub fn run(args: &SampleArgs) -> anyhow::Result<ExitCode> {
    let data = sample::write(&args.out, args.seed)?;
    let rows = data.csv.lines().count().saturating_sub(1);
    println!(
        "wrote {} ({rows} rows) and {} ({} scenarios) with seed {}",
        args.out.join(CSV_NAME).display(),
        args.out.join(TRUTH_NAME).display(),
        data.truth.scenarios.len(),
        args.seed
    );
    Ok(ExitCode::SUCCESS)
}

//! The command line: `liftcast` opens the workbench; verbs run the same core headless, for
//! automation and large jobs. Exit codes: 0 success, 2 unusable input or failure.

mod args;
mod backtest;
mod chart;
mod compare;
mod curve;
mod diagnose;
mod explain;
mod forecast;
mod inspect;
mod model_args;
mod monitor;
mod optimise;
mod plan;
mod report;
mod sample;
mod table;
mod train;
mod uplift;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use args::{ImportArgs, RoleArgs};

/// Exit code for input Liftcast cannot use, or a failed command.
pub const EXIT_UNUSABLE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "liftcast",
    version,
    about = "Campaign planning: forecast orders, revenue and the lift of discounts and coupons.",
    long_about = "Campaign planning: forecast orders, revenue and the lift of discounts and \
                  coupons.\n\nWith no command, opens the workbench window: on FILE when one \
                  is given (a data file or a .liftcast.json project), else on the sample data.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// A data file or a `.liftcast.json` project to open the workbench on (what "Open with"
    /// passes).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show a data file's columns, detected roles, notations and every validation problem.
    Inspect(Box<inspect::InspectArgs>),
    /// Write the generated sample data (shop_campaigns.csv, truth.json) into a folder.
    Sample(sample::SampleArgs),
    /// Train the forecast model on a data file and save it in a folder.
    Train(Box<train::TrainArgs>),
    /// Forecast a population with a scenario's lever values against the baseline.
    Forecast(Box<forecast::ForecastArgs>),
    /// Forecast a saved campaign plan (dates, audience, per-segment levers, costs).
    Plan(Box<plan::PlanArgs>),
    /// Sweep one numeric lever and print each outcome's lift with its band.
    Curve(Box<curve::CurveArgs>),
    /// Compare plans side by side, with the probability that each beats the others.
    Compare(Box<compare::CompareArgs>),
    /// Choose a setting per segment from a grid to maximise profit within a budget.
    #[command(alias = "optimise")]
    Optimize(Box<optimise::OptimiseArgs>),
    /// Suggest traffic shares for the next test of campaign arms (Thompson sampling).
    Suggest(Box<compare::SuggestArgs>),
    /// Draw a lift chart, plan chart or response curve to a PNG or SVG file.
    Chart(Box<chart::ChartArgs>),
    /// How wrong the model is on its held-out rows, beside naive baselines, and where.
    Diagnose(Box<diagnose::DiagnoseArgs>),
    /// Why the model predicts what it does: importance, partial dependence, lift decomposition.
    Explain(Box<explain::ExplainArgs>),
    /// Score newer data with a saved model: accuracy, input shift (PSI), keep / watch / retrain.
    Monitor(Box<monitor::MonitorArgs>),
    /// On randomised data: does the model's predicted lift rank customers better than chance?
    Uplift(Box<uplift::UpliftArgs>),
    /// Backtest: rolling origin on time data, k-fold cross-validation otherwise, beside naive
    /// baselines.
    Backtest(Box<backtest::BacktestArgs>),
    /// Write the one-page HTML report of a project or model (prints to PDF).
    Report(Box<report::ReportArgs>),
}

/// Runs the program; the binary's `main` is only this.
pub fn main() -> ExitCode {
    install_panic_message();
    let cli = Cli::parse();
    let result = match cli.command {
        None => match cli.file {
            Some(file) if !file.exists() => Err(neither_command_nor_file(&file)),
            file => crate::app::run_workbench(file),
        },
        Some(Command::Inspect(args)) => inspect::run(&args),
        Some(Command::Sample(args)) => sample::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Forecast(args)) => forecast::run(&args),
        Some(Command::Plan(args)) => plan::run(&args),
        Some(Command::Curve(args)) => curve::run(&args),
        Some(Command::Compare(args)) => compare::run_compare(&args),
        Some(Command::Suggest(args)) => compare::run_suggest(&args),
        Some(Command::Optimize(args)) => optimise::run(&args),
        Some(Command::Chart(args)) => chart::run(&args),
        Some(Command::Diagnose(args)) => diagnose::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Monitor(args)) => monitor::run(&args),
        Some(Command::Uplift(args)) => uplift::run(&args),
        Some(Command::Backtest(args)) => backtest::run(&args),
        Some(Command::Report(args)) => report::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("liftcast: {error:#}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// What `liftcast WORD` says when WORD is no file: a mistyped command is named.
fn neither_command_nor_file(word: &std::path::Path) -> anyhow::Error {
    let text = word.display().to_string();
    let commands = <Cli as clap::CommandFactory>::command();
    let closest = commands
        .get_subcommands()
        .map(|c| c.get_name())
        .filter(|name| *name != "help")
        .map(|name| (strsim::levenshtein(&text, name), name))
        .min();
    match closest {
        Some((distance, name)) if distance <= 2 => anyhow::anyhow!(
            "'{text}' is neither a command nor a file; did you mean `liftcast {name}`?"
        ),
        _ => anyhow::anyhow!(
            "'{text}' is neither a command nor a file; `liftcast --help` lists the commands"
        ),
    }
}

/// Panics inside third-party readers are caught and reported as errors about the file, so the
/// default "thread panicked" text would only confuse; one plain line says what failed instead.
/// A panic that escapes ends the program with exit code 101, which is always a bug.
fn install_panic_message() {
    std::panic::set_hook(Box::new(|info| {
        if crate::quiet_panics::is_quiet() {
            return;
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "liftcast: internal failure{location}: {payload} (if liftcast stops here, this is a \
             bug: please report it with the input)"
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_that_is_no_file_names_the_command_it_is_closest_to() {
        let said = neither_command_nor_file(std::path::Path::new("forcast")).to_string();
        assert_eq!(
            said,
            "'forcast' is neither a command nor a file; did you mean `liftcast forecast`?"
        );
        let said = neither_command_nor_file(std::path::Path::new("shop.csv")).to_string();
        assert!(
            said.ends_with("`liftcast --help` lists the commands"),
            "{said}"
        );
    }
}

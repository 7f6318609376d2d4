//! `liftcast train FILE --out MODEL_DIR`: trains the forecast model on a validated table and
//! saves it; progress per epoch, then the holdout metrics beside the naive baseline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::model_args::{DeviceArg, FamilyArg};
use super::{ImportArgs, RoleArgs};
use crate::data::{Inspection, import};
use crate::model::{EpochReport, TrainConfig, start_training};
use crate::numbers::significant;

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The training data: CSV/TSV, Parquet, JSON Lines or XLSX.
    file: PathBuf,
    #[command(flatten)]
    import: ImportArgs,
    #[command(flatten)]
    roles: RoleArgs,
    /// Folder to save the model in (created if missing).
    #[arg(long, value_name = "MODEL_DIR")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    device: DeviceArg,
    /// Which model: hybrid (deep and trees blended per outcome), deep or trees.
    #[arg(long, value_enum, default_value_t = FamilyArg::Hybrid)]
    model: FamilyArg,
    /// Passes over the training rows (early stopping may end sooner).
    #[arg(long)]
    epochs: Option<usize>,
    /// Ensemble members.
    #[arg(long)]
    ensemble: Option<usize>,
    #[arg(long)]
    seed: Option<u64>,
    /// Adam's starting learning rate.
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Units per hidden layer.
    #[arg(long)]
    hidden: Option<usize>,
    /// Rows per training step.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learn from every row, the holdout included, once a fit with a holdout has been judged:
    /// the model to plan with (time data's holdout is its latest dates). Holdout diagnostics
    /// refuse such a model.
    #[arg(long = "final")]
    final_fit: bool,
    /// Calibrate each category only, not also each value of a numeric or coupon lever with few
    /// values (each depth, duration, coupon): for data where some values were tested on few
    /// rows, whose means are mostly noise.
    #[arg(long)]
    no_value_calibration: bool,
    /// JSON lines instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let table = import::load(&args.file, &args.import.options())?;
    let inspection = Inspection::new(table, args.roles.base_mapping()?, &args.roles.overrides())?;
    if !inspection.validation.is_usable() {
        for problem in inspection.validation.errors() {
            eprintln!("{problem}");
        }
    }
    let defaults = TrainConfig::default();
    let config = TrainConfig {
        epochs: args.epochs.unwrap_or(defaults.epochs),
        members: args.ensemble.unwrap_or(defaults.members),
        seed: args.seed.unwrap_or(defaults.seed),
        learning_rate: args.learning_rate.unwrap_or(defaults.learning_rate),
        hidden: args.hidden.unwrap_or(defaults.hidden),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        family: args.model.into(),
        final_fit: args.final_fit,
        calibrate_lever_values: !args.no_value_calibration,
        ..defaults
    };
    let job = start_training(&inspection, config, args.device.into(), None)?;
    let json = args.json;
    let model = job
        .wait(|report: EpochReport| print_epoch(&report, json))
        .map_err(|panic| anyhow::anyhow!("training failed: {panic}"))??;
    model
        .save(&args.out)
        .with_context(|| format!("saving the model to {}", args.out.display()))?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "event": "done", "model": args.out, "device": model.meta.device, "holdout": model.meta.holdout, "blend": model.meta.blend })
        );
    } else {
        println!(
            "saved {} (device {}, best epochs {:?} of {}; {})",
            args.out.display(),
            model.meta.device,
            model.meta.best_epochs,
            model.meta.epochs_run,
            model.meta.split_rule
        );
        print_blend(&model.meta);
        if model.meta.config.final_fit {
            println!(
                "final fit: every row taught the model, so there are no holdout metrics; \
                 judge these settings by a fit without --final"
            );
            return Ok(ExitCode::SUCCESS);
        }
        println!("holdout metrics (lower is better, AUC higher):");
        for metric in &model.meta.holdout {
            let scores: Vec<String> = metric
                .scores
                .iter()
                .map(|s| {
                    let [model, naive] = [s.model, s.naive].map(|v| significant(v, 5));
                    format!("{} model {model} naive {naive}", s.metric)
                })
                .collect();
            println!(
                "  {:<16} {}; mean prediction / mean outcome {:.3} ({} rows)",
                metric.outcome,
                scores.join("; "),
                metric.mean_ratio,
                metric.rows
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Each family's validation score beside the blend's, per outcome.
fn print_blend(meta: &crate::model::ModelMeta) {
    if meta.blend.is_empty() {
        return;
    }
    println!(
        "model {}: validation scores (lower is better), deep weight of the blend:",
        meta.config.family.name()
    );
    let shown = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| significant(v, 5));
    for blend in &meta.blend {
        println!(
            "  {:<16} {} on {} rows: deep {} trees {} blend {} (deep weight {:.2})",
            blend.outcome,
            blend.metric,
            blend.validation_rows,
            shown(blend.deep_score),
            shown(blend.trees_score),
            shown(blend.blend_score),
            blend.deep_weight
        );
    }
}

fn print_epoch(report: &EpochReport, json: bool) {
    if let Some(device) = &report.started_on {
        let note = crate::model::device::first_use_note(device);
        if json {
            println!(
                "{}",
                serde_json::json!({ "event": "started", "device": device, "note": note })
            );
        } else {
            match note {
                Some(note) => println!("training on {device}: {note}"),
                None => println!("training on {device}"),
            }
        }
        return;
    }
    if let (Some((done, wanted)), false) = (report.tree_members_done, json) {
        if done > 0 {
            println!("trees: member {done} of {wanted} trained");
        } else {
            println!("training the gradient-boosted trees ({wanted} members)…");
        }
        return;
    }
    if json {
        println!(
            "{}",
            serde_json::json!({ "event": "epoch", "report": report })
        );
    } else {
        let losses = |values: &[f32]| {
            values
                .iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join("/")
        };
        println!(
            "epoch {:>3}/{}  loss per outcome: train {}  validation {}  holdout {}  {:.0} rows/s  ETA {:.0} s",
            report.epoch,
            report.epochs,
            losses(&report.train_loss),
            losses(&report.validation_loss),
            losses(&report.holdout_loss),
            report.rows_per_second,
            report.eta_seconds
        );
    }
}

//! Frame time of the workbench's GUI thread (BENCHMARKS.md records the output with the machine):
//! - while the model trains on a worker (the default configuration on the sample data);
//! - while a lever moves every frame in the Scenarios step (each move starts a forecast on the
//!   worker; the newest request wins).
//!
//! A frame here is one `Harness::step` of egui_kittest: the app's whole `ui` pass, layout and
//! tessellation on this thread, without the GPU's painting (which runs in parallel on a real
//! window). Frames are paced at 60 per second so the worker runs as it would behind a window.
//!
//! Run: `cargo bench --profile release --bench frame_time`

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liftcast::app::WorkbenchApp;
use liftcast::model::LeverSetting;

const FRAME: Duration = Duration::from_micros(16_667);
const SLIDER_FRAMES: usize = 300;

fn paced_step(harness: &mut Harness<'static, WorkbenchApp>, times: &mut Vec<f64>) {
    let start = Instant::now();
    harness.step();
    let spent = start.elapsed();
    times.push(spent.as_secs_f64() * 1000.0);
    if let Some(rest) = FRAME.checked_sub(spent) {
        std::thread::sleep(rest);
    }
}

fn until_idle(harness: &mut Harness<'static, WorkbenchApp>, times: &mut Vec<f64>) {
    for _ in 0..100_000 {
        paced_step(harness, times);
        if !harness.state().is_busy() {
            return;
        }
    }
}

fn report(what: &str, times: &mut [f64]) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<34} {:>6} frames   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui: &mut egui::Ui, app: &mut WorkbenchApp| app.draw(ui),
            WorkbenchApp::new(None),
        );
    let mut ignored = Vec::new();
    until_idle(&mut harness, &mut ignored);

    harness.get_by_label("3 Train").click();
    harness.step();
    harness.step();
    harness.get_by_label("Start training").click();
    let mut training = Vec::new();
    until_idle(&mut harness, &mut training);
    assert!(harness.state().model_meta().is_some(), "the model trained");

    harness.get_by_label("4 Scenarios").click();
    harness.step();
    until_idle(&mut harness, &mut ignored);
    let mut sliding = Vec::new();
    for frame in 0..SLIDER_FRAMES {
        let discount = (frame % 41) as f64 * 0.75;
        harness.state_mut().set_scenario(&[
            LeverSetting {
                lever: "campaign_type".into(),
                value: "percent_off".into(),
            },
            LeverSetting {
                lever: "discount_pct".into(),
                value: format!("{discount}"),
            },
        ]);
        paced_step(&mut harness, &mut sliding);
    }
    until_idle(&mut harness, &mut sliding);

    println!("GUI-thread frame time (egui_kittest step, paced at 60 fps):");
    report("while training (default config)", &mut training);
    report("while a lever moves every frame", &mut sliding);
}

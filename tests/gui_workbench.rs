//! The workbench window, driven headless with egui_kittest: it opens on the sample data, shows
//! the detected roles, and validates edits.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liftcast::app::WorkbenchApp;
use liftcast::data::Role;
use liftcast::model::LeverSetting;

fn wait_until_idle(harness: &mut Harness<'static, WorkbenchApp>) {
    for _ in 0..20_000 {
        harness.step();
        if !harness.state().is_busy() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    harness.step();
    harness.step();
}

/// Clicks a widget that may be below the fold of the scrolling step: scrolled into view first.
fn scroll_and_click(harness: &mut Harness<'static, WorkbenchApp>, label: &str) {
    harness.get_by_label(label).scroll_to_me();
    // Scrolling is animated: let it settle before the pointer aims.
    for _ in 0..30 {
        harness.step();
    }
    harness.get_by_label(label).click();
    harness.step();
}

/// With LIFTCAST_SCREENSHOTS=FOLDER set, saves what the harness shows (rendered through wgpu)
/// for docs/screenshots; otherwise does nothing.
fn save_screenshot(harness: &mut Harness<'static, WorkbenchApp>, name: &str) {
    let Some(folder) = std::env::var_os("LIFTCAST_SCREENSHOTS") else {
        return;
    };
    let image = harness.render().expect("the harness renders");
    image
        .save(std::path::Path::new(&folder).join(name))
        .expect("the screenshot is written");
}

/// Clicks a widget (scrolled into view) that starts work on a worker, and waits for it.
fn click_and_wait(harness: &mut Harness<'static, WorkbenchApp>, label: &str) {
    scroll_and_click(harness, label);
    harness.step();
    wait_until_idle(harness);
}

fn harness_with_sample() -> Harness<'static, WorkbenchApp> {
    harness_opening(None)
}

/// The workbench as `liftcast FILE` starts it: on a data file or a project, else the sample.
fn harness_opening(file: Option<std::path::PathBuf>) -> Harness<'static, WorkbenchApp> {
    let app = WorkbenchApp::opening(None, file);
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.draw(ui), app);
    // The data loads on a worker; frames keep coming while it does.
    wait_until_idle(&mut harness);
    assert!(
        harness.state().inspection().is_some(),
        "the data loaded; status: {}",
        harness.state().status()
    );
    harness
}

/// Sets the training settings and opens the Train step.
fn open_train_step(
    harness: &mut Harness<'static, WorkbenchApp>,
    configure: impl FnOnce(&mut liftcast::model::TrainConfig),
) {
    configure(harness.state_mut().train_config_mut());
    harness.get_by_label("3 Train").click();
    harness.step();
    harness.step();
}

/// Trains in the Train step (two epochs, two members unless screenshots are being taken, which
/// want the full model) and opens the Scenarios step with its first forecast shown.
fn train_and_open_scenarios(harness: &mut Harness<'static, WorkbenchApp>) {
    open_train_step(harness, |config| {
        if std::env::var_os("LIFTCAST_SCREENSHOTS").is_none() {
            config.epochs = 2;
            config.members = 2;
        }
    });
    harness.get_by_label("Start training").click();
    harness.step();
    harness.step();
    wait_until_idle(harness);
    assert!(
        harness.state().model_meta().is_some(),
        "the model trained; status: {}",
        harness.state().status()
    );
    harness.get_by_label("4 Scenarios").click();
    harness.step();
    harness.step();
    wait_until_idle(harness);
}

/// Opens the Scenarios step's audience section (everyone chosen) and ticks one value; waits
/// for the forecast of the narrower rows.
fn open_audience_and_tick(harness: &mut Harness<'static, WorkbenchApp>, value: &str) {
    harness
        .get_by_label("Audience: everyone, the 7 days after the data (2026-01-01 to 2026-01-07)")
        .click();
    harness.step();
    harness.step();
    harness.get_by_label(value).click();
    harness.step();
    wait_until_idle(harness);
}

/// Sets the scenario's levers, then saves it under `name` (the Scenario name field and Save
/// scenario).
fn save_scenario(
    harness: &mut Harness<'static, WorkbenchApp>,
    name: &str,
    settings: &[LeverSetting],
) {
    harness.state_mut().set_scenario(settings);
    wait_until_idle(harness);
    let field = harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Scenario name");
    field.focus();
    field.type_text(name);
    harness.step();
    harness.step();
    scroll_and_click(harness, "Save scenario");
}

/// Compares the saved scenarios as plans (Compare as plans) and returns what the panel shows.
fn compare_as_plans(
    harness: &mut Harness<'static, WorkbenchApp>,
) -> liftcast::scenario::compare::Comparison {
    click_and_wait(harness, "Compare as plans");
    harness
        .state()
        .plan_comparison()
        .cloned()
        .unwrap_or_else(|| panic!("no comparison; status: {}", harness.state().status()))
}

#[test]
fn opens_on_the_sample_data_with_its_preview() {
    let harness = harness_with_sample();
    assert!(harness.query_all_by_label_contains("8,772 rows").count() >= 1);
    harness.get_by_label("date");
    // Only visible rows are laid out; the first rows are 2024-01-01 for every segment × channel.
    let first_day_cells = harness.query_all_by_label("2024-01-01").count();
    assert!((1..=12).contains(&first_day_cells), "{first_day_cells}");
    assert_eq!(
        harness.query_all_by_label("2025-12-31").count(),
        0,
        "rows off screen are not drawn"
    );
}

#[test]
fn roles_step_shows_detected_roles_and_a_verdict() {
    let mut harness = harness_with_sample();
    harness.get_by_label("2 Roles").click();
    harness.step();
    harness.step();
    harness.get_by_label("Column roles");
    harness.get_by_label_contains("Ready to train");
    let detected_levers = harness.query_all_by_label_contains("lever (").count();
    assert_eq!(
        detected_levers, 5,
        "campaign_type, discount_pct, coupon, duration_days, creative"
    );
}

#[test]
fn mapping_edits_are_validated_on_a_worker() {
    let mut harness = harness_with_sample();
    let mut mapping = harness.state().inspection().unwrap().mapping.clone();
    for outcome in ["clicks", "orders", "revenue"] {
        mapping.set(outcome, Role::Ignore);
    }
    harness.state_mut().apply_mapping(mapping);
    wait_until_idle(&mut harness);
    harness.get_by_label("2 Roles").click();
    harness.step();
    harness.step();
    harness.get_by_label_contains("Not ready");
    harness.get_by_label_contains("nothing to forecast");
}

#[test]
fn train_then_scenario_shows_the_core_forecast() {
    let mut harness = harness_with_sample();
    // Screenshots for the docs show a fully trained model; the test itself needs only a few
    // epochs.
    if std::env::var_os("LIFTCAST_SCREENSHOTS").is_none() {
        let config = harness.state_mut().train_config_mut();
        config.epochs = 3;
        config.members = 2;
    }
    save_screenshot(&mut harness, "data.png");
    harness.get_by_label("2 Roles").click();
    harness.step();
    harness.step();
    save_screenshot(&mut harness, "roles.png");
    harness.get_by_label("3 Train").click();
    harness.step();
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    assert!(harness.state().model_meta().is_some(), "the model trained");
    // Once done, the bar says so (not "epoch 3/3" as if still running).
    let meta = harness.state().model_meta().unwrap().clone();
    harness.get_by_label_contains(&format!("done · {}/", meta.epochs_run));
    // Training said where it started before its first epoch: the device the model keeps.
    assert_eq!(
        harness.state().training_started_on(),
        Some(meta.device.as_str())
    );
    save_screenshot(&mut harness, "train.png");
    // The top bar says where the model ran, the reason on hover.
    let device = harness.state().model_meta().unwrap().device.clone();
    let short = device.split(", because").next().unwrap_or(&device);
    harness.get_by_label(&format!("Device: {short}"));
    harness.get_by_label_contains("Holdout error beside the naive baseline");
    // The default model is the hybrid: each family's validation score beside the blend's.
    harness.get_by_label_contains("Model: hybrid (deep + trees, blended)");
    let blend = &harness.state().model_meta().unwrap().blend;
    assert_eq!(blend.len(), 3, "one blend per outcome");
    let weight = format!("{:.2}", blend[0].deep_weight);
    assert!(
        harness.query_all_by_label(&weight).next().is_some(),
        "{weight} shown"
    );

    harness.get_by_label("4 Scenarios").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    let forecast = harness
        .state()
        .scenario_forecast()
        .cloned()
        .expect("a forecast");
    // At the baseline the scenario equals the baseline: zero lift, shown as such.
    let orders = forecast
        .outcomes
        .iter()
        .find(|o| o.outcome == "orders")
        .unwrap();
    assert!(orders.lift.abs() < 1e-6, "{orders:?}");
    // Totals show the decimals their size warrants (none from 1,000 up).
    let places = liftcast::numbers::decimals_for(orders.baseline_total);
    let shown = liftcast::numbers::grouped(orders.baseline_total, places);
    assert_eq!(
        harness.query_all_by_label(&shown).count(),
        2,
        "scenario and baseline both {shown}"
    );
    assert!(harness.query_all_by_label("+0.0%").count() >= 1);
    let everyone_rows = orders.rows;
    // On time data the what-if looks ahead: the week after the data, each segment × channel
    // of the sample once a day.
    assert_eq!(everyone_rows, 7 * 12, "the 7 days after the data");

    // The audience narrows the rows forecast: ticking one segment forecasts only its rows.
    open_audience_and_tick(&mut harness, "vip");
    let vip = harness
        .state()
        .scenario_forecast()
        .cloned()
        .expect("a forecast");
    let vip_rows = vip.outcomes[0].rows;
    assert_eq!(vip_rows * 4, everyone_rows, "one of four equal segments");
    harness.get_by_label_contains("Audience: segment in vip");
    // Unticking brings everyone back.
    harness.get_by_label("vip").click();
    harness.step();
    wait_until_idle(&mut harness);
    assert_eq!(
        harness.state().scenario_forecast().unwrap().outcomes[0].rows,
        everyone_rows
    );
    // The data's own dates are the other choice: every row of the sample, what the levers
    // would have done then.
    click_and_wait(&mut harness, "Dates in the data:");
    harness.get_by_label_contains("Audience: everyone, every date");
    assert_eq!(
        harness.state().scenario_forecast().unwrap().outcomes[0].rows,
        harness.state().inspection().unwrap().table.frame.height()
    );
    click_and_wait(&mut harness, "The days after the data:");
    assert_eq!(
        harness.state().scenario_forecast().unwrap().outcomes[0].rows,
        everyone_rows
    );

    // Moving a lever re-forecasts on the worker and the lift label follows the core's number.
    harness.state_mut().set_scenario(&[
        set("campaign_type", "percent_off"),
        set("discount_pct", "20"),
    ]);
    wait_until_idle(&mut harness);
    let forecast = harness
        .state()
        .scenario_forecast()
        .cloned()
        .expect("a forecast");
    let orders = forecast
        .outcomes
        .iter()
        .find(|o| o.outcome == "orders")
        .unwrap();
    assert!(orders.lift > 0.0, "a discount lifts orders: {orders:?}");
    harness.get_by_label(&format!("{:+.1}%", orders.lift_pct));

    // The lift chart below the table is drawn from the same forecast, and it is what Ctrl+E
    // exports.
    let chart = harness
        .state()
        .current_chart()
        .cloned()
        .expect("the lift chart");
    assert_eq!(
        chart.title,
        "Predicted totals: campaign_type=percent_off, discount_pct=20 against no campaign"
    );
    harness.get_by_label(&chart.title);
    harness.get_by_label(&format!("orders: {:+.1}%", orders.lift_pct));
    save_screenshot(&mut harness, "scenarios.png");

    // The response curve sweeps the first numeric lever on the worker and names the most
    // profitable value the core found.
    harness.get_by_label("Response curve");
    // Priced with the plan's costs, one set for the plan, the curve and the optimiser.
    harness.get_by_label("the plan's above: margin 40%, nothing per message, fixed 0");
    click_and_wait(&mut harness, "Draw curve");
    let curve = harness.state().curve().cloned().expect("a curve");
    assert_eq!(curve.points.len(), 11);
    let best = curve.profit_maximising_value.expect("priced with costs");
    harness.get_by_label_contains(&format!("Most profitable: {} = {best} ", curve.lever));
    // On time data the curve sweeps the rows chosen above, the days after the data, and says so.
    harness.get_by_label_contains("over the 7 days after the data");
    let chart = harness
        .state()
        .current_chart()
        .cloned()
        .expect("a curve chart");
    let outcome = curve.points[0].outcomes[0].outcome.clone();
    assert_eq!(
        chart.title,
        format!("Lift in {outcome} as {} varies", curve.lever),
        "the first outcome's lift is drawn first"
    );
    harness.get_by_label(&chart.title);
    harness.get_by_label(&format!("Incremental profit as {} varies", curve.lever));
    // The money chart can show the ROI instead, with its band; the curve is not swept again.
    harness.get_by_value("incremental profit").click();
    harness.step();
    harness.step();
    harness.get_by_label("ROI").click();
    harness.step();
    harness.step();
    harness.get_by_label(&format!("ROI as {} varies", curve.lever));
    assert_eq!(
        harness.state().current_chart().map(|c| c.title.clone()),
        Some(format!("ROI as {} varies", curve.lever)),
        "Ctrl+E exports the chart just redrawn"
    );
    assert!(
        curve.points.iter().all(|p| p
            .money
            .as_ref()
            .is_some_and(|m| m.roi.is_some() == m.roi_80.is_some())),
        "a band wherever there is an ROI"
    );
    harness.get_by_value("ROI").click();
    harness.step();
    harness.step();
    harness.get_by_label("incremental profit").click();
    harness.step();
    harness.step();
    harness.get_by_label(&format!("Incremental profit as {} varies", curve.lever));
    // The line under both charts, scrolled into view, brings the charts with it.
    harness
        .get_by_label_contains(&format!("Most profitable: {} = {best} ", curve.lever))
        .scroll_to_me();
    for _ in 0..30 {
        harness.step();
    }
    save_screenshot(&mut harness, "curve.png");

    // The optimiser: the 20%-off scenario as a setting, one setting per segment, within the
    // panel's budget; the table shows the core's choice for each segment.
    for label in ["Add the scenario above as a setting", "segment", "Optimise"] {
        scroll_and_click(&mut harness, label);
    }
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    let result = harness
        .state()
        .optimised()
        .cloned()
        .unwrap_or_else(|| panic!("no optimised plan; status: {}", harness.state().status()));
    assert_eq!(result.allocations.len(), 4, "one row per segment");
    assert!(result.total_cost <= result.budget.unwrap());
    for allocation in &result.allocations {
        assert!(
            ["no campaign", "campaign_type=percent_off, discount_pct=20"]
                .contains(&allocation.choice.option.as_str())
        );
    }
    harness.get_by_label_contains("Expected profit");
    // It optimises the campaign plan above: its dates, audience and costs.
    let plan = harness
        .state()
        .current_plan()
        .expect("the plan panel's plan");
    assert_eq!((result.plan.start, result.plan.end), (plan.start, plan.end));
    assert_eq!(result.plan.costs, plan.costs);
    // Other dates for the plan are the optimiser's too.
    harness
        .state_mut()
        .set_plan_dates("2026-01-08", "2026-01-21");
    harness.step();
    harness.get_by_label_contains("It plans the campaign plan's dates (2026-01-08 to 2026-01-21)");
    click_and_wait(&mut harness, "Optimise");
    let later = harness.state().optimised().cloned().expect("a plan");
    assert_eq!(
        (later.plan.start, later.plan.end),
        (
            chrono::NaiveDate::from_ymd_opt(2026, 1, 8),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 21)
        )
    );
    harness
        .state_mut()
        .set_plan_dates("2026-01-01", "2026-01-07");
    harness.step();

    // A budget too small for anything says what would run something, and its button re-runs
    // with that budget (rounded up), which then runs something within it.
    harness.state_mut().set_optimiser_budget(1.0);
    click_and_wait(&mut harness, "Optimise");
    let starved = harness.state().optimised().cloned().expect("a plan");
    let shortfall = starved
        .budget_shortfall()
        .expect("nothing fits a budget of 1");
    harness.get_by_label_contains("Nothing fits the budget of 1:");
    let raise = harness.get_by_label_contains("Raise the budget to");
    let offered: f64 = egui_kittest::kittest::NodeT::accesskit_node(&raise)
        .label()
        .and_then(|l| l.rsplit(' ').next().map(|n| n.replace(',', "")))
        .and_then(|n| n.parse().ok())
        .expect("a number on the button");
    assert!(
        offered >= shortfall.needed,
        "{offered} < {}",
        shortfall.needed
    );
    raise.click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    let raised = harness.state().optimised().cloned().expect("a plan");
    assert_eq!(raised.budget, Some(offered));
    assert!(raised.total_cost <= offered);
    assert!(
        raised
            .allocations
            .iter()
            .any(|a| a.choice.option != liftcast::scenario::optimise::NO_CAMPAIGN),
        "the raised budget runs something"
    );
    harness
        .get_by_label_contains("Expected profit")
        .scroll_to_me();
    for _ in 0..30 {
        harness.step();
    }
    save_screenshot(&mut harness, "optimiser.png");

    // The audience applies to the curve and the optimiser too: with only `vip` ticked the
    // curve's totals shrink and the optimised plan reaches vip alone. (The audience section is
    // still open from above.)
    click_and_wait(&mut harness, "vip");
    click_and_wait(&mut harness, "Draw curve");
    let vip_curve = harness.state().curve().cloned().expect("a vip curve");
    let total = |c: &liftcast::scenario::curve::Curve| c.points[0].outcomes[0].scenario_total;
    assert!(
        total(&vip_curve) < 0.5 * total(&curve),
        "vip {} against everyone {}",
        total(&vip_curve),
        total(&curve)
    );
    click_and_wait(&mut harness, "Optimise");
    let vip_plan = harness.state().optimised().cloned().expect("a vip plan");
    assert_eq!(
        vip_plan.plan.audience.len(),
        1,
        "{:?}",
        vip_plan.plan.audience
    );
    assert_eq!(vip_plan.plan.audience[0].values, ["vip"]);
    assert_eq!(vip_plan.allocations.len(), 1, "one segment left");
    click_and_wait(&mut harness, "vip");

    // Diagnostics: the held-out rows are scored on a worker, and the verdict and charts shown
    // are the core's.
    harness.get_by_label("5 Diagnostics").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    let report = harness
        .state()
        .diagnostics()
        .cloned()
        .unwrap_or_else(|| panic!("no diagnostics; status: {}", harness.state().status()));
    let first = &report.outcomes[0];
    harness.get_by_label(&first.verdict);
    harness.get_by_label(&format!(
        "{}: predicted against actual on held-out rows",
        first.outcome
    ));
    save_screenshot(&mut harness, "diagnostics.png");

    // Importance and partial dependence are measured on a worker when asked for.
    click_and_wait(&mut harness, "Explain: importance and partial dependence");
    harness.get_by_label(&format!(
        "{}: which inputs the model leans on",
        first.outcome
    ));
    harness.get_by_label_contains(&format!(
        "{} by discount_pct: partial dependence",
        first.outcome
    ));

    // The backtest retrains per fold on a worker; its verdicts and chart show when it ends.
    click_and_wait(&mut harness, "Backtest");
    let backtest = harness
        .state()
        .backtest()
        .cloned()
        .unwrap_or_else(|| panic!("no backtest; status: {}", harness.state().status()));
    assert_eq!(backtest.method, "rolling origin");
    harness.get_by_label(&backtest.summary[0].verdict);

    // The report is written on a worker from the same model and data.
    let folder = tempfile::tempdir().unwrap();
    let report_path = folder.path().join("report.html");
    harness.state_mut().export_report_to(report_path.clone());
    wait_until_idle(&mut harness);
    let html = std::fs::read_to_string(&report_path)
        .unwrap_or_else(|e| panic!("no report ({e}); status: {}", harness.state().status()));
    for section in ["accuracy", "calibration", "importance", "plans", "warnings"] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(harness.state().status().starts_with("Report saved"));
}

/// Chinese text from a GBK export renders (the harness panics on any glyph no font has).
#[test]
fn chinese_text_renders_with_the_bundled_font() {
    let mut harness = harness_with_sample();
    let text = "日期,门店,优惠券,销售额\n2016-05-16,上海徐汇店,满150减20,1234.5\n2016-05-17,北京朝阳店,0.9,987\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("门店.csv");
    std::fs::write(&path, &bytes).unwrap();
    harness.state_mut().open_file(path);
    wait_until_idle(&mut harness);
    harness.get_by_label("上海徐汇店");
    harness.get_by_label("满150减20");
}

#[test]
fn the_theme_toggles_between_dark_and_light() {
    let mut harness = harness_with_sample();
    harness.get_by_label("Light theme").click();
    harness.step();
    harness.step();
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    harness.get_by_label("Dark theme").click();
    harness.step();
    harness.step();
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
}

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn theme_and_step_persist_through_eframe_storage() {
    let mut harness = harness_with_sample();
    harness.get_by_label("Light theme").click();
    harness.step();
    harness.get_by_label("2 Roles").click();
    harness.step();
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    assert!(!storage.0.is_empty(), "the settings were stored");

    // A new window restores them: light theme, on the Roles step.
    let ctx = egui::Context::default();
    let mut app = WorkbenchApp::new(None);
    app.restore(&ctx, Some(&storage));
    assert_eq!(ctx.theme(), egui::Theme::Light);
    let restored = app.settings();
    assert!(restored.light);
    assert_eq!(restored.step, Some(liftcast::app::Step::Roles));
}

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

fn twenty_percent_off() -> Vec<LeverSetting> {
    vec![
        set("campaign_type", "percent_off"),
        set("discount_pct", "20"),
    ]
}

/// Save → reopen in a fresh window restores the data, model and scenario, and the forecast is
/// the same to the last digit.
#[test]
fn a_saved_project_reopens_with_the_same_numbers() {
    let mut harness = harness_with_sample();
    train_and_open_scenarios(&mut harness);
    // The audience is part of what the project restores: vip only.
    open_audience_and_tick(&mut harness, "vip");
    harness.state_mut().set_scenario(&twenty_percent_off());
    wait_until_idle(&mut harness);
    let before = harness
        .state()
        .scenario_forecast()
        .cloned()
        .expect("a forecast");

    // Saved under a name and compared: the table shows the core's forecast of it.
    let name_field =
        harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Scenario name");
    name_field.focus();
    name_field.type_text("spring sale");
    harness.step();
    harness.step();
    harness.get_by_label("Save scenario").click();
    harness.step();
    harness.step();
    harness.get_by_label("Compare saved scenarios").click();
    harness.step();
    wait_until_idle(&mut harness);
    let comparison = harness.state().comparison().to_vec();
    assert_eq!(comparison.len(), 1);
    assert_eq!(comparison[0].0, "spring sale");
    assert_eq!(
        comparison[0].1.outcomes, before.outcomes,
        "the same scenario, the same numbers"
    );
    let orders = &comparison[0].1.outcomes[1];
    harness.get_by_label_contains(&format!(
        "{} ({:+.1}%",
        liftcast::numbers::grouped(
            orders.scenario_total,
            liftcast::numbers::decimals_for(orders.scenario_total.max(orders.baseline_total))
        ),
        orders.lift_pct
    ));

    // The plan panel takes the scenario's levers: the project keeps the plan too.
    scroll_and_click(&mut harness, "Use the levers above");
    let plan = harness.state().current_plan().expect("a plan");
    assert!(plan.levers.contains(&twenty_percent_off()[1]));

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("spring.liftcast.json");
    harness.state_mut().save_project_to(path.clone());
    wait_until_idle(&mut harness);
    assert!(
        harness.state().status().starts_with("Project saved"),
        "{}",
        harness.state().status()
    );
    assert!(
        folder.path().join("spring.model").is_dir(),
        "the model is saved beside it"
    );

    // Reopened as `liftcast spring.liftcast.json` (or "Open with") starts it.
    let mut reopened = harness_opening(Some(path));
    wait_until_idle(&mut reopened);
    let after = reopened
        .state()
        .scenario_forecast()
        .cloned()
        .unwrap_or_else(|| panic!("no forecast; status: {}", reopened.state().status()));
    for (a, b) in before.outcomes.iter().zip(&after.outcomes) {
        assert_eq!(a.outcome, b.outcome);
        assert_eq!(a.scenario_total, b.scenario_total, "{}", a.outcome);
        assert_eq!(a.baseline_total, b.baseline_total, "{}", a.outcome);
        assert_eq!(a.lift_low, b.lift_low, "{}", a.outcome);
    }
    let orders = after
        .outcomes
        .iter()
        .find(|o| o.outcome == "orders")
        .unwrap();
    reopened.get_by_label(&format!("{:+.1}%", orders.lift_pct));
    assert_eq!(reopened.state().current_plan(), Some(plan));
    reopened.get_by_label_contains("Audience: segment in vip");
}

/// A file opened while other work runs (dropped while the sample still loads) is not refused
/// as busy: it opens when that work ends.
#[test]
fn a_file_opened_while_busy_opens_when_the_work_ends() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("shop.csv");
    std::fs::write(&data, liftcast::embedded::SAMPLE_CSV).unwrap();
    let mut app = WorkbenchApp::new(None);
    assert!(app.is_busy(), "the sample is loading");
    app.open_file(data.clone());
    assert!(
        app.status()
            .contains("opens when the current work finishes"),
        "{}",
        app.status()
    );
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.draw(ui), app);
    wait_until_idle(&mut harness);
    wait_until_idle(&mut harness);
    assert_eq!(
        harness
            .state()
            .inspection()
            .map(|i| i.table.source.path.clone()),
        Some(data)
    );
}

/// A project whose data file changed since it was saved is refused with the reason.
#[test]
fn a_project_with_changed_data_is_reported_not_used() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("shop.csv");
    std::fs::write(&data, liftcast::embedded::SAMPLE_CSV).unwrap();
    // Started on the file, as `liftcast shop.csv` does.
    let mut harness = harness_opening(Some(data.clone()));
    assert_eq!(
        harness.state().inspection().unwrap().table.source.path,
        data
    );
    let path = folder.path().join("shop.liftcast.json");
    harness.state_mut().save_project_to(path.clone());
    wait_until_idle(&mut harness);
    assert!(harness.state().status().starts_with("Project saved"));

    let mut text = String::from_utf8(liftcast::embedded::SAMPLE_CSV.to_vec()).unwrap();
    text.push_str("2026-01-01,new,sms,none,0,none,0,none,0,0,100,1,0,0\n");
    std::fs::write(&data, text).unwrap();
    harness.state_mut().open_project_from(path);
    wait_until_idle(&mut harness);
    let status = harness.state().status().to_owned();
    assert!(status.contains("the data file changed"), "{status}");
    harness.get_by_label_contains("the data file changed");
}

/// Cancelling a long training from the status bar keeps the best model so far, and the app
/// goes on: the Scenarios step forecasts with it.
#[test]
fn cancel_during_training_leaves_a_usable_app() {
    let mut harness = harness_with_sample();
    open_train_step(&mut harness, |config| {
        config.epochs = 500;
        config.patience = 500;
        config.members = 2;
    });
    harness.get_by_label("Start training").click();
    harness.step();
    // Wait for the first epochs: the status bar then shows the progress and its Cancel.
    for _ in 0..20_000 {
        harness.step();
        if harness
            .query_by_label_contains("epoch 2 of at most 500")
            .is_some()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(harness.query_all_by_label_contains("ETA").count() >= 1);
    harness.get_by_label("Cancel").click();
    harness.step();
    wait_until_idle(&mut harness);
    let meta = harness
        .state()
        .model_meta()
        .cloned()
        .expect("the best model so far");
    assert!(
        meta.cancelled && meta.epochs_run < 500,
        "{} epochs",
        meta.epochs_run
    );
    harness.get_by_label("4 Scenarios").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    assert!(
        harness.state().scenario_forecast().is_some(),
        "{}",
        harness.state().status()
    );
}

fn coupon_150_20() -> Vec<LeverSetting> {
    vec![
        set("campaign_type", "coupon"),
        set("coupon", "150:20"),
        set("discount_pct", "0"),
    ]
}

/// The plan panel: 20% off for everyone, a 150:20 coupon for one segment, forecast on a worker
/// with the same numbers as the core's `evaluate_plan`; saved and reopened as a plan file; the
/// next test among two saved scenarios.
#[test]
fn a_plan_with_per_segment_levers_forecasts_as_the_core_does() {
    let mut harness = harness_with_sample();
    train_and_open_scenarios(&mut harness);
    // A model with a holdout: the plan panel says how to get one that learnt from every row.
    harness.get_by_label_contains("train it again with \"Final fit\"");

    harness.state_mut().set_scenario(&twenty_percent_off());
    wait_until_idle(&mut harness);
    scroll_and_click(&mut harness, "Use the levers above");
    harness.state_mut().set_scenario(&coupon_150_20());
    wait_until_idle(&mut harness);
    scroll_and_click(&mut harness, "Give this segment the levers above");
    let plan = harness.state().current_plan().expect("a plan");
    assert!(plan.levers.contains(&twenty_percent_off()[1]), "{plan:?}");
    assert_eq!(plan.segment_levers.len(), 1, "{plan:?}");
    assert!(plan.segment_levers[0].levers.contains(&coupon_150_20()[1]));
    assert!(plan.start.is_some(), "time data: the week after the data");

    // Future covariates from a file: a competitor sale on every day of the plan.
    let folder = tempfile::tempdir().unwrap();
    let covariates = folder.path().join("future.csv");
    let mut csv = String::from("date,competitor_sale\n");
    for day in 0..7 {
        csv.push_str(&format!(
            "{},1\n",
            plan.start.unwrap() + chrono::Duration::days(day)
        ));
    }
    std::fs::write(&covariates, csv).unwrap();
    harness.state_mut().set_plan_covariates(covariates.clone());
    harness.step();
    harness.get_by_label(&covariates.display().to_string());
    let plan = harness.state().current_plan().expect("a plan");
    assert_eq!(plan.covariates_file.as_ref(), Some(&covariates));

    click_and_wait(&mut harness, "Forecast plan");
    let shown = harness
        .state()
        .plan_forecast()
        .cloned()
        .unwrap_or_else(|| panic!("no plan forecast; status: {}", harness.state().status()));
    assert!(
        shown.rule.contains("competitor_sale from"),
        "{}",
        shown.rule
    );
    let frame = harness.state().inspection().unwrap().table.frame.clone();
    let core = liftcast::scenario::evaluate::evaluate_plan(
        harness.state().model().expect("the model is back"),
        &frame,
        &plan,
    )
    .unwrap();
    assert_eq!(shown.outcomes, core.outcomes);
    assert_eq!(shown.money, core.money);
    // Money amounts take the decimals the largest of them warrants, signed where a change.
    let point = &core.money.point;
    let places = liftcast::numbers::decimals_for_largest([
        point.incremental_revenue,
        point.campaign_cost,
        point.incremental_profit,
    ]);
    let profit = liftcast::numbers::signed(point.incremental_profit, places);
    harness.get_by_label(&profit);
    let band = &core.money.incremental_profit_80;
    harness.get_by_label(&format!(
        "{} to {}",
        liftcast::numbers::signed(band.low, places),
        liftcast::numbers::signed(band.high, places)
    ));
    let orders = core.outcome("orders").unwrap();
    harness.get_by_label(&format!("{:+.1}%", orders.lift_pct));
    // The lift day by day, unfolded: each of the plan's 7 days with the core's lift.
    assert_eq!(core.by_day.len(), 7);
    scroll_and_click(&mut harness, "Lift by day");
    for _ in 0..5 {
        harness.step();
    }
    let first_day = &core.by_day[0];
    harness.get_by_label(&first_day.value);
    let day_orders = first_day
        .outcomes
        .iter()
        .find(|o| o.outcome == "orders")
        .unwrap();
    let places = liftcast::numbers::decimals_for(day_orders.scenario.max(day_orders.baseline));
    harness.get_by_label_contains(&liftcast::numbers::signed(day_orders.lift, places));
    // Under the table, the first outcome day by day with and without the plan.
    let daily = liftcast::export::figures::plan_daily_chart(&core, "clicks", String::new())
        .expect("a daily chart");
    harness.get_by_label(&daily.title);
    scroll_and_click(&mut harness, "Lift by day");
    harness.get_by_label("Forecast plan").scroll_to_me();
    for _ in 0..30 {
        harness.step();
    }
    save_screenshot(&mut harness, "plan.png");

    // Saved as a plan file and opened again after the segment is removed.
    let path = folder.path().join("plan.json");
    harness.state_mut().save_plan_to(path.clone());
    wait_until_idle(&mut harness);
    assert_eq!(liftcast::scenario::plan::Plan::load(&path).unwrap(), plan);
    scroll_and_click(&mut harness, "remove");
    assert!(
        harness
            .state()
            .current_plan()
            .unwrap()
            .segment_levers
            .is_empty()
    );
    harness.state_mut().open_plan_from(path);
    wait_until_idle(&mut harness);
    assert_eq!(harness.state().current_plan().unwrap(), plan);

    // Two saved scenarios, compared as plans and as the next test's arms. Every lever either
    // sets differs between them (the controls keep what was set before).
    let twenty_off = [twenty_percent_off(), vec![set("coupon", "none")]].concat();
    save_scenario(&mut harness, "twenty off", &twenty_off);
    save_scenario(&mut harness, "coupon", &coupon_150_20());
    // Compared as plans on profit: the table shows the core's comparison, with its chart.
    let comparison = compare_as_plans(&mut harness);
    let arms: Vec<liftcast::scenario::plan::Plan> =
        [("twenty off", twenty_off), ("coupon", coupon_150_20())]
            .iter()
            .map(|(name, settings)| plan.arm(name, settings))
            .collect();
    let forecasts: Vec<_> = arms
        .iter()
        .map(|arm| {
            liftcast::scenario::evaluate::evaluate_plan(
                harness.state().model().unwrap(),
                &frame,
                arm,
            )
            .unwrap()
        })
        .collect();
    let core = liftcast::scenario::compare::compare(&forecasts, "profit").unwrap();
    assert_eq!(comparison.plans, core.plans);
    // The diagonal is NaN (a plan against itself); the rest must match.
    assert_eq!(comparison.beats[0][1], core.beats[0][1]);
    assert_eq!(comparison.beats[1][0], core.beats[1][0]);
    harness.get_by_label("Plans compared: incremental profit");
    let best_in = format!("{:.0}%", core.plans[0].probability_best * 100.0);
    assert!(
        harness.query_all_by_label(&best_in).next().is_some(),
        "{best_in}"
    );

    // The next test: shares that sum to one, shown per arm.
    click_and_wait(&mut harness, "Suggest the next test");
    let suggestion = harness
        .state()
        .suggestion()
        .cloned()
        .unwrap_or_else(|| panic!("no suggestion; status: {}", harness.state().status()));
    assert_eq!(suggestion.arms.len(), 2);
    let shares: f64 = suggestion.arms.iter().map(|a| a.share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    harness.get_by_label(&format!("{:.1}%", suggestion.arms[0].share * 100.0));
}

/// Unit data: a plan reaches a population file (Artea's next-campaign customers, who have no
/// coupon column yet) with the levers set on every row, as the core forecasts it.
/// An offer lever's text field has the offers seen in the data beside it: picking one sets the
/// lever, and the plan takes it.
#[test]
fn an_offer_is_picked_from_those_seen_in_the_data() {
    let mut harness = harness_with_sample();
    train_and_open_scenarios(&mut harness);
    harness.get_by_value("seen").click();
    harness.step();
    harness.step();
    harness.get_by_label("150:20").click();
    harness.step();
    wait_until_idle(&mut harness);
    let described = liftcast::data::notation::parse_offer("150:20").describe();
    harness.get_by_label(&described);
    scroll_and_click(&mut harness, "Use the levers above");
    let plan = harness.state().current_plan().expect("a plan");
    assert!(
        plan.levers
            .iter()
            .any(|s| s.lever == "coupon" && s.value == "150:20"),
        "{:?}",
        plan.levers
    );

    // The curve sweeps the coupon's amount off, its threshold held at the 150 set above.
    // The curve's lever picker (the last control showing discount_pct; the plan's segment
    // picker above may show it too).
    harness
        .query_all_by_value("discount_pct")
        .last()
        .unwrap()
        .scroll_to_me();
    for _ in 0..30 {
        harness.step();
    }
    harness
        .query_all_by_value("discount_pct")
        .last()
        .unwrap()
        .click();
    harness.step();
    harness.step();
    harness.get_by_label("coupon:off").click();
    harness.step();
    click_and_wait(&mut harness, "Draw curve");
    let curve = harness
        .state()
        .curve()
        .cloned()
        .unwrap_or_else(|| panic!("no curve; status: {}", harness.state().status()));
    assert_eq!(curve.axis_name(), "coupon amount off (spend 150)");
    assert!(curve.points.iter().all(|p| p.outcomes.len() == 3));
    harness.get_by_label_contains("Most profitable: coupon amount off (spend 150) = ");
    harness.get_by_label_contains("The data's coupons cover coupon amount off (spend 150) from");
}

#[test]
fn a_plan_reaches_a_population_file() {
    use liftcast::data::{ImportOptions, Inspection, RoleOverrides, import};
    let shared =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/artea_coupon");
    let experiment = shared.join("artea-a_b-experiment.csv");
    let next_campaign = shared.join("artea-next-campaign.csv");
    let overrides = RoleOverrides {
        levers: vec![("test_coupon".into(), Some("0".into()))],
        outcomes: vec!["trans_after".into(), "revenue_after".into()],
        ..Default::default()
    };
    let table = import::load(&experiment, &ImportOptions::default()).unwrap();
    let mapping = Inspection::new(table, None, &overrides).unwrap().mapping;

    let mut harness = harness_with_sample();
    harness.state_mut().open_file(experiment);
    wait_until_idle(&mut harness);
    harness.state_mut().apply_mapping(mapping);
    wait_until_idle(&mut harness);
    train_and_open_scenarios(&mut harness);
    let coupon = vec![set("test_coupon", "1")];
    harness.state_mut().set_scenario(&coupon);
    wait_until_idle(&mut harness);
    scroll_and_click(&mut harness, "Use the levers above");
    // Unit data: no dates, a population instead.
    harness.get_by_label("the data's own rows");
    harness
        .state_mut()
        .set_plan_population(next_campaign.clone());
    harness.step();
    harness.get_by_label(&next_campaign.display().to_string());
    click_and_wait(&mut harness, "Forecast plan");
    let shown = harness
        .state()
        .plan_forecast()
        .cloned()
        .unwrap_or_else(|| panic!("no plan forecast; status: {}", harness.state().status()));
    let population = import::load(&next_campaign, &ImportOptions::default())
        .unwrap()
        .frame;
    assert_eq!(shown.rows, population.height());
    let plan = harness.state().current_plan().unwrap();
    assert_eq!(plan.start, None);
    let core = liftcast::scenario::evaluate::evaluate_plan(
        harness.state().model().unwrap(),
        &population,
        &plan,
    )
    .unwrap();
    assert_eq!(shown.outcomes, core.outcomes);

    // Saved scenarios compared as plans reach the same population, not the data's rows.
    let arms = [
        ("coupon", coupon.clone()),
        ("none", vec![set("test_coupon", "0")]),
    ];
    for (name, settings) in &arms {
        save_scenario(&mut harness, name, settings);
    }
    let shown = compare_as_plans(&mut harness);
    let arms: Vec<(String, Vec<LeverSetting>)> = arms
        .iter()
        .map(|(name, settings)| (name.to_string(), settings.clone()))
        .collect();
    let forecasts = liftcast::scenario::evaluate::evaluate_arms(
        harness.state().model().unwrap(),
        &population,
        &plan,
        &arms,
    )
    .unwrap();
    let core = liftcast::scenario::compare::compare(&forecasts, &shown.metric).unwrap();
    // The diagonal of `beats` is NaN, which equals nothing: the plans and the pair compare.
    assert_eq!(shown.plans, core.plans);
    assert_eq!(shown.beats[0][1], core.beats[0][1]);
}

/// The Train step's "Final fit" box trains on every row: the model says so, the Train step
/// shows no holdout table but why, and the Diagnostics step says it has nothing held out to
/// score instead of scoring rows the model learnt from.
#[test]
fn a_final_fit_trains_on_every_row_and_has_no_holdout_to_diagnose() {
    let mut harness = harness_with_sample();
    open_train_step(&mut harness, |config| {
        config.epochs = 2;
        config.members = 2;
    });
    harness.get_by_label("Final fit").click();
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    let meta = harness
        .state()
        .model_meta()
        .cloned()
        .expect("the model trained");
    assert!(meta.config.final_fit);
    assert!(meta.holdout.is_empty(), "{:?}", meta.holdout);
    assert!(
        meta.split_rule.starts_with("final fit"),
        "{}",
        meta.split_rule
    );
    harness.get_by_label_contains("Final fit: every row taught the model");
    harness.get_by_label("4 Scenarios").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    harness.get_by_label("Campaign plan");
    assert!(
        harness
            .query_by_label_contains("train it again with")
            .is_none(),
        "a final fit needs no advice to refit"
    );

    harness.get_by_label("5 Diagnostics").click();
    harness.step();
    harness.step();
    wait_until_idle(&mut harness);
    assert!(harness.state().diagnostics().is_none());
    assert!(
        harness.state().status().contains("final fit"),
        "status: {}",
        harness.state().status()
    );
}

/// From the plan panel's advice, one click trains the same settings as a final fit: the model
/// then learnt from every row and the advice is gone.
#[test]
fn the_plan_panel_trains_the_final_fit() {
    let mut harness = harness_with_sample();
    train_and_open_scenarios(&mut harness);
    let evaluated = harness.state().model_meta().unwrap().config.clone();
    assert!(!evaluated.final_fit);
    click_and_wait(&mut harness, "Train the final fit");
    let meta = harness
        .state()
        .model_meta()
        .cloned()
        .unwrap_or_else(|| panic!("no model; status: {}", harness.state().status()));
    assert!(meta.config.final_fit);
    assert_eq!(
        (meta.config.epochs, meta.config.members, meta.config.seed),
        (evaluated.epochs, evaluated.members, evaluated.seed),
        "the same settings"
    );
    assert!(harness.query_by_label("Train the final fit").is_none());
}

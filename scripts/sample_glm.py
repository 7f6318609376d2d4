#!/usr/bin/env python3
"""How well a plain Poisson regression recovers the named plans' lifts from a sample.

An analysis aid, not part of the build or the tests (it needs Python 3 and numpy): it tells
whether a sample holds enough randomised evidence for the plan-truth goal (every lift within
10%) before any Liftcast model is blamed. It fits, by iteratively reweighted least squares,
log E[y] = log(sends) + segment × channel + weekday + yearly wave (two harmonics) + festival
days + competitor sale + days since a campaign ended (1-10) + offer + duration, on every row
but the festival campaigns, for clicks, orders and revenue, then forecasts each plan of the
folder's truth.json with and without its campaign, as the truth does (no competitor sale, no
dip). `--segments` adds offer × segment terms.

Usage: scripts/sample_glm.py DIR [--segments]    (DIR holds shop_campaigns.csv, truth.json)
Prints the lift errors in % (predicted / true - 1), plan by plan: clicks / orders / revenue,
then the baselines' errors.
"""
import csv
import datetime as dt
import json
import sys

import numpy as np

SEGMENTS = ["new", "active", "lapsed", "vip"]
CHANNELS = ["app_push", "sms", "email"]
OFFERS = [("5", "none"), ("10", "none"), ("15", "none"), ("20", "none"), ("25", "none"),
          ("30", "none"), ("0", "100:10"), ("0", "150:20"), ("0", "200:30"), ("0", "300:50")]
DURATIONS = ["3", "5", "7", "10", "14"]


def festival(day):
    """The generator's festival days (src/data/sample/world.rs), as categories."""
    m, d = day.month, day.day
    for index, (month, first, last) in enumerate(
            [(11, 11, 11), (11, 1, 10), (11, 12, 12), (6, 18, 18), (6, 1, 17), (12, 12, 12)]):
        if m == month and first <= d <= last:
            return index
    return None


def features(date, segment, channel, competitor, offer, duration, days_after, by_segment):
    day = dt.date.fromisoformat(date)
    x = [0.0] * 12
    x[SEGMENTS.index(segment) * 3 + CHANNELS.index(channel)] = 1.0
    weekday = [0.0] * 6
    if day.weekday() > 0:
        weekday[day.weekday() - 1] = 1.0
    angle = 2 * np.pi * day.timetuple().tm_yday / 365.25
    wave = [np.cos(angle), np.sin(angle), np.cos(2 * angle), np.sin(2 * angle)]
    festivals = [0.0] * 6
    if festival(day) is not None:
        festivals[festival(day)] = 1.0
    dip = [0.0] * 10
    if days_after:
        dip[days_after - 1] = 1.0
    offers, durations, offer_segment = [0.0] * 10, [0.0] * 5, [0.0] * 40
    if offer is not None:
        offers[OFFERS.index(offer)] = 1.0
        durations[DURATIONS.index(duration)] = 1.0
        offer_segment[OFFERS.index(offer) * 4 + SEGMENTS.index(segment)] = 1.0
    x += weekday + wave + festivals + [competitor] + dip + offers + durations
    return x + offer_segment if by_segment else x


def fit(x, y, offset):
    beta = np.zeros(x.shape[1])
    beta[:12] = np.log(y.mean() / np.exp(offset).mean())
    for _ in range(100):
        eta = x @ beta + offset
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu
        normal = x.T @ (x * mu[:, None]) + 1e-6 * np.eye(x.shape[1])
        new = np.linalg.solve(normal, x.T @ (mu * z))
        if np.max(np.abs(new - beta)) < 1e-9:
            return new
        beta = new
    return beta


def main():
    folder, by_segment = sys.argv[1], "--segments" in sys.argv[2:]
    rows = list(csv.DictReader(open(f"{folder}/shop_campaigns.csv", encoding="utf-8")))
    truth = json.load(open(f"{folder}/truth.json", encoding="utf-8"))
    xs, ys, offsets = [], [], []
    last_end, running = {}, {}
    for row in rows:
        cell = (row["segment"], row["channel"])
        campaign = row["campaign_type"] != "none"
        day = dt.date.fromisoformat(row["date"])
        if running.get(cell) and not campaign:
            last_end[cell] = day - dt.timedelta(days=1)
        running[cell] = campaign
        days_after = None
        if not campaign and cell in last_end and 1 <= (day - last_end[cell]).days <= 10:
            days_after = (day - last_end[cell]).days
        if campaign and row["randomised"] != "1":
            continue  # festival campaigns: confounded with the festival's demand
        offer = (row["discount_pct"], row["coupon"]) if campaign else None
        xs.append(features(row["date"], row["segment"], row["channel"],
                           float(row["competitor_sale"]), offer, row["duration_days"],
                           days_after, by_segment))
        ys.append([float(row["clicks"]), float(row["orders"]), float(row["revenue"])])
        offsets.append(np.log(float(row["sends"])))
    x, y, offset = np.array(xs), np.array(ys), np.array(offsets)
    betas = [fit(x, y[:, j], offset) for j in range(3)]
    plans, baselines, within = [], [], 0
    for scenario in truth["scenarios"]:
        levers = scenario["levers"]
        offer, duration = (levers["discount_pct"], levers["coupon"]), levers["duration_days"]
        def rows_with(offer_or_none):
            return np.array([features(r["date"], r["segment"], r["channel"], 0.0, offer_or_none,
                                      duration, None, by_segment) for r in scenario["rows"]])
        treated, untreated = rows_with(offer), rows_with(None)
        sends = np.log([r["sends"] for r in scenario["rows"]])
        errors, baseline_errors = [], []
        for beta, expected in zip(betas, scenario["outcomes"]):
            baseline = np.exp(untreated @ beta + sends).sum()
            lift = np.exp(treated @ beta + sends).sum() - baseline
            baseline_errors.append(f"{100 * (baseline / expected['baseline'] - 1):+.0f}")
            error = 100 * (lift / expected["lift"] - 1)
            within += abs(error) <= 10
            errors.append(f"{error:+.0f}")
        plans.append("/".join(errors))
        baselines.append("/".join(baseline_errors))
    print(f"lifts:     {' · '.join(plans)} | {within}/{3 * len(truth['scenarios'])} within 10%")
    print(f"baselines: {' · '.join(baselines)}")


if __name__ == "__main__":
    main()

//! The money side of a plan: what the campaign costs (fixed, per message, and the discount
//! itself), and what it earns (incremental revenue and margin), with the identity
//! incremental profit = incremental margin − cost holding exactly.
//!
//! Margin is earned on list prices: goods cost (1 − margin) of their list price whatever the
//! customer paid, so a 30% discount on a 40%-margin product keeps 10% of the list price. The
//! discount is therefore always a campaign cost; when the data's revenue is already net of it,
//! the list-price revenue is recovered as net revenue + discount before the margin is taken.

use serde::{Deserialize, Serialize};

use crate::data::notation::Offer;

/// What the planner says about money.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSettings {
    /// Cost of running the campaign at all (creative, set-up), in currency. None when left out
    /// of a plan file.
    #[serde(default)]
    pub fixed_cost: f64,
    /// Cost of each message sent or impression bought (none when left out).
    #[serde(default)]
    pub cost_per_exposure: f64,
    /// Gross margin on list-price revenue, in percent (40 = 40%). A plan file must state it:
    /// no margin is a safe guess.
    pub margin_pct: f64,
    /// True when the data's revenue is what customers paid after the discount (list-price
    /// revenue is then net revenue + discount); false when it records list prices. True when
    /// left out, as shops' order exports record it.
    #[serde(default = "yes")]
    pub revenue_is_net_of_discount: bool,
    /// Share of coupon-campaign orders that redeem the coupon (1 = every order: the upper bound
    /// when the data has no redemption column, and the value when left out).
    #[serde(default = "every_order")]
    pub redemption_share: f64,
}

fn yes() -> bool {
    true
}

fn every_order() -> f64 {
    1.0
}

impl Default for CostSettings {
    fn default() -> Self {
        Self {
            fixed_cost: 0.0,
            cost_per_exposure: 0.0,
            margin_pct: 100.0,
            revenue_is_net_of_discount: true,
            redemption_share: 1.0,
        }
    }
}

/// The predicted quantities money is computed from (totals over the plan's rows).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanQuantities {
    /// Messages sent or impressions bought by the campaign.
    pub exposure: f64,
    /// Orders with the campaign.
    pub orders: f64,
    /// Revenue with the campaign, as the data records it.
    pub revenue: f64,
    /// Revenue without the campaign (the baseline), as the data records it.
    pub baseline_revenue: f64,
}

/// Every money figure of a plan, each part stated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Incremental revenue as the data records it (net or list prices).
    pub incremental_revenue: f64,
    /// Incremental revenue at list prices, which the margin is earned on.
    pub incremental_list_revenue: f64,
    /// Margin % × incremental list-price revenue.
    pub incremental_margin: f64,
    pub fixed_cost: f64,
    pub exposure_cost: f64,
    /// The discount given away: coupon value × redemptions, or percent × list-price revenue.
    pub discount_value: f64,
    /// fixed + exposure + discount: what the campaign spends, and what a budget limits.
    pub campaign_cost: f64,
    pub incremental_profit: f64,
    /// incremental profit / campaign cost; `None` when the campaign costs nothing.
    pub roi: Option<f64>,
}

/// Rounds to the cent, so the identity holds in the currency people read.
fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The discount an offer gives away over a plan's predicted orders and revenue.
pub fn discount_value(offer: &Offer, quantities: &PlanQuantities, settings: &CostSettings) -> f64 {
    match offer {
        Offer::SpendThreshold { amount_off, .. } | Offer::AmountOff { amount: amount_off } => {
            amount_off * quantities.orders * settings.redemption_share
        }
        Offer::PercentOff { .. } | Offer::PriceRate { .. } => {
            let rate = offer.discount_rate().unwrap_or(0.0);
            // Percent off applies to list prices; recorded net revenue is list × (1 − rate).
            let list_revenue = if settings.revenue_is_net_of_discount && rate < 1.0 {
                quantities.revenue / (1.0 - rate)
            } else {
                quantities.revenue
            };
            rate * list_revenue
        }
        Offer::NoOffer | Offer::Label { .. } => 0.0,
    }
}

/// Costs, margin, profit and ROI of a plan that makes one offer.
pub fn money(offer: &Offer, quantities: &PlanQuantities, settings: &CostSettings) -> Money {
    money_with_discount(
        discount_value(offer, quantities, settings),
        quantities,
        settings,
    )
}

/// Costs, margin, profit and ROI given the discount the plan gives away (summed over its rows
/// when segments get different offers).
pub fn money_with_discount(
    discount_value: f64,
    quantities: &PlanQuantities,
    settings: &CostSettings,
) -> Money {
    let incremental_revenue = cents(quantities.revenue - quantities.baseline_revenue);
    let discount_value = cents(discount_value);
    // The baseline gives nothing away, so its recorded revenue is at list prices either way.
    let incremental_list_revenue = if settings.revenue_is_net_of_discount {
        cents(incremental_revenue + discount_value)
    } else {
        incremental_revenue
    };
    let incremental_margin = cents(incremental_list_revenue * settings.margin_pct / 100.0);
    let fixed_cost = cents(settings.fixed_cost);
    let exposure_cost = cents(settings.cost_per_exposure * quantities.exposure);
    let campaign_cost = cents(fixed_cost + exposure_cost + discount_value);
    let incremental_profit = cents(incremental_margin - campaign_cost);
    Money {
        incremental_revenue,
        incremental_list_revenue,
        incremental_margin,
        fixed_cost,
        exposure_cost,
        discount_value,
        campaign_cost,
        incremental_profit,
        roi: (campaign_cost > 0.0).then(|| incremental_profit / campaign_cost),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::notation::parse_offer;

    fn list_price_settings() -> CostSettings {
        CostSettings {
            fixed_cost: 500.0,
            cost_per_exposure: 0.02,
            margin_pct: 40.0,
            revenue_is_net_of_discount: false,
            redemption_share: 1.0,
        }
    }

    #[test]
    fn spend_threshold_coupon_costs_its_face_value_per_redemption() {
        // 满150减20 on 300 orders, 60% redeem: 20 × 300 × 0.6 = 3,600.
        let settings = CostSettings {
            redemption_share: 0.6,
            ..list_price_settings()
        };
        let quantities = PlanQuantities {
            exposure: 10_000.0,
            orders: 300.0,
            revenue: 54_000.0,
            baseline_revenue: 40_000.0,
        };
        let money = money(&parse_offer("150:20"), &quantities, &settings);
        assert_eq!(money.discount_value, 3_600.0);
        assert_eq!(money.exposure_cost, 200.0);
        assert_eq!(money.fixed_cost, 500.0);
        assert_eq!(money.campaign_cost, 4_300.0);
        assert_eq!(money.incremental_revenue, 14_000.0);
        assert_eq!(money.incremental_margin, 5_600.0);
        assert_eq!(money.incremental_profit, 1_300.0);
        assert!((money.roi.unwrap() - 1_300.0 / 4_300.0).abs() < 1e-12);
    }

    #[test]
    fn percent_off_costs_the_rate_of_list_price_revenue() {
        // 15% off; recorded net revenue 85,000 means list revenue 100,000: discount 15,000.
        let net = CostSettings {
            revenue_is_net_of_discount: true,
            ..list_price_settings()
        };
        let quantities = PlanQuantities {
            exposure: 0.0,
            orders: 800.0,
            revenue: 85_000.0,
            baseline_revenue: 70_000.0,
        };
        let money = money(&parse_offer("15% off"), &quantities, &net);
        assert!((money.discount_value - 15_000.0).abs() < 0.005);
        assert_eq!(money.incremental_revenue, 15_000.0, "as recorded: net");
        assert_eq!(money.incremental_list_revenue, 30_000.0, "100,000 − 70,000");
        assert_eq!(money.incremental_margin, 12_000.0, "40% of 30,000");
        assert_eq!(money.campaign_cost, 15_500.0, "500 fixed + 15,000 discount");
        // Hand check: 40% of the net gain, less the 60% of the discount that was goods' cost.
        assert_eq!(money.incremental_profit, 6_000.0 - 9_000.0 - 500.0);

        let gross = money_with_list_prices(&quantities);
        assert_eq!(gross.discount_value, 12_750.0, "15% of 85,000 list revenue");
        assert_eq!(gross.incremental_margin, 6_000.0, "40% of 15,000");
        assert_eq!(gross.campaign_cost, 13_250.0);
        assert_eq!(gross.incremental_profit, 6_000.0 - 13_250.0);
    }

    fn money_with_list_prices(quantities: &PlanQuantities) -> Money {
        money(&parse_offer("15% off"), quantities, &list_price_settings())
    }

    #[test]
    fn fixed_and_per_message_costs_without_an_offer() {
        let quantities = PlanQuantities {
            exposure: 123_457.0,
            orders: 10.0,
            revenue: 1_000.0,
            baseline_revenue: 1_000.0,
        };
        let money = money(&Offer::NoOffer, &quantities, &list_price_settings());
        // 0.02 × 123,457 = 2,469.14; plus 500 fixed.
        assert_eq!(money.exposure_cost, 2_469.14);
        assert_eq!(money.campaign_cost, 2_969.14);
        assert_eq!(money.incremental_profit, -2_969.14);
    }

    #[test]
    fn profit_identity_holds_to_the_cent() {
        let settings = CostSettings {
            fixed_cost: 333.333,
            cost_per_exposure: 0.0137,
            margin_pct: 37.5,
            revenue_is_net_of_discount: false,
            redemption_share: 0.71,
        };
        for (offer, revenue) in [
            ("150:20", 98_765.43),
            ("0.85", 12_345.67),
            ("$5 off", 3_210.98),
        ] {
            let quantities = PlanQuantities {
                exposure: 54_321.0,
                orders: 987.0,
                revenue,
                baseline_revenue: revenue * 0.8,
            };
            let money = money(&parse_offer(offer), &quantities, &settings);
            let identity = money.incremental_margin - money.campaign_cost;
            assert!(
                (money.incremental_profit - identity).abs() < 0.005,
                "{offer}: {money:?}"
            );
        }
    }
}

//! A coupon's spend threshold read against the segment's usual basket (`TrainConfig::
//! threshold_basket_input`): fitted from the sample's no-campaign rows, it takes the raw
//! threshold's place, differs by segment under one coupon, and a lever move sets it row by row
//! exactly as encoding the frame does.

mod common;

use liftcast::data::column;
use liftcast::model::encode::NumericSource;
use liftcast::model::{Encoder, LeverSetting};

fn set(lever: &str, value: &str) -> LeverSetting {
    LeverSetting {
        lever: lever.into(),
        value: value.into(),
    }
}

#[test]
fn the_threshold_is_read_against_each_segments_basket() {
    let inspection = common::sample_inspection();
    let frame = &inspection.table.frame;
    let schema = inspection.validation.schema.as_ref().unwrap();
    let rows: Vec<usize> = (0..frame.height()).collect();

    let plain = Encoder::fit(frame, schema, &rows, true, false).unwrap();
    let encoder = Encoder::fit(frame, schema, &rows, true, true).unwrap();
    assert!(plain.baskets.is_none());
    let coupon_sources = |encoder: &Encoder| -> Vec<NumericSource> {
        encoder
            .numeric
            .iter()
            .filter(|f| f.column == "coupon")
            .map(|f| f.source.clone())
            .collect()
    };
    assert_eq!(
        coupon_sources(&plain),
        [
            NumericSource::OfferThreshold,
            NumericSource::OfferAmountOff,
            NumericSource::OfferDiscountRate
        ]
    );
    // The same number of inputs: the ratio replaces the raw threshold.
    assert_eq!(
        coupon_sources(&encoder),
        [
            NumericSource::OfferThresholdToBasket,
            NumericSource::OfferAmountOff,
            NumericSource::OfferDiscountRate
        ]
    );
    assert_eq!(encoder.width(), plain.width());

    // The generator's baskets are 110 (new), 130 (active), 100 (lapsed) and 220 (VIP): each
    // row's fitted basket is its segment's no-campaign revenue per order, within a few percent.
    let encoded = encoder.encode(frame, &[]).unwrap();
    let segments = column::texts(frame, "segment").unwrap();
    let basket_of = |segment: &str| -> f64 {
        let row = segments
            .iter()
            .position(|s| s.as_deref() == Some(segment))
            .unwrap();
        encoded.baskets[row]
    };
    for (segment, truth) in [
        ("new", 110.0),
        ("active", 130.0),
        ("lapsed", 100.0),
        ("vip", 220.0),
    ] {
        let basket = basket_of(segment);
        assert!(
            (basket / truth - 1.0).abs() < 0.05,
            "{segment}: basket {basket:.1} against {truth}"
        );
    }

    // Under one `300:50` coupon a VIP row's input is below a lapsed row's (300 is a third over
    // a VIP basket, three baskets of a lapsed customer), and a lever move sets every row's
    // input bit for bit as encoding the frame with the coupon does.
    let coupon = [set("campaign_type", "coupon"), set("coupon", "300:50")];
    let whole = encoder.encode(frame, &coupon).unwrap();
    let moved = encoder
        .with_settings(&encoded, &frame.slice(0, 1), &coupon)
        .unwrap();
    assert_eq!(whole.inputs.len(), moved.inputs.len());
    assert!(
        whole
            .inputs
            .iter()
            .zip(&moved.inputs)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    let position = encoder
        .numeric
        .iter()
        .position(|f| f.source == NumericSource::OfferThresholdToBasket)
        .unwrap();
    let input_of = |segment: &str| -> f32 {
        let row = segments
            .iter()
            .position(|s| s.as_deref() == Some(segment))
            .unwrap();
        whole.inputs[row * whole.width + position]
    };
    assert!(input_of("vip") < input_of("lapsed"));
    // At the baseline (no coupon) every segment reads the same: no threshold to stretch to.
    let baseline = encoder.encode(frame, &[set("coupon", "none")]).unwrap();
    let at = |row: usize| baseline.inputs[row * baseline.width + position];
    assert!((1..frame.height()).all(|row| at(row).to_bits() == at(0).to_bits()));
}

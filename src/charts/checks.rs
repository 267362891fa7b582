//! The model checks of Fader, Hardie & Lee (2005): tracking, the
//! repeat-count histogram, and holdout purchases by calibration frequency.

use chrono::NaiveDate;

use super::axes::{self, Entry, HEIGHT, Mark, Plot, Scale, WIDTH, legend, x_axis, y_axis};
use super::svg::{Anchor, MUTED, SERIES, Svg};
use crate::models::{CountBucket, FrequencyBucket, TrackingPoint};
use crate::period::day_number;

/// Cumulative repeat purchases over calendar time, actual (solid) against
/// the model (dashed), as [`models::tracking`](crate::models::tracking)
/// computes them; a vertical line marks `calibration_end` when given.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, models, SummaryOptions, TimeUnit};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let model = models::BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(models::ModelTime::Weeks);
/// let options = SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks);
/// let points = models::tracking(&model, &cdnow_sample()?, &options, 7)?;
/// let svg = charts::tracking(&points, Some(d(1997, 9, 30)?));
/// assert_eq!(svg.matches("<polyline").count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tracking(points: &[TrackingPoint], calibration_end: Option<NaiveDate>) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, "Cumulative repeat purchases: actual and model");
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let days: Vec<f64> = points.iter().map(|p| day_number(p.day) as f64).collect();
    let (first, last) = match (days.first(), days.last()) {
        (Some(&f), Some(&l)) if l > f => (f, l),
        (Some(&f), _) => (f, f + 1.0),
        _ => (0.0, 1.0),
    };
    let x_scale = Scale::fixed(first, last, Vec::new());
    let y_scale = Scale::from_zero(points.iter().flat_map(|p| [p.actual, p.expected]));
    y_axis(&mut svg, &plot, &y_scale, "Repeat purchases (cumulative)");
    // About six dates along the axis, at data points.
    let step = points.len().div_ceil(6).max(1);
    let labels: Vec<(f64, String)> = points
        .iter()
        .zip(&days)
        .step_by(step)
        .map(|(p, &d)| (plot.x(&x_scale, d), p.day.format("%Y-%m-%d").to_string()))
        .collect();
    x_axis(&mut svg, &plot, &labels, "Date");
    if let Some(end) = calibration_end {
        let x = plot.x(&x_scale, day_number(end) as f64);
        if (plot.left..=plot.right()).contains(&x) {
            svg.line((x, plot.top), (x, plot.bottom()), MUTED, 1.5, Some("2 4"));
            svg.text_styled(
                x + 6.0,
                plot.top + 12.0,
                "end of calibration",
                11.0,
                Anchor::Start,
                "note",
                MUTED,
                None,
            );
        }
    }
    let line = |value: fn(&TrackingPoint) -> f64| -> Vec<(f64, f64)> {
        points
            .iter()
            .zip(&days)
            .map(|(p, &d)| (plot.x(&x_scale, d), plot.y(&y_scale, value(p))))
            .collect()
    };
    let [actual, model, ..] = SERIES;
    svg.polyline(&line(|p| p.actual), actual, None, "series actual");
    svg.polyline(&line(|p| p.expected), model, Some("8 5"), "series expected");
    let entries = [
        Entry {
            colour: actual,
            name: "actual",
            mark: Mark::Line,
        },
        Entry {
            colour: model,
            name: "model",
            mark: Mark::Dashed,
        },
    ];
    legend(&mut svg, &plot, &entries);
    svg.finish()
}

/// Bars of two series per category, named `names`: `values` gives each
/// category's label and its pair of values. The bars' classes are
/// `first` and `second`.
fn paired_bars(
    title: &str,
    x_title: &str,
    y_title: &str,
    names: [&str; 2],
    values: &[(String, f64, f64)],
) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let y_scale = Scale::from_zero(values.iter().flat_map(|&(_, a, e)| [a, e]));
    y_axis(&mut svg, &plot, &y_scale, y_title);
    let slot = plot.width / values.len().max(1) as f64;
    let bar = slot * 0.38;
    let [first, second, ..] = SERIES;
    let mut labels = Vec::with_capacity(values.len());
    for (k, (label, a, b)) in values.iter().enumerate() {
        let middle = plot.left + slot * (k as f64 + 0.5);
        for (x, value, colour, name, class) in [
            (middle - bar, *a, first, names[0], "bar first"),
            (middle, *b, second, names[1], "bar second"),
        ] {
            let top = plot.y(&y_scale, value);
            let tip = format!(
                "{label}, {name}: {}",
                axes::tick_label((value * 100.0).round() / 100.0)
            );
            svg.rect((x, top), (bar, plot.bottom() - top), colour, class, Some(&tip));
        }
        labels.push((middle, label.clone()));
    }
    x_axis(&mut svg, &plot, &labels, x_title);
    let entries = [
        Entry {
            colour: first,
            name: names[0],
            mark: Mark::Swatch,
        },
        Entry {
            colour: second,
            name: names[1],
            mark: Mark::Swatch,
        },
    ];
    legend(&mut svg, &plot, &entries);
    svg.finish()
}

/// A bucket's label: its count, with "+" on the last, open bucket.
fn bucket_label(value: u32, and_above: bool) -> String {
    if and_above {
        format!("{value}+")
    } else {
        value.to_string()
    }
}

/// Customers by number of repeat purchases, actual against the model's
/// expectation, one pair of bars per bucket of
/// [`models::repeat_histogram`](crate::models::repeat_histogram).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, models, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
/// let model = models::BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(models::ModelTime::Weeks);
/// let buckets = models::repeat_histogram(&model, &summaries, 7)?;
/// let svg = charts::repeat_histogram(&buckets);
/// assert_eq!(svg.matches(r#"class="bar "#).count(), 2 * 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn repeat_histogram(buckets: &[CountBucket]) -> String {
    let values: Vec<(String, f64, f64)> = buckets
        .iter()
        .map(|b| (bucket_label(b.repeats, b.and_above), b.actual, b.expected))
        .collect();
    paired_bars(
        "Customers by repeat purchases: actual and model",
        "Repeat purchases in calibration",
        "Customers",
        ["actual", "model"],
        &values,
    )
}

/// Mean holdout purchases by calibration frequency, actual against the
/// model's conditional expectation, one pair of bars per bucket of
/// [`models::holdout_by_frequency`](crate::models::holdout_by_frequency).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, models, SummaryOptions, TimeUnit};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let options = SummaryOptions::new(d(1998, 6, 30)?).unit(TimeUnit::Weeks);
/// let split = cdnow_sample()?.calibration_holdout(d(1997, 9, 30)?, &options)?;
/// let model = models::BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(models::ModelTime::Weeks);
/// let svg = charts::holdout_by_frequency(&models::holdout_by_frequency(&model, &split, 7)?);
/// assert!(svg.contains("Repeat purchases in calibration"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn holdout_by_frequency(buckets: &[FrequencyBucket]) -> String {
    let values: Vec<(String, f64, f64)> = buckets
        .iter()
        .map(|b| (bucket_label(b.frequency, b.and_above), b.actual, b.predicted))
        .collect();
    paired_bars(
        "Holdout purchases by calibration frequency: actual and model",
        "Repeat purchases in calibration",
        "Mean purchases per customer in the holdout",
        ["actual", "model"],
        &values,
    )
}

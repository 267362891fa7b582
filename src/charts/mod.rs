//! Charts of the crate's results as SVG documents (feature `charts`).
//!
//! Each function takes a result the crate computed and returns one SVG
//! document as a `String`: embed it in an HTML page, write it to a file,
//! or render it to pixels with any SVG renderer. Nothing is read or
//! written, and no font is needed: text is SVG text in the viewer's
//! sans-serif face.
//!
//! | function | draws | after |
//! |---|---|---|
//! | [`tracking`] | cumulative repeat purchases, actual against the model, with the end of calibration marked | Fader, Hardie & Lee (2005), figure 2 |
//! | [`repeat_histogram`] | customers by number of repeat purchases, actual against the model | figure 3 |
//! | [`holdout_by_frequency`] | holdout purchases by calibration frequency, actual against the conditional expectation | figure 4 |
//! | [`probability_alive_matrix`] | P(alive) over frequency × recency | lifetimes' `plot_probability_alive_matrix` |
//! | [`cohort_retention`] | the share of each acquisition cohort buying in each later period, censored cells marked | |
//!
//! Every chart has a title, labelled axes with units, a legend where it
//! has more than one series, and a colour bar where colour is a value.
//! Series colours are Okabe and Ito's and the colour scale is viridis,
//! both readable with the common colour-vision deficiencies; expected
//! series are also dashed, so the charts read in grey too. Each bar and
//! cell carries its exact value as a tooltip (`<title>`).
//!
//! The SVG is written by hand, not with a plotting crate: the charts need
//! a few shapes, and the plotting crates' text layout needs a font file
//! (system fonts, or one compiled in), where SVG text needs none.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::{charts, datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
//! let svg = charts::cohort_retention(&table);
//! assert!(svg.starts_with("<svg") && svg.contains("Retention by acquisition cohort"));
//! // std::fs::write("cohorts.svg", svg)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod axes;
mod svg;

use axes::{Entry, HEIGHT, Mark, Plot, Scale, WIDTH, colour_bar, legend, x_axis, y_axis};
use chrono::NaiveDate;
use svg::{Anchor, EMPTY, MUTED, SERIES, Svg, ink_on, sequential};

use crate::metrics::CohortTable;
use crate::models::{CountBucket, FrequencyBucket, PurchaseModel, TrackingPoint};
use crate::period::day_number;
use crate::{Error, Granularity, Result};

/// The most rows or columns a matrix chart draws: beyond, cells are too
/// small to read.
pub const MAX_MATRIX_SIDE: u32 = 120;

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

/// Bars of two series per category: `values` gives each category's label
/// and its (actual, expected) pair.
fn paired_bars(title: &str, x_title: &str, y_title: &str, values: &[(String, f64, f64)]) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let y_scale = Scale::from_zero(values.iter().flat_map(|&(_, a, e)| [a, e]));
    y_axis(&mut svg, &plot, &y_scale, y_title);
    let slot = plot.width / values.len().max(1) as f64;
    let bar = slot * 0.38;
    let [actual, model, ..] = SERIES;
    let mut labels = Vec::with_capacity(values.len());
    for (k, (label, a, e)) in values.iter().enumerate() {
        let middle = plot.left + slot * (k as f64 + 0.5);
        for (x, value, colour, series) in [
            (middle - bar, *a, actual, "actual"),
            (middle, *e, model, "expected"),
        ] {
            let top = plot.y(&y_scale, value);
            let tip = format!(
                "{label}, {series}: {}",
                axes::tick_label((value * 100.0).round() / 100.0)
            );
            svg.rect(
                (x, top),
                (bar, plot.bottom() - top),
                colour,
                &format!("bar {series}"),
                Some(&tip),
            );
        }
        labels.push((middle, label.clone()));
    }
    x_axis(&mut svg, &plot, &labels, x_title);
    let entries = [
        Entry {
            colour: actual,
            name: "actual",
            mark: Mark::Swatch,
        },
        Entry {
            colour: model,
            name: "model",
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
        &values,
    )
}

/// P(alive) over a grid of repeat purchases (rows, 0 … `max_frequency`,
/// most at the top) and recency (columns, `columns` steps from 0 to `t`),
/// for customers observed for `t` time units, as lifetimes'
/// `plot_probability_alive_matrix` draws it. Cells no customer can have
/// (repeat purchases at recency 0, or recency without repeats) are left
/// blank.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `t` not finite and positive, or for
/// more than [`MAX_MATRIX_SIDE`] rows or columns; the model's errors.
///
/// # Example
///
/// ```
/// use repurchase::{charts, models::{BetaGeo, ModelTime}};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let svg = charts::probability_alive_matrix(&model, 39.0, 20, 39)?;
/// assert_eq!(svg.matches(r#"class="cell""#).count(), 21 * 40);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn probability_alive_matrix<M: PurchaseModel>(
    model: &M,
    t: f64,
    max_frequency: u32,
    columns: u32,
) -> Result<String> {
    if !(t.is_finite() && t > 0.0) {
        return Err(Error::InvalidParameter {
            name: "t",
            value: t.to_string(),
            expected: "a finite time observed > 0",
        });
    }
    for (name, side) in [("max_frequency", max_frequency), ("columns", columns)] {
        if !(1..=MAX_MATRIX_SIDE).contains(&side) {
            return Err(Error::InvalidParameter {
                name,
                value: side.to_string(),
                expected: "from 1 to MAX_MATRIX_SIDE (120)",
            });
        }
    }
    let unit = model
        .time()
        .map_or_else(|| "model time units".to_string(), |time| time.to_string());
    let mut svg = Svg::new(
        WIDTH,
        HEIGHT + 40.0,
        "Probability a customer is alive, by history",
    );
    let plot = Plot::within(WIDTH, HEIGHT + 40.0, 90.0);
    let (rows, cols) = (f64::from(max_frequency + 1), f64::from(columns + 1));
    let (cell_w, cell_h) = (plot.width / cols, plot.height / rows);
    for x in 0..=max_frequency {
        let top = plot.top + (f64::from(max_frequency - x)) * cell_h;
        for c in 0..=columns {
            let recency = t * f64::from(c) / f64::from(columns);
            let left = plot.left + f64::from(c) * cell_w;
            let possible = (x == 0) == (c == 0);
            if possible {
                let p = model.p_alive(f64::from(x), recency, t)?;
                let tip = format!(
                    "{x} repeat purchases, last at {recency:.1} {unit}: P(alive) {:.1}%",
                    p * 100.0
                );
                svg.rect(
                    (left, top),
                    (cell_w + 0.3, cell_h + 0.3),
                    &sequential(p),
                    "cell",
                    Some(&tip),
                );
            } else {
                svg.rect((left, top), (cell_w + 0.3, cell_h + 0.3), EMPTY, "cell", None);
            }
        }
    }
    let y_scale = Scale::fixed(-0.5, rows - 0.5, Vec::new());
    let row_step = (max_frequency / 10).max(1);
    for x in (0..=max_frequency).step_by(row_step as usize) {
        let y = plot.y(&y_scale, f64::from(x));
        svg.text(
            plot.left - 8.0,
            y + 4.0,
            &x.to_string(),
            12.0,
            Anchor::End,
            "tick",
        );
    }
    let middle = plot.top + plot.height / 2.0;
    svg.text_styled(
        22.0,
        middle,
        "Repeat purchases (frequency)",
        13.0,
        Anchor::Middle,
        "axis-title",
        svg::INK,
        Some(-90.0),
    );
    let col_step = (columns / 8).max(1);
    let labels: Vec<(f64, String)> = (0..=columns)
        .step_by(col_step as usize)
        .map(|c| {
            let recency = t * f64::from(c) / f64::from(columns);
            (
                plot.left + (f64::from(c) + 0.5) * cell_w,
                axes::tick_label((recency * 10.0).round() / 10.0),
            )
        })
        .collect();
    x_axis(
        &mut svg,
        &plot,
        &labels,
        &format!("Time of the last purchase, from the first ({unit}; observed for {t})"),
    );
    colour_bar(&mut svg, &plot, "P(alive)", 1.0);
    Ok(svg.finish())
}

/// The cohort table's retention as a heatmap: one row per acquisition
/// cohort (oldest at the top), one column per period since acquisition,
/// each cell the share of the cohort buying in that period; cells after
/// the observation end are censored, drawn blank with a cross. The colour
/// scale runs to the highest retention after the acquisition period, so
/// that the always-full first column does not wash out the rest.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, metrics, Granularity, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let table = metrics::cohort_retention(&cdnow_sample()?, &SummaryOptions::new(end), Granularity::Month)?;
/// let svg = charts::cohort_retention(&table);
/// let cells: usize = table.cohorts.iter().map(|c| c.cells.len()).sum();
/// assert_eq!(svg.matches(r#"class="cell""#).count(), cells);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cohort_retention(table: &CohortTable) -> String {
    let rows = table.cohorts.len().max(1);
    let cols = table.max_offset as usize + 1;
    let height = (HEIGHT + 16.0 * rows.saturating_sub(12) as f64).min(1600.0);
    let mut svg = Svg::new(WIDTH, height, "Retention by acquisition cohort");
    let plot = Plot::within(WIDTH, height, 90.0);
    let (cell_w, cell_h) = (plot.width / cols as f64, plot.height / rows as f64);
    let period = match table.period {
        Granularity::Month => "months",
        Granularity::Week => "weeks",
        Granularity::Day => "days",
    };
    let label_every = rows.div_ceil(24).max(1);
    let later = table
        .cohorts
        .iter()
        .flat_map(|c| c.cells.iter().skip(1))
        .map(|cell| cell.retention);
    let top_share = later.filter(|r| r.is_finite()).fold(0.0_f64, f64::max);
    let top_share = if top_share > 0.0 { top_share } else { 1.0 };
    let shade = |retention: f64| (retention / top_share).min(1.0);
    for (r, cohort) in table.cohorts.iter().enumerate() {
        let top = plot.top + r as f64 * cell_h;
        if r % label_every == 0 {
            let name = match table.period {
                Granularity::Month => cohort.start.format("%Y-%m").to_string(),
                _ => cohort.start.format("%Y-%m-%d").to_string(),
            };
            svg.text(
                plot.left - 8.0,
                top + cell_h / 2.0 + 4.0,
                &name,
                11.0,
                Anchor::End,
                "tick",
            );
        }
        for offset in 0..cols {
            let left = plot.left + offset as f64 * cell_w;
            match cohort.cells.get(offset) {
                Some(cell) => {
                    let tip = format!(
                        "cohort {} ({} customers), {offset} {period} on: {:.1}% bought",
                        cohort.start,
                        cohort.customers,
                        cell.retention * 100.0
                    );
                    svg.rect(
                        (left, top),
                        (cell_w + 0.3, cell_h + 0.3),
                        &sequential(shade(cell.retention)),
                        "cell",
                        Some(&tip),
                    );
                    if cell_w >= 30.0 && cell_h >= 14.0 {
                        let text = format!("{:.0}%", cell.retention * 100.0);
                        let (x, y) = (left + cell_w / 2.0, top + cell_h / 2.0 + 4.0);
                        svg.text_styled(
                            x,
                            y,
                            &text,
                            10.0,
                            Anchor::Middle,
                            "value",
                            ink_on(shade(cell.retention)),
                            None,
                        );
                    }
                }
                None => {
                    svg.rect(
                        (left, top),
                        (cell_w + 0.3, cell_h + 0.3),
                        EMPTY,
                        "censored",
                        Some("censored: after the observation end"),
                    );
                    let inset = (cell_w.min(cell_h) * 0.3).min(5.0);
                    let (right, bottom) = (left + cell_w - inset, top + cell_h - inset);
                    svg.line((left + inset, top + inset), (right, bottom), "#C8C8C8", 1.0, None);
                    svg.line((left + inset, bottom), (right, top + inset), "#C8C8C8", 1.0, None);
                }
            }
        }
    }
    let middle = plot.top + plot.height / 2.0;
    svg.text_styled(
        16.0,
        middle,
        "Acquisition cohort",
        13.0,
        Anchor::Middle,
        "axis-title",
        svg::INK,
        Some(-90.0),
    );
    let col_step = cols.div_ceil(12).max(1);
    let labels: Vec<(f64, String)> = (0..cols)
        .step_by(col_step)
        .map(|o| (plot.left + (o as f64 + 0.5) * cell_w, o.to_string()))
        .collect();
    x_axis(
        &mut svg,
        &plot,
        &labels,
        &format!("{} since acquisition (× = not yet observed)", capitalised(period)),
    );
    colour_bar(&mut svg, &plot, "Bought", top_share);
    svg.finish()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

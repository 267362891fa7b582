//! Charts of the model-free metrics: cohort retention and the purchase
//! cycle.

use super::axes::{self, HEIGHT, Plot, Scale, WIDTH, x_axis, y_axis};
use super::heatmap::{Cell, Heatmap, draw, sparse_labels};
use super::svg::{SERIES, Svg};
use crate::Granularity;
use crate::metrics::{CohortTable, DayStats, Histogram, PurchaseCycle, SecondPurchase};

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
    let columns = table.max_offset as usize + 1;
    let period = match table.period {
        Granularity::Month => "Months",
        Granularity::Week => "Weeks",
        Granularity::Day => "Days",
    };
    let later = table
        .cohorts
        .iter()
        .flat_map(|c| c.cells.iter().skip(1))
        .map(|cell| cell.retention);
    let top = later.filter(|r| r.is_finite()).fold(0.0_f64, f64::max);
    let cells = table
        .cohorts
        .iter()
        .map(|cohort| {
            (0..columns)
                .map(|offset| match cohort.cells.get(offset) {
                    Some(cell) => {
                        let tip = format!(
                            "cohort {} ({} customers), {offset} {} on: {:.1}% bought",
                            cohort.start,
                            cohort.customers,
                            period.to_lowercase(),
                            cell.retention * 100.0
                        );
                        Cell::Value(cell.retention, tip)
                    }
                    None => Cell::Censored,
                })
                .collect()
        })
        .collect();
    let every = table.cohorts.len().div_ceil(24).max(1);
    let row_labels = sparse_labels(table.cohorts.len(), every, |r| {
        table
            .cohorts
            .get(r)
            .map_or_else(String::new, |c| match table.period {
                Granularity::Month => c.start.format("%Y-%m").to_string(),
                _ => c.start.format("%Y-%m-%d").to_string(),
            })
    });
    draw(&Heatmap {
        title: "Retention by acquisition cohort",
        x_title: format!("{period} since acquisition (× = not yet observed)"),
        y_title: "Acquisition cohort",
        scale_title: "Bought",
        row_labels,
        column_labels: sparse_labels(columns, columns.div_ceil(12), |o| o.to_string()),
        cells,
        top: if top > 0.0 { top } else { 1.0 },
        shares: true,
    })
}

/// The days between a customer's purchase days, over all customers: one
/// bar per bin of the cycle's histogram, the median noted.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let cycle = metrics::purchase_cycle(&cdnow_sample()?, &SummaryOptions::new(end), &Default::default());
/// let svg = charts::purchase_cycle(&cycle);
/// assert_eq!(svg.matches(r#"class="bar"#).count(), cycle.histogram.counts.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn purchase_cycle<C>(cycle: &PurchaseCycle<C>) -> String {
    day_histogram(
        "Days between purchases",
        "Intervals between purchase days",
        "Days between purchase days",
        &cycle.histogram,
        &cycle.intervals,
    )
}

/// The days from the first purchase to the second, among customers who
/// came back: one bar per bin, the median noted.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{charts, datasets::cdnow_sample, metrics, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let second = metrics::time_to_second_purchase(&cdnow_sample()?, &SummaryOptions::new(end));
/// let svg = charts::time_to_second_purchase(&second);
/// assert_eq!(svg.matches(r#"class="bar"#).count(), second.histogram.counts.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn time_to_second_purchase(second: &SecondPurchase) -> String {
    day_histogram(
        "Days to the second purchase",
        "Customers",
        "Days from the first purchase day to the second",
        &second.histogram,
        &second.days,
    )
}

/// Bars of a histogram of days (bins `[0, e₀)`, `[e₀, e₁)`, … `[eₘ₋₁, ∞)`),
/// with the median and count noted.
fn day_histogram(
    title: &str,
    y_title: &str,
    x_title: &str,
    histogram: &Histogram,
    stats: &DayStats,
) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let counts: Vec<f64> = histogram.counts.iter().map(|&c| c as f64).collect();
    let y_scale = Scale::from_zero(counts.iter().copied());
    y_axis(&mut svg, &plot, &y_scale, y_title);
    let slot = plot.width / counts.len().max(1) as f64;
    let mut labels = Vec::with_capacity(counts.len());
    for (k, &count) in counts.iter().enumerate() {
        // Days between distinct days are at least 1.
        let from = if k == 0 {
            1
        } else {
            histogram.edges.get(k - 1).copied().unwrap_or(0)
        };
        let label = match histogram.edges.get(k) {
            Some(&to) if to > from + 1 => format!("{from}–{}", to - 1),
            Some(_) => from.to_string(),
            None => format!("{from}+"),
        };
        let (x, top) = (plot.left + slot * (k as f64 + 0.12), plot.y(&y_scale, count));
        let tip = format!("{label} days: {}", axes::tick_label(count));
        svg.rect(
            (x, top),
            (slot * 0.76, plot.bottom() - top),
            SERIES[0],
            "bar",
            Some(&tip),
        );
        labels.push((plot.left + slot * (k as f64 + 0.5), label));
    }
    x_axis(&mut svg, &plot, &labels, x_title);
    if let Some(median) = stats.median {
        let note = format!("median {median:.0} days, of {}", stats.count);
        axes::note_above(&mut svg, &plot, &note);
    }
    svg.finish()
}

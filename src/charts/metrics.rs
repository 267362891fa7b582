//! Charts of the model-free metrics: cohort retention and the purchase
//! cycle.

use super::axes::{self, HEIGHT, Plot, Scale, WIDTH, x_axis, y_axis};
use super::heatmap::{Cell, Heatmap, draw, sparse_labels};
use super::svg::{SERIES, Svg};
use crate::Granularity;
use crate::metrics::{CohortTable, PurchaseCycle};

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
    let histogram = &cycle.histogram;
    let mut svg = Svg::new(WIDTH, HEIGHT, "Days between purchases");
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let counts: Vec<f64> = histogram.counts.iter().map(|&c| c as f64).collect();
    let y_scale = Scale::from_zero(counts.iter().copied());
    y_axis(&mut svg, &plot, &y_scale, "Intervals between purchase days");
    let slot = plot.width / counts.len().max(1) as f64;
    let mut labels = Vec::with_capacity(counts.len());
    for (k, &count) in counts.iter().enumerate() {
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
        let tip = format!("{label} days: {} intervals", axes::tick_label(count));
        svg.rect(
            (x, top),
            (slot * 0.76, plot.bottom() - top),
            SERIES[0],
            "bar",
            Some(&tip),
        );
        labels.push((plot.left + slot * (k as f64 + 0.5), label));
    }
    x_axis(&mut svg, &plot, &labels, "Days between purchase days");
    if let Some(median) = cycle.intervals.median {
        let note = format!(
            "median {median:.0} days, over {} intervals",
            cycle.intervals.count
        );
        axes::note_above(&mut svg, &plot, &note);
    }
    svg.finish()
}

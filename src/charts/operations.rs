//! Charts of segments and operations: RFM segments, lifecycle
//! transitions, churn-score calibration and an A/B comparison.

use super::axes::{self, Entry, HEIGHT, Mark, Plot, Scale, WIDTH, legend, x_axis, y_axis};
use super::heatmap::{Cell, Heatmap, draw};
use super::svg::{Anchor, INK, MUTED, SERIES, Svg};
use crate::experiment::Comparison;
use crate::lifecycle::{Stage, Transitions};
use crate::rfm::{RfmScores, Segment, SegmentTable};
use crate::{Error, Result};

/// Each segment's share of the customers and of the monetary value
/// scored (total spend by default), as pairs of horizontal bars in the
/// table's order, "Others" last.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmOptions, SegmentTable};
/// use repurchase::{charts, datasets::cdnow_sample, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let scores = rfm::score(&cdnow_sample()?.summarize(&SummaryOptions::new(end)), &RfmOptions::default())?;
/// let table = SegmentTable::r_rfm();
/// let svg = charts::rfm_segments(&scores, &table);
/// assert_eq!(svg.matches(r#"class="bar first""#).count(), table.rules().len() + 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfm_segments<C>(scores: &RfmScores<C>, table: &SegmentTable) -> String {
    let segments: Vec<Segment> = (0..table.rules().len())
        .map(Segment::Rule)
        .chain([Segment::Others])
        .collect();
    let mut customers = vec![0.0; segments.len()];
    let mut monetary = vec![0.0; segments.len()];
    for s in &scores.customers {
        let at = match table.segment(s.code()) {
            Segment::Rule(k) => k,
            Segment::Others => segments.len() - 1,
        };
        if let (Some(c), Some(m)) = (customers.get_mut(at), monetary.get_mut(at)) {
            *c += 1.0;
            *m += s.monetary.max(0.0);
        }
    }
    let share = |values: &[f64]| -> Vec<f64> {
        let total: f64 = values.iter().sum();
        values
            .iter()
            .map(|v| if total > 0.0 { 100.0 * v / total } else { 0.0 })
            .collect()
    };
    let (customers, monetary) = (share(&customers), share(&monetary));
    let names: Vec<&str> = segments.iter().map(|&s| table.name(s)).collect();
    let height = HEIGHT.max(120.0 + 34.0 * segments.len() as f64);
    let mut svg = Svg::new(WIDTH, height, "RFM segments: share of customers and of spend");
    let mut plot = Plot::within(WIDTH, height, 24.0);
    // Room for the segments' names on the left.
    plot.left += 80.0;
    plot.width -= 80.0;
    let x_scale = Scale::from_zero(customers.iter().chain(&monetary).copied());
    for &tick in &x_scale.ticks {
        let x = plot.x(&x_scale, tick);
        svg.line((x, plot.top), (x, plot.bottom()), super::svg::GRID, 1.0, None);
    }
    let slot = plot.height / segments.len().max(1) as f64;
    let bar = slot * 0.36;
    let [first, second, ..] = SERIES;
    for (k, name) in names.iter().enumerate() {
        let y = plot.top + slot * k as f64 + slot * 0.14;
        let pairs = [
            (customers.get(k), first, "customers", "bar first"),
            (monetary.get(k), second, "spend", "bar second"),
        ];
        for (offset, (value, colour, what, class)) in pairs.into_iter().enumerate() {
            let value = value.copied().unwrap_or(0.0);
            let tip = format!("{name}: {value:.1}% of {what}");
            let top = y + bar * offset as f64;
            svg.rect(
                (plot.left, top),
                (plot.x(&x_scale, value) - plot.left, bar),
                colour,
                class,
                Some(&tip),
            );
        }
        svg.text(plot.left - 8.0, y + bar + 4.0, name, 12.0, Anchor::End, "tick");
    }
    svg.line((plot.left, plot.top), (plot.left, plot.bottom()), INK, 1.0, None);
    let labels: Vec<(f64, String)> = x_scale
        .ticks
        .iter()
        .map(|&t| (plot.x(&x_scale, t), format!("{}%", axes::tick_label(t))))
        .collect();
    x_axis(
        &mut svg,
        &plot,
        &labels,
        "Share of all customers, and of their spend",
    );
    let entries = [
        Entry {
            colour: first,
            name: "customers",
            mark: Mark::Swatch,
        },
        Entry {
            colour: second,
            name: "spend",
            mark: Mark::Swatch,
        },
    ];
    legend(&mut svg, &plot, &entries);
    svg.finish()
}

/// Where customers went between two snapshots: one row per earlier stage
/// and one column per later stage ("none": not a customer in that
/// snapshot), each cell the share of the row's customers, with the count
/// as a tooltip.
///
/// # Example
///
/// ```
/// use repurchase::{charts, lifecycle::Transitions};
///
/// let mut counts = [[0_u64; 8]; 8];
/// counts[1][2] = 30; // new → active
/// counts[1][3] = 10; // new → at risk
/// let svg = charts::lifecycle_transitions(&Transitions { counts });
/// assert!(svg.contains("75%") && svg.contains("25%"));
/// ```
pub fn lifecycle_transitions(transitions: &Transitions) -> String {
    let names: Vec<String> = Stage::ALL
        .iter()
        .map(ToString::to_string)
        .chain(["none".to_string()])
        .collect();
    let cells = transitions
        .counts
        .iter()
        .zip(&names)
        .map(|(row, from)| {
            let total: u64 = row.iter().sum();
            row.iter()
                .zip(&names)
                .map(|(&count, to)| {
                    if total == 0 {
                        return Cell::Blank;
                    }
                    let share = count as f64 / total as f64;
                    Cell::Value(
                        share,
                        format!("{from} → {to}: {count} of {total} ({:.1}%)", share * 100.0),
                    )
                })
                .collect()
        })
        .collect();
    draw(&Heatmap {
        title: "Lifecycle transitions between two snapshots",
        x_title: "Stage in the later snapshot".into(),
        y_title: "Stage in the earlier snapshot",
        scale_title: "Of the row",
        row_labels: names.clone(),
        column_labels: names,
        cells,
        top: 1.0,
        shares: true,
    })
}

/// Churn scores against what happened: customers in ten groups by score
/// (deciles, lowest first), each group's mean score against the share of
/// it that churned, beside the diagonal a calibrated score would follow.
/// `churned[i]` says whether customer `i`, scored `scores[i]`, churned.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the slices differ in length or a
/// score is not a probability; [`Error::InsufficientData`] for fewer than
/// ten customers.
///
/// # Example
///
/// ```
/// use repurchase::charts;
///
/// let scores: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
/// let churned: Vec<bool> = (0..100).map(|i| i % 10 < i / 10).collect();
/// let svg = charts::churn_calibration(&scores, &churned)?;
/// assert_eq!(svg.matches("<circle").count(), 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn churn_calibration(scores: &[f64], churned: &[bool]) -> Result<String> {
    if scores.len() != churned.len() {
        return Err(Error::InvalidParameter {
            name: "churned",
            value: format!("{} outcomes for {} scores", churned.len(), scores.len()),
            expected: "one outcome per score",
        });
    }
    if let Some(bad) = scores.iter().find(|s| !(0.0..=1.0).contains(*s)) {
        return Err(Error::InvalidParameter {
            name: "scores",
            value: bad.to_string(),
            expected: "probabilities in [0, 1]",
        });
    }
    if scores.len() < 10 {
        return Err(Error::InsufficientData {
            needed: "ten scored customers, one a decile",
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let score = |i: usize| scores.get(i).copied().unwrap_or(0.0);
        score(a).total_cmp(&score(b)).then(a.cmp(&b))
    });
    let deciles: Vec<(f64, f64, usize)> = (0..10)
        .map(|d| {
            let group = order
                .get(d * order.len() / 10..(d + 1) * order.len() / 10)
                .unwrap_or_default();
            let n = group.len().max(1) as f64;
            let predicted = group.iter().filter_map(|&i| scores.get(i)).sum::<f64>() / n;
            let observed = group
                .iter()
                .filter(|&&i| churned.get(i).copied().unwrap_or(false))
                .count() as f64
                / n;
            (predicted, observed, group.len())
        })
        .collect();
    let mut svg = Svg::new(WIDTH, HEIGHT, "Churn scores against churn, by decile of score");
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let unit = Scale::fixed(0.0, 1.0, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    y_axis(&mut svg, &plot, &unit, "Share that churned");
    let labels: Vec<(f64, String)> = unit
        .ticks
        .iter()
        .map(|&t| (plot.x(&unit, t), axes::tick_label(t)))
        .collect();
    x_axis(&mut svg, &plot, &labels, "Mean churn score of the decile");
    let [line, ideal, ..] = [SERIES[0], MUTED];
    svg.line(
        (plot.x(&unit, 0.0), plot.y(&unit, 0.0)),
        (plot.x(&unit, 1.0), plot.y(&unit, 1.0)),
        ideal,
        1.5,
        Some("6 4"),
    );
    let points: Vec<(f64, f64)> = deciles
        .iter()
        .map(|&(p, o, _)| (plot.x(&unit, p), plot.y(&unit, o)))
        .collect();
    svg.polyline(&points, line, None, "series observed");
    for (&(p, o, n), &at) in deciles.iter().zip(&points) {
        let tip = format!(
            "{n} customers: mean score {:.1}%, {:.1}% churned",
            p * 100.0,
            o * 100.0
        );
        svg.circle(at, 5.0, line, "decile", &tip);
    }
    let entries = [
        Entry {
            colour: line,
            name: "deciles",
            mark: Mark::Line,
        },
        Entry {
            colour: ideal,
            name: "calibrated",
            mark: Mark::Dashed,
        },
    ];
    legend(&mut svg, &plot, &entries);
    Ok(svg.finish())
}

/// An A/B comparison: each arm's repurchase rate with its Wilson interval,
/// and the difference with its interval and p-value written above.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::experiment::{compare, ExperimentOptions};
/// use repurchase::{charts, datasets::cdnow_sample, Calendar};
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).ok_or("bad date");
/// let log = cdnow_sample()?;
/// let (treated, control): (Vec<u32>, Vec<u32>) = log.keys().iter().partition(|&&c| c % 2 == 0);
/// let options = ExperimentOptions::new(d(1997, 10, 1)?, d(1997, 12, 31)?)?;
/// let comparison = compare(&log, &treated, &control, &options)?;
/// let svg = charts::ab_comparison(&comparison);
/// assert_eq!(svg.matches(r#"class="bar"#).count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ab_comparison(comparison: &Comparison) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, "Repurchase rate by arm, with its interval");
    let plot = Plot::within(WIDTH, HEIGHT, 24.0);
    let arms = [
        ("treatment", &comparison.treatment),
        ("control", &comparison.control),
    ];
    let y_scale = Scale::from_zero(arms.iter().map(|(_, arm)| arm.rate_interval.1 * 100.0));
    y_axis(&mut svg, &plot, &y_scale, "Customers who bought again (%)");
    let slot = plot.width / 2.0;
    let mut labels = Vec::new();
    for (k, ((name, arm), colour)) in arms.iter().zip(SERIES).enumerate() {
        let middle = plot.left + slot * (k as f64 + 0.5);
        let top = plot.y(&y_scale, arm.rate * 100.0);
        let tip = format!(
            "{name}: {} of {} bought again ({:.1}%)",
            arm.repurchasers,
            arm.customers,
            arm.rate * 100.0
        );
        svg.rect(
            (middle - slot * 0.2, top),
            (slot * 0.4, plot.bottom() - top),
            colour,
            "bar",
            Some(&tip),
        );
        let (low, high) = (
            plot.y(&y_scale, arm.rate_interval.0 * 100.0),
            plot.y(&y_scale, arm.rate_interval.1 * 100.0),
        );
        svg.line((middle, low), (middle, high), INK, 1.5, None);
        svg.line((middle - 10.0, low), (middle + 10.0, low), INK, 1.5, None);
        svg.line((middle - 10.0, high), (middle + 10.0, high), INK, 1.5, None);
        labels.push((middle, format!("{name} ({} customers)", arm.customers)));
    }
    x_axis(&mut svg, &plot, &labels, "Arm");
    let (low, high) = comparison.rate_difference_interval;
    let note = format!(
        "difference {:+.1} points (interval {:+.1} to {:+.1}), p = {:.3}",
        comparison.rate_difference * 100.0,
        low * 100.0,
        high * 100.0,
        comparison.p_value
    );
    axes::note_above(&mut svg, &plot, &note);
    svg.finish()
}

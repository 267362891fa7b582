//! Every chart parses as SVG, its shapes match the data they draw (one bar
//! per value, one cell per matrix entry, bar heights in proportion), it
//! has a title and axis titles, and it draws something when rendered.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample;
use repurchase::experiment::{ExperimentOptions, compare};
use repurchase::lifecycle::{self, LifecycleOptions, Stage};
use repurchase::metrics::{self, CohortTable};
use repurchase::models::{self, BetaGeo, ModelTime};
use repurchase::rfm::{self, RfmOptions, Segment, SegmentTable};
use repurchase::{Error, Granularity, SummaryOptions, TimeUnit, charts};
use roxmltree::{Document, Node};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn model() -> BetaGeo {
    BetaGeo::new(0.243, 4.414, 0.793, 2.426)
        .unwrap()
        .in_time(ModelTime::Weeks)
}

fn weekly(end: NaiveDate) -> SummaryOptions {
    SummaryOptions::new(end).unit(TimeUnit::Weeks)
}

/// Elements of `tag` whose class list holds `class`.
fn with_class<'a>(doc: &'a Document<'a>, tag: &str, class: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name(tag)
                && n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|k| k == class))
        })
        .collect()
}

fn texts<'a>(doc: &'a Document<'a>, class: &str) -> Vec<&'a str> {
    with_class(doc, "text", class)
        .iter()
        .filter_map(|n| n.text())
        .collect()
}

fn number(node: &Node<'_, '_>, attribute: &str) -> f64 {
    node.attribute(attribute).unwrap().parse().unwrap()
}

/// What every chart must have: one SVG root with a size, its title as the
/// first child and drawn, axis titles, no NaN or infinity anywhere; and
/// pixels when drawn.
fn check_common(svg: &str, title: &str, axis_titles: &[&str]) {
    assert!(
        !svg.contains("NaN") && !svg.contains("inf"),
        "a number is not finite"
    );
    let doc = Document::parse(svg).expect("well-formed XML");
    let root = doc.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    assert!(root.attribute("viewBox").is_some());
    let first = root.first_element_child().unwrap();
    assert_eq!((first.tag_name().name(), first.text()), ("title", Some(title)));
    assert_eq!(texts(&doc, "chart-title"), [title]);
    let axes = texts(&doc, "axis-title");
    for axis in axis_titles {
        assert!(
            axes.iter().any(|a| a.starts_with(axis)),
            "axis title {axis:?} in {axes:?}"
        );
    }
    assert!(painted_pixels(svg) > 1_000, "the chart draws something");
}

/// Pixels that are not white when the SVG is drawn (shapes only: resvg is
/// built without text).
fn painted_pixels(svg: &str) -> usize {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .pixels()
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255))
        .count()
}

#[test]
fn tracking_draws_both_series_through_every_point() {
    let points = models::tracking(&model(), &cdnow_sample().unwrap(), &weekly(day(1998, 6, 30)), 7).unwrap();
    let svg = charts::tracking(&points, Some(day(1997, 9, 30)));
    check_common(
        &svg,
        "Cumulative repeat purchases: actual and model",
        &["Repeat purchases", "Date"],
    );
    let doc = Document::parse(&svg).unwrap();
    for class in ["actual", "expected"] {
        let line = &with_class(&doc, "polyline", class)[0];
        assert_eq!(line.attribute("points").unwrap().split(' ').count(), points.len());
    }
    assert_eq!(texts(&doc, "note"), ["end of calibration"]);
    assert_eq!(texts(&doc, "legend"), ["actual", "model"]);
}

#[test]
fn bars_match_the_buckets_in_number_and_height() {
    let calibration = cdnow_sample().unwrap().summarize(&weekly(day(1997, 9, 30)));
    let buckets = models::repeat_histogram(&model(), &calibration, 7).unwrap();
    let svg = charts::repeat_histogram(&buckets);
    check_common(
        &svg,
        "Customers by repeat purchases: actual and model",
        &["Customers", "Repeat purchases"],
    );
    let doc = Document::parse(&svg).unwrap();
    let actual = with_class(&doc, "rect", "first");
    let expected = with_class(&doc, "rect", "second");
    assert_eq!((actual.len(), expected.len()), (buckets.len(), buckets.len()));
    // Heights in proportion to the values: each height over its value is
    // one constant.
    let ratio = number(&actual[0], "height") / buckets[0].actual;
    for (bar, bucket) in actual.iter().zip(&buckets) {
        let height = number(bar, "height");
        assert!(
            (height - ratio * bucket.actual).abs() < 0.02,
            "bar for {} repeats",
            bucket.repeats
        );
    }
    let labels = texts(&doc, "tick");
    assert!(labels.contains(&"7+") && labels.contains(&"0"));
}

#[test]
fn holdout_bars_follow_the_frequency_buckets() {
    let split = cdnow_sample()
        .unwrap()
        .calibration_holdout(day(1997, 9, 30), &weekly(day(1998, 6, 30)))
        .unwrap();
    let buckets = models::holdout_by_frequency(&model(), &split, 7).unwrap();
    let svg = charts::holdout_by_frequency(&buckets);
    check_common(
        &svg,
        "Holdout purchases by calibration frequency: actual and model",
        &["Mean purchases", "Repeat purchases"],
    );
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(with_class(&doc, "rect", "bar").len(), 2 * buckets.len());
}

#[test]
fn the_alive_matrix_has_a_cell_per_entry_with_the_models_value() {
    let model = model();
    let (t, max_frequency, columns) = (39.0, 12, 13);
    let svg = charts::probability_alive_matrix(&model, t, max_frequency, columns).unwrap();
    check_common(
        &svg,
        "Probability a customer is alive, by history",
        &["Repeat purchases", "Time of the last purchase"],
    );
    let doc = Document::parse(&svg).unwrap();
    let cells = with_class(&doc, "rect", "cell");
    assert_eq!(cells.len(), ((max_frequency + 1) * (columns + 1)) as usize);
    // Possible patterns carry their P(alive) as a tooltip: x ≥ 1 at every
    // recency after 0, and x = 0 at recency 0.
    let tips: Vec<&str> = cells
        .iter()
        .filter_map(|c| c.first_element_child())
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(tips.len(), (max_frequency * columns + 1) as usize);
    let p = model.p_alive(3.0, 9.0, t).unwrap();
    let expected = format!(
        "3 repeat purchases, last at 9.0 weeks: P(alive) {:.1}%",
        p * 100.0
    );
    assert!(tips.contains(&expected.as_str()), "{expected}");
}

#[test]
fn matrix_bounds_are_errors() {
    let model = model();
    for (t, side) in [
        (0.0, 10),
        (f64::NAN, 10),
        (39.0, 0),
        (39.0, charts::MAX_MATRIX_SIDE + 1),
    ] {
        let result = charts::probability_alive_matrix(&model, t, side, side);
        assert!(
            matches!(result, Err(Error::InvalidParameter { .. })),
            "{t}, {side}"
        );
    }
}

fn cohorts() -> CohortTable {
    metrics::cohort_retention(
        &cdnow_sample().unwrap(),
        &SummaryOptions::new(day(1998, 6, 30)),
        Granularity::Month,
    )
    .unwrap()
}

#[test]
fn cohort_cells_are_the_tables_and_the_rest_is_censored() {
    let table = cohorts();
    let svg = charts::cohort_retention(&table);
    check_common(
        &svg,
        "Retention by acquisition cohort",
        &["Acquisition cohort", "Months since acquisition"],
    );
    let doc = Document::parse(&svg).unwrap();
    let observed: usize = table.cohorts.iter().map(|c| c.cells.len()).sum();
    let all = table.cohorts.len() * (table.max_offset as usize + 1);
    assert_eq!(with_class(&doc, "rect", "cell").len(), observed);
    assert_eq!(with_class(&doc, "rect", "censored").len(), all - observed);
    let values = texts(&doc, "value");
    let first = &table.cohorts[0].cells[1];
    assert!(values.contains(&format!("{:.0}%", first.retention * 100.0).as_str()));
    assert_eq!(
        texts(&doc, "tick")
            .iter()
            .filter(|t| t.starts_with("1997-"))
            .count(),
        table.cohorts.len()
    );
}

#[test]
fn empty_results_still_make_valid_charts() {
    for svg in [
        charts::tracking(&[], None),
        charts::repeat_histogram(&[]),
        charts::holdout_by_frequency(&[]),
    ] {
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        Document::parse(&svg).expect("well-formed XML");
    }
}

#[test]
fn the_expected_purchases_matrix_scales_to_its_largest_value() {
    let model = model();
    let svg = charts::expected_purchases_matrix(&model, 39.0, 52.0, 10, 13).unwrap();
    check_common(
        &svg,
        "Purchases expected in the next 52 weeks, by history",
        &["Repeat purchases"],
    );
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(with_class(&doc, "rect", "cell").len(), 11 * 14);
    // The colour bar's top label is the largest value: 10 repeats, last at T.
    let top = model
        .conditional_expected_purchases(10.0, 39.0, 39.0, 52.0)
        .unwrap();
    assert!(texts(&doc, "tick").contains(&format!("{}", (top * 100.0).round() / 100.0).as_str()));
    assert!(matches!(
        charts::expected_purchases_matrix(&model, 39.0, 0.0, 10, 13),
        Err(Error::InvalidParameter { name: "horizon", .. })
    ));
}

#[test]
fn the_cycle_has_a_bar_per_bin_in_proportion() {
    let cycle = metrics::purchase_cycle(
        &cdnow_sample().unwrap(),
        &SummaryOptions::new(day(1998, 6, 30)),
        &Default::default(),
    );
    let svg = charts::purchase_cycle(&cycle);
    check_common(
        &svg,
        "Days between purchases",
        &["Intervals between purchase days", "Days between purchase days"],
    );
    let doc = Document::parse(&svg).unwrap();
    let bars = with_class(&doc, "rect", "bar");
    assert_eq!(bars.len(), cycle.histogram.counts.len());
    let ratio = number(&bars[0], "height") / cycle.histogram.counts[0] as f64;
    for (bar, &count) in bars.iter().zip(&cycle.histogram.counts) {
        assert!((number(bar, "height") - ratio * count as f64).abs() < 0.02);
    }
    assert!(
        texts(&doc, "note")[0].starts_with(&format!("median {:.0} days", cycle.intervals.median.unwrap()))
    );
}

#[test]
fn segment_bars_are_the_shares_of_customers_and_spend() {
    let summaries = cdnow_sample()
        .unwrap()
        .summarize(&SummaryOptions::new(day(1998, 6, 30)));
    let scores = rfm::score(&summaries, &RfmOptions::default()).unwrap();
    let table = SegmentTable::r_rfm();
    let svg = charts::rfm_segments(&scores, &table);
    check_common(
        &svg,
        "RFM segments: share of customers and of spend",
        &["Share of all customers"],
    );
    let doc = Document::parse(&svg).unwrap();
    let customers = with_class(&doc, "rect", "first");
    assert_eq!(customers.len(), table.rules().len() + 1);
    // The champions' share of customers, as the tooltip says it.
    let champions = scores
        .customers
        .iter()
        .filter(|s| table.segment(s.code()) == Segment::Rule(0))
        .count();
    let share = 100.0 * champions as f64 / scores.customers.len() as f64;
    let tip = customers[0].first_element_child().unwrap().text().unwrap();
    assert_eq!(
        tip,
        format!("{}: {share:.1}% of customers", table.name(Segment::Rule(0)))
    );
}

#[test]
fn transitions_are_shares_of_each_row() {
    let log = cdnow_sample().unwrap();
    let moves = lifecycle::transitions(
        &log,
        day(1997, 12, 31),
        day(1998, 6, 30),
        &LifecycleOptions::default(),
        &[],
    )
    .unwrap();
    let svg = charts::lifecycle_transitions(&moves);
    check_common(
        &svg,
        "Lifecycle transitions between two snapshots",
        &["Stage in the earlier snapshot", "Stage in the later snapshot"],
    );
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(with_class(&doc, "rect", "cell").len(), 64);
    let (from, to) = (Some(Stage::Active), Some(Stage::Dormant));
    let row: u64 = Stage::ALL
        .iter()
        .map(|&s| moves.count(from, Some(s)))
        .sum::<u64>()
        + moves.count(from, None);
    let count = moves.count(from, to);
    let tip = format!(
        "active → dormant: {count} of {row} ({:.1}%)",
        100.0 * count as f64 / row as f64
    );
    let tips: Vec<&str> = with_class(&doc, "rect", "cell")
        .iter()
        .filter_map(|c| c.first_element_child()?.text())
        .collect();
    assert!(tips.contains(&tip.as_str()), "{tip}");
}

#[test]
fn calibration_points_are_the_deciles() {
    let scores: Vec<f64> = (0..1000).map(|i| f64::from(i) / 1000.0).collect();
    let churned: Vec<bool> = (0..1000).map(|i| i % 2 == 0).collect();
    let svg = charts::churn_calibration(&scores, &churned).unwrap();
    check_common(
        &svg,
        "Churn scores against churn, by decile of score",
        &["Share that churned", "Mean churn score"],
    );
    let doc = Document::parse(&svg).unwrap();
    let points = with_class(&doc, "circle", "decile");
    assert_eq!(points.len(), 10);
    let tip = points[0].first_element_child().unwrap().text().unwrap();
    assert_eq!(tip, "100 customers: mean score 5.0%, 50.0% churned");
    assert!(charts::churn_calibration(&scores[..9], &churned[..9]).is_err());
    assert!(charts::churn_calibration(&scores, &churned[..10]).is_err());
    assert!(charts::churn_calibration(&[1.5; 10], &[true; 10]).is_err());
}

#[test]
fn the_comparison_shows_both_arms_and_the_difference() {
    let log = cdnow_sample().unwrap();
    let (treated, control): (Vec<u32>, Vec<u32>) = log.keys().iter().partition(|&&c| c % 2 == 0);
    let options = ExperimentOptions::new(day(1997, 10, 1), day(1997, 12, 31)).unwrap();
    let comparison = compare(&log, &treated, &control, &options).unwrap();
    let svg = charts::ab_comparison(&comparison);
    check_common(
        &svg,
        "Repurchase rate by arm, with its interval",
        &["Customers who bought again", "Arm"],
    );
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(with_class(&doc, "rect", "bar").len(), 2);
    let note = texts(&doc, "note")[0];
    assert!(
        note.contains(&format!("{:+.1} points", comparison.rate_difference * 100.0)),
        "{note}"
    );
}

#[test]
fn the_second_purchase_histogram_counts_every_returning_customer() {
    let second =
        metrics::time_to_second_purchase(&cdnow_sample().unwrap(), &SummaryOptions::new(day(1998, 6, 30)));
    assert_eq!(second.histogram.counts.iter().sum::<u64>(), second.days.count);
    let svg = charts::time_to_second_purchase(&second);
    check_common(
        &svg,
        "Days to the second purchase",
        &["Customers", "Days from the first purchase day"],
    );
    let doc = Document::parse(&svg).unwrap();
    let bars = with_class(&doc, "rect", "bar");
    assert_eq!(bars.len(), second.histogram.counts.len());
    let tips: Vec<&str> = bars
        .iter()
        .filter_map(|b| b.first_element_child()?.text())
        .collect();
    assert_eq!(tips[0], format!("1–6 days: {}", second.histogram.counts[0]));
    assert_eq!(
        texts(&doc, "note")[0],
        format!(
            "median {:.0} days, of {}",
            second.days.median.unwrap(),
            second.days.count
        )
    );
}

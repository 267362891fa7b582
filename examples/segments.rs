//! Segments and stages of the embedded CDNOW sample: the breaks each RFM
//! dimension was scored with; the R `rfm` package's segment table and three
//! tiers with customers, orders, revenue, AOV and median days since the
//! last purchase; lifecycle stages on the last day and how customers moved
//! between stages over the last half year.
//!
//! Run with `cargo run --release --example segments`.

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample;
use repurchase::lifecycle::{self, LifecycleOptions, Stage};
use repurchase::rfm::{self, RfmOptions, SegmentTable};
use repurchase::{SummaryOptions, TimeUnit};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    let log = cdnow_sample()?;
    let summaries = log.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
    let scores = rfm::score(&summaries, &RfmOptions::default())?;

    println!("RFM quintiles of {} CDNOW customers as of {end}", summaries.len());
    for (name, breaks) in ["recency (days)", "frequency (orders)", "monetary ($)"]
        .iter()
        .zip(&scores.breaks)
    {
        let shown: Vec<String> = breaks.thresholds.iter().map(|t| format!("{t:.1}")).collect();
        println!(
            "  {name:<20} breaks [{}], {} of {} scores used",
            shown.join(", "),
            breaks.scores_used,
            breaks.bins
        );
    }

    for (title, table) in [
        ("R rfm segments", SegmentTable::r_rfm()),
        ("Three tiers", SegmentTable::three_tier()),
    ] {
        println!("\n{title}");
        println!(
            "  {:<20} {:>9} {:>7} {:>12} {:>8} {:>12}",
            "segment", "customers", "orders", "revenue", "AOV", "median days"
        );
        for row in table.summarize(&summaries, &scores)? {
            let aov = row
                .average_order_value
                .map_or("-".to_string(), |a| format!("{:.2}", a));
            let days = row
                .median_days_since_last
                .map_or("-".to_string(), |d| format!("{d:.0}"));
            println!(
                "  {:<20} {:>9} {:>7} {:>12.2} {:>8} {:>12}",
                row.name, row.customers, row.orders, row.revenue, aov, days
            );
        }
    }
    let uncovered = SegmentTable::r_rfm().check(5).uncovered.len();
    println!("\n{uncovered} of 125 score cells fall outside the R table (\"Others\").");

    let config = LifecycleOptions::default();
    let stages = lifecycle::stages(&log, end, &config, &[], |_| None)?;
    println!("\nLifecycle stages on {end}");
    for stage in Stage::ALL {
        let n = stages.iter().filter(|s| s.stage == stage).count();
        println!("  {:<12} {n:>5}", stage.to_string());
    }
    let half_year_ago = NaiveDate::from_ymd_opt(1997, 12, 31).ok_or("bad date")?;
    let moves = lifecycle::transitions(&log, half_year_ago, end, &config, &[])?;
    println!("\nFrom {half_year_ago} (rows) to {end} (columns)");
    print!("  {:<12}", "");
    for to in Stage::ALL {
        print!(" {:>11}", to.to_string());
    }
    println!();
    for from in Stage::ALL.iter().copied().map(Some).chain([None]) {
        let label = from.map_or("not yet".to_string(), |s| s.to_string());
        print!("  {label:<12}");
        for to in Stage::ALL {
            print!(" {:>11}", moves.count(from, Some(to)));
        }
        println!();
    }
    Ok(())
}

//! RFM segments of the embedded CDNOW sample: the breaks each dimension
//! was scored with, and the R `rfm` package's segment table with customers,
//! orders, revenue, AOV and median days since the last purchase.
//!
//! Run with `cargo run --release --example segments`.

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample;
use repurchase::rfm::{self, RfmConfig, SegmentTable};
use repurchase::{SummaryOptions, TimeUnit};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
    let scores = rfm::score(&summaries.customers, &RfmConfig::default())?;

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
        for row in table.summarize(&summaries.customers, &scores)? {
            let aov = row
                .average_order_value
                .map_or("-".to_string(), |a| format!("{:.2}", a));
            let days = row.median_recency.map_or("-".to_string(), |d| format!("{d:.0}"));
            println!(
                "  {:<20} {:>9} {:>7} {:>12.2} {:>8} {:>12}",
                row.name, row.customers, row.orders, row.revenue, aov, days
            );
        }
    }
    let uncovered = SegmentTable::r_rfm().check(5).uncovered.len();
    println!("\n{uncovered} of 125 score cells fall outside the R table (\"Others\").");
    Ok(())
}

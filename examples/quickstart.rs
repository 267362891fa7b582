//! A first report on the embedded CDNOW sample: who buys again, how often,
//! and what the per-customer summaries look like.
//!
//! Run with `cargo run --release --example quickstart`.

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample_purchases;
use repurchase::{Granularity, PurchaseLog, SummaryOptions, TimeUnit};
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (log, rejected) = PurchaseLog::lenient(cdnow_sample_purchases());
    let stats = log.stats();
    println!(
        "CDNOW sample: {} records, {} customers",
        stats.input,
        log.customer_count()
    );
    println!(
        "  accepted {}, merged order lines {}, rejected {}",
        stats.accepted,
        stats.merged,
        rejected.len()
    );

    let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    let summaries = log.summarize(&SummaryOptions::new(end));
    let repeaters = summaries.iter().filter(|s| s.frequency > 0).count();
    let revenue: Decimal = summaries.iter().map(|s| s.total_spend).sum();
    let orders: u32 = summaries.iter().map(|s| s.orders).sum();
    println!("\nAs of {end} (daily periods, lifetimes' freq='D'):");
    println!(
        "  repeat customers   {repeaters} of {} ({:.1} %)",
        summaries.len(),
        100.0 * repeaters as f64 / summaries.len() as f64
    );
    println!("  revenue            ${revenue}");
    println!(
        "  average order      ${}",
        (revenue / Decimal::from(orders)).round_dp(2)
    );
    println!("  orders after end   {}", summaries.orders_after_end);

    println!("\nMost frequent buyers:");
    println!(
        "  {:>8} {:>9} {:>8} {:>6} {:>10} {:>10}",
        "customer", "frequency", "recency", "T", "monetary", "spend"
    );
    let mut top: Vec<_> = summaries.iter().collect();
    top.sort_by(|a, b| b.frequency.cmp(&a.frequency).then(a.customer.cmp(&b.customer)));
    for s in top.iter().take(5) {
        let monetary = s.monetary_value.map_or("-".to_string(), |m| format!("{:.2}", m));
        println!(
            "  {:>8} {:>9} {:>8} {:>6} {:>10} {:>10}",
            s.customer, s.frequency, s.recency, s.t, monetary, s.total_spend
        );
    }

    // The input of Fader, Hardie & Lee (2005): continuous weeks, calibration
    // to 1997-09-30.
    let calibration_end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
    let papers = log.summarize(&SummaryOptions::new(calibration_end).unit(TimeUnit::Weeks));
    println!("\nThe papers' summary (weeks, to {calibration_end}), first three customers:");
    println!("  {:>4} {:>3} {:>7} {:>7}", "ID", "x", "t_x", "T");
    for s in papers.iter().take(3) {
        println!(
            "  {:>4} {:>3} {:>7.2} {:>7.2}",
            s.customer, s.frequency, s.recency, s.t
        );
    }

    let weekly = SummaryOptions::new(end).granularity(Granularity::Week);
    let split = log.calibration_holdout(calibration_end, &weekly)?;
    let holdout_buyers = split.customers.iter().filter(|c| c.frequency_holdout > 0).count();
    println!(
        "\nCalibration to {calibration_end}, holdout to {end} (weekly): {} customers, {} bought in the holdout",
        split.customers.len(),
        holdout_buyers
    );
    Ok(())
}

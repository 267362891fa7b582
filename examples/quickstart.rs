//! A first report on the embedded CDNOW sample: who buys again, after how
//! long, what they spend, which cohorts hold, and what the per-customer
//! summaries look like.
//!
//! Run with `cargo run --release --example quickstart`.

use chrono::NaiveDate;
use repurchase::datasets::cdnow_sample_purchases;
use repurchase::metrics::{self, HistogramBins};
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
    let opts = SummaryOptions::new(end);
    let first = NaiveDate::from_ymd_opt(1997, 1, 1).ok_or("bad date")?;
    let q1_end = NaiveDate::from_ymd_opt(1997, 3, 31).ok_or("bad date")?;
    let summaries = log.summarize(&opts);
    let rate = metrics::repurchase_rate(&summaries);
    let spend = metrics::spend(&log, &opts, first, end)?;
    let percent = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.1} %", 100.0 * r));
    let days = |d: Option<f64>| d.map_or("-".to_string(), |d| format!("{d:.0} days"));
    let money = |m: Option<Decimal>| m.map_or("-".to_string(), |m| format!("${}", m.round_dp(2)));
    println!("\nAs of {end} (daily periods, lifetimes' freq='D'):");
    println!(
        "  repeat customers   {} of {} ({})",
        rate.numerator,
        rate.denominator,
        percent(rate.rate)
    );
    println!("  revenue            ${}", spend.revenue);
    println!("  average order      {}", money(spend.aov));
    println!(
        "  orders per buyer   {:.2}",
        spend.orders_per_customer.unwrap_or(0.0)
    );
    println!("  orders after end   {}", summaries.orders_after_end);

    println!("\nRepurchase:");
    for k in [30, 90, 365] {
        let r = metrics::k_day_repurchase_rate(&log, &opts, k, first, q1_end)?;
        println!("  bought again within {k:>3} days  {}", percent(r.rate.rate));
    }
    let second = metrics::time_to_second_purchase(&log, &opts);
    println!(
        "  time to second purchase      median {}, p25–p75 {}–{}",
        days(second.days.median),
        days(second.days.p25),
        days(second.days.p75)
    );
    let cycle = metrics::purchase_cycle(&log, &opts, &HistogramBins::new(vec![7, 30, 90, 180])?);
    println!(
        "  purchase cycle               median {} over {} intervals",
        days(cycle.intervals.median),
        cycle.intervals.count
    );
    let bins = ["< 7 days", "7–29", "30–89", "90–179", "≥ 180"];
    let total = cycle.intervals.count.max(1) as f64;
    for (label, count) in bins.iter().zip(&cycle.histogram.counts) {
        let bar = "#".repeat((40.0 * *count as f64 / total).round() as usize);
        println!("    {label:>8} {count:>5} {bar}");
    }
    let next = metrics::next_purchase(&log, &opts, &Default::default());
    let overdue = next
        .iter()
        .filter(|n| n.overdue_ratio.is_some_and(|r| r > 2.0))
        .count();
    println!(
        "  more than twice overdue      {overdue} of {} customers",
        next.len()
    );

    println!("\nMonthly cohorts (retention by months since the first purchase):");
    let table = metrics::cohort_retention(&log, &opts, Granularity::Month)?;
    for cohort in &table.cohorts {
        let shares: Vec<String> = cohort
            .cells
            .iter()
            .take(7)
            .map(|c| format!("{:>5.1}", 100.0 * c.retention))
            .collect();
        println!(
            "  {} ({:>3} customers) {}",
            cohort.start.format("%Y-%m"),
            cohort.customers,
            shares.join(" ")
        );
    }
    let churn = metrics::churn_rate(&log, &opts, Granularity::Month)?;
    if let Some(last) = churn.last() {
        println!(
            "  churn {} → {}: {}",
            last.start.format("%Y-%m"),
            last.next_start.format("%Y-%m"),
            percent(last.churn.rate)
        );
    }

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

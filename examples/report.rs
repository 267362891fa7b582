//! A one-page HTML report on the embedded CDNOW sample: headline metrics,
//! the model checks, P(alive), cohort retention and the top customers by
//! CLV, with every chart inline as SVG.
//!
//! ```text
//! cargo run --release --features charts --example report [-- OUT.html]
//! ```
//!
//! Without OUT the page is `report.html` in the current directory.

use std::fmt::Write as _;

use chrono::NaiveDate;
use repurchase::churn::{self, RiskBands};
use repurchase::clv::{ClvOptions, customer_lifetime_values};
use repurchase::datasets::cdnow_sample;
use repurchase::lifecycle::{self, LifecycleOptions};
use repurchase::models::{self, BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
use repurchase::rfm::{self, RfmOptions, SegmentTable};
use repurchase::{Granularity, SummaryOptions, TimeUnit, charts, metrics};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "report.html".into());
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date");
    let (calibration_end, end) = (day(1997, 9, 30)?, day(1998, 6, 30)?);
    let log = cdnow_sample()?;
    let weekly = SummaryOptions::new(end).unit(TimeUnit::Weeks);

    // Fitted on the calibration period, checked on the holdout.
    let split = log.calibration_holdout(calibration_end, &weekly)?;
    let fit_options = FitOptions::default();
    let bg = BetaGeo::fit(&FrequencyData::from_calibration(&split), &fit_options)?.model;
    let calibration = log.summarize(&SummaryOptions::new(calibration_end).unit(TimeUnit::Weeks));
    let tracking = models::tracking(&bg, &log, &weekly, 7)?;
    let histogram = models::repeat_histogram(&bg, &calibration, 7)?;
    let by_frequency = models::holdout_by_frequency(&bg, &split, 7)?;
    // Churn scores at the end of calibration against the holdout: churned
    // customers made no purchase in the 39 weeks after.
    let churn_scores = churn::scores(&bg, &calibration, 273, &RiskBands::default())?;
    let holdout: std::collections::HashMap<u32, bool> = split
        .customers
        .iter()
        .map(|c| (c.customer, c.frequency_holdout == 0))
        .collect();
    let (scores, churned): (Vec<f64>, Vec<bool>) = churn_scores
        .iter()
        .filter_map(|c| Some((c.p_churn, *holdout.get(&c.customer)?)))
        .unzip();

    // Today's view: fitted on everything up to the end.
    let summaries = log.summarize(&weekly);
    let bg_now = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &fit_options)?.model;
    let gg = GammaGamma::fit(&SpendData::from_summaries(&summaries), &fit_options)?.model;
    let values = customer_lifetime_values(&bg_now, &gg, &summaries, &ClvOptions::default())?;
    let cohorts = metrics::cohort_retention(&log, &weekly, Granularity::Month)?;
    let rate = metrics::repurchase_rate(&summaries);
    let daily = SummaryOptions::new(end);
    let cycle = metrics::purchase_cycle(&log, &daily, &Default::default());
    let second = metrics::time_to_second_purchase(&log, &daily);
    let segments = rfm::score(&log.summarize(&daily), &RfmOptions::default())?;
    let moves = lifecycle::transitions(&log, day(1997, 12, 31)?, end, &LifecycleOptions::default(), &[])?;

    let mut top: Vec<_> = values.iter().zip(summaries.iter()).collect();
    top.sort_by(|a, b| b.0.clv.total_cmp(&a.0.clv));
    let mut rows = String::new();
    for (value, s) in top.iter().take(10) {
        let p_alive = models::PurchaseModel::p_alive(&bg_now, f64::from(s.frequency), s.recency, s.t)?;
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>${}</td><td>{:.0}%</td><td>${:.2}</td></tr>",
            s.customer,
            s.orders,
            s.total_spend.round_dp(2),
            p_alive * 100.0,
            value.clv
        );
    }
    let total_clv: f64 = values.iter().map(|v| v.clv).sum();

    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Repurchase report: CDNOW sample</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1600px; color: #222; }}
.tiles {{ display: flex; gap: 1rem; flex-wrap: wrap; }}
.tile {{ border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem 1.2rem; min-width: 10rem; }}
.tile b {{ display: block; font-size: 1.6rem; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(760px, 1fr)); gap: 1rem; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 0.3rem 0.8rem; border-bottom: 1px solid #eee; text-align: right; }}
</style></head><body>
<h1>Repurchase report: CDNOW sample</h1>
<p>{customers} customers, purchases from 1997-01-01 to {end}; the model is BG/NBD, fitted on the purchases to {calibration_end} and checked on the {holdout} weeks after.</p>
<div class="tiles">
<div class="tile"><b>{repeat:.1}%</b>bought again</div>
<div class="tile"><b>{customers}</b>customers</div>
<div class="tile"><b>${total_clv:.0}</b>expected in the next 12 months</div>
</div>
<h2>Does the model hold?</h2>
<div class="charts">{tracking}{histogram}{by_frequency}{calibration_chart}</div>
<h2>Who is still with us?</h2>
<div class="charts">{alive}{expected}{cohorts}{moves}</div>
<h2>How do they buy?</h2>
<div class="charts">{second}{cycle}{segments}</div>
<h2>Top customers by 12-month CLV</h2>
<table><tr><th>customer</th><th>orders</th><th>spent</th><th>P(alive)</th><th>CLV</th></tr>{rows}</table>
</body></html>
"#,
        customers = summaries.len(),
        holdout = split
            .customers
            .first()
            .map_or(0.0, |c| c.duration_holdout)
            .round(),
        repeat = rate.rate.unwrap_or(0.0) * 100.0,
        tracking = charts::tracking(&tracking, Some(calibration_end)),
        histogram = charts::repeat_histogram(&histogram),
        by_frequency = charts::holdout_by_frequency(&by_frequency),
        calibration_chart = charts::churn_calibration(&scores, &churned)?,
        alive = charts::probability_alive_matrix(&bg_now, 78.0, 30, 39)?,
        expected = charts::expected_purchases_matrix(&bg_now, 78.0, 52.0, 30, 39)?,
        cohorts = charts::cohort_retention(&cohorts),
        moves = charts::lifecycle_transitions(&moves),
        second = charts::time_to_second_purchase(&second),
        cycle = charts::purchase_cycle(&cycle),
        segments = charts::rfm_segments(&segments, &SegmentTable::r_rfm()),
    );
    std::fs::write(&out, page)?;
    println!("wrote {out}");
    Ok(())
}

//! Recipes for the common jobs, each a runnable program on the embedded
//! CDNOW sample: swap `cdnow_sample()` for your own log.
//!
//! # Which customers are slipping away this week?
//!
//! Fit a purchase model to the summaries as of today, score each
//! customer's chance of no purchase in the next 30 days, and take the
//! high-risk band, most likely to lapse first; customers who have bought
//! only once are left to the welcome journey.
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::churn::{self, RiskBand, RiskBands};
//! use repurchase::models::{BetaGeo, FitOptions, FrequencyData};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let today = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(today).unit(TimeUnit::Weeks));
//! let model = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?.model;
//! let scores = churn::scores(&model, &summaries, 30, &RiskBands::default())?;
//! let mut slipping: Vec<_> = scores
//!     .iter()
//!     .zip(summaries.iter())
//!     .filter(|(score, summary)| score.band == RiskBand::High && summary.frequency > 0)
//!     .collect();
//! slipping.sort_by(|a, b| b.0.p_churn.total_cmp(&a.0.p_churn));
//! for (score, summary) in slipping.iter().take(3) {
//!     println!("customer {}: {:.0}% likely to lapse, {} orders", score.customer, score.p_churn * 100.0, summary.orders);
//! }
//! assert!(!slipping.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is each customer worth next year?
//!
//! BG/NBD for the purchases, Gamma-Gamma for the spend, and twelve months
//! of discounted value, as lifetimes' `customer_lifetime_value` computes
//! it; summaries in weeks, as the models were published.
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::clv::{customer_lifetime_values, ClvOptions};
//! use repurchase::models::{BetaGeo, FitOptions, FrequencyData, GammaGamma, SpendData};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//!
//! let today = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(today).unit(TimeUnit::Weeks));
//! let purchases = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
//! let spend = GammaGamma::fit(&SpendData::from_summaries(&summaries), &FitOptions::default())?;
//! let next_year = ClvOptions::new().months(12).discount_rate(0.01);
//! let values = customer_lifetime_values(&purchases.model, &spend.model, &summaries, &next_year)?;
//! let total: f64 = values.iter().map(|v| v.clv).sum();
//! println!("the next 12 months: ${total:.0} from {} customers", values.len());
//! assert!(total > 0.0 && values.iter().all(|v| v.clv >= 0.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Does the first order predict the rest?
//!
//! A customer attribute known at sign-up (here the log of the first
//! day's spend, centred) as a covariate of the purchase rate: its effect
//! with a standard error, whether it earns its place by AIC, and each
//! customer's own model for their predictions.
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::models::{BetaGeo, CovariateData, Covariates, FitOptions, FrequencyData, WithCovariates};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
//! use rust_decimal::{Decimal, prelude::ToPrimitive};
//!
//! let end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Weeks));
//! let first_spend = |s: &repurchase::CustomerSummary<u32>| {
//!     let repeats = s.monetary_value.unwrap_or_default() * Decimal::from(s.frequency);
//!     (s.total_spend - repeats).to_f64().unwrap_or(1.0).max(1.0).ln()
//! };
//! let spend: Vec<f64> = summaries.iter().map(first_spend).collect();
//! let mean = spend.iter().sum::<f64>() / spend.len() as f64;
//! let centred: Vec<f64> = spend.iter().map(|v| v - mean).collect();
//! let purchase = Covariates::from_columns([("ln first spend", centred.clone())])?;
//! let data = CovariateData::from_summaries(&summaries, &purchase, &Covariates::none())?;
//! let fit = WithCovariates::<BetaGeo>::fit(&data, &FitOptions::default())?;
//! println!("{fit}");
//! let plain = BetaGeo::fit(&FrequencyData::from_summaries(&summaries), &FitOptions::default())?;
//! assert!(fit.aic() < plain.aic()); // the covariate earns its place
//! let first = &summaries.customers[0];
//! let own = fit.model.for_customer(&[centred[0]], &[])?;
//! let p = own.p_alive(f64::from(first.frequency), first.recency, first.t)?;
//! println!("customer {}: P(alive) {p:.2}", first.customer);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # RFM segments as the R `rfm` package makes them
//!
//! Daily summaries to the analysis date, quintile scores with the
//! package's breaks, and its segment table (Champions, Loyal Customers,
//! At Risk, Lost…).
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::rfm::{self, RfmOptions, SegmentTable};
//! use repurchase::{datasets::cdnow_sample, SummaryOptions};
//!
//! let analysis_date = NaiveDate::from_ymd_opt(1998, 7, 1).ok_or("bad date")?;
//! let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(analysis_date));
//! let scores = rfm::score(&summaries, &RfmOptions::default())?;
//! let table = SegmentTable::r_rfm();
//! for segment in table.assign(&scores).iter().take(3) {
//!     println!("customer {}: {}", segment.customer, table.name(segment.segment));
//! }
//! assert_eq!(table.assign(&scores).len(), summaries.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Daily campaign triggers from a service
//!
//! A service keeps the log (or rebuilds it from its store each morning),
//! fires the day's rules, sends, and stores what it sent; passing that
//! history back keeps the cool-downs.
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::triggers::{fire, Sent, TriggerKind, TriggerRule};
//!
//! let log = cdnow_sample()?;
//! let rules = [
//!     TriggerRule::new("thank-you", TriggerKind::AfterFirstPurchase { days: 3 }, 0),
//!     TriggerRule::new("we-miss-you", TriggerKind::Silent { days: 60 }, 90),
//! ];
//! let mut history: Vec<Sent<u32>> = Vec::new();
//! for day in 1..=7 {
//!     let today = NaiveDate::from_ymd_opt(1997, 6, day).ok_or("bad date")?;
//!     let sends = fire(&log, &[], &rules, today, &history)?;
//!     // Send them here; then remember them.
//!     history.extend(sends.into_iter().map(|f| Sent { customer: f.customer, rule: f.rule, on: today }));
//! }
//! println!("{} messages in the first week of June 1997", history.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! Properties of the public types themselves: thread safety, and the serde
//! round trip of every data, config and result type.

use repurchase::*;

fn send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    send_sync::<Purchase<u64>>();
    send_sync::<Customer<String>>();
    send_sync::<Timestamp>();
    send_sync::<PurchaseLog<String>>();
    send_sync::<LogOptions>();
    send_sync::<LogStats>();
    send_sync::<Rejection<u64>>();
    send_sync::<Error>();
    send_sync::<SummaryOptions>();
    send_sync::<CustomerSummary<u64>>();
    send_sync::<Summaries<u64>>();
    send_sync::<CalibrationHoldout<u64>>();
    send_sync::<SummaryAccumulator<u64>>();
    send_sync::<metrics::Rate>();
    send_sync::<metrics::DayStats>();
    send_sync::<metrics::Histogram>();
    send_sync::<metrics::HistogramBins>();
    send_sync::<metrics::KDayRepurchase>();
    send_sync::<metrics::SecondPurchase>();
    send_sync::<metrics::PurchaseCycle<u64>>();
    send_sync::<metrics::NextPurchase<u64>>();
    send_sync::<metrics::NextPurchaseOptions>();
    send_sync::<metrics::Spend>();
    send_sync::<metrics::PeriodSpend>();
    send_sync::<metrics::CustomerActivity<u64>>();
    send_sync::<metrics::WindowChurn>();
    send_sync::<metrics::CohortTable>();
    send_sync::<metrics::ProductRepurchase>();
}

#[cfg(feature = "serde")]
mod serde_round_trip {
    // Test code may unwrap: a failure is the point.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{FixedOffset, NaiveDate};
    use repurchase::datasets::{cdnow_sample, cdnow_sample_purchases};

    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        value: &T,
    ) {
        let json = serde_json::to_string(value).unwrap();
        assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
    }

    #[test]
    fn results_configs_and_state_survive_json() {
        let end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
        let cal = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
        let log = cdnow_sample().unwrap();
        let opts = SummaryOptions::new(end)
            .granularity(Granularity::Week)
            .unit(TimeUnit::Weeks);
        round_trip(&opts);
        round_trip(&LogOptions::default().order_lines(OrderLines::Reject));
        round_trip(&log.stats());
        round_trip(&log.summarize(&opts));
        round_trip(&log.calibration_holdout(cal, &opts).unwrap());
        round_trip(&cdnow_sample_purchases()[..10].to_vec());
        round_trip(&Customer::new(7_u64).tag("vip"));
        let acc = SummaryAccumulator::from_log(&log, FixedOffset::east_opt(0).unwrap());
        round_trip(&acc);
    }

    #[test]
    fn metric_results_survive_json() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let log = cdnow_sample().unwrap();
        let opts = SummaryOptions::new(d(1998, 6, 30));
        round_trip(&metrics::repurchase_rate(&log.summarize(&opts)));
        round_trip(&metrics::k_day_repurchase_rate(&log, &opts, 90, d(1997, 1, 1), d(1997, 3, 31)).unwrap());
        round_trip(&metrics::time_to_second_purchase(&log, &opts));
        round_trip(&metrics::purchase_cycle(
            &log,
            &opts,
            &metrics::HistogramBins::default(),
        ));
        round_trip(&metrics::next_purchase(
            &log,
            &opts,
            &metrics::NextPurchaseOptions::default(),
        ));
        round_trip(&metrics::NextPurchaseOptions::default());
        round_trip(&metrics::spend(&log, &opts, d(1997, 1, 1), d(1998, 6, 30)).unwrap());
        round_trip(&metrics::customer_activity(&log, &opts, d(1997, 1, 1), d(1997, 1, 31)).unwrap());
        round_trip(&metrics::spend_by_period(&log, &opts, Granularity::Month).unwrap());
        round_trip(&metrics::churn_rate(&log, &opts, Granularity::Month));
        round_trip(&metrics::cohort_retention(&log, &opts, Granularity::Month).unwrap());
    }
}

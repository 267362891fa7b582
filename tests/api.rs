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

    /// Stored accumulator state is input: each way a truncated, edited or
    /// mis-migrated state breaks an invariant is refused on load, naming
    /// what is wrong, instead of changing summaries.
    #[test]
    fn corrupt_accumulator_state_is_refused_on_load() {
        use serde_json::{Value, json};
        let utc = FixedOffset::east_opt(0).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
        let mut acc = SummaryAccumulator::new(utc);
        for (customer, d, cents) in [(1_u64, 1, 1000), (1, 9, 2500), (2, 4, 700)] {
            acc.push(&Purchase::new(
                customer,
                day(d),
                rust_decimal::Decimal::new(cents, 2),
            ))
            .unwrap();
        }
        let good = serde_json::to_value(&acc).unwrap();
        assert_eq!(
            serde_json::from_value::<SummaryAccumulator<u64>>(good.clone()).unwrap(),
            acc
        );
        let refused = |edit: &dyn Fn(&mut Value), why: &str| {
            let mut state = good.clone();
            edit(&mut state);
            let err = serde_json::from_value::<SummaryAccumulator<u64>>(state).unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains("invalid stored state") && message.contains(why),
                "{message}"
            );
        };
        // The case: a first day far beyond any calendar.
        refused(
            &|s| s["customers"][0][1][0]["day"] = json!(9_223_372_036_854_775_000_i64),
            "other days",
        );
        refused(&|s| s["customers"][1][0] = json!(1), "appears twice");
        refused(&|s| s["customers"][1][1] = json!([]), "no purchase days");
        refused(
            &|s| {
                let cells = s["customers"][0][1].as_array_mut().unwrap();
                cells.swap(0, 1);
            },
            "does not follow",
        );
        refused(
            &|s| s["customers"][0][1][0]["first"] = json!(i64::MAX),
            "beyond chrono",
        );
        refused(&|s| s["customers"][0][1][0]["orders"] = json!(0), "do not add up");
        refused(&|s| s["customers"][0][1][0]["net"] = json!("-5"), "do not add up");
        refused(&|s| s["offset_seconds"] = json!(90_000), "not a UTC offset");
        refused(&|s| s["pushed"] = json!(1), "fewer than the 3 lines");
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

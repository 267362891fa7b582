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
    use chrono::NaiveDate;
    use repurchase::Calendar;
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
        let acc = SummaryAccumulator::from_log(&log);
        round_trip(&acc);
        round_trip(&SummaryAccumulator::<u64>::new(
            "+08:00".parse::<Calendar>().unwrap(),
        ));
        round_trip(&LogOptions::default().calendar("-05:30".parse().unwrap()));
    }

    /// Found by fuzzing: a day's net with more digits than a `Decimal`
    /// holds was stored rounded, so a reloaded accumulator summed to a
    /// total one unit off in the last digit. Sums are stored exactly.
    #[test]
    fn stored_state_reloads_to_the_same_sums() {
        let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
        let mut acc = SummaryAccumulator::new(Calendar::utc());
        for (d, units, scale) in [
            (1, 170_424_302_305_274_072_535_470_i128, 18),
            (1, 7_196_597_669_256_721, 28),
            (9, 123_456_789, 7),
        ] {
            let amount = rust_decimal::Decimal::from_i128_with_scale(units, scale);
            acc.push(&Purchase::new(1_u64, day(d), amount)).unwrap();
        }
        let json = serde_json::to_string(&acc).unwrap();
        let back: SummaryAccumulator<u64> = serde_json::from_str(&json).unwrap();
        let opts = SummaryOptions::new(day(31));
        assert_eq!(back.summarize(&opts).unwrap(), acc.summarize(&opts).unwrap());
        assert_eq!(
            back.summarize(&opts).unwrap().customers[0]
                .total_spend
                .to_string(),
            acc.summarize(&opts).unwrap().customers[0].total_spend.to_string()
        );
    }

    /// Stored accumulator state is input: each way a truncated, edited or
    /// mis-migrated state breaks an invariant is refused on load, naming
    /// what is wrong, instead of changing summaries.
    #[test]
    fn corrupt_accumulator_state_is_refused_on_load() {
        use serde_json::{Value, json};
        let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
        let mut acc = SummaryAccumulator::new(Calendar::utc());
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
        // The issue's case: a first day far beyond any calendar.
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
        // Days bucketed at UTC midnight fall on the day before in UTC-5.
        refused(&|s| s["calendar"] = json!("-05:00"), "fall on other days");
        let mut unknown = good.clone();
        unknown["calendar"] = json!("+25:00");
        let err = serde_json::from_value::<SummaryAccumulator<u64>>(unknown).unwrap_err();
        assert!(err.to_string().contains("calendar"), "{err}");
        refused(&|s| s["pushed"] = json!(1), "fewer than the 3 lines");
    }

    /// Types with checked constructors load through them: good values
    /// round-trip, and a stored value the constructor would refuse is
    /// refused on load with its error, not left to give NaN later.
    #[test]
    fn checked_types_are_checked_on_load() {
        use repurchase::models::{
            BetaGeo, BetaGeoBetaBinom, Covariates, FrequencyData, GammaGamma, ModifiedBetaGeo, ParetoNbd,
            RetentionData, ShiftedBetaGeo, SpendData, WithCovariates,
        };
        use repurchase::points::EarnRule;
        use rust_decimal::Decimal;
        use serde_json::json;
        fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(value: serde_json::Value, why: &str) {
            let message = serde_json::from_value::<T>(value).unwrap_err().to_string();
            assert!(message.contains(why), "{message}");
        }
        round_trip(&BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap());
        round_trip(&GammaGamma::new(6.25, 3.74, 15.44).unwrap());
        round_trip(&ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap());
        round_trip(&BetaGeoBetaBinom::new(1.2, 0.75, 0.66, 2.78).unwrap());
        round_trip(&ModifiedBetaGeo::new(0.52, 6.18, 0.89, 1.61).unwrap());
        round_trip(&FrequencyData::from_rows([(2.0, 30.4, 38.9, 1.0), (0.0, 0.0, 38.9, 3.0)]).unwrap());
        round_trip(&SpendData::from_rows([(2.0, 22.35, 1.0)]).unwrap());
        round_trip(&ShiftedBetaGeo::new(0.704, 1.182).unwrap());
        round_trip(&RetentionData::from_cohorts([&[1000_u64, 631, 468][..], &[500, 320]]).unwrap());
        round_trip(&EarnRule::new(Decimal::TEN, Decimal::ONE_HUNDRED).unwrap());
        let base = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
        round_trip(&WithCovariates::new(base, [("app", 0.4)], [("complained", -0.2)]).unwrap());
        round_trip(
            &Covariates::from_columns([("app", vec![1.0, 0.0]), ("income", vec![0.3, -1.2])]).unwrap(),
        );
        round_trip(&Covariates::none());
        refused::<BetaGeo>(
            json!({"r": -1.0, "alpha": 4.4, "a": 0.8, "b": 2.4}),
            "r = -1 is invalid",
        );
        refused::<GammaGamma>(json!({"p": 6.0, "q": 0.0, "gamma": 15.0}), "q = 0 is invalid");
        refused::<ParetoNbd>(
            json!({"r": 0.5, "alpha": 10.0, "s": 0.6, "beta": -11.0}),
            "beta = -11 is invalid",
        );
        refused::<BetaGeoBetaBinom>(
            json!({"alpha": 1.2, "beta": 0.7, "gamma": 0.6, "delta": 0.0}),
            "delta = 0 is invalid",
        );
        refused::<ModifiedBetaGeo>(
            json!({"r": 0.5, "alpha": 6.0, "a": -0.9, "b": 1.6}),
            "a = -0.9 is invalid",
        );
        refused::<ShiftedBetaGeo>(json!({"alpha": 0.7, "beta": 0.0}), "beta = 0 is invalid");
        refused::<RetentionData>(
            json!({"cancelled": [369.0, -1.0], "active": [0.0, 468.0]}),
            "a whole number",
        );
        refused::<RetentionData>(
            json!({"cancelled": [369.0], "active": [0.0, 468.0]}),
            "one count of each kind",
        );
        let stored_base = serde_json::to_value(base).unwrap();
        refused::<WithCovariates<BetaGeo>>(
            json!({"base": stored_base, "purchase": [["app", 0.4], ["app", 0.1]], "dropout": []}),
            "covariate name",
        );
        refused::<WithCovariates<BetaGeo>>(
            json!({"base": {"r": 0.2, "alpha": 0.0, "a": 0.8, "b": 2.4}, "purchase": [], "dropout": []}),
            "alpha = 0 is invalid",
        );
        refused::<Covariates>(
            json!({"names": ["app", "income"], "values": [1.0, 0.3, 0.0], "customers": 2}),
            "one value per customer",
        );
        refused::<Covariates>(
            json!({"names": ["app", "app"], "values": [1.0, 0.0], "customers": 1}),
            "covariate name",
        );
        let row = |x: f64, t_x: f64, t: f64| json!({"frequency": x, "recency": t_x, "t": t, "weight": 1.0});
        refused::<FrequencyData>(json!({"rows": [row(2.0, 50.0, 38.9)]}), "recency");
        refused::<SpendData>(
            json!({"rows": [[2.0, -5.0, 1.0]], "skipped": 0}),
            "monetary_value",
        );
        let log_options = serde_json::to_value(LogOptions::default()).unwrap();
        let mut reversed = log_options.clone();
        reversed["valid_from"] = log_options["valid_until"].clone();
        refused::<LogOptions>(reversed, "valid_from");
        refused::<EarnRule>(
            json!({"points": "10", "per": "0", "rounding": "Down"}),
            "per = 0 is invalid",
        );
        // Configurations too.
        let rfm = repurchase::rfm::RfmOptions::default().bins(4).unwrap();
        round_trip(&rfm);
        let mut stored = serde_json::to_value(&rfm).unwrap();
        stored["bins"] = json!(0);
        refused::<repurchase::rfm::RfmOptions>(stored, "bins = 0 is invalid");
        round_trip(&metrics::HistogramBins::new(vec![7, 30]).unwrap());
        refused::<metrics::HistogramBins>(json!({"edges": [30, 7]}), "edges");
        refused::<metrics::NextPurchaseOptions>(json!({"shrinkage": -1.0}), "shrinkage = -1 is invalid");
        round_trip(&repurchase::churn::RiskBands::new(0.3, 0.7).unwrap());
        refused::<repurchase::churn::RiskBands>(json!({"medium": 0.9, "high": 0.5}), "medium");
        let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
        let experiment = repurchase::experiment::ExperimentOptions::new(day(1), day(31)).unwrap();
        round_trip(&experiment);
        let mut stored = serde_json::to_value(experiment).unwrap();
        stored["end"] = json!("2024-04-01");
        refused::<repurchase::experiment::ExperimentOptions>(stored, "end");
        let tiers = repurchase::tiers::TierTable::new(
            repurchase::tiers::TierMeasure::Spend,
            90,
            vec![("Silver".into(), Decimal::from(100))],
        )
        .unwrap();
        round_trip(&tiers);
        let mut stored = serde_json::to_value(&tiers).unwrap();
        stored["window_days"] = json!(0);
        refused::<repurchase::tiers::TierTable>(stored, "window_days = 0 is invalid");
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
        round_trip(&metrics::churn_rate(&log, &opts, Granularity::Month).unwrap());
        round_trip(&metrics::cohort_retention(&log, &opts, Granularity::Month).unwrap());
    }
}

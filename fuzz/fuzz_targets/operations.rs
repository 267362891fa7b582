//! The operations on a log with arbitrary options: lifecycle stages,
//! portraits, campaign triggers with an arbitrary history, membership
//! tiers, loyalty points with arbitrary redemptions, and the A/B
//! comparison. Results or typed errors; no panic, hang or allocation
//! sized by an option.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{LogInput, SummaryInput, probability};
use libfuzzer_sys::fuzz_target;
use repurchase::chrono::{Days, NaiveDate};
use repurchase::experiment::{ExperimentOptions, compare};
use repurchase::lifecycle::{self, LifecycleOptions};
use repurchase::points::{EarnRule, PointsOptions, Redemption, balances};
use repurchase::rust_decimal::Decimal;
use repurchase::tiers::{self, TierMeasure, TierTable};
use repurchase::triggers::{Sent, TriggerKind, TriggerRule, fire};
use repurchase::{Customer, portrait};

#[derive(Arbitrary, Debug)]
struct Input {
    log: LogInput,
    summary: SummaryInput,
    days: [u32; 4],
    /// Days after the observation end: birthdays, holidays, history.
    dates: Vec<(u8, i16)>,
    thresholds: Vec<i64>,
    earn: (i64, i64),
    redemptions: Vec<(u8, i16, i64)>,
    arms: (Vec<u8>, Vec<u8>),
    level: f64,
}

fuzz_target!(|input: Input| {
    let (log, _) = input.log.log();
    let options = input.summary.options();
    let today = options.observation_end();
    let day = |offset: i16| {
        let days = Days::new(u64::from(offset.unsigned_abs()));
        if offset >= 0 {
            today.checked_add_days(days)
        } else {
            today.checked_sub_days(days)
        }
    };
    let [a, b, c, d] = input.days;

    let config = LifecycleOptions::default().new_days(a).at_risk_days(b).dormant_days(c).churned_days(d);
    if let Ok(stages) = lifecycle::stages(&log, today, &config, &[], |_| Some(0.5)) {
        // Customers with a purchase up to today, no more.
        assert!(stages.len() <= log.customer_count());
    }
    let _ = portrait::portraits(&log, &options, usize::from(input.days[0] as u8), |p| {
        Some(p.to_string())
    });

    let profiles: Vec<Customer<u8>> = input
        .dates
        .iter()
        .filter_map(|&(c, offset)| Some(Customer::new(c).birthday(day(offset)?).opt_out(c % 7 == 0)))
        .collect();
    let holidays: Vec<NaiveDate> = input.dates.iter().filter_map(|&(_, o)| day(o)).collect();
    let rules = [
        TriggerRule::new("care", TriggerKind::AfterFirstPurchase { days: a }, b),
        TriggerRule::new("wake-up", TriggerKind::Silent { days: b }, c),
        TriggerRule::new("refill", TriggerKind::ReplenishmentDue { days_before: c }, d),
        TriggerRule::new("product", TriggerKind::ProductDue { days_before: d }, a),
        TriggerRule::new("birthday", TriggerKind::Birthday, a),
        TriggerRule::new("holiday", TriggerKind::BeforeHoliday { holidays }, b),
    ];
    let names = ["care", "wake-up", "refill", "product", "birthday", "retired"];
    let history: Vec<Sent<u8>> = input
        .dates
        .iter()
        .filter_map(|&(c, o)| {
            Some(Sent {
                customer: c,
                rule: names[usize::from(c) % names.len()].to_string(),
                on: day(o)?,
            })
        })
        .collect();
    let _ = fire(&log, &profiles, &rules, today, &history);

    let tiers: Vec<(String, Decimal)> = input
        .thresholds
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("tier {i}"), Decimal::from(*t)))
        .collect();
    if let Ok(table) = TierTable::new(TierMeasure::Spend, a, tiers) {
        let _ = tiers::evaluate(&log, &table, today);
        if let Some(before) = day(-30) {
            let _ = tiers::changes(&log, &table, before, today);
        }
    }

    if let Ok(rule) = EarnRule::new(Decimal::from(input.earn.0), Decimal::from(input.earn.1)) {
        let redemptions: Vec<Redemption<u8>> = input
            .redemptions
            .iter()
            .filter_map(|&(c, o, points)| {
                Some(Redemption {
                    customer: c,
                    on: day(o)?,
                    points: Decimal::from(points),
                })
            })
            .collect();
        let _ = balances(&log, &rule, &redemptions, &PointsOptions::new(today, c, d));
    }

    let back = -i16::try_from(a % 400).unwrap_or(0);
    if let (Some(start), Ok(window)) = (day(back), ExperimentOptions::new(today, today)) {
        let window = ExperimentOptions::new(start, today).unwrap_or(window);
        let window = window.level(input.level).unwrap_or(window);
        if let Ok(result) = compare(&log, &input.arms.0, &input.arms.1, &window) {
            probability(result.treatment.rate, "treatment rate");
            probability(result.control.rate, "control rate");
            assert!(result.p_value.is_finite());
        }
    }
});

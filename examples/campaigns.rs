//! What a CRM would send on one day to the CDNOW sample's customers: the
//! campaign triggers that fire, and the membership tiers with this
//! quarter's upgrades and downgrades.
//!
//! Run with `cargo run --release --example campaigns`.

use chrono::NaiveDate;
use repurchase::Customer;
use repurchase::datasets::cdnow_sample;
use repurchase::lifecycle::{LifecycleOptions, Stage};
use repurchase::tiers::{self, Decision, TierMeasure, TierTable};
use repurchase::triggers::{TriggerKind, TriggerRule, fire};
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let log = cdnow_sample()?;
    let today = NaiveDate::from_ymd_opt(1997, 7, 3).ok_or("bad date")?;
    let rules = [
        TriggerRule::new("care message", TriggerKind::AfterFirstPurchase { days: 7 }, 0),
        TriggerRule::new("wake-up offer", TriggerKind::Silent { days: 30 }, 60),
        TriggerRule::new(
            "refill reminder",
            TriggerKind::ReplenishmentDue { days_before: 3 },
            30,
        ),
        TriggerRule::new(
            "we miss you",
            TriggerKind::EnteredStage {
                stage: Stage::Dormant,
                config: LifecycleOptions::default(),
            },
            0,
        ),
        TriggerRule::new(
            "Independence Day",
            TriggerKind::BeforeHoliday {
                holidays: vec![NaiveDate::from_ymd_opt(1997, 7, 4).ok_or("bad date")?],
            },
            0,
        ),
    ];
    // Every customer is opted in here; a CRM would pass its profiles, with
    // birthdays, sign-up dates and opt-outs.
    let profiles: Vec<Customer<u32>> = log.keys().iter().map(|k| Customer::new(*k)).collect();
    let sends = fire(&log, &profiles, &rules, today, &[])?;
    println!("Messages for {today}: {} to send", sends.len());
    for rule in &rules {
        let mine: Vec<_> = sends.iter().filter(|s| s.rule == rule.name).collect();
        print!("  {:<18} {:>5}", rule.name, mine.len());
        if let Some(first) = mine.first() {
            print!("   e.g. customer {}: {}", first.customer, first.reason);
        }
        println!();
    }

    let table = TierTable::new(
        TierMeasure::Spend,
        365,
        vec![
            ("Bronze".into(), Decimal::ZERO),
            ("Silver".into(), Decimal::from(100)),
            ("Gold".into(), Decimal::from(250)),
            ("Diamond".into(), Decimal::from(500)),
        ],
    )?;
    let members = tiers::evaluate(&log, &table, today)?;
    println!("\nMembership on {today} (trailing 365-day spend)");
    for tier in 0..4 {
        let n = members.iter().filter(|m| m.tier == Some(tier)).count();
        println!("  {:<8} {n:>5}", table.name(tier));
    }
    let quarter_ago = NaiveDate::from_ymd_opt(1997, 3, 31).ok_or("bad date")?;
    let changes = tiers::changes(&log, &table, quarter_ago, today)?;
    for decision in [Decision::Upgrade, Decision::Keep, Decision::Downgrade] {
        let these: Vec<_> = changes.iter().filter(|c| c.decision == decision).collect();
        print!("  {decision:?}: {}", these.len());
        if let Some(first) = these.iter().find(|c| c.before.0.is_some() || c.after.0.is_some()) {
            print!("   e.g. customer {}: {}", first.customer, first.reason);
        }
        println!();
    }
    Ok(())
}

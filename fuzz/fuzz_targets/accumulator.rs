//! The accumulator: arbitrary pushes into two shards, a merge, a round
//! trip through JSON, and arbitrary stored state loaded: a bad record or
//! state is a typed error, never a panic or a changed answer.
#![no_main]

#[path = "../common.rs"]
mod common;

use arbitrary::Arbitrary;
use common::{Record, SummaryInput, calendar};
use libfuzzer_sys::fuzz_target;
use repurchase::SummaryAccumulator;

#[derive(Arbitrary, Debug)]
struct Input {
    records: Vec<Record>,
    offset_minutes: i16,
    summary: SummaryInput,
    stored: String,
}

fuzz_target!(|input: Input| {
    let calendar = calendar(input.offset_minutes);
    let (mut a, mut b) = (
        SummaryAccumulator::new(calendar),
        SummaryAccumulator::new(calendar),
    );
    for (i, p) in input.records.iter().filter_map(Record::purchase).enumerate() {
        let shard = if i % 2 == 0 { &mut a } else { &mut b };
        let _ = shard.push(&p);
    }
    a.merge(b).unwrap();
    let options = input.summary.options();
    let summaries = a.summarize(&options).unwrap();
    let json = serde_json::to_string(&a).unwrap();
    let back: SummaryAccumulator<u8> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.summarize(&options).unwrap(), summaries);
    // Anything stored loads as a valid state or not at all.
    if let Ok(loaded) = serde_json::from_str::<SummaryAccumulator<u8>>(&input.stored) {
        let _ = loaded.summarize(&options);
    }
});

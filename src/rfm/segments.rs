//! Named segments as data: rule tables over RFM scores.

use std::fmt;
use std::ops::RangeInclusive;

use rust_decimal::Decimal;

use super::{RfmCode, RfmScores};
use crate::{Error, Result, Summaries};

/// A segment rule: a name and the inclusive score ranges it covers.
///
/// # Example
///
/// ```
/// use repurchase::rfm::{RfmCode, SegmentRule};
///
/// let champions = SegmentRule::new("Champions", 5..=5, 5..=5, 5..=5);
/// assert!(champions.matches(RfmCode { r: 5, f: 5, m: 5 }));
/// assert!(!champions.matches(RfmCode { r: 5, f: 4, m: 5 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentRule {
    /// The segment's name.
    pub name: String,
    /// Recency scores covered.
    pub r: RangeInclusive<u8>,
    /// Frequency scores covered.
    pub f: RangeInclusive<u8>,
    /// Monetary scores covered.
    pub m: RangeInclusive<u8>,
}

impl SegmentRule {
    /// A rule covering the given score ranges.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::SegmentRule;
    ///
    /// let lost = SegmentRule::new("Lost", 1..=1, 1..=5, 1..=5);
    /// assert_eq!(lost.name, "Lost");
    /// ```
    pub fn new(
        name: impl Into<String>,
        r: RangeInclusive<u8>,
        f: RangeInclusive<u8>,
        m: RangeInclusive<u8>,
    ) -> Self {
        Self {
            name: name.into(),
            r,
            f,
            m,
        }
    }

    /// Whether the rule covers a code.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{RfmCode, SegmentRule};
    ///
    /// let rule = SegmentRule::new("Recent", 4..=5, 1..=5, 1..=5);
    /// assert!(rule.matches(RfmCode { r: 4, f: 1, m: 2 }));
    /// ```
    pub fn matches(&self, code: RfmCode) -> bool {
        self.r.contains(&code.r) && self.f.contains(&code.f) && self.m.contains(&code.m)
    }
}

/// A customer's segment: the index of the matching rule, or
/// [`Segment::Others`] when none matches.
///
/// # Example
///
/// ```
/// use repurchase::rfm::{RfmCode, Segment, SegmentTable};
///
/// let table = SegmentTable::r_rfm();
/// let segment = table.segment(RfmCode { r: 5, f: 5, m: 5 });
/// assert_eq!(table.name(segment), "Champions");
/// assert_eq!(segment.to_string(), "rule 0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Segment {
    /// The rule at this index of the table.
    Rule(usize),
    /// No rule matched.
    Others,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Rule(i) => write!(f, "rule {i}"),
            Segment::Others => f.write_str("Others"),
        }
    }
}

/// One customer's segment, keyed.
///
/// # Example
///
/// ```
/// use repurchase::rfm::{CustomerSegment, Segment};
///
/// let one = CustomerSegment { customer: "alice", segment: Segment::Rule(0) };
/// assert_eq!(one.segment.to_string(), "rule 0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerSegment<C> {
    /// The customer's key.
    pub customer: C,
    /// The segment the customer's scores fall in.
    pub segment: Segment,
}

/// What [`SegmentTable::check`] found: score cells that more than one rule
/// covers (the first wins) and cells no rule covers (they go to Others).
///
/// # Example
///
/// ```
/// use repurchase::rfm::SegmentTable;
///
/// let check = SegmentTable::three_tier().check(5);
/// assert!(check.uncovered.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TableCheck {
    /// Each overlapped cell with the indexes of every rule covering it.
    pub overlapping: Vec<(RfmCode, Vec<usize>)>,
    /// Cells no rule covers.
    pub uncovered: Vec<RfmCode>,
}

/// Customers, orders, revenue and recency of one segment.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmOptions, SegmentTable};
/// use repurchase::{datasets::cdnow_sample, SummaryOptions, TimeUnit};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end).unit(TimeUnit::Days));
/// let scores = rfm::score(&summaries, &RfmOptions::default())?;
/// let table = SegmentTable::r_rfm();
/// for s in table.summarize(&summaries, &scores)? {
///     println!("{:<20} {:>5} customers, AOV {:?}", s.name, s.customers, s.average_order_value);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentSummary {
    /// The segment's name ("Others" for the unmatched).
    pub name: String,
    /// Customers in it.
    pub customers: u64,
    /// Their orders.
    pub orders: u64,
    /// Their total spend.
    pub revenue: Decimal,
    /// Revenue per order; `None` without orders.
    pub average_order_value: Option<Decimal>,
    /// Median days since the last purchase; `None` for an empty segment.
    pub median_days_since_last: Option<f64>,
}

/// A rule table: rules in order, first match wins, unmatched customers in
/// "Others".
///
/// # Example
///
/// ```
/// use repurchase::rfm::{RfmCode, SegmentRule, SegmentTable};
///
/// let table = SegmentTable::new(vec![
///     SegmentRule::new("Best", 4..=5, 4..=5, 4..=5),
///     SegmentRule::new("Slipping", 1..=2, 3..=5, 1..=5),
/// ]);
/// assert_eq!(table.name(table.segment(RfmCode { r: 1, f: 1, m: 1 })), "Others");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SegmentTable {
    rules: Vec<SegmentRule>,
}

impl SegmentTable {
    /// A table of the caller's rules.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{SegmentRule, SegmentTable};
    ///
    /// let table = SegmentTable::new(vec![SegmentRule::new("All", 1..=5, 1..=5, 1..=5)]);
    /// assert_eq!(table.rules().len(), 1);
    /// ```
    pub fn new(rules: Vec<SegmentRule>) -> Self {
        Self { rules }
    }

    /// The R `rfm` package's (0.3) table for five bins, in its order:
    ///
    /// | segment | R | F | M |
    /// |---|---|---|---|
    /// | Champions | 5 | 5 | 5 |
    /// | Potential Loyalist | 3–5 | 3–5 | 2–5 |
    /// | Loyal Customers | 2–4 | 2–4 | 2–4 |
    /// | Promising | 3–4 | 1–3 | 3–5 |
    /// | New Customers | 4–5 | 1–3 | 1–5 |
    /// | Can't Lose Them | 1–2 | 3–4 | 4–5 |
    /// | At Risk | 1–2 | 2–5 | 4–5 |
    /// | Need Attention | 1–3 | 3–5 | 3–5 |
    /// | About To Sleep | 2–3 | 1–3 | 1–4 |
    /// | Lost | 1 | 1–5 | 1–5 |
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{RfmCode, SegmentTable};
    ///
    /// let table = SegmentTable::r_rfm();
    /// assert_eq!(table.name(table.segment(RfmCode { r: 1, f: 2, m: 1 })), "Lost");
    /// ```
    pub fn r_rfm() -> Self {
        Self::new(vec![
            SegmentRule::new("Champions", 5..=5, 5..=5, 5..=5),
            SegmentRule::new("Potential Loyalist", 3..=5, 3..=5, 2..=5),
            SegmentRule::new("Loyal Customers", 2..=4, 2..=4, 2..=4),
            SegmentRule::new("Promising", 3..=4, 1..=3, 3..=5),
            SegmentRule::new("New Customers", 4..=5, 1..=3, 1..=5),
            SegmentRule::new("Can't Lose Them", 1..=2, 3..=4, 4..=5),
            SegmentRule::new("At Risk", 1..=2, 2..=5, 4..=5),
            SegmentRule::new("Need Attention", 1..=3, 3..=5, 3..=5),
            SegmentRule::new("About To Sleep", 2..=3, 1..=3, 1..=4),
            SegmentRule::new("Lost", 1..=1, 1..=5, 1..=5),
        ])
    }

    /// Three tiers for five bins, covering every cell:
    ///
    /// | segment | R | F | M |
    /// |---|---|---|---|
    /// | High value | 3–5 | 4–5 | 4–5 |
    /// | Potential | 3–5 | 1–5 | 1–5 |
    /// | Dormant | 1–2 | 1–5 | 1–5 |
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{RfmCode, SegmentTable};
    ///
    /// let table = SegmentTable::three_tier();
    /// assert_eq!(table.name(table.segment(RfmCode { r: 4, f: 5, m: 4 })), "High value");
    /// assert_eq!(table.name(table.segment(RfmCode { r: 2, f: 5, m: 5 })), "Dormant");
    /// ```
    pub fn three_tier() -> Self {
        Self::new(vec![
            SegmentRule::new("High value", 3..=5, 4..=5, 4..=5),
            SegmentRule::new("Potential", 3..=5, 1..=5, 1..=5),
            SegmentRule::new("Dormant", 1..=2, 1..=5, 1..=5),
        ])
    }

    /// The rules, in order.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::SegmentTable;
    ///
    /// assert_eq!(SegmentTable::r_rfm().rules()[0].name, "Champions");
    /// ```
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// The segment of a code: the first rule that covers it.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{RfmCode, Segment, SegmentTable};
    ///
    /// assert_eq!(SegmentTable::r_rfm().segment(RfmCode { r: 5, f: 5, m: 5 }), Segment::Rule(0));
    /// ```
    pub fn segment(&self, code: RfmCode) -> Segment {
        self.rules
            .iter()
            .position(|rule| rule.matches(code))
            .map_or(Segment::Others, Segment::Rule)
    }

    /// A segment's name: its rule's, or "Others".
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::{Segment, SegmentTable};
    ///
    /// assert_eq!(SegmentTable::r_rfm().name(Segment::Others), "Others");
    /// ```
    pub fn name(&self, segment: Segment) -> &str {
        match segment {
            Segment::Rule(i) => self.rules.get(i).map_or("Others", |r| r.name.as_str()),
            Segment::Others => "Others",
        }
    }

    /// Every customer's segment, keyed, in the scores' order. Codes are
    /// looked up in a table of every cell built once, so a million
    /// customers cost a million array reads.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::rfm::{self, RfmOptions, SegmentTable};
    /// use repurchase::{datasets::cdnow_sample, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let scores = rfm::score(&cdnow_sample()?.summarize(&SummaryOptions::new(end)), &RfmOptions::default())?;
    /// let table = SegmentTable::r_rfm();
    /// let segments = table.assign(&scores);
    /// assert_eq!(segments.len(), scores.customers.len());
    /// println!("customer {} is one of the {}", segments[0].customer, table.name(segments[0].segment));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assign<C: Clone>(&self, scores: &RfmScores<C>) -> Vec<CustomerSegment<C>> {
        scores
            .customers
            .iter()
            .zip(self.segments_in_order(scores))
            .map(|(score, segment)| CustomerSegment {
                customer: score.customer.clone(),
                segment,
            })
            .collect()
    }

    /// Every customer's segment in the scores' order, unkeyed: for this
    /// crate's own joins with the scores themselves.
    pub(crate) fn segments_in_order<C>(&self, scores: &RfmScores<C>) -> Vec<Segment> {
        let sides = scores.breaks.each_ref().map(|b| usize::from(b.bins) + 1);
        let [_, fs, ms] = sides;
        let cell = |r: u8, f: u8, m: u8| (usize::from(r) * fs + usize::from(f)) * ms + usize::from(m);
        let mut lookup = vec![Segment::Others; sides.iter().product()];
        for r in 1..sides[0] {
            for f in 1..fs {
                for m in 1..ms {
                    let (r, f, m) = (r as u8, f as u8, m as u8);
                    if let Some(slot) = crate::invariant::item_mut(&mut lookup, cell(r, f, m)) {
                        *slot = self.segment(RfmCode { r, f, m });
                    }
                }
            }
        }
        scores
            .customers
            .iter()
            // Scores a caller built beyond the breaks' bins match no rule.
            .map(|s| {
                lookup
                    .get(cell(s.r, s.f, s.m))
                    .copied()
                    .unwrap_or(Segment::Others)
            })
            .collect()
    }

    /// Checks the table against every cell of `bins` scores per dimension.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::rfm::SegmentTable;
    ///
    /// let check = SegmentTable::r_rfm().check(5);
    /// println!("{} cells fall to Others", check.uncovered.len());
    /// assert!(!check.overlapping.is_empty()); // the R table relies on first-match
    /// ```
    pub fn check(&self, bins: u8) -> TableCheck {
        let mut overlapping = Vec::new();
        let mut uncovered = Vec::new();
        for r in 1..=bins {
            for f in 1..=bins {
                for m in 1..=bins {
                    let code = RfmCode { r, f, m };
                    let matching: Vec<usize> = (0..self.rules.len())
                        .filter(|&i| self.rules.get(i).is_some_and(|rule| rule.matches(code)))
                        .collect();
                    match matching.len() {
                        0 => uncovered.push(code),
                        1 => {}
                        _ => overlapping.push((code, matching)),
                    }
                }
            }
        }
        TableCheck {
            overlapping,
            uncovered,
        }
    }

    /// Per segment, in rule order then Others: customers, orders, revenue,
    /// AOV and median days since the last purchase. `summaries` and `scores` are the same
    /// customers in the same order (as [`score`](super::score) returns them).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the two differ in length.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use repurchase::rfm::{self, RfmOptions, SegmentTable};
    /// use repurchase::{datasets::cdnow_sample, SummaryOptions};
    ///
    /// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    /// let summaries = cdnow_sample()?.summarize(&SummaryOptions::new(end));
    /// let scores = rfm::score(&summaries, &RfmOptions::default())?;
    /// let table = SegmentTable::three_tier().summarize(&summaries, &scores)?;
    /// assert_eq!(table.iter().map(|s| s.customers).sum::<u64>(), summaries.len() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summarize<C>(
        &self,
        summaries: &Summaries<C>,
        scores: &RfmScores<C>,
    ) -> Result<Vec<SegmentSummary>> {
        if summaries.len() != scores.customers.len() {
            return Err(Error::InvalidParameter {
                name: "scores",
                value: format!(
                    "{} scores for {} summaries",
                    scores.customers.len(),
                    summaries.len()
                ),
                expected: "one score per summary, in the same order",
            });
        }
        let segments = self.segments_in_order(scores);
        let slots = self.rules.len() + 1;
        let index = |s: Segment| match s {
            Segment::Rule(i) => i,
            Segment::Others => slots - 1,
        };
        let mut customers = vec![0_u64; slots];
        let mut orders = vec![0_u64; slots];
        let mut revenue = vec![Decimal::ZERO; slots];
        let mut recency: Vec<Vec<f64>> = vec![Vec::new(); slots];
        for ((summary, score), segment) in summaries.iter().zip(&scores.customers).zip(&segments) {
            let i = index(*segment);
            if let (Some(c), Some(o), Some(r), Some(days)) = (
                crate::invariant::item_mut(&mut customers, i),
                crate::invariant::item_mut(&mut orders, i),
                crate::invariant::item_mut(&mut revenue, i),
                crate::invariant::item_mut(&mut recency, i),
            ) {
                *c += 1;
                *o += u64::from(summary.orders);
                *r += summary.total_spend;
                days.push(score.days_since_last);
            }
        }
        let names = self.rules.iter().map(|r| r.name.as_str()).chain(["Others"]);
        Ok(names
            .zip(customers)
            .zip(orders)
            .zip(revenue)
            .zip(recency)
            .map(
                |((((name, customers), orders), revenue), mut days)| SegmentSummary {
                    name: name.to_string(),
                    customers,
                    orders,
                    revenue,
                    average_order_value: (orders > 0).then(|| revenue / Decimal::from(orders)),
                    median_days_since_last: median(&mut days),
                },
            )
            .collect())
    }
}

/// The median (mean of the middle two for an even count).
fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values
        .get(..n / 2)?
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Some(0.5 * (lower + upper))
}

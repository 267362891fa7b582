//! Customer portraits: the behaviour a CRM shows on a profile page
//! (favourite categories, price band, usual weekday, channel mix) joined
//! with value tier and lifecycle stage, and caller-defined tags over it.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use repurchase::datasets::cdnow_sample;
//! use repurchase::portrait::{self, Tag};
//! use repurchase::SummaryOptions;
//!
//! let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
//! let portraits = portrait::portraits(&cdnow_sample()?, &SummaryOptions::new(end), 3, |p| Some(p.to_string()));
//! let loyal = |p: &portrait::Portrait<u32>| p.orders >= 5;
//! let tags = portrait::tags(&portraits, &[Tag::new("loyal", &loyal)]);
//! println!("{} loyal customers", tags.iter().filter(|t| !t.tags.is_empty()).count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::Weekday;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::lifecycle::{CustomerStage, Stage};
use crate::period::day_number;
use crate::rfm::{RfmScores, SegmentTable};
use crate::{PurchaseLog, SummaryOptions};

/// One customer's portrait.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, portrait, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let first = &portrait::portraits(&cdnow_sample()?, &SummaryOptions::new(end), 3, |_| None)[0];
/// println!("customer {}: {} orders, usually on {:?}, price band {:?}", first.customer, first.orders, first.usual_weekday, first.price_band);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Portrait<C> {
    /// The customer's key.
    pub customer: C,
    /// Orders of positive value up to the observation end.
    pub orders: u32,
    /// Net spend (refunds deducted).
    pub spend: Decimal,
    /// Spend per order; `None` without orders.
    pub average_order_value: Option<Decimal>,
    /// Days from the last order to the observation end; `None` without
    /// orders.
    pub days_since_last: Option<u32>,
    /// The most bought categories (lines per category), most first, ties by
    /// name; at most the number asked for.
    pub favourite_categories: Vec<(String, u32)>,
    /// Where the customer's AOV falls among all customers': 1 (lowest
    /// quarter) to 4 (highest), by type-7 quartiles, equal AOVs in the same
    /// band; `None` without orders.
    pub price_band: Option<u8>,
    /// The weekday (in the log's [`Calendar`](crate::Calendar)) with most orders,
    /// ties to the earliest from Monday; `None` without orders.
    pub usual_weekday: Option<Weekday>,
    /// Share of orders by channel, largest first, ties by name; orders
    /// without a channel are left out of the shares' base.
    pub channel_mix: Vec<(String, f64)>,
    /// The value tier, once joined ([`with_segments`]).
    pub value_tier: Option<String>,
    /// The lifecycle stage, once joined ([`with_stages`]).
    pub stage: Option<Stage>,
}

/// Every customer's portrait up to the options' observation end, in key
/// order. `category` maps a product key to its category (`None` leaves the
/// line out of favourites); pass `|p| Some(p.to_string())` for products
/// themselves. Each product is mapped once, not once per line.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{portrait, Purchase, PurchaseLog, SummaryOptions};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(2024, 3, 4).ok_or("bad date")?; // a Monday
/// let log = PurchaseLog::new(vec![
///     Purchase::new(1_u8, day, Decimal::TEN).product("espresso").channel("web"),
///     Purchase::new(1_u8, day.succ_opt().ok_or("bad date")?, Decimal::ONE).product("milk").channel("shop"),
/// ])?;
/// let coffee = |p: &str| Some(if p == "espresso" { "coffee" } else { "dairy" }.to_string());
/// let p = &portrait::portraits(&log, &SummaryOptions::new(day + chrono::Days::new(7)), 1, coffee)[0];
/// assert_eq!(p.favourite_categories, [("coffee".to_string(), 1)]);
/// assert_eq!(p.usual_weekday, Some(chrono::Weekday::Mon));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn portraits<C: Clone>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    favourites: usize,
    category: impl Fn(&str) -> Option<String>,
) -> Vec<Portrait<C>> {
    // Categories as dense ids, one lookup per distinct product.
    let mut names: Vec<String> = Vec::new();
    let category_of: Vec<Option<usize>> = log
        .products()
        .iter()
        .map(|p| {
            let name = category(p)?;
            Some(names.iter().position(|n| *n == name).unwrap_or_else(|| {
                names.push(name);
                names.len() - 1
            }))
        })
        .collect();
    let end = day_number(options.observation_end());
    let local_day = |seconds: i64| log.clock().day(seconds);
    let channels = log.channels();
    let mut counts = vec![0_u32; names.len()];
    let mut channel_orders = vec![0_u32; channels.len()];
    let mut out: Vec<Portrait<C>> = log
        .customers()
        .map(|purchases| {
            let mut weekdays = [0_u32; 7];
            let (mut orders, mut spend, mut last) = (0_u32, Decimal::ZERO, None);
            for order in purchases.orders().filter(|o| local_day(o.seconds) <= end) {
                spend += order.amount;
                if order.amount > Decimal::ZERO {
                    orders += 1;
                    let day = local_day(order.seconds);
                    last = Some(day);
                    // 1970-01-01 was a Thursday: day 0 is weekday 3 from Monday.
                    if let Some(w) =
                        crate::invariant::item_mut(&mut weekdays, (day + 3).rem_euclid(7) as usize)
                    {
                        *w += 1;
                    }
                }
            }
            let mut used = Vec::new();
            for (code, seconds, amount) in purchases.product_lines() {
                let category = code.and_then(|c| category_of.get(c as usize).copied().flatten());
                if let (Some(c), true) = (category, amount > Decimal::ZERO && local_day(seconds) <= end) {
                    if let Some(n) = crate::invariant::item_mut(&mut counts, c) {
                        if *n == 0 {
                            used.push(c);
                        }
                        *n += 1;
                    }
                }
            }
            let mut favourite: Vec<(String, u32)> = used
                .iter()
                .map(|&c| {
                    let n = crate::invariant::item_mut(&mut counts, c).map_or(0, std::mem::take);
                    (crate::invariant::item(&names, c).cloned().unwrap_or_default(), n)
                })
                .collect();
            favourite.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            favourite.truncate(favourites);
            let channel_mix = channel_mix(
                &purchases,
                &channels_up_to(&purchases, end, &local_day),
                channels,
                &mut channel_orders,
            );
            let usual_weekday = (orders > 0).then(|| {
                let best = weekdays.iter().copied().max().unwrap_or(0);
                let index = weekdays.iter().position(|&n| n == best).unwrap_or(0);
                Weekday::try_from(index as u8).unwrap_or(Weekday::Mon)
            });
            Portrait {
                customer: purchases.key().clone(),
                orders,
                spend,
                average_order_value: (orders > 0).then(|| spend / Decimal::from(orders)),
                days_since_last: last.map(|d| u32::try_from(end - d).unwrap_or(0)),
                favourite_categories: favourite,
                price_band: None,
                usual_weekday,
                channel_mix,
                value_tier: None,
                stage: None,
            }
        })
        .collect();
    assign_price_bands(&mut out);
    out
}

/// The order heads, up to `end`, of a customer's lines.
fn channels_up_to<C>(
    purchases: &crate::CustomerPurchases<'_, C>,
    end: i64,
    local_day: &impl Fn(i64) -> i64,
) -> Vec<u32> {
    let mut heads: Vec<u32> = purchases
        .orders()
        .filter(|o| o.amount > Decimal::ZERO && local_day(o.seconds) <= end)
        .map(|o| o.head)
        .collect();
    // Orders come in time order; heads are input positions.
    heads.sort_unstable();
    heads
}

/// Shares of the counted orders (`heads`, ascending) by the channel of
/// their first line.
fn channel_mix<C>(
    purchases: &crate::CustomerPurchases<'_, C>,
    heads: &[u32],
    channels: &[String],
    counts: &mut [u32],
) -> Vec<(String, f64)> {
    let mut used = Vec::new();
    let mut previous = None;
    for (code, head) in purchases.channel_lines() {
        if previous == Some(head) || heads.binary_search(&head).is_err() {
            continue;
        }
        previous = Some(head);
        if let Some(n) = code.and_then(|c| crate::invariant::item_mut(counts, c as usize)) {
            if *n == 0 {
                used.push(code);
            }
            *n += 1;
        }
    }
    let total: u32 = used
        .iter()
        .flatten()
        .map(|&c| crate::invariant::item(counts, c as usize).copied().unwrap_or(0))
        .sum();
    let mut mix: Vec<(String, f64)> = used
        .iter()
        .flatten()
        .map(|&c| {
            let n = crate::invariant::item_mut(counts, c as usize).map_or(0, std::mem::take);
            (
                crate::invariant::item(channels, c as usize)
                    .cloned()
                    .unwrap_or_default(),
                f64::from(n) / f64::from(total.max(1)),
            )
        })
        .collect();
    mix.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    mix
}

/// Price bands from the type-7 quartiles of every customer's AOV.
fn assign_price_bands<C>(portraits: &mut [Portrait<C>]) {
    let mut values: Vec<Decimal> = portraits.iter().filter_map(|p| p.average_order_value).collect();
    if values.is_empty() {
        return;
    }
    values.sort_unstable();
    let n = values.len();
    let quartile = |p: Decimal| {
        let h = Decimal::from(n - 1) * p;
        let lo = h.floor();
        let i = lo.to_usize().unwrap_or(0);
        let low = values.get(i).copied().unwrap_or_default();
        let high = values.get(i + 1).copied().unwrap_or(low);
        low + (h - lo) * (high - low)
    };
    let cuts = [Decimal::new(25, 2), Decimal::new(50, 2), Decimal::new(75, 2)].map(quartile);
    for p in portraits {
        p.price_band = p
            .average_order_value
            .map(|aov| 1 + cuts.iter().filter(|c| **c < aov).count() as u8);
    }
}

/// Joins each portrait with its customer's value tier: the segment of
/// their RFM scores in `table`.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::rfm::{self, RfmOptions, SegmentTable};
/// use repurchase::{datasets::cdnow_sample, portrait, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let log = cdnow_sample()?;
/// let options = SummaryOptions::new(end);
/// let scores = rfm::score(&log.summarize(&options), &RfmOptions::default())?;
/// let mut portraits = portrait::portraits(&log, &options, 3, |_| None);
/// portrait::with_segments(&mut portraits, &SegmentTable::three_tier(), &scores);
/// assert!(portraits.iter().filter(|p| p.orders > 0).all(|p| p.value_tier.is_some()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn with_segments<C: Ord>(portraits: &mut [Portrait<C>], table: &SegmentTable, scores: &RfmScores<C>) {
    let segments = table.segments_in_order(scores);
    let mut by_key: Vec<(&C, &str)> = scores
        .customers
        .iter()
        .zip(&segments)
        .map(|(s, seg)| (&s.customer, table.name(*seg)))
        .collect();
    by_key.sort_by(|a, b| a.0.cmp(b.0));
    for p in portraits {
        if let Ok(i) = by_key.binary_search_by(|(k, _)| (*k).cmp(&p.customer)) {
            p.value_tier = by_key.get(i).map(|(_, name)| (*name).to_string());
        }
    }
}

/// Joins each portrait with its customer's lifecycle stage.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::lifecycle::{self, LifecycleOptions};
/// use repurchase::{datasets::cdnow_sample, portrait, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let log = cdnow_sample()?;
/// let stages = lifecycle::stages(&log, end, &LifecycleOptions::default(), &[], |_| None)?;
/// let mut portraits = portrait::portraits(&log, &SummaryOptions::new(end), 3, |_| None);
/// portrait::with_stages(&mut portraits, &stages);
/// assert!(portraits.iter().all(|p| p.stage.is_some()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn with_stages<C: Ord>(portraits: &mut [Portrait<C>], stages: &[CustomerStage<C>]) {
    for p in portraits {
        if let Ok(i) = stages.binary_search_by(|s| s.customer.cmp(&p.customer)) {
            p.stage = stages.get(i).map(|s| s.stage);
        }
    }
}

/// A caller-defined tag: a name and the rule that earns it.
///
/// # Example
///
/// ```
/// use repurchase::portrait::{Portrait, Tag};
///
/// let weekend = |p: &Portrait<u64>| matches!(p.usual_weekday, Some(chrono::Weekday::Sat | chrono::Weekday::Sun));
/// let tag = Tag::new("weekend shopper", &weekend);
/// assert_eq!(tag.name, "weekend shopper");
/// ```
pub struct Tag<'a, C> {
    /// The tag's name.
    pub name: &'a str,
    /// Whether a portrait earns it.
    pub rule: &'a dyn Fn(&Portrait<C>) -> bool,
}

impl<C> std::fmt::Debug for Tag<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tag")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'a, C> Tag<'a, C> {
    /// A tag named `name` earned where `rule` holds.
    ///
    /// # Example
    ///
    /// ```
    /// use repurchase::portrait::{Portrait, Tag};
    ///
    /// let frequent = |p: &Portrait<u64>| p.orders >= 5;
    /// let tag = Tag::new("high-frequency", &frequent);
    /// assert_eq!(tag.name, "high-frequency");
    /// ```
    pub fn new(name: &'a str, rule: &'a dyn Fn(&Portrait<C>) -> bool) -> Self {
        Self { name, rule }
    }
}

/// The tags each customer's portrait earns, keyed, in the portraits'
/// order; each customer's tags in the tags' order.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use repurchase::{datasets::cdnow_sample, portrait::{self, Portrait, Tag}, SummaryOptions};
///
/// let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
/// let portraits = portrait::portraits(&cdnow_sample()?, &SummaryOptions::new(end), 3, |_| None);
/// let frequent = |p: &Portrait<u32>| p.orders >= 5;
/// let big = |p: &Portrait<u32>| p.price_band == Some(4);
/// let tags = portrait::tags(&portraits, &[Tag::new("high-frequency", &frequent), Tag::new("big basket", &big)]);
/// assert_eq!(tags.len(), portraits.len());
/// println!("customer {}: {:?}", tags[0].customer, tags[0].tags);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tags<'a, C: Clone>(portraits: &[Portrait<C>], tags: &[Tag<'a, C>]) -> Vec<CustomerTags<'a, C>> {
    portraits
        .iter()
        .map(|p| CustomerTags {
            customer: p.customer.clone(),
            tags: tags.iter().filter(|t| (t.rule)(p)).map(|t| t.name).collect(),
        })
        .collect()
}

/// The tags one customer earns, keyed.
///
/// # Example
///
/// ```
/// use repurchase::portrait::CustomerTags;
///
/// let one = CustomerTags { customer: 7_u32, tags: vec!["loyal"] };
/// assert!(one.tags.contains(&"loyal"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CustomerTags<'a, C> {
    /// The customer's key.
    pub customer: C,
    /// The names of the tags earned, in the tags' order.
    pub tags: Vec<&'a str>,
}

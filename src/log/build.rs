//! Staging: records validated into lines, order ids resolved, products and
//! channels coded; then grouped into a log.

use super::group::group;
use super::rules::NONE;
use super::{LogOptions, LogStats, OrderLines, PurchaseLog, Rejection, Row};
use crate::hash::FastMap;
use crate::key::CustomerKey;
use crate::{Error, Purchase, Result};
use rust_decimal::Decimal;

/// One record's fields as the builder reads them: from a [`Purchase`], or
/// from one row of [`PurchaseColumns`](super::PurchaseColumns).
pub(super) struct Fields<C, S> {
    pub(super) customer: C,
    pub(super) seconds: i64,
    pub(super) amount: Decimal,
    pub(super) order_id: Option<S>,
    pub(super) product: Option<S>,
    pub(super) channel: Option<S>,
}

/// A record as read: its fields, or why a field could not be read (with
/// the record's customer when it has one).
pub(super) type Read<C, S> = std::result::Result<Fields<C, S>, (Option<C>, Error)>;

impl<C> Fields<C, String> {
    /// A purchase's fields, moved out of it.
    #[inline(always)]
    pub(super) fn of(purchase: Purchase<C>) -> Read<C, String> {
        Ok(Fields {
            customer: purchase.customer,
            seconds: purchase.at.unix_seconds(),
            amount: purchase.amount,
            order_id: purchase.order_id,
            product: purchase.product,
            channel: purchase.channel,
        })
    }
}

/// Text a record names (order id, product, channel): owned by the record,
/// or borrowed from a column and copied only the first time it is seen.
pub(super) trait Text: AsRef<str> {
    fn into_string(self) -> String;
}

impl Text for String {
    fn into_string(self) -> String {
        self
    }
}

impl Text for &str {
    fn into_string(self) -> String {
        self.to_owned()
    }
}

/// Interns optional strings to dense codes, and keeps each record's code
/// by input position (off the lines, which stay small for the grouping).
#[derive(Debug, Default)]
struct Dictionary {
    codes: FastMap<String, u32>,
    names: Vec<String>,
    /// Code by input position; `NONE` or past the end for no value, so it
    /// stays empty until a record names one.
    by_input: Vec<u32>,
}

impl Dictionary {
    /// Records the value of the record at `index` (indexes increasing).
    #[inline(always)]
    fn record(&mut self, index: usize, value: Option<impl Text>) {
        if let Some(name) = value {
            self.record_name(index, name);
        }
    }

    fn record_name(&mut self, index: usize, name: impl Text) {
        let code = match self.codes.get(name.as_ref()) {
            Some(&code) => code,
            None => {
                let code = u32::try_from(self.names.len()).unwrap_or(NONE);
                let name = name.into_string();
                self.names.push(name.clone());
                self.codes.insert(name, code);
                code
            }
        };
        self.by_input.resize(index, NONE);
        self.by_input.push(code);
    }

    /// The code of each row's record, aligned with `rows`; empty when no
    /// record named a value.
    fn codes_of(&self, rows: &[Row]) -> Vec<u32> {
        if self.names.is_empty() {
            return Vec::new();
        }
        rows.iter()
            .map(|row| self.by_input.get(row.index as usize).copied().unwrap_or(NONE))
            .collect()
    }
}

/// One accepted line while building: its customer and row. What else a
/// line needs on the way (its order slot, its key range) is kept beside the
/// lines, so that the lines the passes move stay small.
pub(super) type Line<C> = (C, Row);

/// An order id's first line.
#[derive(Debug, Clone, Copy)]
struct OrderSlot {
    /// Position of its first line among the staged lines.
    first: u32,
    /// Input position of its first line.
    head: u32,
    /// Its earliest accepted line's time.
    earliest: i64,
}

/// Builds a [`PurchaseLog`] in four passes, with no memory beyond the
/// records' own when they come as a `Vec` (and the key is at most 32 bytes;
/// keys that own memory add a table of the distinct ones):
///
/// 1. records → staged lines, validated, in input order; collected in place,
///    into the records' own allocation (rows read from columns with order
///    ids, products or channels are staged into fresh memory, and pass 3
///    then swaps them into place instead of scattering them into room
///    beside them; other columns skip staging, see `indexed`);
/// 2. order ids resolved: an order's lines checked against its first line's
///    customer, then given its earliest time;
/// 3. lines partitioned into key-range buckets (boundaries from a sample of
///    keys), so that bucket order is key order: scattered in one pass into
///    room beside them, which a `Vec` of records already holds (keys that
///    own memory, such as `String`, or borrow it, such as `&str`, are first
///    numbered, and their numbers, ranked in key order, grouped instead;
///    see `groups_by_number`); each
///    bucket's lines then copied back, ordered by key and by time, from
///    cache (see `group_bucket`). Integer keys are read as numbers (see
///    `integer_keys`): a table finds their bucket, and a bucket of dense
///    ones is counted by key instead of interned;
/// 4. lines → rows, in place again; product and channel codes, kept by
///    input position while staging, are read back for each row.
pub(super) struct Builder {
    options: LogOptions,
    limit: usize,
    input: usize,
    staged: usize,
    order_ids: FastMap<String, u32>,
    orders: Vec<OrderSlot>,
    /// Each staged line's order slot (`NONE` without an order id); empty
    /// until the first order id.
    line_orders: Vec<u32>,
    products: Dictionary,
    channels: Dictionary,
}

impl Builder {
    pub(super) fn new(options: LogOptions, limit: usize) -> Self {
        Self {
            options,
            limit,
            input: 0,
            staged: 0,
            order_ids: FastMap::default(),
            orders: Vec::new(),
            line_orders: Vec::new(),
            products: Dictionary::default(),
            channels: Dictionary::default(),
        }
    }

    /// Reads every record; `strict` stops at the first bad one. `room`,
    /// when given, is the capacity to stage the lines into (records read
    /// from columns); without it the lines are collected in place, into a
    /// `Vec` of records' memory.
    pub(super) fn run<C, S, I>(
        mut self,
        records: I,
        strict: bool,
        room: Option<usize>,
    ) -> Result<(PurchaseLog<C>, Vec<Rejection<C>>)>
    where
        C: CustomerKey,
        S: Text,
        I: IntoIterator<Item = Read<C, S>>,
    {
        let records = records.into_iter().enumerate();
        let mut rejections = Vec::new();
        let mut first_error = None;
        // `map_while` and `filter_map` over a `Vec`'s records collect in
        // place: the lines reuse the records' memory.
        let mut lines: Vec<Line<C>> = if strict {
            records
                .map_while(|(index, record)| match self.stage(index, record) {
                    Ok(line) => Some(line),
                    Err((_, error)) => {
                        first_error = Some(error);
                        None
                    }
                })
                .gather(room)
        } else {
            records
                .filter_map(|(index, record)| match self.stage(index, record) {
                    Ok(line) => Some(line),
                    Err((customer, reason)) => {
                        rejections.push(Rejection::new(index, customer, reason));
                        None
                    }
                })
                .gather(room)
        };
        // Order errors are all at positions before the first staging error.
        let (merged, order_rejections) = self.resolve_orders(&mut lines, strict)?;
        if let Some(error) = first_error {
            return Err(error);
        }
        if !order_rejections.is_empty() {
            rejections.extend(order_rejections);
            rejections.sort_unstable_by_key(|r| r.index);
        }
        let stats = LogStats {
            input: self.input,
            accepted: self.input - rejections.len() - merged,
            merged,
            rejected: rejections.len(),
        };
        let mut log = group(lines);
        log.product_codes = self.products.codes_of(&log.rows);
        log.channel_codes = self.channels.codes_of(&log.rows);
        log.products = self.products.names;
        log.channels = self.channels.names;
        log.stats = stats;
        Ok((log, rejections))
    }

    /// Validates one record into a line; on failure hands back its customer
    /// with the reason.
    // Inlined into the collecting loop: a call per record, with the record
    // passed by value, cost a third of the staging time.
    #[inline(always)]
    fn stage<C, S: Text>(
        &mut self,
        index: usize,
        record: Read<C, S>,
    ) -> std::result::Result<Line<C>, (Option<C>, Error)> {
        self.input = index + 1;
        let record = record?;
        if index >= self.limit {
            return Err((Some(record.customer), Error::TooManyRecords { limit: self.limit }));
        }
        let seconds = record.seconds;
        if let Err(error) = self.options.check(index, seconds, record.amount) {
            return Err((Some(record.customer), error));
        }
        // `index < limit < u32::MAX`, and no more lines than records.
        let (index, position) = (index as u32, self.staged as u32);
        let order = match record.order_id {
            None => NONE,
            Some(order_id) => match self.order_ids.get(order_id.as_ref()) {
                Some(&slot) => slot,
                None => {
                    let slot = u32::try_from(self.orders.len()).unwrap_or(NONE);
                    self.orders.push(OrderSlot {
                        first: position,
                        head: index,
                        earliest: seconds,
                    });
                    self.order_ids.insert(order_id.into_string(), slot);
                    slot
                }
            },
        };
        if order != NONE || !self.line_orders.is_empty() {
            self.line_orders.resize(self.staged, NONE);
            self.line_orders.push(order);
        }
        self.staged += 1;
        self.products.record(index as usize, record.product);
        self.channels.record(index as usize, record.channel);
        let row = Row {
            seconds,
            amount: record.amount,
            index,
            head: index,
        };
        Ok((record.customer, row))
    }

    /// Checks every line after an order's first against it (same customer;
    /// not a duplicate under [`OrderLines::Reject`]), then gives each order's
    /// lines its earliest time and head. Returns the merged lines and the
    /// rejections (in lenient mode; strict mode fails on the first).
    fn resolve_orders<C: Clone + Eq>(
        &mut self,
        lines: &mut Vec<Line<C>>,
        strict: bool,
    ) -> Result<(usize, Vec<Rejection<C>>)> {
        if self.orders.is_empty() {
            return Ok((0, Vec::new()));
        }
        let (mut merged, mut rejected) = (0, Vec::new());
        let mut names: Vec<&str> = Vec::new();
        let slots = self.orders.len();
        for (position, &slot) in self.line_orders.iter().enumerate() {
            let Some((customer, row)) = lines.get(position) else {
                break;
            };
            let Some(order) = self.orders.get_mut(slot as usize) else {
                continue;
            };
            if order.first as usize == position {
                continue;
            }
            let same_customer = lines
                .get(order.first as usize)
                .is_some_and(|(first, _)| first == customer);
            if same_customer && self.options.get_order_lines() == OrderLines::Merge {
                order.earliest = order.earliest.min(row.seconds);
                merged += 1;
                continue;
            }
            if names.is_empty() {
                names = vec![""; slots];
                for (name, &slot) in &self.order_ids {
                    if let Some(n) = names.get_mut(slot as usize) {
                        *n = name;
                    }
                }
            }
            let (index, first_index) = (row.index as usize, order.head as usize);
            let order_id = names.get(slot as usize).copied().unwrap_or_default().to_string();
            let error = if same_customer {
                Error::DuplicateOrder {
                    index,
                    order_id,
                    first_index,
                }
            } else {
                Error::OrderCustomerMismatch {
                    index,
                    order_id,
                    first_index,
                }
            };
            if strict {
                return Err(error);
            }
            rejected.push((position, Rejection::new(index, Some(customer.clone()), error)));
        }
        for ((_, row), &slot) in lines.iter_mut().zip(&self.line_orders) {
            if let Some(order) = self.orders.get(slot as usize) {
                row.seconds = order.earliest;
                row.head = order.head;
            }
        }
        if !rejected.is_empty() {
            // `retain` visits the lines once each, in order.
            let mut position = 0;
            let mut next_rejected = rejected.iter().map(|(at, _)| *at).peekable();
            lines.retain(|_| {
                let keep = next_rejected.next_if_eq(&position).is_none();
                position += 1;
                keep
            });
        }
        Ok((
            merged,
            rejected.into_iter().map(|(_, rejection)| rejection).collect(),
        ))
    }
}

/// Collects staged lines: in place, or into a `Vec` with the room given.
trait Gather<T>: Iterator<Item = T> + Sized {
    fn gather(self, room: Option<usize>) -> Vec<T> {
        match room {
            None => self.collect(),
            Some(room) => {
                let mut lines = Vec::with_capacity(room);
                lines.extend(self);
                lines
            }
        }
    }
}

impl<T, I: Iterator<Item = T>> Gather<T> for I {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn records_past_the_limit_are_an_error_or_rejections() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let records: Vec<_> = (0..4_u64).map(|c| Purchase::new(c, day, Decimal::ONE)).collect();
        let err = Builder::new(LogOptions::default(), 3)
            .run(records.clone().into_iter().map(Fields::of), true, None)
            .unwrap_err();
        assert_eq!(err, Error::TooManyRecords { limit: 3 });
        let (log, rejected) = Builder::new(LogOptions::default(), 3)
            .run(records.into_iter().map(Fields::of), false, None)
            .unwrap();
        assert_eq!(
            (log.len(), rejected.len(), rejected[0].index, rejected[0].customer),
            (3, 1, 3, Some(3))
        );
        assert_eq!(log.stats().accepted + log.stats().rejected, 4);
    }
}

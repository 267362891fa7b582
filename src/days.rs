//! Per-customer purchase days: each customer's orders and refunds netted
//! by local day. The summaries, the accumulator, the metrics and the
//! retention operations all read a customer's history as these cells.

use rust_decimal::Decimal;

use crate::calendar::Clock;
use crate::log::{CustomerPurchases, Order, is_negative};
use crate::money::Money;

/// What one customer did on one local day: the orders and refunds of that
/// day, netted. Day cells are the unit every summary is folded from, so the
/// batch path and the [`SummaryAccumulator`](crate::SummaryAccumulator)
/// agree by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct DayCell {
    /// Local day number.
    pub(crate) day: i64,
    /// Net amount of the day's orders and refunds.
    pub(crate) net: Money,
    /// Orders (net amount ≥ 0).
    pub(crate) orders: u32,
    /// Refunds (net amount < 0).
    pub(crate) refunds: u32,
    /// `true` when any order or line of the day was a refund.
    pub(crate) refunded: bool,
    /// Unix seconds of the day's first and last order or refund.
    pub(crate) first: i64,
    pub(crate) last: i64,
}

impl DayCell {
    /// The cell of one order; `refund_line` marks an order with a refund
    /// line among its lines.
    #[inline]
    pub(crate) fn new(day: i64, seconds: i64, amount: Decimal, refund_line: bool) -> Self {
        let refund = is_negative(amount);
        Self {
            day,
            net: Money::from(amount),
            orders: u32::from(!refund),
            refunds: u32::from(refund),
            refunded: refund || refund_line,
            first: seconds,
            last: seconds,
        }
    }

    /// Folds another cell of the same day into this one.
    #[inline]
    pub(crate) fn absorb(&mut self, other: &DayCell) {
        self.net.add(other.net);
        self.orders = self.orders.saturating_add(other.orders);
        self.refunds = self.refunds.saturating_add(other.refunds);
        self.refunded |= other.refunded;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }

    /// The occasion rule, for a day or a whole period's merged cells: a
    /// purchase occasion holds an order and its refunds do not cancel it
    /// (net > 0, or net = 0 without any refund, which keeps zero-amount
    /// orders as occasions).
    #[inline]
    pub(crate) fn is_occasion(&self) -> bool {
        self.orders > 0 && (self.net.is_positive() || (self.net.is_zero() && !self.refunded))
    }

    pub(crate) fn orders_and_refunds(&self) -> usize {
        self.orders as usize + self.refunds as usize
    }
}

/// Fills `cells` with the customer's orders as day cells, in day order.
pub(crate) fn fill_day_cells<C>(
    purchases: &CustomerPurchases<'_, C>,
    clock: &Clock,
    cells: &mut Vec<DayCell>,
) {
    cells.clear();
    for order in purchases.orders() {
        // Days never run backwards (see `Clock::next_day`).
        let day = clock.next_day(order.seconds, cells.last().map(|c| c.day));
        add_order(cells, day, &order);
    }
}

fn add_order(cells: &mut Vec<DayCell>, day: i64, order: &Order) {
    let cell = DayCell::new(day, order.seconds, order.amount, order.refund_line);
    match cells.last_mut() {
        Some(last) if last.day == day => last.absorb(&cell),
        _ => cells.push(cell),
    }
}

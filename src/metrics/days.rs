//! One pass over the log, customer by customer, as day cells.

use crate::days::{DayCell, fill_day_cells};
use crate::period::day_number;
use crate::{PurchaseLog, SummaryOptions};

/// Calls `f` with each customer's key and day cells up to the observation
/// end, in key order; one scratch buffer serves every customer.
///
/// A cell is a purchase day when [`DayCell::is_occasion`] holds: the same
/// occasion rule as the summaries at daily granularity.
pub(crate) fn for_each_customer<C>(
    log: &PurchaseLog<C>,
    options: &SummaryOptions,
    mut f: impl FnMut(&C, &[DayCell]),
) {
    let end_day = day_number(options.observation_end());
    let mut cells = Vec::new();
    for purchases in log.customers() {
        fill_day_cells(&purchases, log.clock(), &mut cells);
        cells.truncate(cells.partition_point(|c| c.day <= end_day));
        f(purchases.key(), &cells);
    }
}

/// The purchase days among `cells`.
pub(crate) fn purchase_days(cells: &[DayCell]) -> impl Iterator<Item = i64> + '_ {
    cells.iter().filter(|c| c.is_occasion()).map(|c| c.day)
}

/// The whole days from `from` to `to`, never negative; a span beyond
/// `u32::MAX` days (11 million years) saturates.
pub(crate) fn days(from: i64, to: i64) -> u32 {
    u32::try_from((to - from).max(0)).unwrap_or(u32::MAX)
}

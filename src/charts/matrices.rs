//! Matrices over customers' histories: P(alive), and the purchases
//! expected next, by repeat purchases and recency (lifetimes'
//! `plot_probability_alive_matrix` and `plot_frequency_recency_matrix`).

use super::heatmap::{Cell, Heatmap, draw, sparse_labels};
use crate::models::PurchaseModel;
use crate::{Error, Result};

/// The most rows or columns a matrix chart draws: beyond, cells are too
/// small to read.
pub const MAX_MATRIX_SIDE: u32 = 120;

/// Checks a matrix's time observed and its sides.
fn check_grid(t: f64, max_frequency: u32, columns: u32) -> Result<()> {
    if !(t.is_finite() && t > 0.0) {
        return Err(Error::InvalidParameter {
            name: "t",
            value: t.to_string(),
            expected: "a finite time observed > 0",
        });
    }
    for (name, side) in [("max_frequency", max_frequency), ("columns", columns)] {
        if !(1..=MAX_MATRIX_SIDE).contains(&side) {
            return Err(Error::InvalidParameter {
                name,
                value: side.to_string(),
                expected: "from 1 to MAX_MATRIX_SIDE (120)",
            });
        }
    }
    Ok(())
}

/// A value per possible history over the grid: rows x = `max_frequency`
/// … 0 (most at the top), columns recency 0 … `t` in `columns` steps;
/// histories no customer can have (repeats at recency 0, recency without
/// repeats) are blank.
fn grid(
    t: f64,
    max_frequency: u32,
    columns: u32,
    mut value: impl FnMut(u32, f64) -> Result<(f64, String)>,
) -> Result<(Vec<Vec<Cell>>, f64)> {
    let mut rows = Vec::with_capacity(max_frequency as usize + 1);
    let mut largest = 0.0_f64;
    for x in (0..=max_frequency).rev() {
        let mut row = Vec::with_capacity(columns as usize + 1);
        for c in 0..=columns {
            let recency = t * f64::from(c) / f64::from(columns);
            if (x == 0) == (c == 0) {
                let (v, tip) = value(x, recency)?;
                largest = largest.max(v);
                row.push(Cell::Value(v, tip));
            } else {
                row.push(Cell::Blank);
            }
        }
        rows.push(row);
    }
    Ok((rows, largest))
}

/// The axes' labels and titles of a history grid.
fn grid_map<'a>(
    title: &'a str,
    scale_title: &'a str,
    t: f64,
    max_frequency: u32,
    columns: u32,
    unit: &str,
) -> Heatmap<'a> {
    let every = (max_frequency as usize / 10).max(1);
    // Rows run from `max_frequency` at the top down to 0: label every
    // `every`-th frequency.
    let row_labels = (0..=max_frequency as usize)
        .rev()
        .map(|x| {
            if x % every == 0 {
                x.to_string()
            } else {
                String::new()
            }
        })
        .collect();
    let column_labels = sparse_labels(columns as usize + 1, (columns as usize / 8).max(1), |c| {
        super::axes::tick_label((t * c as f64 / f64::from(columns) * 10.0).round() / 10.0)
    });
    Heatmap {
        title,
        x_title: format!(
            "Time of the last purchase, from the first ({unit}; observed for {})",
            super::axes::tick_label((t * 10.0).round() / 10.0)
        ),
        y_title: "Repeat purchases (frequency)",
        scale_title,
        row_labels,
        column_labels,
        cells: Vec::new(),
        top: 1.0,
        shares: true,
    }
}

fn unit_of<M: PurchaseModel>(model: &M) -> String {
    model
        .time()
        .map_or_else(|| "model time units".to_string(), |time| time.to_string())
}

/// P(alive) over a grid of repeat purchases (rows, 0 … `max_frequency`,
/// most at the top) and recency (columns, `columns` steps from 0 to `t`),
/// for customers observed for `t` time units, as lifetimes'
/// `plot_probability_alive_matrix` draws it. Cells no customer can have
/// (repeat purchases at recency 0, or recency without repeats) are left
/// blank.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `t` not finite and positive, or for
/// more than [`MAX_MATRIX_SIDE`] rows or columns; the model's errors.
///
/// # Example
///
/// ```
/// use repurchase::{charts, models::{BetaGeo, ModelTime}};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let svg = charts::probability_alive_matrix(&model, 39.0, 20, 39)?;
/// assert_eq!(svg.matches(r#"class="cell""#).count(), 21 * 40);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn probability_alive_matrix<M: PurchaseModel>(
    model: &M,
    t: f64,
    max_frequency: u32,
    columns: u32,
) -> Result<String> {
    check_grid(t, max_frequency, columns)?;
    let unit = unit_of(model);
    let (cells, _) = grid(t, max_frequency, columns, |x, recency| {
        let p = model.p_alive(f64::from(x), recency, t)?;
        let tip = format!(
            "{x} repeat purchases, last at {recency:.1} {unit}: P(alive) {:.1}%",
            p * 100.0
        );
        Ok((p, tip))
    })?;
    let title = "Probability a customer is alive, by history";
    let map = Heatmap {
        cells,
        ..grid_map(title, "P(alive)", t, max_frequency, columns, &unit)
    };
    Ok(draw(&map))
}

/// The purchases expected in the next `horizon` time units over the same
/// grid as [`probability_alive_matrix`], as lifetimes'
/// `plot_frequency_recency_matrix` draws it; the colour scale runs to the
/// largest value.
///
/// # Errors
///
/// As [`probability_alive_matrix`], and [`Error::InvalidParameter`] for a
/// horizon that is not finite and positive.
///
/// # Example
///
/// ```
/// use repurchase::{charts, models::{BetaGeo, ModelTime}};
///
/// let model = BetaGeo::new(0.243, 4.414, 0.793, 2.426)?.in_time(ModelTime::Weeks);
/// let svg = charts::expected_purchases_matrix(&model, 39.0, 39.0, 20, 39)?;
/// assert!(svg.contains("Purchases expected in the next 39 weeks"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn expected_purchases_matrix<M: PurchaseModel>(
    model: &M,
    t: f64,
    horizon: f64,
    max_frequency: u32,
    columns: u32,
) -> Result<String> {
    check_grid(t, max_frequency, columns)?;
    if !(horizon.is_finite() && horizon > 0.0) {
        return Err(Error::InvalidParameter {
            name: "horizon",
            value: horizon.to_string(),
            expected: "a finite horizon > 0",
        });
    }
    let unit = unit_of(model);
    let (cells, largest) = grid(t, max_frequency, columns, |x, recency| {
        let e = model.conditional_expected_purchases(f64::from(x), recency, t, horizon)?;
        let tip = format!("{x} repeat purchases, last at {recency:.1} {unit}: {e:.2} expected");
        Ok((e, tip))
    })?;
    let title = format!("Purchases expected in the next {horizon} {unit}, by history");
    let map = Heatmap {
        cells,
        top: largest,
        shares: false,
        ..grid_map(&title, "Purchases", t, max_frequency, columns, &unit)
    };
    Ok(draw(&map))
}

//! A matrix of values as coloured cells: the P(alive) and expected
//! purchases matrices, cohort retention and lifecycle transitions.

use super::axes::{HEIGHT, Plot, WIDTH, colour_bar, x_axis};
use super::svg::{Anchor, EMPTY, INK, Svg, ink_on, sequential};

/// One cell.
pub(crate) enum Cell {
    /// A value with its tooltip.
    Value(f64, String),
    /// Nothing to show (a pattern no customer can have): blank.
    Blank,
    /// Not yet observed: blank and crossed.
    Censored,
}

/// What a heatmap shows.
pub(crate) struct Heatmap<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_title: String,
    pub(crate) y_title: &'a str,
    /// The colour bar's title.
    pub(crate) scale_title: &'a str,
    /// One label per row, top row first; empty labels are skipped.
    pub(crate) row_labels: Vec<String>,
    /// One label per column; empty labels are skipped.
    pub(crate) column_labels: Vec<String>,
    /// Rows of cells, top first, each as long as the column labels.
    pub(crate) cells: Vec<Vec<Cell>>,
    /// The value drawn in the scale's top colour; larger ones share it.
    pub(crate) top: f64,
    /// Whether values are shares, printed as percentages in the cells
    /// (when they are large enough) and on the colour bar.
    pub(crate) shares: bool,
}

/// The heatmap as an SVG document, taller for many rows.
pub(crate) fn draw(map: &Heatmap<'_>) -> String {
    let rows = map.cells.len().max(1);
    let columns = map.column_labels.len().max(1);
    let height = (HEIGHT + 16.0 * rows.saturating_sub(14) as f64).min(1600.0);
    let mut svg = Svg::new(WIDTH, height, map.title);
    let plot = Plot::within(WIDTH, height, 96.0);
    let (cell_w, cell_h) = (plot.width / columns as f64, plot.height / rows as f64);
    let top = if map.top > 0.0 && map.top.is_finite() {
        map.top
    } else {
        1.0
    };
    let shade = |value: f64| (value / top).min(1.0);
    for (r, row) in map.cells.iter().enumerate() {
        let y = plot.top + r as f64 * cell_h;
        for (c, cell) in row.iter().enumerate() {
            let x = plot.left + c as f64 * cell_w;
            // A third of a pixel of overlap: no seams between cells.
            let size = (cell_w + 0.3, cell_h + 0.3);
            match cell {
                Cell::Value(value, tip) => {
                    svg.rect((x, y), size, &sequential(shade(*value)), "cell", Some(tip));
                    if map.shares && cell_w >= 30.0 && cell_h >= 14.0 {
                        let text = format!("{:.0}%", value * 100.0);
                        let (tx, ty) = (x + cell_w / 2.0, y + cell_h / 2.0 + 4.0);
                        svg.text_styled(
                            tx,
                            ty,
                            &text,
                            10.0,
                            Anchor::Middle,
                            "value",
                            ink_on(shade(*value)),
                            None,
                        );
                    }
                }
                Cell::Blank => svg.rect((x, y), size, EMPTY, "cell", None),
                Cell::Censored => {
                    svg.rect((x, y), size, EMPTY, "censored", Some("not yet observed"));
                    let inset = (cell_w.min(cell_h) * 0.3).min(5.0);
                    let (right, bottom) = (x + cell_w - inset, y + cell_h - inset);
                    svg.line((x + inset, y + inset), (right, bottom), "#C8C8C8", 1.0, None);
                    svg.line((x + inset, bottom), (right, y + inset), "#C8C8C8", 1.0, None);
                }
            }
        }
    }
    for (r, label) in map.row_labels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let y = plot.top + (r as f64 + 0.5) * cell_h;
        svg.text(plot.left - 8.0, y + 4.0, label, 11.0, Anchor::End, "tick");
    }
    let middle = plot.top + plot.height / 2.0;
    svg.text_styled(
        18.0,
        middle,
        map.y_title,
        13.0,
        Anchor::Middle,
        "axis-title",
        INK,
        Some(-90.0),
    );
    let labels: Vec<(f64, String)> = map
        .column_labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(c, l)| (plot.left + (c as f64 + 0.5) * cell_w, l.clone()))
        .collect();
    x_axis(&mut svg, &plot, &labels, &map.x_title);
    colour_bar(&mut svg, &plot, map.scale_title, top, map.shares);
    svg.finish()
}

/// Labels for `count` positions, every `every`-th shown (the others empty),
/// so that long axes stay readable.
pub(crate) fn sparse_labels(count: usize, every: usize, label: impl Fn(usize) -> String) -> Vec<String> {
    (0..count)
        .map(|i| {
            if i % every.max(1) == 0 {
                label(i)
            } else {
                String::new()
            }
        })
        .collect()
}

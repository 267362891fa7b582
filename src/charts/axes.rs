//! The plot area, linear scales with round ticks, axes, legends and the
//! colour bar that the charts share.

use super::svg::{Anchor, GRID, INK, MUTED, Svg, num, sequential};

/// Default size of a chart, in pixels.
pub(crate) const WIDTH: f64 = 760.0;
pub(crate) const HEIGHT: f64 = 440.0;

/// The rectangle the data is drawn in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl Plot {
    /// Room for the title above, tick labels and an axis title on the left
    /// and below, and `right` pixels for a legend or colour bar.
    pub(crate) fn within(width: f64, height: f64, right: f64) -> Self {
        Self {
            left: 78.0,
            top: 64.0,
            width: width - 78.0 - right,
            height: height - 64.0 - 66.0,
        }
    }

    pub(crate) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    pub(crate) fn right(&self) -> f64 {
        self.left + self.width
    }

    /// The x of `value` on `scale`.
    pub(crate) fn x(&self, scale: &Scale, value: f64) -> f64 {
        self.left + scale.fraction(value) * self.width
    }

    /// The y of `value` on `scale` (up is more).
    pub(crate) fn y(&self, scale: &Scale, value: f64) -> f64 {
        self.bottom() - scale.fraction(value) * self.height
    }
}

/// A linear scale from `min` to `max` with round ticks.
#[derive(Debug, Clone)]
pub(crate) struct Scale {
    min: f64,
    max: f64,
    pub(crate) ticks: Vec<f64>,
}

impl Scale {
    /// A scale from 0 (or below, for negative data) to a round number at or
    /// above the largest value, with about five ticks.
    pub(crate) fn from_zero(values: impl IntoIterator<Item = f64>) -> Self {
        let (mut low, mut high) = (0.0_f64, 0.0_f64);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            low = low.min(v);
            high = high.max(v);
        }
        if high - low <= 0.0 {
            high = low + 1.0;
        }
        let step = round_step((high - low) / 5.0);
        let min = (low / step).floor() * step;
        let max = (high / step).ceil() * step;
        // About five ticks, as the step is a fifth of the span; at most
        // twenty where the span is beyond f64 (values near its limits).
        let count = (((max - min) / step).round() as usize).min(20);
        // Rounded to the step's decimals: 3 × 0.2 is 0.6, not 0.6000000000000001.
        let decimals = 10_f64.powi((-step.log10().floor()).clamp(0.0, 15.0) as i32);
        let ticks = (0..=count)
            .map(|k| ((min + k as f64 * step) * decimals).round() / decimals)
            .collect();
        Self { min, max, ticks }
    }

    /// A scale over `[min, max]` exactly, ticked at `ticks`.
    pub(crate) fn fixed(min: f64, max: f64, ticks: Vec<f64>) -> Self {
        Self { min, max, ticks }
    }

    /// Where `value` lies from `min` (0) to `max` (1).
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        let span = self.max - self.min;
        if span > 0.0 && value.is_finite() {
            (value - self.min) / span
        } else {
            0.0
        }
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn round_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10_f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
}

/// A tick label: whole numbers plain, others with up to two decimals.
pub(crate) fn tick_label(value: f64) -> String {
    if value.abs() >= 1e4 && value.fract() == 0.0 {
        let digits = format!("{}", value.abs() as u64);
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if value < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        num(value)
    }
}

/// The y axis: grid lines and labels at the ticks, and the axis title
/// turned along it.
pub(crate) fn y_axis(svg: &mut Svg, plot: &Plot, scale: &Scale, title: &str) {
    for &tick in &scale.ticks {
        let y = plot.y(scale, tick);
        svg.line((plot.left, y), (plot.right(), y), GRID, 1.0, None);
        svg.text(
            plot.left - 8.0,
            y + 4.0,
            &tick_label(tick),
            12.0,
            Anchor::End,
            "tick",
        );
    }
    svg.line((plot.left, plot.top), (plot.left, plot.bottom()), INK, 1.0, None);
    let middle = plot.top + plot.height / 2.0;
    svg.text_styled(
        22.0,
        middle,
        title,
        13.0,
        Anchor::Middle,
        "axis-title",
        INK,
        Some(-90.0),
    );
}

/// The x axis: labels at positions, and the axis title below.
pub(crate) fn x_axis(svg: &mut Svg, plot: &Plot, labels: &[(f64, String)], title: &str) {
    svg.line(
        (plot.left, plot.bottom()),
        (plot.right(), plot.bottom()),
        INK,
        1.0,
        None,
    );
    for (x, label) in labels {
        svg.line((*x, plot.bottom()), (*x, plot.bottom() + 5.0), INK, 1.0, None);
        svg.text(*x, plot.bottom() + 20.0, label, 12.0, Anchor::Middle, "tick");
    }
    let middle = plot.left + plot.width / 2.0;
    svg.text(
        middle,
        plot.bottom() + 48.0,
        title,
        13.0,
        Anchor::Middle,
        "axis-title",
    );
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    Line,
    Dashed,
    Swatch,
}

/// One legend entry: its colour, name, and mark.
pub(crate) struct Entry<'a> {
    pub(crate) colour: &'a str,
    pub(crate) name: &'a str,
    pub(crate) mark: Mark,
}

/// A legend in one row above the plot's right end, clear of the data.
pub(crate) fn legend(svg: &mut Svg, plot: &Plot, entries: &[Entry<'_>]) {
    // Entries laid out from the right: mark, gap, name (~7 px a letter).
    let widths: Vec<f64> = entries
        .iter()
        .map(|e| 34.0 + 7.0 * e.name.chars().count() as f64 + 16.0)
        .collect();
    let mut x = plot.right() - widths.iter().sum::<f64>();
    let y = plot.top - 10.0;
    for (entry, width) in entries.iter().zip(&widths) {
        match entry.mark {
            Mark::Swatch => svg.rect((x + 6.0, y - 11.0), (14.0, 14.0), entry.colour, "swatch", None),
            Mark::Line | Mark::Dashed => {
                let dash = (entry.mark == Mark::Dashed).then_some("6 4");
                svg.line((x, y - 4.0), (x + 26.0, y - 4.0), entry.colour, 3.0, dash);
            }
        }
        svg.text(x + 34.0, y, entry.name, 12.0, Anchor::Start, "legend");
        x += width;
    }
}

/// A muted note above the plot's right end (a summary figure).
pub(crate) fn note_above(svg: &mut Svg, plot: &Plot, note: &str) {
    svg.text_styled(
        plot.right(),
        plot.top - 10.0,
        note,
        12.0,
        Anchor::End,
        "note",
        MUTED,
        None,
    );
}

/// A vertical colour bar of the sequential scale from 0 to `top`, at the
/// plot's right, titled `title`; as percentages for shares.
pub(crate) fn colour_bar(svg: &mut Svg, plot: &Plot, title: &str, top: f64, shares: bool) {
    let (x, steps) = (plot.right() + 24.0, 20_u32);
    let height = plot.height / f64::from(steps);
    for k in 0..steps {
        let value = (f64::from(k) + 0.5) / f64::from(steps);
        let y = plot.bottom() - height * f64::from(k + 1);
        svg.rect((x, y), (16.0, height + 0.5), &sequential(value), "scale", None);
    }
    for fraction in [0.0, 0.5, 1.0] {
        let y = plot.bottom() - fraction * plot.height;
        let label = if shares {
            let percent = fraction * top * 100.0;
            let digits = if top * 100.0 >= 10.0 { 0 } else { 1 };
            // A scale that stops short of 100 % holds higher values at its top.
            let more = if fraction == 1.0 && top < 1.0 { "+" } else { "" };
            format!("{percent:.digits$}%{more}")
        } else {
            tick_label(fraction * top)
        };
        svg.text(x + 22.0, y + 4.0, &label, 11.0, Anchor::Start, "tick");
    }
    svg.text_styled(
        x + 8.0,
        plot.top - 12.0,
        title,
        11.0,
        Anchor::Middle,
        "legend",
        MUTED,
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        let scale = Scale::from_zero([3.0, 47.0]);
        assert_eq!(scale.ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        let small = Scale::from_zero([0.13]);
        assert!(small.ticks.last().is_some_and(|&t| (0.13..0.2).contains(&t)));
        assert_eq!(Scale::from_zero([]).ticks, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert!(Scale::from_zero([-f64::MAX, f64::MAX]).ticks.len() <= 21);
    }

    #[test]
    fn large_ticks_are_grouped() {
        assert_eq!(tick_label(125_000.0), "125,000");
        assert_eq!(tick_label(2.5), "2.5");
    }
}

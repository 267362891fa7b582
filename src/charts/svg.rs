//! A small SVG writer: the few shapes the charts draw, text escaped,
//! numbers rounded to a hundredth of a pixel.

use std::fmt::Write as _;

/// Colour-blind-safe series colours (Okabe & Ito, 2008): blue, orange,
/// bluish green, reddish purple.
pub(crate) const SERIES: [&str; 4] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];

/// Axis, grid and annotation greys.
pub(crate) const INK: &str = "#222222";
pub(crate) const GRID: &str = "#E5E5E5";
pub(crate) const MUTED: &str = "#767676";
/// Cells with no value (censored, impossible).
pub(crate) const EMPTY: &str = "#F2F2F2";

/// An SVG document being written.
pub(crate) struct Svg {
    out: String,
}

/// A number for an attribute: finite, at most two decimals, no trailing
/// zeros.
pub(crate) fn num(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let text = format!("{:.2}", (value * 100.0).round() / 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

/// Text with XML's five special characters escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// How text sits on its point.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

impl Svg {
    /// A `width` × `height` document with a white background, its title
    /// (for screen readers and as the browser's tooltip) and the title
    /// drawn at the top.
    pub(crate) fn new(width: f64, height: f64, title: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" role="img"><title>{t}</title><rect width="{w}" height="{h}" fill="#FFFFFF"/>"##,
            w = num(width),
            h = num(height),
            t = escape(title),
        );
        let mut svg = Self { out };
        svg.text(width / 2.0, 26.0, title, 16.0, Anchor::Middle, "chart-title");
        svg
    }

    /// A line segment; `dash` is an SVG dash array such as `"6 4"`.
    pub(crate) fn line(
        &mut self,
        from: (f64, f64),
        to: (f64, f64),
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"{}/>"#,
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1),
            num(width),
            dash.map(|d| format!(r#" stroke-dasharray="{d}""#))
                .unwrap_or_default(),
        );
    }

    /// A connected line through `points`, of class `class`.
    pub(crate) fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, dash: Option<&str>, class: &str) {
        let coordinates: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{},{}", num(x), num(y)))
            .collect();
        let _ = write!(
            self.out,
            r#"<polyline class="{class}" points="{}" fill="none" stroke="{stroke}" stroke-width="2.5"{}/>"#,
            coordinates.join(" "),
            dash.map(|d| format!(r#" stroke-dasharray="{d}""#))
                .unwrap_or_default(),
        );
    }

    /// A rectangle of class `class`, with `tooltip` as its title.
    pub(crate) fn rect(
        &mut self,
        at: (f64, f64),
        size: (f64, f64),
        fill: &str,
        class: &str,
        tooltip: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{fill}"{}>"#,
            num(at.0),
            num(at.1),
            num(size.0.max(0.0)),
            num(size.1.max(0.0)),
            // Matrix cells meet edge to edge, without antialiased seams.
            if class == "cell" {
                r#" shape-rendering="crispEdges""#
            } else {
                ""
            },
        );
        if let Some(tip) = tooltip {
            let _ = write!(self.out, "<title>{}</title>", escape(tip));
        }
        self.out.push_str("</rect>");
    }

    /// A dot of class `class`, with `tooltip` as its title.
    pub(crate) fn circle(&mut self, at: (f64, f64), radius: f64, fill: &str, class: &str, tooltip: &str) {
        let _ = write!(
            self.out,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}" fill="{fill}"><title>{}</title></circle>"#,
            num(at.0),
            num(at.1),
            num(radius),
            escape(tooltip),
        );
    }

    /// Text at a point.
    pub(crate) fn text(&mut self, x: f64, y: f64, text: &str, size: f64, anchor: Anchor, class: &str) {
        self.text_styled(x, y, text, size, anchor, class, INK, None);
    }

    /// Text with a colour, and turned by `rotate` degrees about its point.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text_styled(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        anchor: Anchor,
        class: &str,
        fill: &str,
        rotate: Option<f64>,
    ) {
        let turn = rotate
            .map(|r| format!(r#" transform="rotate({} {} {})""#, num(r), num(x), num(y)))
            .unwrap_or_default();
        let _ = write!(
            self.out,
            r#"<text class="{class}" x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{fill}"{turn}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            anchor.name(),
            escape(text),
        );
    }

    /// The finished document.
    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A colour of the viridis scale (colour-blind safe, light at 1) for a
/// value in [0, 1], interpolated between five of its stops.
pub(crate) fn sequential(value: f64) -> String {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let v = if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let position = v * 4.0;
    let lower = (position.floor() as usize).min(3);
    let fraction = position - lower as f64;
    let (Some(a), Some(b)) = (STOPS.get(lower), STOPS.get(lower + 1)) else {
        return "#000000".into();
    };
    let mix = |p: f64, q: f64| (p + (q - p) * fraction).round() as u8;
    format!("#{:02X}{:02X}{:02X}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Dark or light text on a cell of the sequential scale at `value`.
pub(crate) fn ink_on(value: f64) -> &'static str {
    if value > 0.6 { INK } else { "#FFFFFF" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_finite() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"a<b & "c">'"#), "a&lt;b &amp; &quot;c&quot;&gt;&apos;");
    }

    #[test]
    fn the_scale_runs_from_dark_purple_to_yellow() {
        assert_eq!(sequential(0.0), "#440154");
        assert_eq!(sequential(1.0), "#FDE725");
        assert_eq!(sequential(f64::NAN), "#440154");
    }
}

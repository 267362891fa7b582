//! Reading the reference files in tests/data.

use repurchase::models::FrequencyData;

/// A numeric CSV file in tests/data, header skipped.
pub fn csv(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// The 2,357 customers' (x, t_x, T) in weeks that Fader, Hardie & Lee
/// (2005) fit.
pub fn paper_data() -> FrequencyData {
    FrequencyData::from_rows(
        csv("cdnow_customers_summary.csv")
            .iter()
            .map(|r| (r[1], r[2], r[3], 1.0)),
    )
    .unwrap()
}

//! How intervals are drawn.

use crate::{Error, Result};

/// How intervals are drawn.
///
/// | option | default | meaning | range |
/// |---|---|---|---|
/// | [`level`](Self::level) | 0.9 | the share of draws inside each interval | above 0, below 1 |
/// | [`draws`](Self::draws) | 1,000 | parameter draws | 10 to 100,000 |
/// | [`seed`](Self::seed) | 0 | the random stream's seed | any |
///
/// # Example
///
/// ```
/// use repurchase::intervals::IntervalOptions;
///
/// let options = IntervalOptions::default().level(0.8).draws(2_000).seed(7);
/// assert_eq!((options.get_level(), options.get_draws(), options.get_seed()), (0.8, 2_000, 7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IntervalOptions {
    level: f64,
    draws: u32,
    seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        Self {
            level: 0.9,
            draws: 1_000,
            seed: 0,
        }
    }
}

/// The most parameter draws: each costs a pass over the distinct patterns.
const MAX_DRAWS: u32 = 100_000;

impl IntervalOptions {
    /// Sets the level: 0.9 for 90 % intervals.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().level(0.95).get_level(), 0.95);
    /// ```
    #[must_use]
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Sets the number of parameter draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().draws(500).get_draws(), 500);
    /// ```
    #[must_use]
    pub fn draws(mut self, draws: u32) -> Self {
        self.draws = draws;
        self
    }

    /// Sets the seed of the draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().seed(42).get_seed(), 42);
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The level.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_level(), 0.9);
    /// ```
    pub fn get_level(&self) -> f64 {
        self.level
    }

    /// The number of parameter draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_draws(), 1_000);
    /// ```
    pub fn get_draws(&self) -> u32 {
        self.draws
    }

    /// The seed.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::intervals::IntervalOptions;
    /// assert_eq!(IntervalOptions::default().get_seed(), 0);
    /// ```
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    pub(super) fn check(&self) -> Result<()> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::InvalidParameter {
                name: "level",
                value: self.level.to_string(),
                expected: "a share above 0 and below 1, such as 0.9",
            });
        }
        if !(10..=MAX_DRAWS).contains(&self.draws) {
            return Err(Error::InvalidParameter {
                name: "draws",
                value: self.draws.to_string(),
                expected: "from 10 to 100,000 parameter draws",
            });
        }
        Ok(())
    }
}

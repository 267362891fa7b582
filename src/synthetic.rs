//! Seeded synthetic purchase logs from the BG/NBD process with Gamma-Gamma
//! spend (feature `synthetic`): data anyone can regenerate for benchmarks,
//! examples and tests, returned as purchases directly (no file;
//! `examples/gen_purchases.rs` writes one as CSV).
//!
//! # Example
//!
//! ```
//! use repurchase::synthetic::SyntheticLog;
//! use repurchase::PurchaseLog;
//!
//! let purchases = SyntheticLog::default().customers(1_000).seed(7).purchases()?;
//! let log = PurchaseLog::new(purchases)?;
//! assert_eq!(log.customer_count(), 1_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::models::model::check_parameters;
use crate::random::Stream;

use crate::{Error, Purchase, Result};

/// How a synthetic log is drawn. Each customer joins on a uniform moment of
/// the acquisition window with a first purchase, buys at a Poisson rate
/// λ ~ Gamma(r, α) per week while alive, and after each repeat purchase
/// drops out with probability p ~ Beta(a, b); each purchase's value is
/// Gamma(p_s, ν) with ν ~ Gamma(q, γ) per customer, in cents (at least one).
/// Purchases fall on the day of their moment; customer keys are 0, 1, 2, ….
/// The purchases come shuffled, as an export would (and as
/// `examples/gen_purchases.rs` writes them), unless [`sorted`](Self::sorted).
///
/// | setting | default |
/// |---|---|
/// | customers | 100,000 |
/// | seed | 42 |
/// | start | 2024-01-01 |
/// | weeks (log length) | 104 |
/// | acquisition weeks | 52 |
/// | rate scale (multiplies λ) | 1 |
/// | order | shuffled |
/// | BG/NBD r, α, a, b | 0.243, 4.414, 0.793, 2.426 (CDNOW) |
/// | Gamma-Gamma p, q, γ | 6.25, 3.74, 15.44 (CDNOW) |
///
/// # Example
///
/// ```
/// use repurchase::synthetic::SyntheticLog;
///
/// let config = SyntheticLog::default().bgnbd([0.5, 5.0, 1.0, 3.0]).spend([4.0, 4.0, 20.0]);
/// assert_eq!(config.sorted(true).purchases()?.first().map(|p| p.customer), Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SyntheticLog {
    customers: u64,
    seed: u64,
    start: NaiveDate,
    weeks: f64,
    acquisition_weeks: f64,
    rate_scale: f64,
    bgnbd: [f64; 4],
    spend: [f64; 3],
    sorted: bool,
}

impl Default for SyntheticLog {
    fn default() -> Self {
        Self {
            customers: 100_000,
            seed: 42,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            weeks: 104.0,
            acquisition_weeks: 52.0,
            rate_scale: 1.0,
            bgnbd: [0.243, 4.414, 0.793, 2.426],
            spend: [6.25, 3.74, 15.44],
            sorted: false,
        }
    }
}

impl SyntheticLog {
    /// Sets the number of customers.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// assert!(SyntheticLog::default().customers(10).purchases()?.len() >= 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn customers(mut self, customers: u64) -> Self {
        self.customers = customers;
        self
    }

    /// Sets the seed: the same seed gives the same log.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// let a = SyntheticLog::default().customers(50).seed(1).purchases()?;
    /// let b = SyntheticLog::default().customers(50).seed(1).purchases()?;
    /// assert_eq!(a, b);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the first day of the log.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).ok_or("bad date")?;
    /// assert!(SyntheticLog::default().customers(5).start(start).purchases()?.iter().all(|p| p.at >= start.into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn start(mut self, start: NaiveDate) -> Self {
        self.start = start;
        self
    }

    /// Sets the log's length and the acquisition window, in weeks.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// assert!(SyntheticLog::default().weeks(52.0, 13.0).purchases().is_ok());
    /// assert!(SyntheticLog::default().weeks(10.0, 13.0).purchases().is_err());
    /// ```
    #[must_use]
    pub fn weeks(mut self, weeks: f64, acquisition_weeks: f64) -> Self {
        self.weeks = weeks;
        self.acquisition_weeks = acquisition_weeks;
        self
    }

    /// Multiplies every purchase rate (more purchases per customer).
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// let few = SyntheticLog::default().customers(2_000).purchases()?.len();
    /// let many = SyntheticLog::default().customers(2_000).rate_scale(4.0).purchases()?.len();
    /// assert!(many > few);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn rate_scale(mut self, scale: f64) -> Self {
        self.rate_scale = scale;
        self
    }

    /// Sets the BG/NBD parameters `[r, α, a, b]` (α per week).
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// assert!(SyntheticLog::default().bgnbd([0.0, 1.0, 1.0, 1.0]).purchases().is_err());
    /// ```
    #[must_use]
    pub fn bgnbd(mut self, params: [f64; 4]) -> Self {
        self.bgnbd = params;
        self
    }

    /// Sets the Gamma-Gamma spend parameters `[p, q, γ]` (γ in currency
    /// units).
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// assert!(SyntheticLog::default().spend([6.25, 3.74, 15.44]).purchases().is_ok());
    /// ```
    #[must_use]
    pub fn spend(mut self, params: [f64; 3]) -> Self {
        self.spend = params;
        self
    }

    /// Returns the purchases customer by customer, each in time order,
    /// instead of shuffled.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// let sorted = SyntheticLog::default().customers(20).sorted(true).purchases()?;
    /// assert!(sorted.is_sorted_by_key(|p| (p.customer, p.at)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sorted(mut self, sorted: bool) -> Self {
        self.sorted = sorted;
        self
    }

    /// Draws the purchases, customer by customer in time order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a parameter, rate scale or length not
    /// finite and > 0, or an acquisition window longer than the log.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::SyntheticLog;
    /// let purchases = SyntheticLog::default().customers(100).purchases()?;
    /// assert!(purchases.iter().all(|p| p.amount > rust_decimal::Decimal::ZERO));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purchases(&self) -> Result<Vec<Purchase<u64>>> {
        let mut rng = Rng::new(self.seed);
        let mut out = self.draw(&mut rng)?;
        if !self.sorted {
            // Fisher–Yates, from the same stream.
            for i in (1..out.len()).rev() {
                let j = ((rng.uniform() * (i + 1) as f64) as usize).min(i);
                out.swap(i, j);
            }
        }
        Ok(out)
    }

    /// Every customer's purchases, customer by customer in time order.
    fn draw(&self, rng: &mut Rng) -> Result<Vec<Purchase<u64>>> {
        let [r, alpha, a, b] = self.bgnbd;
        let [p, q, gamma] = self.spend;
        check_parameters(&[
            ("r", r),
            ("alpha", alpha),
            ("a", a),
            ("b", b),
            ("p", p),
            ("q", q),
            ("gamma", gamma),
            ("rate_scale", self.rate_scale),
            ("weeks", self.weeks),
            ("acquisition_weeks", self.acquisition_weeks),
        ])?;
        if self.acquisition_weeks > self.weeks {
            return Err(Error::InvalidParameter {
                name: "acquisition_weeks",
                value: self.acquisition_weeks.to_string(),
                expected: "at most the log's length in weeks",
            });
        }
        let mut out = Vec::new();
        for customer in 0..self.customers {
            let lambda = rng.gamma(r) / alpha * self.rate_scale;
            let dropout = rng.beta(a, b);
            let nu = rng.gamma(q) / gamma;
            let mut t = rng.uniform() * self.acquisition_weeks;
            let mut buy = |rng: &mut Rng, t: f64| {
                // Whole days since the start: the floor of a value below
                // 7 × weeks, exact as u64.
                let day = self.start + Days::new((t * 7.0).floor() as u64);
                let cents = ((rng.gamma(p) / nu) * 100.0).round().clamp(1.0, 1e15);
                out.push(Purchase::new(customer, day, Decimal::new(cents as i64, 2)));
            };
            buy(rng, t);
            // Repeat purchases while alive; dropout only after a repeat.
            loop {
                t += -rng.uniform().ln() / lambda;
                if t >= self.weeks {
                    break;
                }
                buy(rng, t);
                if rng.uniform() < dropout {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// The generator's seeded random stream (SplitMix64) with the draws its
/// processes need, public so that simulations elsewhere (tests of other
/// models, say) draw the same way.
///
/// # Example
///
/// ```
/// use repurchase::synthetic::Rng;
///
/// let mut rng = Rng::new(42);
/// let u = rng.uniform();
/// assert!(u > 0.0 && u < 1.0);
/// assert_eq!(Rng::new(42).uniform(), u); // same seed, same stream
/// ```
#[derive(Debug, Clone)]
pub struct Rng(Stream);

/// The generator as rand_core's: `rand`'s distributions and samplers draw
/// from the same seeded stream.
///
/// ```
/// use rand_core::Rng as _;
/// use repurchase::synthetic::Rng;
///
/// let mut rng = Rng::new(42);
/// let first = Rng::new(42).next_u64();
/// assert_eq!(rand_core::Rng::next_u64(&mut rng), first);
/// let mut bytes = [0_u8; 12];
/// rng.fill_bytes(&mut bytes);
/// assert!(bytes.iter().any(|b| *b != 0));
/// ```
impl rand_core::TryRng for Rng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        // The high half: the better-mixed bits of the 64-bit draw.
        Ok((Rng::next_u64(self) >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        Ok(Rng::next_u64(self))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
        rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

impl Rng {
    /// A stream from `seed`.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::Rng;
    /// assert_ne!(Rng::new(1).uniform(), Rng::new(2).uniform());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self(Stream::new(seed))
    }

    /// The next raw 64-bit draw, uniform over all `u64` values; the other
    /// draws are made from it.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::Rng;
    /// let mut rng = Rng::new(42);
    /// let die = 1 + rng.next_u64() % 6;
    /// assert!((1..=6).contains(&die));
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform on (0, 1): never 0, so its logarithm is finite.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::Rng;
    /// let waiting = -Rng::new(3).uniform().ln(); // an Exp(1) draw
    /// assert!(waiting.is_finite());
    /// ```
    pub fn uniform(&mut self) -> f64 {
        self.0.uniform()
    }

    /// Gamma(shape, 1) for shape > 0, by Marsaglia & Tsang (2000), boosted
    /// below shape 1. Each try is accepted with probability above 0.95.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::Rng;
    /// let mut rng = Rng::new(5);
    /// let mean = (0..10_000).map(|_| rng.gamma(2.0)).sum::<f64>() / 10_000.0;
    /// assert!((mean - 2.0).abs() < 0.1);
    /// ```
    pub fn gamma(&mut self, shape: f64) -> f64 {
        crate::random::gamma(&mut || self.0.uniform(), shape)
    }

    /// Beta(a, b) for a, b > 0, from two gamma draws.
    ///
    /// # Example
    ///
    /// ```
    /// # use repurchase::synthetic::Rng;
    /// let p = Rng::new(9).beta(0.793, 2.426);
    /// assert!((0.0..=1.0).contains(&p));
    /// ```
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}

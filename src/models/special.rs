//! Special functions for the models, in log space.

use special::Gamma;

/// ln Γ(x) for x > 0.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    Gamma::ln_gamma(x).0
}

/// ψ(x), the digamma function, for x > 0.
pub(crate) fn digamma(x: f64) -> f64 {
    Gamma::digamma(x)
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0.
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The regularized incomplete beta function I_z(p, q) for 0 ≤ z ≤ 1 and
/// p, q > 0 (AS 63).
pub(crate) fn inc_beta(z: f64, p: f64, q: f64) -> f64 {
    special::Beta::inc_beta(z, p, q, ln_beta(p, q))
}

/// ln(eˣ + eʸ) without overflow.
pub(crate) fn log_add_exp(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x >= y { (x, y) } else { (y, x) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and
/// a, b, c > 0, by its power series, summed until a term no longer changes
/// the sum; `None` if it has not converged within `MAX_TERMS` terms.
///
/// The terms are positive, so there is no cancellation: the relative error
/// is a few ulp per term. Near z = 1 convergence slows like zⁿ; callers
/// keep z away from 1 or use a transformation.
pub(crate) fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    const MAX_TERMS: u32 = 1_000_000;
    if !(0.0..1.0).contains(&z) || a <= 0.0 || b <= 0.0 || c <= 0.0 {
        return None;
    }
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    for n in 0..MAX_TERMS {
        let n = f64::from(n);
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        let next = sum + term;
        if next == sum {
            return sum.is_finite().then_some(sum);
        }
        sum = next;
    }
    None
}

/// ∫ f over [x₀, x₁] for a smooth f, by tanh-sinh quadrature, together
/// with the integrals of any companions f returns after it (a gradient,
/// say): `f(x)[0]` is the integrand that steers the error control.
///
/// A piece whose estimates at steps h and 2h differ by more than
/// [`QUADRATURE_TOLERANCE`] of the total is halved and each half integrated
/// anew, so an integrand that falls off a cliff inside the interval still
/// gets nodes where its mass is. The tanh-sinh rule is exact to rounding
/// for functions analytic in a strip around the interval long before
/// h = 1/8, and it crowds nodes at the ends, where ours change fastest.
pub(crate) fn integrate<const N: usize>(x0: f64, x1: f64, mut f: impl FnMut(f64) -> [f64; N]) -> [f64; N] {
    const MAX_PIECES: u32 = 4_096;
    let mut total = [0.0_f64; N];
    let mut pending = vec![(x0, x1)];
    let mut pieces = 0;
    while let Some((a, b)) = pending.pop() {
        pieces += 1;
        let (fine, coarse) = tanh_sinh(a, b, &mut f);
        let (value, sum) = (
            fine.first().copied().unwrap_or(0.0),
            total.first().copied().unwrap_or(0.0),
        );
        if (value - coarse).abs() <= QUADRATURE_TOLERANCE * value.abs().max(sum.abs()) || pieces >= MAX_PIECES
        {
            total.iter_mut().zip(fine).for_each(|(t, v)| *t += v);
        } else {
            let middle = 0.5 * (a + b);
            pending.push((a, middle));
            pending.push((middle, b));
        }
    }
    total
}

/// The tanh-sinh rule's step.
const TANH_SINH_STEP: f64 = 1.0 / 8.0;
/// Nodes each side of the middle: at t = 3 the weights are below 1e−13
/// of the middle one.
const TANH_SINH_NODES: u32 = 24;
/// The largest relative gap between the estimates at steps h and 2h that
/// is accepted: the error of the finer one is roughly its square.
const QUADRATURE_TOLERANCE: f64 = 1e-7;

/// The tanh-sinh estimates over [a, b] at step [`TANH_SINH_STEP`] (every
/// component) and twice that (the first component only).
fn tanh_sinh<const N: usize>(a: f64, b: f64, f: &mut impl FnMut(f64) -> [f64; N]) -> ([f64; N], f64) {
    use std::f64::consts::FRAC_PI_2;
    let half = 0.5 * (b - a);
    let (mut fine, mut coarse) = ([0.0; N], 0.0);
    let mut add = |x: f64, weight: f64, on_coarse_grid: bool| {
        let values = f(x);
        for (sum, v) in fine.iter_mut().zip(values) {
            *sum += v * weight * half;
        }
        if on_coarse_grid {
            coarse += 2.0 * values.first().copied().unwrap_or(0.0) * weight * half;
        }
    };
    add(a + half, TANH_SINH_STEP * FRAC_PI_2, true);
    for k in 1..=TANH_SINH_NODES {
        let t = f64::from(k) * TANH_SINH_STEP;
        let u = FRAC_PI_2 * t.sinh();
        // 1 − tanh(u), the node's distance from the nearer end of [−1, 1],
        // computed without cancellation.
        let distance = 2.0 / (1.0 + (2.0 * u).exp());
        let weight = TANH_SINH_STEP * FRAC_PI_2 * t.cosh() / (u.cosh() * u.cosh());
        add(a + half * distance, weight, k % 2 == 0);
        add(b - half * distance, weight, k % 2 == 0);
    }
    (fine, coarse)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from mpmath at 30 digits.
    #[test]
    fn functions_match_reference_values() {
        let rows: [(&str, f64, f64); 8] = [
            ("ln_gamma(0.5)", ln_gamma(0.5), 0.572_364_942_924_700_1),
            ("ln_gamma(1e-6)", ln_gamma(1e-6), 13.815_509_980_749_432),
            ("ln_gamma(1e6)", ln_gamma(1e6), 12_815_504.569_147_612),
            ("digamma(1)", digamma(1.0), -0.577_215_664_901_532_9),
            ("digamma(0.25)", digamma(0.25), -4.227_453_533_376_265),
            (
                "ln_beta(0.793, 2.426)",
                ln_beta(0.793, 2.426),
                -0.511_569_288_593_703_3,
            ),
            (
                "2F1(1,1;2;0.5)",
                hyp2f1(1.0, 1.0, 2.0, 0.5).unwrap(),
                2.0 * std::f64::consts::LN_2,
            ),
            (
                "log_add_exp",
                log_add_exp(1000.0, 1000.0),
                1000.0 + std::f64::consts::LN_2,
            ),
        ];
        for (name, got, want) in rows {
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1.0),
                "{name}: {got} vs {want}"
            );
        }
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None);
    }
}

//! BFGS on log-parameters: bounded iterations, a backtracking Armijo line
//! search, no allocation inside the loop beyond the few small vectors.

use crate::invariant::{item, item_mut};
/// Where a minimisation stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Minimum {
    pub(crate) x: Vec<f64>,
    pub(crate) value: f64,
    pub(crate) gradient: Vec<f64>,
    pub(crate) iterations: u32,
    /// The last approximation of the inverse Hessian (row-major), which a
    /// minimisation of a similar objective can start from.
    pub(crate) inverse_hessian: Vec<f64>,
    /// The gradient's largest component fell below the tolerance, or below
    /// [`STALL_GRADIENT`] where no step could lower the objective any more
    /// within f64 precision.
    pub(crate) converged: bool,
}

/// Largest change of one log-parameter in one step: e^10 ≈ 22,000-fold,
/// enough to cross any sensible range while keeping `exp` finite.
const MAX_STEP: f64 = 10.0;
/// Armijo's sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;
/// Relative changes of the objective this small are taken as rounding.
const ROUNDING: f64 = 1e-13;
/// Step halvings before a line search gives up.
const MAX_HALVINGS: u32 = 60;
/// A stall (no step lowers the objective measurably) counts as converged
/// when the gradient is below this: scipy's default BFGS tolerance.
pub(crate) const STALL_GRADIENT: f64 = 1e-5;

/// Minimises `objective` from `start`, with `inverse_hessian` (row-major,
/// finite) as the first approximation when given, else the identity scaled
/// to the curvature of the first step. The objective returns the value and
/// fills the gradient; a non-finite value marks a point outside the
/// domain, which the line search steps back from.
pub(crate) fn bfgs(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> f64,
    start: &[f64],
    inverse_hessian: Option<&[f64]>,
    max_iterations: u32,
    tolerance: f64,
) -> Minimum {
    let n = start.len();
    let mut x = start.to_vec();
    let mut g = vec![0.0; n];
    let mut f = objective(&x, &mut g);
    let given = inverse_hessian.filter(|h| h.len() == n * n && h.iter().all(|v| v.is_finite()));
    let mut h = given.map_or_else(|| identity(n), <[f64]>::to_vec);
    let (mut x_new, mut g_new, mut p) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut iterations = 0;
    let mut stalled = false;
    let norm = |v: &[f64]| v.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
    while iterations < max_iterations && f.is_finite() && norm(&g) > tolerance {
        iterations += 1;
        // p = −H g, or steepest descent if H lost positive definiteness.
        for (i, pi) in p.iter_mut().enumerate() {
            *pi = -h
                .iter()
                .skip(i * n)
                .take(n)
                .zip(&g)
                .map(|(hij, gj)| hij * gj)
                .sum::<f64>();
        }
        let mut slope = dot(&p, &g);
        if slope >= 0.0 || !slope.is_finite() {
            h = identity(n);
            p.iter_mut().zip(&g).for_each(|(pi, gi)| *pi = -gi);
            slope = dot(&p, &g);
        }
        let longest = norm(&p);
        let mut step = if longest > MAX_STEP {
            MAX_STEP / longest
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            x_new
                .iter_mut()
                .zip(&x)
                .zip(&p)
                .for_each(|((xn, xi), pi)| *xn = xi + step * pi);
            let f_new = objective(&x_new, &mut g_new);
            // Near the optimum the decrease Armijo asks for is below the
            // objective's rounding (a sum of many terms): there a step that
            // changes f only within rounding and shrinks the gradient is
            // progress, where halving on would spend dozens of evaluations
            // on noise.
            let sufficient = f_new <= f + ARMIJO * step * slope;
            let within_rounding = f_new - f <= ROUNDING * f.abs().max(1.0) && norm(&g_new) < norm(&g);
            if f_new.is_finite() && (sufficient || within_rounding) && g_new.iter().all(|v| v.is_finite()) {
                accepted = Some(f_new);
                break;
            }
            step *= 0.5;
        }
        let Some(f_new) = accepted else {
            stalled = true;
            break;
        };
        // s = x_new − x, y = g_new − g; BFGS update of the inverse Hessian.
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-300 {
            if iterations == 1 && given.is_none() {
                // Scale the first guess of the inverse Hessian to the curvature seen.
                let scale = sy / dot(&y, &y);
                h.iter_mut().for_each(|v| *v *= scale);
            }
            update_inverse_hessian(&mut h, &s, &y, 1.0 / sy);
        }
        let progress = (f - f_new).abs() > f64::EPSILON * f.abs().max(1.0);
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        f = f_new;
        if !progress && norm(&g) > tolerance {
            // No measurable decrease: the point is as good as f64 allows.
            stalled = true;
            break;
        }
    }
    let converged = f.is_finite() && (norm(&g) <= tolerance || (stalled && norm(&g) <= STALL_GRADIENT));
    Minimum {
        x,
        value: f,
        gradient: g,
        iterations,
        inverse_hessian: h,
        converged,
    }
}

fn identity(n: usize) -> Vec<f64> {
    (0..n * n)
        .map(|k| if k % (n + 1) == 0 { 1.0 } else { 0.0 })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ.
fn update_inverse_hessian(h: &mut [f64], s: &[f64], y: &[f64], rho: f64) {
    let n = s.len();
    let hy: Vec<f64> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| at(h, n, i, j) * item(y, j).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            let (si, sj) = (
                item(s, i).copied().unwrap_or(0.0),
                item(s, j).copied().unwrap_or(0.0),
            );
            let (hyi, hyj) = (
                item(&hy, i).copied().unwrap_or(0.0),
                item(&hy, j).copied().unwrap_or(0.0),
            );
            if let Some(v) = item_mut(h, i * n + j) {
                *v += -rho * (si * hyj + hyi * sj) + (rho * rho * yhy + rho) * si * sj;
            }
        }
    }
}

fn at(h: &[f64], n: usize, i: usize, j: usize) -> f64 {
    item(h, i * n + j).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = bfgs(rosenbrock, &[-1.2, 1.0], None, 500, 1e-10);
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8,
            "{m:?}"
        );
    }

    #[test]
    fn steps_back_from_outside_the_domain() {
        // ln-barrier: undefined (NaN) for x ≤ 0, minimum at x = 1.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0 - 1.0 / x[0];
            if x[0] <= 0.0 { f64::NAN } else { x[0] - x[0].ln() }
        };
        let m = bfgs(f, &[8.0], None, 200, 1e-12);
        assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-9, "{m:?}");
    }

    #[test]
    fn the_exact_inverse_hessian_takes_one_newton_step() {
        // f = ½ xᵀ A x, A = [[4, 1], [1, 3]]; A⁻¹ = [[3, −1], [−1, 4]] / 11.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 4.0 * x[0] + x[1];
            g[1] = x[0] + 3.0 * x[1];
            0.5 * (x[0] * g[0] + x[1] * g[1])
        };
        let inverse = [3.0 / 11.0, -1.0 / 11.0, -1.0 / 11.0, 4.0 / 11.0];
        let warm = bfgs(f, &[2.0, -3.0], Some(&inverse), 50, 1e-12);
        assert!(warm.converged && warm.iterations == 1, "{warm:?}");
        let cold = bfgs(f, &[2.0, -3.0], None, 50, 1e-12);
        assert!(cold.converged && cold.iterations > 1, "{cold:?}");
        // A malformed guess is ignored.
        let bad = bfgs(f, &[2.0, -3.0], Some(&[f64::NAN; 4]), 50, 1e-12);
        assert_eq!(bad, cold);
    }

    #[test]
    fn stops_at_the_iteration_bound() {
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * x[0];
            x[0] * x[0]
        };
        let m = bfgs(f, &[5.0], None, 0, 1e-12);
        assert_eq!((m.iterations, m.converged), (0, false));
    }
}

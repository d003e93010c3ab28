//! The Hessian of `J_τ` with respect to the policy's flat parameters, by
//! central differences of the exact gradient (eq. 3) with Richardson
//! extrapolation: the ground truth for the curvatures that random-direction
//! probes see (paper §2.1.2: their extremes are "close to the max and min
//! eigenvalues of H").
//!
//! Column `j` is `D(h) = (g(θ + h e_j) − g(θ − h e_j)) / 2h` at steps `h`
//! and `2h`, combined as `(4 D(h) − D(2h)) / 3`, which cancels the `h²`
//! term of the error; the result is then symmetrised.

use super::ExactWorkspace;
use crate::error::{Error, Result, check_len, check_overflow, rule};
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, Softmax};
use crate::real::Real;

// The parent module's allow of `indexing_slicing` and
// `arithmetic_side_effects` covers this file too: the flat indices
// i * P + j are below P * P = out.len() (checked) for i, j < P = F * A.

/// The length of the row-major `P × P` Hessian of a policy with `params`
/// parameters (`Softmax::PARAMS`): `params²` (saturating; no real policy
/// comes near).
pub const fn hessian_len(params: usize) -> usize {
    params.saturating_mul(params)
}

/// The default step of [`ExactWorkspace::hessian_into`]: `2^-⌊m/3⌋` with `m`
/// = [`Real::MANTISSA_BITS`], so `2^-17 ≈ 7.6e-6` in `f64` and
/// `2^-8 ≈ 3.9e-3` in `f32`, about `ε^(1/3)`.
///
/// Why: the stated truncation error is that of the plain central
/// difference, `≈ c₃ h²`, and the rounding error `≈ ε |g| / h`; their sum is
/// smallest near `h = ε^(1/3)` (for derivatives of order 1, which softmax
/// logits give). The extrapolated value itself is usually far more accurate
/// than the stated truncation (its own error is `O(h⁴)`). A power of two
/// keeps `θ ± h` as exact as the parameters allow.
pub fn default_hessian_step<T: Real>() -> T {
    let mut h = T::ONE;
    for _ in 0..T::MANTISSA_BITS / 3 {
        h *= T::HALF;
    }
    h
}

/// The error statement of [`ExactWorkspace::hessian_into`], in the units of
/// the Hessian's entries (all maxima over the entries).
///
/// [`HessianAccuracy::bound`] (their sum) bounds `max_ij |H_ij − Ĥ_ij|` as
/// long as the step lies in the asymptotic range of the differences (the
/// default step does for logits of moderate size; the tests check it
/// against closed forms and second differences of `J_τ`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HessianAccuracy<T> {
    /// The step `h` (the extrapolation also uses `2h`).
    pub step: T,
    /// `max |D(h) − D(2h)| / 3`: the estimated truncation error of the plain
    /// central difference `D(h)`; an overestimate for the extrapolated
    /// value, whose error is `O(h⁴)`.
    pub truncation: T,
    /// `ROUNDING_FACTOR · ε · G / h`, with `G` the largest `|g_i|` of all the
    /// gradients evaluated: the effect of the gradient's relative rounding
    /// error on the differences (`(4/3 + 1/6) · 2 ε G / (2h)` for an error of
    /// `ε G` in each gradient, times a factor for the solves' own rounding).
    pub rounding: T,
    /// `max |Ĥ_ij − Ĥ_ji| / 2` before symmetrising: an observed error (the
    /// exact Hessian is symmetric).
    pub asymmetry: T,
    /// The gradients evaluated: `4 P` (`P` the number of parameters).
    pub gradients: usize,
}

impl<T: Real> HessianAccuracy<T> {
    /// The factor of [`HessianAccuracy::rounding`]: 64, a margin for the
    /// growth of rounding in the solves and sums behind each gradient (its
    /// relative error is some multiple of `ε`, not `ε`). On the one-state
    /// world of the tests the whole bound exceeds the observed error (against
    /// the closed form) by 5 to 12 times.
    pub const ROUNDING_FACTOR: usize = 64;

    /// `truncation + rounding + asymmetry`: the stated bound on the error of
    /// each entry.
    pub fn bound(&self) -> T {
        self.truncation + self.rounding + self.asymmetry
    }
}

impl<T: Real, const S: usize, const A: usize> ExactWorkspace<T, S, A> {
    /// The Hessian of `J_τ` with respect to the policy's flat parameters
    /// (`θ[f][a]` at `f * A + a`, as [`Softmax::params`]; with
    /// [`OneHotBias`](crate::policy::OneHotBias) the bias is the last `A`),
    /// into the row-major `P × P` `out` (`P` = [`Softmax::PARAMS`], length
    /// [`hessian_len`]`(P)`): `out[i * P + j] = ∂²J_τ / ∂θ_i ∂θ_j`, with the
    /// default step [`default_hessian_step`]. The policy's `mix` is
    /// honoured as in [`ExactWorkspace::evaluate`].
    ///
    /// Cost: `4 P` exact evaluations and gradients (432 for the paper's
    /// policy). No scratch beyond `out`: three gradients of `F × A` live on
    /// the stack, and a copy of the policy, which is perturbed one parameter
    /// at a time (the caller's is not touched). The workspace afterwards
    /// holds the evaluation of a perturbed policy, which no result refers to.
    ///
    /// # Errors
    ///
    /// As [`ExactWorkspace::hessian_with_step_into`].
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::linalg::symmetric_eigen;
    /// use policy_landscape::{ExactWorkspace, Softmax, exact::hessian_len};
    ///
    /// // A 2-state, 2-action world; the tabular policy has 4 parameters.
    /// let mdp = policy_landscape::TabularMdp::<f64, 2, 2>::try_new(
    ///     [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]],
    ///     [[0.0, 1.0], [2.0, 0.0]],
    ///     0.9,
    ///     [1.0, 0.0],
    /// )?;
    /// let mut policy = Softmax::<f64, 2, 2>::tabular();
    /// policy.set_params(&[0.3, -0.2, 0.1, 0.5])?;
    /// let mut ws = ExactWorkspace::new();
    /// let mut h = [0.0; hessian_len(4)];
    /// let acc = ws.hessian_into(&mdp, &policy, 0.01, &mut h)?;
    /// assert!(acc.bound() < 1e-7);
    /// assert_eq!(h[1], h[4]); // symmetric
    /// let mut values = [0.0; 4];
    /// symmetric_eigen(&mut h, 4, &mut values, None)?;
    /// assert!(values[0] <= values[3]);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn hessian_into<const F: usize, M: FeatureMap<T, S, F> + Clone>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &Softmax<T, S, A, F, M>,
        tau: T,
        out: &mut [T],
    ) -> Result<HessianAccuracy<T>> {
        self.hessian_with_step_into(mdp, policy, tau, default_hessian_step(), out)
    }

    /// [`ExactWorkspace::hessian_into`] with the step `h` given (the
    /// extrapolation also uses `2h`; [`default_hessian_step`] says how to
    /// choose it).
    ///
    /// # Errors
    ///
    /// - [`Error::LengthMismatch`] unless `out.len() == P * P`;
    /// - [`Error::InvalidParameter`] for a negative or non-finite `tau`, or
    ///   a step that is not finite and positive (`"step"`);
    /// - [`Error::NonFinite`] for a NaN or infinite parameter;
    /// - [`Error::NumericalOverflow`] (`"perturbed parameter"`) if
    ///   `θ_j ± 2h` overflows; otherwise as [`ExactWorkspace::evaluate`] and
    ///   [`Evaluation::gradient_into`](super::Evaluation::gradient_into) at
    ///   the perturbed parameters ([`Error::NumericalOverflow`] if the
    ///   Hessian itself overflows).
    ///
    /// `out` is untouched by the input checks and all zeros after a later
    /// error.
    pub fn hessian_with_step_into<const F: usize, M: FeatureMap<T, S, F> + Clone>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &Softmax<T, S, A, F, M>,
        tau: T,
        step: T,
        out: &mut [T],
    ) -> Result<HessianAccuracy<T>> {
        let p = F * A;
        check_len("hessian", out.len(), hessian_len(p))?;
        if !(tau.is_finite() && tau >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        if !(step.is_finite() && step > T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "step",
                rule: "be finite and positive",
            });
        }
        policy.check()?;
        let result = self.hessian_columns(mdp, policy, tau, step, out);
        if result.is_err() {
            out.fill(T::ZERO);
        }
        result
    }

    /// The columns, the symmetrisation and the error statement.
    fn hessian_columns<const F: usize, M: FeatureMap<T, S, F> + Clone>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &Softmax<T, S, A, F, M>,
        tau: T,
        h: T,
        out: &mut [T],
    ) -> Result<HessianAccuracy<T>> {
        let p = F * A;
        let mut theta = policy.clone();
        let mut plus = [[T::ZERO; A]; F];
        let mut minus = [[T::ZERO; A]; F];
        let mut d_h = [[T::ZERO; A]; F];
        let mut d_2h = [[T::ZERO; A]; F];
        let mut g_max = T::ZERO;
        let mut truncation = T::ZERO;
        let third = T::ONE / T::from_usize(3);
        for j in 0..p {
            let x = policy.params()[j];
            for (hk, diff) in [(h, &mut d_h), (h * T::TWO, &mut d_2h)] {
                let (up, down) = (x + hk, x - hk);
                if !(up.is_finite() && down.is_finite()) {
                    return Err(Error::NumericalOverflow {
                        what: "perturbed parameter",
                    });
                }
                // The step actually taken (θ ± h rounds for large θ).
                let span = up - down;
                theta.params_mut()[j] = up;
                self.evaluate(mdp, &theta, tau)?.gradient_array(&mut plus)?;
                theta.params_mut()[j] = down;
                self.evaluate(mdp, &theta, tau)?
                    .gradient_array(&mut minus)?;
                for ((d, &gp), &gm) in diff
                    .as_flattened_mut()
                    .iter_mut()
                    .zip(plus.as_flattened())
                    .zip(minus.as_flattened())
                {
                    g_max = g_max.max(gp.abs()).max(gm.abs());
                    *d = (gp - gm) / span;
                }
            }
            theta.params_mut()[j] = x;
            // Column j: (4 D(h) − D(2h)) / 3.
            for (i, (&dh, &d2h)) in d_h
                .as_flattened()
                .iter()
                .zip(d_2h.as_flattened())
                .enumerate()
            {
                truncation = truncation.max((dh - d2h).abs() * third);
                out[i * p + j] = (T::from_usize(4) * dh - d2h) * third;
            }
        }
        check_overflow("hessian", out)?;
        let mut asymmetry = T::ZERO;
        for i in 0..p {
            for j in i + 1..p {
                let (a, b) = (out[i * p + j], out[j * p + i]);
                asymmetry = asymmetry.max((a - b).abs() * T::HALF);
                let m = (a + b) * T::HALF;
                out[i * p + j] = m;
                out[j * p + i] = m;
            }
        }
        let rounding =
            T::from_usize(HessianAccuracy::<T>::ROUNDING_FACTOR) * T::EPSILON * g_max / h;
        Ok(HessianAccuracy {
            step: h,
            truncation,
            rounding,
            asymmetry,
            gradients: 4 * p,
        })
    }
}

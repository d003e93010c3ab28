//! The softmax distribution of one state, mixed with the uniform one, and
//! its entropy: the arithmetic behind every [`super::Softmax`] state.

use crate::error::{Error, Result, check_finite};
use crate::real::Real;

/// The policy in one state: unmixed softmax `p`, mixed `π`, `ln π` and the
/// entropy `H(π)`, all from one log-sum-exp.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SoftmaxRow<T, const A: usize> {
    /// `softmax(z)` before mixing.
    pub p: [T; A],
    /// `(1 - mix) p + mix / A`.
    pub pi: [T; A],
    /// `ln π`; finite wherever `π > 0`.
    pub log_pi: [T; A],
    /// `H(π) = -Σ π ln π`.
    pub entropy: T,
}

impl<T: Real, const A: usize> Default for SoftmaxRow<T, A> {
    /// All zeros: storage to be overwritten (not a distribution).
    fn default() -> Self {
        Self {
            p: [T::ZERO; A],
            pi: [T::ZERO; A],
            log_pi: [T::ZERO; A],
            entropy: T::ZERO,
        }
    }
}

impl<T: Real, const A: usize> SoftmaxRow<T, A> {
    /// Computes the row from finite logits `z` and `mix` in `[0, 1]`.
    ///
    /// `p` is from log-sum-exp; with `mix = 0`, `ln π = z - lse(z)` exactly,
    /// with no logarithm of a probability.
    ///
    /// `A` must be positive; a row of no actions does not compile:
    ///
    /// ```compile_fail
    /// use policy_landscape::policy::SoftmaxRow;
    ///
    /// let _ = SoftmaxRow::<f64, 0>::from_logits(&[], 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what = "logits"`) for a NaN or infinite logit;
    /// [`Error::InvalidProbability`] for `mix` outside `[0, 1]` or NaN.
    #[inline]
    pub fn from_logits(z: &[T; A], mix: T) -> Result<Self> {
        const { assert!(A > 0, "a softmax row needs at least one action") };
        check_finite("logits", z)?;
        if !(mix >= T::ZERO && mix <= T::ONE) {
            return Err(Error::InvalidProbability { what: "mix" });
        }
        Ok(Self::compute(z, mix, true))
    }

    /// As [`SoftmaxRow::from_logits`] when `with_log`; otherwise only `p` and
    /// `π` are computed (no logarithm at all) and `log_pi`, `entropy` are 0.
    #[inline]
    pub(crate) fn compute(z: &[T; A], mix: T, with_log: bool) -> Self {
        let mut max = z[0];
        for &x in &z[1..] {
            max = max.max(x);
        }
        let mut p = [T::ZERO; A];
        let mut sum = T::ZERO;
        for (pi, &x) in p.iter_mut().zip(z) {
            let e = (x - max).exp();
            *pi = e;
            sum += e;
        }
        // sum >= 1 (the max contributes exp(0)), so this is safe.
        let inv = T::ONE / sum;
        for x in p.iter_mut() {
            *x *= inv;
        }
        let mut pi = p;
        if mix != T::ZERO {
            let keep = T::ONE - mix;
            let floor = mix / T::from_usize(A);
            for (m, &pu) in pi.iter_mut().zip(&p) {
                *m = keep * pu + floor;
            }
        }
        let mut log_pi = [T::ZERO; A];
        let mut entropy = T::ZERO;
        if with_log {
            let ln_sum = sum.ln();
            if mix == T::ZERO {
                for (l, &x) in log_pi.iter_mut().zip(z) {
                    *l = x - max - ln_sum;
                }
            } else {
                let keep = T::ONE - mix;
                for ((l, &m), &x) in log_pi.iter_mut().zip(&pi).zip(z) {
                    *l = if m > T::ZERO {
                        m.ln()
                    } else {
                        // Only when mix / A underflows: the unmixed log.
                        x - max - ln_sum + keep.ln()
                    };
                }
            }
            for (&m, &l) in pi.iter().zip(&log_pi) {
                if m > T::ZERO {
                    entropy -= m * l;
                }
            }
        }
        Self {
            p,
            pi,
            log_pi,
            entropy,
        }
    }

    /// The gradient with respect to the logits of `Σ_a π_a c_a - τ Σ_a π_a ln π_a`
    /// holding `c` fixed, i.e. `∂/∂z_b = (1 - mix) p_b (G_b - Σ_a p_a G_a)` with
    /// `G_a = c_a - τ (ln π_a + 1)`; the `+1` cancels in the centring.
    ///
    /// With `c = Q(s, ·)` this is the per-state factor of the paper's eq. 3;
    /// with `c = 0`, `τ = 1` it is `∇_z H`.
    #[inline]
    pub fn logit_gradient(&self, c: &[T; A], tau: T, mix: T, out: &mut [T; A]) {
        let mut g = [T::ZERO; A];
        let mut mean = T::ZERO;
        for (((ga, &p), &ca), &l) in g.iter_mut().zip(&self.p).zip(c).zip(&self.log_pi) {
            if p > T::ZERO {
                *ga = ca - tau * l;
                mean += p * *ga;
            }
        }
        let keep = T::ONE - mix;
        for ((o, &p), &ga) in out.iter_mut().zip(&self.p).zip(&g) {
            *o = if p > T::ZERO {
                keep * p * (ga - mean)
            } else {
                T::ZERO
            };
        }
    }
}

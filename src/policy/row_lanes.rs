//! The softmax rows of `K` policies in one state at once: the arithmetic of
//! [`SoftmaxRow`] on `[T; K]` lanes, for the batched exact evaluator.
//!
//! Every lane performs the operations of `SoftmaxRow::compute` in the same
//! order (max, `exp` of the shifted logits, sum, scaling, mixing, logarithms
//! and entropy), so lane `k` is bit-identical to the row of policy `k`
//! computed alone. The `exp` is [`crate::lanes::exp`], which vectorises in
//! `f64`; the loops over lanes have no branch per lane, except the
//! logarithms, which are scalar calls anyway.

use super::row::SoftmaxRow;
use crate::lanes;
use crate::real::Real;

/// The policy rows of one state for `K` policies, each array indexed
/// `[a][k]` (action, then lane).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowLanes<T, const A: usize, const K: usize> {
    /// `softmax(z)` before mixing.
    pub(crate) p: [[T; K]; A],
    /// `(1 - mix) p + mix / A`.
    pub(crate) pi: [[T; K]; A],
    /// `ln π` (zeros without logarithms).
    pub(crate) log_pi: [[T; K]; A],
    /// `H(π)` (zeros without logarithms).
    pub(crate) entropy: [T; K],
}

/// `f(a[k], b[k])` in every lane.
#[inline(always)]
fn zip_map<T: Real, const K: usize>(a: [T; K], b: [T; K], f: impl Fn(T, T) -> T) -> [T; K] {
    let mut out = a;
    for (o, &b) in out.iter_mut().zip(&b) {
        *o = f(*o, b);
    }
    out
}

impl<T: Real, const A: usize, const K: usize> RowLanes<T, A, K> {
    /// All zeros.
    pub(crate) const fn zero() -> Self {
        Self {
            p: [[T::ZERO; K]; A],
            pi: [[T::ZERO; K]; A],
            log_pi: [[T::ZERO; K]; A],
            entropy: [T::ZERO; K],
        }
    }

    /// Overwrites the rows with those of finite logits `z[a][k]` and each
    /// lane's `mix` in `[0, 1]`: lane `k` becomes `SoftmaxRow::compute` of
    /// `z[·][k]` and `mix[k]`, bit for bit. Without `with_log`, `log_pi` and
    /// `entropy` are zeros. Written in place: the rows of a state are `3 A K
    /// + K` scalars, not worth a copy.
    #[inline]
    pub(crate) fn fill(&mut self, z: &[[T; K]; A], mix: &[T; K], with_log: bool) {
        const { assert!(A > 0, "a softmax row needs at least one action") };
        let Some((first, rest)) = z.split_first() else {
            return;
        };
        let mut max = *first;
        for &za in rest {
            max = zip_map(max, za, lanes::max);
        }
        // The shifted logits: the arguments of exp, and of the logarithms
        // below (`x - max - ln_sum` is `(x - max) - ln_sum`).
        let mut shifted = [[T::ZERO; K]; A];
        for (d, &za) in shifted.iter_mut().zip(z) {
            *d = zip_map(za, max, |x, m| x - m);
        }
        let mut sum = [T::ZERO; K];
        for (pa, &d) in self.p.iter_mut().zip(&shifted) {
            let e = lanes::exp(d);
            *pa = e;
            sum = zip_map(sum, e, |s, e| s + e);
        }
        // sum >= 1 in every lane (the max contributes exp(0)).
        let inv = sum.map(|s| T::ONE / s);
        for pa in self.p.iter_mut() {
            *pa = zip_map(*pa, inv, |x, i| x * i);
        }
        // A lane with mix = 0 would get 1 · p + 0 = p, the same bits (p is
        // never -0), so one test for all lanes rather than one per lane.
        if mix.iter().all(|&m| m == T::ZERO) {
            self.pi = self.p;
        } else {
            let keep = mix.map(|m| T::ONE - m);
            let floor = mix.map(|m| m / T::from_usize(A));
            for (m, &pu) in self.pi.iter_mut().zip(&self.p) {
                for ((m, &pu), (&keep, &floor)) in
                    m.iter_mut().zip(&pu).zip(keep.iter().zip(&floor))
                {
                    *m = keep * pu + floor;
                }
            }
        }
        if !with_log {
            self.log_pi = [[T::ZERO; K]; A];
            self.entropy = [T::ZERO; K];
            return;
        }
        let ln_sum = sum.map(Real::ln);
        if mix.iter().all(|&m| m == T::ZERO) {
            for (l, &d) in self.log_pi.iter_mut().zip(&shifted) {
                *l = zip_map(d, ln_sum, |d, ls| d - ls);
            }
        } else {
            Self::mixed_logs(&mut self.log_pi, &self.pi, &shifted, &ln_sum, mix);
        }
        let mut entropy = [T::ZERO; K];
        for (&m, &l) in self.pi.iter().zip(&self.log_pi) {
            for ((h, &m), &l) in entropy.iter_mut().zip(&m).zip(&l) {
                let t = *h - m * l;
                *h = lanes::select(m > T::ZERO, t, *h);
            }
        }
        self.entropy = entropy;
    }

    /// `ln π` lane by lane when some lane mixes: `ln π` where `π > 0`, the
    /// unmixed logarithm where `mix / A` underflowed to a zero `π`; lanes
    /// without mixing as in [`RowLanes::compute`].
    fn mixed_logs(
        log_pi: &mut [[T; K]; A],
        pi: &[[T; K]; A],
        shifted: &[[T; K]; A],
        ln_sum: &[T; K],
        mix: &[T; K],
    ) {
        for (k, (&mix, &ln_sum)) in mix.iter().zip(ln_sum).enumerate() {
            let keep = T::ONE - mix;
            let lanes = log_pi.iter_mut().zip(pi).zip(shifted);
            for ((l, m), d) in lanes {
                let (Some(l), Some(&m), Some(&d)) = (l.get_mut(k), m.get(k), d.get(k)) else {
                    continue;
                };
                *l = if mix == T::ZERO {
                    d - ln_sum
                } else if m > T::ZERO {
                    m.ln()
                } else {
                    d - ln_sum + keep.ln()
                };
            }
        }
    }

    /// Lane `k` as a [`SoftmaxRow`] (zeros for `k >= K`).
    #[inline]
    pub(crate) fn lane(&self, k: usize) -> SoftmaxRow<T, A> {
        SoftmaxRow {
            p: pick(&self.p, k),
            pi: pick(&self.pi, k),
            log_pi: pick(&self.log_pi, k),
            entropy: self.entropy.get(k).copied().unwrap_or(T::ZERO),
        }
    }
}

/// Lane `k` of `x[a][k]` (zeros for `k >= K`). Element by element through
/// references: a by-value copy of `x` here becomes, once inlined into a
/// loop over states, a copy of every state's rows.
#[inline(always)]
pub(crate) fn pick<T: Real, const A: usize, const K: usize>(x: &[[T; K]; A], k: usize) -> [T; A] {
    let mut out = [T::ZERO; A];
    for (o, xa) in out.iter_mut().zip(x) {
        *o = xa.get(k).copied().unwrap_or(T::ZERO);
    }
    out
}

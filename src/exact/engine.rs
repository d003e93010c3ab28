//! The lane-generic core of exact evaluation on a fixed-size MDP: the
//! symbolic phase (once per MDP pattern), the assembly and factorisation of
//! `(I - γ P_π)ᵀ`, the solves for `V` and `d`, and `Q`.
//!
//! [`super::ExactWorkspace`] runs it with `V = T` (one parameter vector),
//! [`super::ExactBatch`] with `V = [T; K]` (`K` vectors per pass); both get
//! the same bits per lane because every operation here is per lane.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here, as in
// the parent module: indices are below the const generics S and A, next
// states lie in the MDP's validated supports lo <= hi <= S, and the
// pattern's columns are below S (see `linalg::schedule`).
use core::marker::PhantomData;

use crate::error::Result;
use crate::linalg::schedule::{self, Index, LowerGraph, Pattern, PatternMut};
use crate::mdp::TabularMdp;
use crate::real::Lane;
use crate::real::Real;

/// Supports of a dense MDP: `[lo, hi)` of the next states of each `(s, a)`.
type Supports<const S: usize, const A: usize> = [[[u16; 2]; A]; S];

/// The structure of `A + Aᵀ` for `A = (I - γ P_π)ᵀ`: `j` and `i` are
/// neighbours when one can follow the other under some action (within the
/// MDP's support ranges, a superset of the non-zeros that is cheap to
/// compare).
struct DenseGraph<'a, const S: usize, const A: usize>(&'a Supports<S, A>);

impl<const S: usize, const A: usize> DenseGraph<'_, S, A> {
    #[inline]
    fn reaches(&self, s: usize, next: usize) -> bool {
        self.0[s]
            .iter()
            .any(|&[lo, hi]| usize::from(lo) <= next && next < usize::from(hi))
    }
}

impl<const S: usize, const A: usize> LowerGraph for DenseGraph<'_, S, A> {
    fn n(&self) -> usize {
        S
    }
    fn for_each_lower(&self, i: usize, mut f: impl FnMut(usize)) {
        for j in 0..i {
            if self.reaches(j, i) || self.reaches(i, j) {
                f(j);
            }
        }
    }
}

/// Scratch and results of exact evaluation in lanes `V` (`T` or `[T; K]`).
#[derive(Clone, Debug)]
pub(crate) struct Engine<T, V, const S: usize, const A: usize> {
    /// The supports the pattern was computed for (`ready` once computed).
    key: Supports<S, A>,
    ready: bool,
    start: [u32; S],
    diag: [u32; S],
    end: [u32; S],
    /// Columns of `L + U`, packed by rows (at most `S²` of them).
    col: [[u16; S]; S],
    /// For each entry `(i, s)` of the pattern, bit `a` is set when `i` lies
    /// in the support of `(s, a)`: the actions whose transitions the
    /// assembly of row `i` visits (all of them, `u16::MAX`, when `A > 16`).
    mask: [[u16; S]; S],
    /// Values of `L + U`, aligned with `col`.
    vals: [[V; S]; S],
    inv: [V; S],
    work: [V; S],
    /// `γ π(a|s)`: the weights of `P_π` in the assembled matrix.
    pub(crate) weight: [[V; A]; S],
    /// `r_τ`.
    pub(crate) r: [V; S],
    pub(crate) v: [V; S],
    pub(crate) d: [V; S],
    pub(crate) q: [[V; A]; S],
    scalar: PhantomData<fn() -> T>,
}

impl<T: Real, V: Lane<T>, const S: usize, const A: usize> Engine<T, V, S, A> {
    pub(crate) fn new() -> Self {
        let zero = V::splat(T::ZERO);
        Self {
            key: [[[0; 2]; A]; S],
            ready: false,
            start: [0; S],
            diag: [0; S],
            end: [0; S],
            col: [[0; S]; S],
            mask: [[0; S]; S],
            vals: [[zero; S]; S],
            inv: [zero; S],
            work: [zero; S],
            weight: [[zero; A]; S],
            r: [zero; S],
            v: [zero; S],
            d: [zero; S],
            q: [[zero; A]; S],
            scalar: PhantomData,
        }
    }

    fn pattern(&self) -> Pattern<'_, u16> {
        Pattern {
            start: &self.start,
            diag: &self.diag,
            end: &self.end,
            col: self.col.as_flattened(),
        }
    }

    /// The symbolic phase for `mdp`'s pattern, unless it is the one the
    /// workspace already holds (a comparison of `S · A` ranges).
    fn bind(&mut self, mdp: &TabularMdp<T, S, A>) -> Result<()> {
        let supports = mdp.supports();
        if self.ready && self.key == *supports {
            return Ok(());
        }
        self.ready = false;
        let mut parent = [0u32; S];
        let mut mark = [0u32; S];
        let mut cursor = [0u32; S];
        schedule::symbolic(
            &DenseGraph(supports),
            PatternMut {
                start: &mut self.start,
                diag: &mut self.diag,
                end: &mut self.end,
                col: self.col.as_flattened_mut(),
                parent: &mut parent,
                mark: &mut mark,
                cursor: &mut cursor,
            },
            usize::from(u16::MAX),
        )?;
        for i in 0..S {
            let (lo, hi) = (self.start[i] as usize, self.end[i] as usize);
            let cols = &self.col.as_flattened()[lo..hi];
            let masks = &mut self.mask.as_flattened_mut()[lo..hi];
            for (m, &s) in masks.iter_mut().zip(cols) {
                *m = if A > 16 {
                    u16::MAX
                } else {
                    let mut bits = 0u16;
                    for (a, &[lo, hi]) in supports[usize::from(s)].iter().enumerate() {
                        if usize::from(lo) <= i && i < usize::from(hi) {
                            bits |= 1 << a;
                        }
                    }
                    bits
                };
            }
        }
        self.key = *supports;
        self.ready = true;
        Ok(())
    }

    /// Assembles `(I - P_w)ᵀ` with `P_w[s][s'] = Σ_a weight[s][a] P[s][a][s']`
    /// and factors it.
    ///
    /// Why the transpose: `I - γ P_π` is strictly row diagonally dominant
    /// (`γ < 1`, stochastic rows), so its transpose is column diagonally
    /// dominant and elimination without pivoting is what partial pivoting
    /// would do. And a state that many states lead to (an absorbing state)
    /// becomes a late *row* rather than a late column, so it does not fill
    /// every row it touches. `V` then comes from the transposed solve and
    /// `d` from the plain one.
    pub(crate) fn factor(&mut self, mdp: &TabularMdp<T, S, A>) -> Result<()> {
        self.bind(mdp)?;
        let p = mdp.transitions();
        let supports = mdp.supports();
        let weight = &self.weight;
        let one = V::splat(T::ONE);
        let pattern = Pattern {
            start: &self.start,
            diag: &self.diag,
            end: &self.end,
            col: self.col.as_flattened(),
        };
        let masks = self.mask.as_flattened();
        schedule::factor(
            &pattern,
            self.vals.as_flattened_mut(),
            &mut self.inv,
            &mut self.work,
            |i, cols, w| {
                // Row i of the transpose: the states s that can lead to i,
                // each action in increasing order (as the dense assembly).
                w[i] = one;
                let first = pattern.start[i] as usize;
                for (c, &mask) in cols.iter().zip(&masks[first..]) {
                    let s = c.ix();
                    let mut bits = mask;
                    if A > 16 {
                        for (a, &[lo, hi]) in supports[s].iter().enumerate() {
                            if usize::from(lo) <= i && i < usize::from(hi) {
                                let pt = p[s][a][i];
                                if pt != T::ZERO {
                                    w[s] = w[s].sub_mul_scalar(weight[s][a], pt);
                                }
                            }
                        }
                        continue;
                    }
                    while bits != 0 {
                        let a = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        let pt = p[s][a][i];
                        if pt != T::ZERO {
                            w[s] = w[s].sub_mul_scalar(weight[s][a], pt);
                        }
                    }
                }
            },
        )
    }

    /// `V = (I - γ P_π)⁻¹ r` (the transposed solve of the stored factors).
    pub(crate) fn solve_value(&mut self) {
        let mut v = self.r;
        let pattern = self.pattern();
        schedule::solve_transpose(&pattern, self.vals.as_flattened(), &self.inv, &mut v);
        self.v = v;
    }

    /// `d = p0ᵀ (I - γ P_π)⁻¹` (the plain solve).
    pub(crate) fn solve_occupancy(&mut self, mdp: &TabularMdp<T, S, A>) {
        for (d, &p0) in self.d.iter_mut().zip(mdp.start()) {
            *d = V::splat(p0);
        }
        let pattern = self.pattern();
        let mut d = self.d;
        schedule::solve(&pattern, self.vals.as_flattened(), &self.inv, &mut d);
        self.d = d;
    }

    /// `p0 · V`.
    pub(crate) fn start_value(&self, mdp: &TabularMdp<T, S, A>) -> V {
        let mut j = V::splat(T::ZERO);
        for (&p0, &v) in mdp.start().iter().zip(&self.v) {
            j = j.add_mul_scalar(v, p0);
        }
        j
    }

    /// `Q[s][a] = R[s][a] + bonus[s] + γ Σ P[s][a][s'] V[s']`.
    pub(crate) fn action_values(&mut self, mdp: &TabularMdp<T, S, A>, bonus: &[V; S]) {
        let gamma = mdp.gamma();
        let p = mdp.transitions();
        let r = mdp.rewards();
        let supports = mdp.supports();
        for s in 0..S {
            for a in 0..A {
                let [lo, hi] = supports[s][a];
                let range = usize::from(lo)..usize::from(hi);
                let mut ev = V::splat(T::ZERO);
                for (&pt, &v) in p[s][a][range.clone()].iter().zip(&self.v[range]) {
                    ev = ev.add_mul_scalar(v, pt);
                }
                // R + bonus + γ ev, in that order, per lane.
                let base = V::splat(r[s][a]).add_mul_scalar(bonus[s], T::ONE);
                self.q[s][a] = base.add_mul_scalar(ev, gamma);
            }
        }
    }
}

//! Exact evaluation of large MDPs: [`SparsePlan`] (the symbolic phase of a
//! [`SparseMdp`]: a fill-reducing ordering, the pattern of the LU factors
//! of `(I - γ P_π)ᵀ` and the incoming transition lists, computed once) and
//! [`SparseWorkspace`] (the numeric phase per policy: `V`, `Q`, `d`, `J_τ`
//! and the exact gradient of eq. 3 for a tabular softmax policy).
//!
//! Both live on caller storage; the factorisation and solves are the same
//! kernels as the fixed-size [`super::ExactWorkspace`]'s
//! (`linalg::schedule`). With [`Ordering::Natural`] the results equal the
//! fixed-size evaluator's bit for bit (a test checks it on the paper's
//! world); [`Ordering::NestedDissection`] (the default) reorders the states
//! so that the factors of a 10⁵-state gridworld stay small, and agrees with
//! the dense results to rounding.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// lengths are checked when the plan and the workspace are built (every
// slice is carved from the caller's buffer at its exact length); states and
// next states come from the validated MDP (below n); the permutation is a
// permutation of 0..n (checked after the ordering); incoming lists index
// 0..m; s·A + a < n·A (u32 after the size checks). Hot path.

use crate::error::{Error, Result, check_len, check_overflow, rule};
use crate::linalg::ordering::{nested_dissection, nested_dissection_scratch};
use crate::linalg::schedule::{self, LowerGraph, Pattern, PatternMut};
use crate::mdp::SparseMdp;
use crate::policy::SoftmaxRow;
use crate::real::Real;

/// The elimination order of a [`SparsePlan`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Ordering {
    /// The states' own order: the fixed-size evaluator's, bit for bit; fine
    /// for small or chain-like MDPs, costly for grids (fill grows as
    /// `n^1.5`).
    Natural,
    /// Nested dissection of the transition graph (computed in the symbolic
    /// phase): the factors of a `k × k` gridworld hold `O(n log n)` entries.
    #[default]
    NestedDissection,
}

/// Splits `n` items off the front of `buf`.
fn take<'a, X>(buf: &mut &'a mut [X], n: usize, what: &'static str) -> Result<&'a mut [X]> {
    if buf.len() < n {
        return Err(Error::LengthMismatch {
            what,
            expected: n,
            found: buf.len(),
        });
    }
    let (head, tail) = core::mem::take(buf).split_at_mut(n);
    *buf = tail;
    Ok(head)
}

/// The symbolic phase of a [`SparseMdp`], on caller storage (`u32`
/// indices): the elimination order, the pattern of `L + U` and, for each
/// state, the transitions that lead to it. Computed once per MDP; any
/// number of [`SparseWorkspace`]s (one per thread) can share it.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "std")] {
/// use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
/// use policy_landscape::mdp::{Gridworld, RewardCell};
/// use policy_landscape::policy::SoftmaxRow;
///
/// let cells = [RewardCell::new(0, 31, 5.0), RewardCell::new(31, 0, 4.5)];
/// let world = Gridworld::new(32, &cells).build_sparse_owned::<4>()?; // 1025 states
/// let mdp = world.view();
/// let mut indices = vec![0; SparsePlan::index_len(&mdp, Ordering::NestedDissection)?];
/// let plan = SparsePlan::new(mdp, Ordering::NestedDissection, &mut indices)?;
/// let n = mdp.states();
/// let mut scalars = vec![0.0; plan.scalar_len()];
/// let mut rows = vec![SoftmaxRow::default(); n];
/// let mut q = vec![[0.0; 4]; n];
/// let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q)?;
/// let theta = vec![[0.0; 4]; n]; // the uniform policy
/// let eval = ws.evaluate(&theta, 0.0, 0.01)?;
/// let mut grad = vec![[0.0; 4]; n];
/// eval.gradient_into(&mut grad)?;
/// assert!(eval.j_tau() > 0.0);
/// # }
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SparsePlan<'a, T, const A: usize> {
    mdp: SparseMdp<'a, T, A>,
    ordering: Ordering,
    /// `perm[new] = old`, `iperm[old] = new`.
    perm: &'a [u32],
    iperm: &'a [u32],
    start: &'a [u32],
    diag: &'a [u32],
    end: &'a [u32],
    col: &'a [u32],
    /// Transitions into state `t` (old numbering):
    /// `in_e[in_ptr[t]..in_ptr[t + 1]]`, sorted by source state then action;
    /// `in_sa` holds `s · A + a` of each.
    in_ptr: &'a [u32],
    in_e: &'a [u32],
    in_sa: &'a [u32],
}

/// The graph of `A + Aᵀ` in the elimination order, seen by the symbolic
/// phase.
struct PlanGraph<'g, T, const A: usize> {
    mdp: SparseMdp<'g, T, A>,
    perm: &'g [u32],
    iperm: &'g [u32],
    in_ptr: &'g [u32],
    in_sa: &'g [u32],
}

impl<T: Real, const A: usize> LowerGraph for PlanGraph<'_, T, A> {
    fn n(&self) -> usize {
        self.perm.len()
    }
    fn for_each_lower(&self, i: usize, mut f: impl FnMut(usize)) {
        let t = self.perm[i] as usize;
        let offsets = self.mdp.offsets();
        let next = self.mdp.next_states();
        let (lo, hi) = (offsets[t * A] as usize, offsets[t * A + A] as usize);
        for &j in &next[lo..hi] {
            let j = self.iperm[j as usize] as usize;
            if j < i {
                f(j);
            }
        }
        let (lo, hi) = (self.in_ptr[t] as usize, self.in_ptr[t + 1] as usize);
        for &sa in &self.in_sa[lo..hi] {
            let j = self.iperm[sa as usize / A] as usize;
            if j < i {
                f(j);
            }
        }
    }
}

impl<'a, T: Real, const A: usize> SparsePlan<'a, T, A> {
    /// The indices kept by the plan before the factor pattern:
    /// `6 n + 1 + 2 m` for `n` states and `m` transitions.
    fn fixed_len(n: usize, m: usize) -> usize {
        n.saturating_mul(6)
            .saturating_add(1)
            .saturating_add(m.saturating_mul(2))
    }

    /// The scratch the ordering needs beyond the fixed part.
    fn ordering_len(n: usize, m: usize, ordering: Ordering) -> usize {
        match ordering {
            Ordering::Natural => n,
            Ordering::NestedDissection => {
                let adj = m.saturating_mul(2);
                n.saturating_add(1)
                    .saturating_add(adj)
                    .saturating_add(nested_dissection_scratch(n, adj))
                    .max(n)
            }
        }
    }

    /// The indices [`SparsePlan::new`] needs at least to compute the
    /// ordering and count the factors' entries: a buffer of this length
    /// either suffices or makes `new` report the exact length
    /// ([`Error::LengthMismatch`] with `what = "plan indices"`).
    pub fn planning_len(mdp: &SparseMdp<'_, T, A>, ordering: Ordering) -> usize {
        Self::planning_len_for(mdp.states(), mdp.transitions(), ordering)
    }

    /// [`SparsePlan::planning_len`] of an MDP of `states` states and
    /// `transitions` stored transitions, before it is built (to size the
    /// caller's memory for the MDP and its plan at once).
    pub fn planning_len_for(states: usize, transitions: usize, ordering: Ordering) -> usize {
        let (n, m) = (states, transitions);
        Self::fixed_len(n, m)
            .saturating_add(Self::ordering_len(n, m, ordering).max(n.saturating_mul(3)))
    }

    /// The exact number of indices [`SparsePlan::new`] needs for `mdp`
    /// (allocates a planning buffer; `std` feature).
    ///
    /// # Errors
    ///
    /// As [`SparsePlan::new`].
    #[cfg(feature = "std")]
    pub fn index_len(mdp: &SparseMdp<'_, T, A>, ordering: Ordering) -> Result<usize> {
        let buf_len = Self::planning_len(mdp, ordering);
        let mut buf = std::vec![0u32; buf_len];
        match SparsePlan::new(*mdp, ordering, &mut buf) {
            // `new` refuses buffers shorter than the planning length, even
            // when the plan itself keeps fewer indices.
            Ok(plan) => Ok(plan.index_used().max(buf_len)),
            Err(Error::LengthMismatch {
                what: "plan indices",
                expected,
                ..
            }) => Ok(expected),
            Err(e) => Err(e),
        }
    }

    /// The indices this plan occupies at the front of its buffer.
    #[cfg(feature = "std")]
    fn index_used(&self) -> usize {
        let n = self.perm.len();
        Self::fixed_len(n, self.in_e.len())
            .saturating_add(self.col.len())
            .saturating_add(n.saturating_mul(3))
    }

    /// The symbolic phase of `mdp`, on `indices`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] (`what = "plan indices"`, `expected` the
    /// length needed) if `indices` is too short: first at least
    /// [`SparsePlan::planning_len`], then the exact length, known once the
    /// factors' entries are counted.
    pub fn new(
        mdp: SparseMdp<'a, T, A>,
        ordering: Ordering,
        indices: &'a mut [u32],
    ) -> Result<Self> {
        let (n, m) = (mdp.states(), mdp.transitions());
        let found = indices.len();
        let planning = Self::planning_len(&mdp, ordering);
        if found < planning {
            return Err(Error::LengthMismatch {
                what: "plan indices",
                expected: planning,
                found,
            });
        }
        let mut buf: &mut [u32] = indices;
        let perm = take(&mut buf, n, "plan indices")?;
        let iperm = take(&mut buf, n, "plan indices")?;
        let start = take(&mut buf, n, "plan indices")?;
        let diag = take(&mut buf, n, "plan indices")?;
        let end = take(&mut buf, n, "plan indices")?;
        let in_ptr = take(&mut buf, n + 1, "plan indices")?;
        let in_e = take(&mut buf, m, "plan indices")?;
        let in_sa = take(&mut buf, m, "plan indices")?;
        let rest = buf;

        // Incoming lists: a counting sort of the transitions by next state,
        // visiting them in (s, a) order so each list is sorted by source.
        in_ptr.fill(0);
        for &j in mdp.next_states() {
            in_ptr[j as usize + 1] += 1;
        }
        for t in 0..n {
            in_ptr[t + 1] += in_ptr[t];
        }
        {
            let cursor = &mut rest[..n];
            cursor.copy_from_slice(&in_ptr[..n]);
            let offsets = mdp.offsets();
            let next = mdp.next_states();
            for sa in 0..n * A {
                for e in offsets[sa] as usize..offsets[sa + 1] as usize {
                    let t = next[e] as usize;
                    let pos = cursor[t] as usize;
                    in_e[pos] = e as u32;
                    in_sa[pos] = sa as u32;
                    cursor[t] += 1;
                }
            }
        }

        // The elimination order.
        match ordering {
            Ordering::Natural => {
                for (i, p) in perm.iter_mut().enumerate() {
                    *p = i as u32;
                }
            }
            Ordering::NestedDissection => {
                let (ptr, tail) = rest.split_at_mut(n + 1);
                let (adj, scratch) = tail.split_at_mut(2 * m);
                let offsets = mdp.offsets();
                let next = mdp.next_states();
                // Neighbours of t: its next states and its sources.
                ptr[0] = 0;
                let mut k = 0usize;
                for t in 0..n {
                    for &j in &next[offsets[t * A] as usize..offsets[t * A + A] as usize] {
                        if j as usize != t {
                            adj[k] = j;
                            k += 1;
                        }
                    }
                    for &sa in &in_sa[in_ptr[t] as usize..in_ptr[t + 1] as usize] {
                        let s = sa as usize / A;
                        if s != t {
                            adj[k] = s as u32;
                            k += 1;
                        }
                    }
                    ptr[t + 1] = k as u32;
                }
                nested_dissection(ptr, &adj[..k], perm, scratch)?;
            }
        }
        iperm.fill(u32::MAX);
        for (i, &p) in perm.iter().enumerate() {
            match iperm.get_mut(p as usize) {
                Some(x) if *x == u32::MAX => *x = i as u32,
                _ => {
                    return Err(Error::InvalidParameter {
                        what: "ordering",
                        rule: "be a permutation of the states",
                    });
                }
            }
        }

        // The pattern: columns first in `rest`, the symbolic scratch last.
        let rest_len = rest.len();
        let (col, scratch) = rest.split_at_mut(rest_len - 3 * n);
        let (parent, scratch) = scratch.split_at_mut(n);
        let (mark, cursor) = scratch.split_at_mut(n);
        let graph = PlanGraph {
            mdp,
            perm,
            iperm,
            in_ptr,
            in_sa,
        };
        let total = match schedule::symbolic(
            &graph,
            PatternMut {
                start,
                diag,
                end,
                col,
                parent,
                mark,
                cursor,
            },
            u32::MAX as usize - 1,
        ) {
            Ok(total) => total,
            Err(Error::LengthMismatch {
                what: "pattern columns (capacity)",
                expected,
                ..
            }) => {
                return Err(Error::LengthMismatch {
                    what: "plan indices",
                    expected: Self::fixed_len(n, m)
                        .saturating_add(expected)
                        .saturating_add(3 * n),
                    found,
                });
            }
            Err(e) => return Err(e),
        };
        Ok(Self {
            mdp,
            ordering,
            perm,
            iperm,
            start,
            diag,
            end,
            col: &col[..total],
            in_ptr,
            in_e,
            in_sa,
        })
    }

    /// The MDP this plan was made for.
    pub fn mdp(&self) -> &SparseMdp<'a, T, A> {
        &self.mdp
    }

    /// The elimination order.
    pub fn ordering(&self) -> Ordering {
        self.ordering
    }

    /// The entries of the factors `L + U` (a measure of the fill).
    pub fn factor_entries(&self) -> usize {
        self.col.len()
    }

    /// The scalars a [`SparseWorkspace`] on this plan needs:
    /// [`SparsePlan::factor_entries`] `+ 6 n`.
    pub fn scalar_len(&self) -> usize {
        self.col
            .len()
            .saturating_add(self.perm.len().saturating_mul(6))
    }

    fn pattern(&self) -> Pattern<'a, u32> {
        Pattern {
            start: self.start,
            diag: self.diag,
            end: self.end,
            col: self.col,
        }
    }
}

/// The numeric phase of exact evaluation on a [`SparsePlan`], on caller
/// storage: [`SparsePlan::scalar_len`] scalars, and one policy row and one
/// row of `Q` per state.
#[derive(Debug)]
pub struct SparseWorkspace<'a, T, const A: usize> {
    plan: &'a SparsePlan<'a, T, A>,
    vals: &'a mut [T],
    inv: &'a mut [T],
    work: &'a mut [T],
    /// Scratch in the elimination order.
    y: &'a mut [T],
    r: &'a mut [T],
    v: &'a mut [T],
    d: &'a mut [T],
    rows: &'a mut [SoftmaxRow<T, A>],
    q: &'a mut [[T; A]],
}

impl<'a, T: Real, const A: usize> SparseWorkspace<'a, T, A> {
    /// A workspace over `scalars` ([`SparsePlan::scalar_len`]), `rows` and
    /// `q` (one per state).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for storage of the wrong length.
    pub fn new(
        plan: &'a SparsePlan<'a, T, A>,
        scalars: &'a mut [T],
        rows: &'a mut [SoftmaxRow<T, A>],
        q: &'a mut [[T; A]],
    ) -> Result<Self> {
        let n = plan.perm.len();
        check_len("scalars", scalars.len(), plan.scalar_len())?;
        check_len("rows", rows.len(), n)?;
        check_len("q", q.len(), n)?;
        let mut buf: &mut [T] = scalars;
        let vals = take(&mut buf, plan.col.len(), "scalars")?;
        let inv = take(&mut buf, n, "scalars")?;
        let work = take(&mut buf, n, "scalars")?;
        let y = take(&mut buf, n, "scalars")?;
        let r = take(&mut buf, n, "scalars")?;
        let v = take(&mut buf, n, "scalars")?;
        let d = take(&mut buf, n, "scalars")?;
        Ok(Self {
            plan,
            vals,
            inv,
            work,
            y,
            r,
            v,
            d,
            rows,
            q,
        })
    }

    /// Policy rows, `r_τ`, the factorisation and `V`.
    fn prepare(&mut self, theta: &[[T; A]], mix: T, tau: T) -> Result<()> {
        let mdp = self.plan.mdp;
        let n = mdp.states();
        check_len("theta", theta.len(), n)?;
        if !(tau.is_finite() && tau >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        if !(mix >= T::ZERO && mix <= T::ONE) {
            return Err(Error::InvalidProbability { what: "mix" });
        }
        let with_log = tau != T::ZERO;
        let rewards = mdp.rewards();
        for (s, z) in theta.iter().enumerate() {
            if let Some(a) = z.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite {
                    what: "theta",
                    index: s * A + a,
                });
            }
            let row = SoftmaxRow::compute(z, mix, with_log);
            let mut rs = T::ZERO;
            for (&pi, &ra) in row.pi.iter().zip(&rewards[s]) {
                rs += pi * ra;
            }
            self.r[s] = rs + tau * row.entropy;
            self.rows[s] = row;
        }
        let plan = self.plan;
        let gamma = mdp.gamma();
        let prob = mdp.probabilities();
        let rows = &*self.rows;
        schedule::factor(
            &plan.pattern(),
            self.vals,
            self.inv,
            self.work,
            |i, _, w| {
                // Row i of the transpose: the transitions into state t.
                w[i] = T::ONE;
                let t = plan.perm[i] as usize;
                let (lo, hi) = (plan.in_ptr[t] as usize, plan.in_ptr[t + 1] as usize);
                for (&e, &sa) in plan.in_e[lo..hi].iter().zip(&plan.in_sa[lo..hi]) {
                    let (s, a) = (sa as usize / A, sa as usize % A);
                    let j = plan.iperm[s] as usize;
                    w[j] -= gamma * rows[s].pi[a] * prob[e as usize];
                }
            },
        )?;
        // V = (I - γ P_π)⁻¹ r_τ, in the elimination order and back.
        for (y, &p) in self.y.iter_mut().zip(plan.perm) {
            *y = self.r[p as usize];
        }
        schedule::solve_transpose(&plan.pattern(), self.vals, self.inv, self.y);
        for (&y, &p) in self.y.iter().zip(plan.perm) {
            self.v[p as usize] = y;
        }
        Ok(())
    }

    /// `J_τ = p0 · V` only (no occupancy, no `Q`).
    ///
    /// `theta` holds the logits of a tabular softmax policy, one row of `A`
    /// per state; `mix` mixes it with the uniform policy.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `theta` has one row per state;
    /// [`Error::InvalidParameter`] for a negative or non-finite `tau`;
    /// [`Error::InvalidProbability`] for `mix` outside `[0, 1]`;
    /// [`Error::NonFinite`] for a NaN or infinite logit (index `s·A + a`);
    /// [`Error::Singular`] (impossible for a validated MDP);
    /// [`Error::NumericalOverflow`] if the result is not finite.
    pub fn objective(&mut self, theta: &[[T; A]], mix: T, tau: T) -> Result<T> {
        self.prepare(theta, mix, tau)?;
        let j = self.start_value();
        check_overflow("J_tau", &[j])?;
        Ok(j)
    }

    fn start_value(&self) -> T {
        let mut j = T::ZERO;
        for (&p0, &v) in self.plan.mdp.start().iter().zip(self.v.iter()) {
            j += p0 * v;
        }
        j
    }

    /// Full exact evaluation: `V`, `Q`, `d` and `J_τ`, viewed through the
    /// returned [`SparseEvaluation`], which also gives the exact gradient.
    ///
    /// # Errors
    ///
    /// As [`SparseWorkspace::objective`].
    pub fn evaluate(
        &mut self,
        theta: &[[T; A]],
        mix: T,
        tau: T,
    ) -> Result<SparseEvaluation<'_, 'a, T, A>> {
        self.prepare(theta, mix, tau)?;
        let plan = self.plan;
        let mdp = plan.mdp;
        for (y, &p) in self.y.iter_mut().zip(plan.perm) {
            *y = mdp.start()[p as usize];
        }
        schedule::solve(&plan.pattern(), self.vals, self.inv, self.y);
        for (&y, &p) in self.y.iter().zip(plan.perm) {
            self.d[p as usize] = y;
        }
        let gamma = mdp.gamma();
        let next = mdp.next_states();
        let prob = mdp.probabilities();
        for (s, (q, row)) in self.q.iter_mut().zip(self.rows.iter()).enumerate() {
            let bonus = tau * row.entropy;
            for (a, qa) in q.iter_mut().enumerate() {
                let range = mdp.range(s, a);
                let mut ev = T::ZERO;
                for (&j, &p) in next[range.clone()].iter().zip(&prob[range]) {
                    ev += p * self.v[j as usize];
                }
                *qa = mdp.rewards()[s][a] + bonus + gamma * ev;
            }
        }
        let j_tau = self.start_value();
        check_overflow("J_tau", &[j_tau])?;
        check_overflow("V", self.v)?;
        check_overflow("occupancy", self.d)?;
        check_overflow("Q", self.q.as_flattened())?;
        Ok(SparseEvaluation {
            ws: self,
            mix,
            tau,
            j_tau,
        })
    }
}

/// The results of [`SparseWorkspace::evaluate`], borrowed from the
/// workspace (in the MDP's state order).
#[derive(Debug)]
pub struct SparseEvaluation<'w, 'a, T, const A: usize> {
    ws: &'w SparseWorkspace<'a, T, A>,
    mix: T,
    tau: T,
    j_tau: T,
}

impl<T: Real, const A: usize> SparseEvaluation<'_, '_, T, A> {
    /// `J_τ = p0 · V`.
    pub fn j_tau(&self) -> T {
        self.j_tau
    }

    /// `V[s]` (entropy-augmented reward).
    pub fn value(&self) -> &[T] {
        self.ws.v
    }

    /// The unnormalised discounted occupancy `d`.
    pub fn occupancy(&self) -> &[T] {
        self.ws.d
    }

    /// `Q[s][a]` (the authors' convention, as [`super::Evaluation::q`]).
    pub fn q(&self) -> &[[T; A]] {
        self.ws.q
    }

    /// The policy of state `s` (`None` out of range).
    pub fn policy_row(&self, s: usize) -> Option<&[T; A]> {
        self.ws.rows.get(s).map(|r| &r.pi)
    }

    /// The exact gradient of `J_τ` (eq. 3) with respect to the logits,
    /// `grad[s][a]`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `grad` has one row per state (then
    /// it is untouched); [`Error::NumericalOverflow`] if a component is not
    /// finite (then `grad` is all zeros).
    pub fn gradient_into(&self, grad: &mut [[T; A]]) -> Result<()> {
        check_len("grad", grad.len(), self.ws.v.len())?;
        let mut g = [T::ZERO; A];
        for (s, out) in grad.iter_mut().enumerate() {
            let d = self.ws.d[s];
            *out = [T::ZERO; A];
            if d == T::ZERO {
                continue;
            }
            self.ws.rows[s].logit_gradient(&self.ws.q[s], self.tau, self.mix, &mut g);
            for (o, &x) in out.iter_mut().zip(&g) {
                *o += x * d;
            }
        }
        if let Err(e) = check_overflow("gradient", grad.as_flattened()) {
            grad.fill([T::ZERO; A]);
            return Err(e);
        }
        Ok(())
    }
}

/// A [`SparsePlan`] that owns its MDP and its indices (`std` feature), for
/// holders that cannot keep a borrow: a plan stored in a struct, a
/// language binding's object. [`OwnedSparsePlan::plan`] re-slices the
/// stored indices in O(1); the symbolic phase runs once, in
/// [`OwnedSparsePlan::new`].
///
/// # Examples
///
/// ```
/// use policy_landscape::exact::{Ordering, OwnedSparsePlan, SparseWorkspace};
/// use policy_landscape::mdp::{Gridworld, RewardCell};
/// use policy_landscape::policy::SoftmaxRow;
///
/// let cells = [RewardCell::new(0, 9, 5.0), RewardCell::new(9, 0, 4.5)];
/// let world = Gridworld::new(10, &cells).build_sparse_owned::<4>()?;
/// let owned = OwnedSparsePlan::new(world, Ordering::NestedDissection)?;
/// let plan = owned.plan();
/// let n = plan.mdp().states();
/// let mut scalars = vec![0.0; plan.scalar_len()];
/// let (mut rows, mut q) = (vec![SoftmaxRow::default(); n], vec![[0.0; 4]; n]);
/// let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q)?;
/// assert!(ws.objective(&vec![[0.0; 4]; n], 0.0, 0.0)? > 0.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Debug)]
pub struct OwnedSparsePlan<T, const A: usize> {
    mdp: crate::mdp::OwnedSparseMdp<T, A>,
    ordering: Ordering,
    indices: std::vec::Vec<u32>,
    /// `L + U`'s entries ([`SparsePlan::factor_entries`]).
    entries: usize,
}

#[cfg(feature = "std")]
impl<T: Real, const A: usize> OwnedSparsePlan<T, A> {
    /// The symbolic phase of `mdp` in `ordering`, on indices it allocates
    /// (exactly [`SparsePlan::index_len`]).
    ///
    /// # Errors
    ///
    /// As [`SparsePlan::new`].
    pub fn new(mdp: crate::mdp::OwnedSparseMdp<T, A>, ordering: Ordering) -> Result<Self> {
        let mut indices = std::vec![0u32; SparsePlan::index_len(&mdp.view(), ordering)?];
        let entries = SparsePlan::new(mdp.view(), ordering, &mut indices)?.factor_entries();
        Ok(Self {
            mdp,
            ordering,
            indices,
            entries,
        })
    }

    /// The MDP the plan was made for.
    pub fn mdp(&self) -> &crate::mdp::OwnedSparseMdp<T, A> {
        &self.mdp
    }

    /// The plan over the stored indices: the layout [`SparsePlan::new`]
    /// wrote (seven per-state lists, two per-transition lists, then the
    /// factors' columns), sliced again without recomputing anything.
    pub fn plan(&self) -> SparsePlan<'_, T, A> {
        let mdp = self.mdp.view();
        let (n, m) = (mdp.states(), mdp.transitions());
        let (perm, rest) = self.indices.split_at(n);
        let (iperm, rest) = rest.split_at(n);
        let (start, rest) = rest.split_at(n);
        let (diag, rest) = rest.split_at(n);
        let (end, rest) = rest.split_at(n);
        let (in_ptr, rest) = rest.split_at(n + 1);
        let (in_e, rest) = rest.split_at(m);
        let (in_sa, rest) = rest.split_at(m);
        SparsePlan {
            mdp,
            ordering: self.ordering,
            perm,
            iperm,
            start,
            diag,
            end,
            col: &rest[..self.entries],
            in_ptr,
            in_e,
            in_sa,
        }
    }
}

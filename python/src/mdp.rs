//! `Mdp`: a validated tabular MDP of any size, stored sparse, with its
//! symbolic plan computed once.

use numpy::PyArray1;
use policy_landscape::Error as CoreError;
use policy_landscape::exact::{Ordering, OwnedSparsePlan};
use policy_landscape::mdp::{Chain, Gridworld, OwnedSparseMdp, RewardCell, SparseMdp};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::arrays::{read, read_shape, read_vec, write};
use crate::error::{InvalidMdpError, err, invalid, shape};

/// The most actions an `Mdp` may have (one compiled evaluator per count).
pub const MAX_ACTIONS: usize = 8;

/// A plan per action count (the core's sizes are compile-time constants).
#[derive(Clone, Debug)]
pub enum Plans {
    A1(OwnedSparsePlan<f64, 1>),
    A2(OwnedSparsePlan<f64, 2>),
    A3(OwnedSparsePlan<f64, 3>),
    A4(OwnedSparsePlan<f64, 4>),
    A5(OwnedSparsePlan<f64, 5>),
    A6(OwnedSparsePlan<f64, 6>),
    A7(OwnedSparsePlan<f64, 7>),
    A8(OwnedSparsePlan<f64, 8>),
}

/// Runs `$body` with `$p: &OwnedSparsePlan<f64, A>` for the plan's `A`.
#[macro_export]
macro_rules! dispatch {
    ($plans:expr, $p:ident => $body:expr) => {
        match $plans {
            $crate::mdp::Plans::A1($p) => $body,
            $crate::mdp::Plans::A2($p) => $body,
            $crate::mdp::Plans::A3($p) => $body,
            $crate::mdp::Plans::A4($p) => $body,
            $crate::mdp::Plans::A5($p) => $body,
            $crate::mdp::Plans::A6($p) => $body,
            $crate::mdp::Plans::A7($p) => $body,
            $crate::mdp::Plans::A8($p) => $body,
        }
    };
}

/// The transitions in compressed rows: `offsets[s·A + a]..offsets[s·A + a + 1]`
/// index `next` and `prob`.
pub struct Csr {
    pub states: usize,
    pub actions: usize,
    pub offsets: Vec<u32>,
    pub next: Vec<u32>,
    pub prob: Vec<f64>,
    /// `R[s][a]`, row-major.
    pub rewards: Vec<f64>,
    pub gamma: f64,
    pub start: Vec<f64>,
}

fn owned<const A: usize>(csr: &Csr) -> policy_landscape::Result<OwnedSparseMdp<f64, A>> {
    OwnedSparseMdp::build(csr.states, csr.next.len(), |st| {
        st.offsets.copy_from_slice(&csr.offsets);
        st.next.copy_from_slice(&csr.next);
        st.prob.copy_from_slice(&csr.prob);
        for (row, r) in st.rewards.iter_mut().zip(csr.rewards.chunks_exact(A)) {
            row.copy_from_slice(r);
        }
        st.start.copy_from_slice(&csr.start);
        SparseMdp::try_new(
            st.offsets, st.next, st.prob, st.rewards, csr.gamma, st.start,
        )
    })
}

fn plan_of<const A: usize>(
    mdp: OwnedSparseMdp<f64, A>,
    ordering: Ordering,
) -> PyResult<OwnedSparsePlan<f64, A>> {
    OwnedSparsePlan::new(mdp, ordering).map_err(err)
}

/// The exception for the core's refusal of `csr`, in the caller's terms:
/// the sparse validation names a bad transition by its position in the
/// row's list of non-zeros, the caller gave (or sees) `P[s, a, s']`, so
/// the position becomes the next state; a bad start distribution is named
/// `p0`, with the entry or the sum at fault; a bad discount shows its
/// value.
fn invalid_mdp(csr: &Csr, e: CoreError) -> PyErr {
    let next_state = |s: usize, a: usize, k: usize| {
        let at = csr
            .offsets
            .get(s * csr.actions + a)
            .map(|&o| o as usize + k);
        at.and_then(|i| csr.next.get(i)).map_or(k, |&j| j as usize)
    };
    let fixed = match e {
        CoreError::NonFiniteTransition {
            state,
            action,
            next,
        } => CoreError::NonFiniteTransition {
            state,
            action,
            next: next_state(state, action, next),
        },
        CoreError::NegativeProbability {
            state,
            action,
            next,
        } => CoreError::NegativeProbability {
            state,
            action,
            next: next_state(state, action, next),
        },
        CoreError::InvalidStartDistribution { index } => {
            let msg = match csr.start.get(index) {
                Some(x) => format!(
                    "p0 (the start distribution) must be a probability vector: p0[{index}] = {x}"
                ),
                None => format!(
                    "p0 (the start distribution) must sum to 1, sums to {}",
                    csr.start.iter().sum::<f64>()
                ),
            };
            return InvalidMdpError::new_err(msg);
        }
        CoreError::InvalidDiscount { .. } => {
            return InvalidMdpError::new_err(format!("{e}; found gamma = {}", csr.gamma));
        }
        other => other,
    };
    err(fixed)
}

/// `auto`: the states' own order up to 256 states (the fixed-size
/// evaluator's results bit for bit), nested dissection above.
pub fn parse_ordering(name: &str, states: usize) -> PyResult<Ordering> {
    match name {
        "auto" if states <= 256 => Ok(Ordering::Natural),
        "auto" | "nested" => Ok(Ordering::NestedDissection),
        "natural" => Ok(Ordering::Natural),
        _ => Err(invalid(format!(
            "ordering must be 'auto', 'natural' or 'nested', found {name:?}"
        ))),
    }
}

fn ordering_name(o: Ordering) -> &'static str {
    match o {
        Ordering::Natural => "natural",
        Ordering::NestedDissection => "nested",
    }
}

impl Plans {
    fn from_csr(csr: &Csr, ordering: Ordering) -> PyResult<Self> {
        let lens = csr.states.checked_mul(csr.actions);
        if csr.states == 0 {
            return Err(shape("an MDP needs at least one state"));
        }
        if lens.map(|n| n + 1) != Some(csr.offsets.len()) {
            return Err(shape(format!(
                "offsets must have states * actions + 1 = {} entries, found {}",
                csr.states * csr.actions + 1,
                csr.offsets.len()
            )));
        }
        if csr.rewards.len() != csr.states * csr.actions {
            return Err(shape("R must have shape (states, actions)"));
        }
        if csr.start.len() != csr.states {
            return Err(shape(format!(
                "p0 must have shape ({},), found ({},)",
                csr.states,
                csr.start.len()
            )));
        }
        let e = |x| invalid_mdp(csr, x);
        Ok(match csr.actions {
            1 => Plans::A1(plan_of(owned::<1>(csr).map_err(e)?, ordering)?),
            2 => Plans::A2(plan_of(owned::<2>(csr).map_err(e)?, ordering)?),
            3 => Plans::A3(plan_of(owned::<3>(csr).map_err(e)?, ordering)?),
            4 => Plans::A4(plan_of(owned::<4>(csr).map_err(e)?, ordering)?),
            5 => Plans::A5(plan_of(owned::<5>(csr).map_err(e)?, ordering)?),
            6 => Plans::A6(plan_of(owned::<6>(csr).map_err(e)?, ordering)?),
            7 => Plans::A7(plan_of(owned::<7>(csr).map_err(e)?, ordering)?),
            8 => Plans::A8(plan_of(owned::<8>(csr).map_err(e)?, ordering)?),
            a => {
                return Err(shape(format!(
                    "an MDP needs 1 to {MAX_ACTIONS} actions, found {a}"
                )));
            }
        })
    }

    pub fn states(&self) -> usize {
        dispatch!(self, p => p.mdp().view().states())
    }

    pub fn actions(&self) -> usize {
        dispatch!(self, p => p.mdp().view().rewards().first().map_or(0, |r| r.len()))
    }

    pub fn ordering(&self) -> Ordering {
        dispatch!(self, p => p.plan().ordering())
    }

    pub fn csr(&self) -> Csr {
        dispatch!(self, p => {
            let m = p.mdp().view();
            Csr {
                states: m.states(),
                actions: self.actions(),
                offsets: m.offsets().to_vec(),
                next: m.next_states().to_vec(),
                prob: m.probabilities().to_vec(),
                rewards: m.rewards().as_flattened().to_vec(),
                gamma: m.gamma(),
                start: m.start().to_vec(),
            }
        })
    }
}

/// A finite MDP: transitions `P[s, a, s']`, rewards `R[s, a]`, discount
/// `gamma` in `[0, 1)` and start distribution `p0`, validated when built
/// (every row of `P` and `p0` a distribution, everything finite). Stored
/// sparse, of any number of states and 1 to 8 actions; exact evaluation
/// solves with a fill-reducing plan computed once (`ordering`: `"auto"`,
/// `"natural"` or `"nested"`).
///
/// Build one with `Mdp.paper()`, `Mdp.gridworld(...)`, `Mdp.chain(...)`,
/// `Mdp.from_dense(P, R, gamma, p0)` or `Mdp.from_sparse(...)`.
#[pyclass(module = "policy_landscape._core", frozen)]
pub struct Mdp {
    pub plans: Plans,
}

fn csr_from_dense(
    p: &[f64],
    dims: &[usize],
    r: Vec<f64>,
    gamma: f64,
    p0: Vec<f64>,
) -> PyResult<Csr> {
    let &[s, a, s2] = dims else {
        return Err(shape(format!(
            "P must be three-dimensional (S, A, S), found {} dimensions",
            dims.len()
        )));
    };
    if s2 != s {
        return Err(shape(format!(
            "P must have shape (S, A, S), found ({s}, {a}, {s2})"
        )));
    }
    let mut offsets = Vec::with_capacity(s * a + 1);
    let (mut next, mut prob) = (Vec::new(), Vec::new());
    offsets.push(0u32);
    for row in p.chunks_exact(s.max(1)) {
        for (j, &x) in row.iter().enumerate() {
            // Zeros are left out; anything else (NaN and negatives
            // included) goes to the core's validation.
            if x != 0.0 {
                next.push(j as u32);
                prob.push(x);
            }
        }
        let m = u32::try_from(next.len())
            .map_err(|_| shape("too many transitions (at most 2^32 - 2)"))?;
        offsets.push(m);
    }
    Ok(Csr {
        states: s,
        actions: a,
        offsets,
        next,
        prob,
        rewards: r,
        gamma,
        start: p0,
    })
}

#[pymethods]
impl Mdp {
    /// The paper's gridworld (§3.1, Fig. 3): 5 x 5, reward 5 at (0, 4) and
    /// 0.9 * 5 at (4, 0), deterministic moves, gamma 0.99, start (0, 0);
    /// 26 states (the last absorbing), 4 actions (left, right, up, down).
    #[staticmethod]
    #[pyo3(signature = (ordering = "auto"))]
    fn paper(ordering: &str) -> PyResult<Self> {
        Self::gridworld(
            5,
            vec![(0, 4, 5.0), (4, 0, 0.9 * 5.0)],
            1.0,
            0.99,
            0,
            ordering,
        )
    }

    /// A `size` x `size` gridworld with the authors' semantics: reward
    /// cells `(row, col, reward)` end the episode (to an extra absorbing
    /// state), the chosen move happens with probability `p_success` (else
    /// one of the others uniformly), moving into a wall stays; `start` is
    /// the start cell's index `row * size + col`. Actions: left, right, up,
    /// down.
    #[staticmethod]
    #[pyo3(signature = (size, rewards, *, p_success = 1.0, gamma = 0.99, start = 0, ordering = "auto"))]
    fn gridworld(
        size: usize,
        rewards: Vec<(usize, usize, f64)>,
        p_success: f64,
        gamma: f64,
        start: usize,
        ordering: &str,
    ) -> PyResult<Self> {
        let cells: Vec<RewardCell<f64>> = rewards
            .iter()
            .map(|&(r, c, x)| RewardCell::new(r, c, x))
            .collect();
        let world = Gridworld::new(size, &cells)
            .p_success(p_success)
            .gamma(gamma)
            .start(start);
        let mdp = world.build_sparse_owned::<4>().map_err(err)?;
        let ordering = parse_ordering(ordering, mdp.view().states())?;
        Ok(Self {
            plans: Plans::A4(plan_of(mdp, ordering)?),
        })
    }

    /// A chain of `states` states with the authors' semantics: actions
    /// left (0) and right (1); the move happens with probability
    /// `p_success`, else the agent stays; `rewards` lists `(state, action,
    /// reward)`; `terminal` states loop to themselves.
    #[staticmethod]
    #[pyo3(signature = (states, rewards, terminal, *, p_success = 1.0, gamma = 0.9, start = 0, ordering = "auto"))]
    fn chain(
        states: usize,
        rewards: Vec<(usize, usize, f64)>,
        terminal: Vec<usize>,
        p_success: f64,
        gamma: f64,
        start: usize,
        ordering: &str,
    ) -> PyResult<Self> {
        let chain = Chain::new(&rewards, &terminal)
            .p_success(p_success)
            .gamma(gamma)
            .start(start);
        let mdp = chain.build_sparse_owned::<2>(states).map_err(err)?;
        let ordering = parse_ordering(ordering, states)?;
        Ok(Self {
            plans: Plans::A2(plan_of(mdp, ordering)?),
        })
    }

    /// From dense arrays: `P` of shape `(S, A, S)` (`P[s, a, s']`), `R` of
    /// shape `(S, A)`, `gamma` and `p0` of shape `(S,)`.
    #[staticmethod]
    #[pyo3(signature = (p, r, gamma, p0, *, ordering = "auto"))]
    fn from_dense(
        p: &Bound<'_, PyAny>,
        r: &Bound<'_, PyAny>,
        gamma: f64,
        p0: &Bound<'_, PyAny>,
        ordering: &str,
    ) -> PyResult<Self> {
        let (pd, dims) = read(p, "P")?;
        let csr = if let [s, a, _] = dims[..] {
            let r = read_shape(r, "R", &[s, a])?;
            let p0 = read_shape(p0, "p0", &[s])?;
            csr_from_dense(&pd, &dims, r, gamma, p0)?
        } else {
            return Err(shape(format!(
                "P must be three-dimensional (S, A, S), found {} dimensions",
                dims.len()
            )));
        };
        let ordering = parse_ordering(ordering, csr.states)?;
        Ok(Self {
            plans: Plans::from_csr(&csr, ordering)?,
        })
    }

    /// From transitions as coordinates: `state`, `action`, `next` and
    /// `prob` of equal length (any order; a repeated `(state, action,
    /// next)` is an error), `R` of shape `(S, A)`, `gamma` and `p0`.
    #[staticmethod]
    #[pyo3(signature = (state, action, next, prob, r, gamma, p0, *, ordering = "auto"))]
    #[allow(clippy::too_many_arguments)]
    fn from_sparse(
        state: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        next: &Bound<'_, PyAny>,
        prob: &Bound<'_, PyAny>,
        r: &Bound<'_, PyAny>,
        gamma: f64,
        p0: &Bound<'_, PyAny>,
        ordering: &str,
    ) -> PyResult<Self> {
        let (rv, rdims) = read(r, "R")?;
        let &[s, a] = &rdims[..] else {
            return Err(shape("R must have shape (S, A)"));
        };
        let p0 = read_shape(p0, "p0", &[s])?;
        let st = crate::arrays::read_indices(state, "state")?;
        let ac = crate::arrays::read_indices(action, "action")?;
        let nx = crate::arrays::read_indices(next, "next")?;
        let pr = read_vec(prob, "prob")?;
        let m = st.len();
        if ac.len() != m || nx.len() != m || pr.len() != m {
            return Err(shape(format!(
                "state, action, next and prob must have equal lengths, found {}, {}, {}, {}",
                m,
                ac.len(),
                nx.len(),
                pr.len()
            )));
        }
        let mut order: Vec<usize> = (0..m).collect();
        for k in 0..m {
            if st[k] >= s as u64 || nx[k] >= s as u64 {
                return Err(InvalidMdpError::new_err(format!(
                    "transition {k} ({} -> {}) names a state outside 0..{s}",
                    st[k], nx[k]
                )));
            }
            if ac[k] >= a as u64 {
                return Err(InvalidMdpError::new_err(format!(
                    "transition {k} names action {} outside 0..{a}",
                    ac[k]
                )));
            }
        }
        order.sort_by_key(|&k| (st[k], ac[k], nx[k]));
        let mut offsets = vec![0u32; s * a + 1];
        let (mut next_v, mut prob_v) = (Vec::with_capacity(m), Vec::with_capacity(m));
        for w in order.windows(2) {
            if (st[w[0]], ac[w[0]], nx[w[0]]) == (st[w[1]], ac[w[1]], nx[w[1]]) {
                return Err(InvalidMdpError::new_err(format!(
                    "transition ({}, {}, {}) is given twice",
                    st[w[0]], ac[w[0]], nx[w[0]]
                )));
            }
        }
        for &k in &order {
            offsets[(st[k] * a as u64 + ac[k]) as usize + 1] += 1;
            next_v.push(nx[k] as u32);
            prob_v.push(pr[k]);
        }
        for i in 0..s * a {
            offsets[i + 1] += offsets[i];
        }
        let csr = Csr {
            states: s,
            actions: a,
            offsets,
            next: next_v,
            prob: prob_v,
            rewards: rv,
            gamma,
            start: p0,
        };
        let ordering = parse_ordering(ordering, s)?;
        Ok(Self {
            plans: Plans::from_csr(&csr, ordering)?,
        })
    }

    /// The number of states `S`.
    #[getter]
    fn states(&self) -> usize {
        self.plans.states()
    }

    /// The number of actions `A`.
    #[getter]
    fn actions(&self) -> usize {
        self.plans.actions()
    }

    /// The discount `gamma`.
    #[getter]
    fn gamma(&self) -> f64 {
        dispatch!(&self.plans, p => p.mdp().view().gamma())
    }

    /// The elimination order of the exact solves: `"natural"` or `"nested"`.
    #[getter]
    fn ordering(&self) -> &'static str {
        ordering_name(self.plans.ordering())
    }

    /// The number of stored (non-zero) transitions.
    #[getter]
    fn transitions(&self) -> usize {
        dispatch!(&self.plans, p => p.mdp().view().transitions())
    }

    /// The start distribution `p0`, shape `(S,)`.
    #[getter]
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let start = dispatch!(&self.plans, p => p.mdp().view().start().to_vec());
        let n = start.len();
        write(py, start, &[n])
    }

    /// The rewards `R[s, a]`, shape `(S, A)`.
    #[getter]
    fn rewards<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = dispatch!(&self.plans, p => p.mdp().view().rewards().as_flattened().to_vec());
        write(py, r, &[self.plans.states(), self.plans.actions()])
    }

    /// The transitions as coordinates `(state, action, next, prob)`, sorted
    /// by state, action and next state: the arguments of `from_sparse`.
    fn sparse_transitions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let c = self.plans.csr();
        let (mut st, mut ac) = (
            Vec::with_capacity(c.next.len()),
            Vec::with_capacity(c.next.len()),
        );
        for sa in 0..c.states * c.actions {
            for _ in c.offsets[sa]..c.offsets[sa + 1] {
                st.push((sa / c.actions) as i64);
                ac.push((sa % c.actions) as i64);
            }
        }
        let nx: Vec<i64> = c.next.iter().map(|&j| i64::from(j)).collect();
        PyTuple::new(
            py,
            [
                PyArray1::from_vec(py, st).into_any(),
                PyArray1::from_vec(py, ac).into_any(),
                PyArray1::from_vec(py, nx).into_any(),
                PyArray1::from_vec(py, c.prob).into_any(),
            ],
        )
    }

    /// `P[s, a, s']` as a dense array of shape `(S, A, S)` (refused above
    /// 10^8 entries).
    fn dense_transitions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.plans.csr();
        let total = c.states.saturating_mul(c.states).saturating_mul(c.actions);
        if total > 100_000_000 {
            return Err(shape(format!(
                "a dense P of {} states would hold {total} entries; use sparse_transitions()",
                c.states
            )));
        }
        let mut p = vec![0.0; total];
        for sa in 0..c.states * c.actions {
            for e in c.offsets[sa] as usize..c.offsets[sa + 1] as usize {
                p[sa * c.states + c.next[e] as usize] = c.prob[e];
            }
        }
        write(py, p, &[c.states, c.actions, c.states])
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<Mdp>() else {
            return false;
        };
        let (a, b) = (self.plans.csr(), other.get().plans.csr());
        a.states == b.states
            && a.actions == b.actions
            && a.offsets == b.offsets
            && a.next == b.next
            && bits(&a.prob) == bits(&b.prob)
            && bits(&a.rewards) == bits(&b.rewards)
            && a.gamma.to_bits() == b.gamma.to_bits()
            && bits(&a.start) == bits(&b.start)
    }

    fn __repr__(&self) -> String {
        format!(
            "Mdp(states={}, actions={}, transitions={}, gamma={}, ordering={:?})",
            self.states(),
            self.actions(),
            self.transitions(),
            self.gamma(),
            self.ordering()
        )
    }

    /// Pickling: the compressed rows, rebuilt (and validated) on load.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let c = self.plans.csr();
        let ctor = py.get_type::<Mdp>().getattr("_from_csr")?;
        let offsets: Vec<i64> = c.offsets.iter().map(|&x| i64::from(x)).collect();
        let next: Vec<i64> = c.next.iter().map(|&x| i64::from(x)).collect();
        let args = PyTuple::new(
            py,
            [
                c.actions.into_pyobject(py)?.into_any(),
                PyArray1::from_vec(py, offsets).into_any(),
                PyArray1::from_vec(py, next).into_any(),
                PyArray1::from_vec(py, c.prob).into_any(),
                write(py, c.rewards, &[c.states, c.actions])?,
                c.gamma.into_pyobject(py)?.into_any(),
                PyArray1::from_vec(py, c.start).into_any(),
                self.ordering().into_pyobject(py)?.into_any(),
            ],
        )?;
        Ok((ctor, args))
    }

    /// Rebuilds an `Mdp` from its compressed rows (used by pickling).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn _from_csr(
        actions: usize,
        offsets: &Bound<'_, PyAny>,
        next: &Bound<'_, PyAny>,
        prob: &Bound<'_, PyAny>,
        r: &Bound<'_, PyAny>,
        gamma: f64,
        p0: &Bound<'_, PyAny>,
        ordering: &str,
    ) -> PyResult<Self> {
        let p0 = read_vec(p0, "p0")?;
        let states = p0.len();
        let offsets = crate::arrays::read_indices(offsets, "offsets")?;
        let next = crate::arrays::read_indices(next, "next")?;
        let to_u32 = |v: Vec<u64>| -> PyResult<Vec<u32>> {
            v.into_iter()
                .map(|x| u32::try_from(x).map_err(|_| shape("index above 2^32")))
                .collect()
        };
        let csr = Csr {
            states,
            actions,
            offsets: to_u32(offsets)?,
            next: to_u32(next)?,
            prob: read_vec(prob, "prob")?,
            rewards: read_shape(r, "R", &[states, actions])?,
            gamma,
            start: p0,
        };
        let ordering = parse_ordering(ordering, states)?;
        Ok(Self {
            plans: Plans::from_csr(&csr, ordering)?,
        })
    }
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

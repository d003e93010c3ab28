//! `pl_exact`: a tabular MDP and its exact evaluator (the core's sparse
//! plan and workspace), in one object: `V`, `Q`, `d`, `J_τ` and the exact
//! gradient of eq. 3 for a [`crate::pl_softmax`] policy.

// Indices: rows of length `A` inside arrays of `states` rows, sized when the
// object is placed; `s · A + a` below `states · A`.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ffi::c_void;

use policy_landscape::Error;
use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Chain, Gridworld, RewardCell, SparseMdp, SparseStorage};
use policy_landscape::policy::SoftmaxRow;

use crate::ffi::{
    self, Arena, Head, Object, OutSlice, Raw, finite, guard, invalid, live, live_mut,
};
use crate::softmax::{Family, SoftmaxObj, pl_softmax};
use crate::status::{Detail, Fail, PL_ERR_INCOMPATIBLE, Res, pl_status};
use crate::{PL_MAX_ACTIONS, pl_real};

/// An MDP with its exact evaluator: the transitions, the symbolic phase of
/// `(I − γ P_π)` (computed once) and the workspace of one evaluation.
#[derive(Debug)]
pub struct pl_exact {
    _opaque: [u8; 0],
}

/// A reward cell of a gridworld: leaving cell (`row`, `col`) (0-based, row
/// 0 at the top) pays `reward`, then the episode ends.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct pl_reward_cell {
    /// Row, 0 at the top.
    pub row: usize,
    /// Column, 0 at the left.
    pub col: usize,
    /// The reward paid on leaving the cell.
    pub reward: pl_real,
}

/// A reward of a chain: action `action` (0 left, 1 right) in `state` pays
/// `reward`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct pl_chain_reward {
    /// State.
    pub state: usize,
    /// Action: 0 left, 1 right.
    pub action: usize,
    /// Reward.
    pub reward: pl_real,
}

// The caller's cells are read as the core's `RewardCell` (`#[repr(C)]`,
// same fields in the same order).
const _: () = assert!(
    core::mem::size_of::<pl_reward_cell>() == core::mem::size_of::<RewardCell<pl_real>>()
        && core::mem::align_of::<pl_reward_cell>() == core::mem::align_of::<RewardCell<pl_real>>()
);

/// Eliminate states in their own order: the Rust API's fixed-size evaluator
/// bit for bit; fine for small or chain-like MDPs.
pub const PL_ORDERING_NATURAL: u32 = 0;
/// Nested dissection: small factors for large grids (the default of the
/// Rust API).
pub const PL_ORDERING_NESTED_DISSECTION: u32 = 1;

fn ordering(o: u32) -> Res<Ordering> {
    match o {
        PL_ORDERING_NATURAL => Ok(Ordering::Natural),
        PL_ORDERING_NESTED_DISSECTION => Ok(Ordering::NestedDissection),
        _ => Err(invalid(
            "ordering",
            "be PL_ORDERING_NATURAL or PL_ORDERING_NESTED_DISSECTION",
        )),
    }
}

/// The evaluator for `A` actions.
#[derive(Debug)]
pub(crate) struct ExactA<const A: usize> {
    plan: SparsePlan<'static, pl_real, A>,
    scalars: Raw<pl_real>,
    rows: Raw<SoftmaxRow<pl_real, A>>,
    q: Raw<[pl_real; A]>,
    logits: Raw<[pl_real; A]>,
    grad: Raw<[pl_real; A]>,
    /// The gradient in the policy's flat layout, `(states + 1) · A`.
    flat: Raw<pl_real>,
}

#[derive(Debug)]
pub(crate) enum Inner {
    #[cfg(feature = "actions-1")]
    A1(ExactA<1>),
    #[cfg(feature = "actions-2")]
    A2(ExactA<2>),
    #[cfg(feature = "actions-3")]
    A3(ExactA<3>),
    #[cfg(feature = "actions-4")]
    A4(ExactA<4>),
    #[cfg(feature = "actions-5")]
    A5(ExactA<5>),
    #[cfg(feature = "actions-6")]
    A6(ExactA<6>),
    #[cfg(feature = "actions-7")]
    A7(ExactA<7>),
    #[cfg(feature = "actions-8")]
    A8(ExactA<8>),
}

macro_rules! each {
    ($inner:expr, $e:ident => $body:expr) => {
        match $inner {
            #[cfg(feature = "actions-1")]
            Inner::A1($e) => $body,
            #[cfg(feature = "actions-2")]
            Inner::A2($e) => $body,
            #[cfg(feature = "actions-3")]
            Inner::A3($e) => $body,
            #[cfg(feature = "actions-4")]
            Inner::A4($e) => $body,
            #[cfg(feature = "actions-5")]
            Inner::A5($e) => $body,
            #[cfg(feature = "actions-6")]
            Inner::A6($e) => $body,
            #[cfg(feature = "actions-7")]
            Inner::A7($e) => $body,
            #[cfg(feature = "actions-8")]
            Inner::A8($e) => $body,
        }
    };
}

trait Wrap<const A: usize> {
    fn wrap(e: ExactA<A>) -> Inner;
}
macro_rules! wraps {
    ($($n:literal $v:ident $f:literal),*) => {$(
        #[cfg(feature = $f)]
        impl Wrap<$n> for () {
            fn wrap(e: ExactA<$n>) -> Inner { Inner::$v(e) }
        }
    )*};
}
wraps!(1 A1 "actions-1", 2 A2 "actions-2", 3 A3 "actions-3", 4 A4 "actions-4",
    5 A5 "actions-5", 6 A6 "actions-6", 7 A7 "actions-7", 8 A8 "actions-8");

#[repr(C)]
#[derive(Debug)]
pub(crate) struct ExactObj {
    head: Head,
    states: usize,
    actions: usize,
    inner: Inner,
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for ExactObj {
    const MAGIC: u32 = 0x504C_4501;
    fn head(&self) -> &Head {
        &self.head
    }
}

/// What one evaluation wrote, to be copied out.
pub(crate) struct Outputs {
    pub(crate) gradient: Option<OutSlice<pl_real>>,
    pub(crate) value: Option<OutSlice<pl_real>>,
    pub(crate) q: Option<OutSlice<pl_real>>,
    pub(crate) occupancy: Option<OutSlice<pl_real>>,
}

impl<const A: usize> ExactA<A> {
    fn workspace(&mut self) -> Res<(SparseWorkspace<'_, pl_real, A>, &mut Raw<[pl_real; A]>)> {
        let ws = SparseWorkspace::new(
            &self.plan,
            self.scalars.slice_mut(),
            self.rows.slice_mut(),
            self.q.slice_mut(),
        )?;
        Ok((ws, &mut self.logits))
    }

    /// `J_τ` at flat parameters `theta` of `family`.
    fn objective(&mut self, family: &Family, theta: &[pl_real], tau: pl_real) -> Res<pl_real> {
        family.logits::<A>(theta, self.logits.slice_mut());
        let (mut ws, logits) = self.workspace()?;
        Ok(ws.objective(logits.slice(), family.mix, tau)?)
    }

    /// Evaluates at `theta`; the gradient (flat layout) is left in
    /// `self.flat`, the other outputs copied into `out` (torch layout for
    /// the gradient) only once everything succeeded.
    fn evaluate(
        &mut self,
        family: &Family,
        theta: &[pl_real],
        tau: pl_real,
        out: Outputs,
    ) -> Res<pl_real> {
        family.logits::<A>(theta, self.logits.slice_mut());
        let ExactA {
            plan,
            scalars,
            rows,
            q,
            logits,
            grad,
            flat,
        } = self;
        let mut ws =
            SparseWorkspace::new(plan, scalars.slice_mut(), rows.slice_mut(), q.slice_mut())?;
        let eval = ws.evaluate(logits.slice(), family.mix, tau)?;
        eval.gradient_into(grad.slice_mut())?;
        let n = family.params();
        let flat = &mut flat.slice_mut()[..n];
        family.flat_gradient::<A>(grad.slice(), flat);
        if let Some(i) = flat.iter().position(|g| !g.is_finite()) {
            return Err(Error::NonFinite {
                what: "gradient",
                index: i,
            }
            .into());
        }
        let j = eval.j_tau();
        if let Some(mut g) = out.gradient {
            crate::layout::to_torch(flat, &mut g, family.states, A);
        }
        if let Some(mut v) = out.value {
            v.copy_from(eval.value());
        }
        if let Some(mut d) = out.occupancy {
            d.copy_from(eval.occupancy());
        }
        if let Some(mut qo) = out.q {
            qo.copy_from(eval.q().as_flattened());
        }
        Ok(j)
    }
}

impl ExactObj {
    /// Checks that `family` is a policy over this MDP.
    pub(crate) fn fits(&self, family: &Family) -> Res<()> {
        if family.states != self.states || family.actions != self.actions {
            return Err(Fail::new(
                PL_ERR_INCOMPATIBLE,
                Detail::Incompatible("the policy's states or actions are not the MDP's"),
            ));
        }
        Ok(())
    }

    /// `J_τ` at flat parameters of `family` (checked to fit).
    pub(crate) fn objective(
        &mut self,
        family: &Family,
        theta: &[pl_real],
        tau: pl_real,
    ) -> Res<pl_real> {
        self.fits(family)?;
        check_tau(tau)?;
        each!(&mut self.inner, e => e.objective(family, theta, tau))
    }

    /// Evaluates; see [`ExactA::evaluate`].
    pub(crate) fn evaluate(
        &mut self,
        family: &Family,
        theta: &[pl_real],
        tau: pl_real,
        out: Outputs,
    ) -> Res<pl_real> {
        self.fits(family)?;
        check_tau(tau)?;
        each!(&mut self.inner, e => e.evaluate(family, theta, tau, out))
    }

    /// The flat gradient of the last successful [`ExactObj::evaluate`].
    pub(crate) fn flat_gradient(&self, len: usize) -> &[pl_real] {
        each!(&self.inner, e => &e.flat.slice()[..len])
    }
}

fn check_tau(tau: pl_real) -> Res<()> {
    finite(tau, "tau")?;
    if tau < 0.0 {
        return Err(invalid("tau", "be non-negative"));
    }
    Ok(())
}

/// Where an MDP comes from.
enum Source<'a> {
    Grid(Gridworld<'a, pl_real>),
    Chain {
        states: usize,
        rewards: &'a [pl_chain_reward],
        terminal: &'a [usize],
        p_success: pl_real,
        gamma: pl_real,
        start: usize,
    },
    Sparse {
        states: usize,
        offsets: &'a [u32],
        next: &'a [u32],
        prob: &'a [pl_real],
        rewards: &'a [pl_real],
        gamma: pl_real,
        start: &'a [pl_real],
    },
}

impl Source<'_> {
    fn shape(&self) -> Res<(usize, usize, usize)> {
        Ok(match self {
            Source::Grid(w) => (w.states(), 4, w.sparse_transitions()?),
            Source::Chain {
                states,
                terminal,
                p_success,
                gamma,
                start,
                ..
            } => {
                // Rewards do not change the transitions: count without them
                // (they are converted once the memory is known).
                let c = Chain::new(&[], terminal)
                    .p_success(*p_success)
                    .gamma(*gamma)
                    .start(*start);
                (*states, 2, c.sparse_transitions(*states)?)
            }
            Source::Sparse {
                states,
                offsets,
                next,
                ..
            } => {
                let actions = if *states == 0 {
                    0
                } else {
                    offsets.len().saturating_sub(1) / states
                };
                (*states, actions, next.len())
            }
        })
    }
}

/// Places the MDP, its plan and workspace for `A` actions.
fn make<const A: usize>(arena: &mut Arena, source: &Source<'_>, ord: Ordering) -> Res<*mut ExactObj>
where
    (): Wrap<A>,
{
    let (n, _, m) = source.shape()?;
    let obj = arena.reserve::<ExactObj>(1)?;
    let offsets = arena.reserve::<u32>(n.saturating_mul(A).saturating_add(1))?;
    let next = arena.reserve::<u32>(m)?;
    let prob = arena.reserve::<pl_real>(m)?;
    let rewards = arena.reserve::<[pl_real; A]>(n)?;
    let start = arena.reserve::<pl_real>(n)?;
    let chain_rewards = match source {
        Source::Chain { rewards, .. } => rewards.len(),
        _ => 0,
    };
    let tuples = arena.reserve::<(usize, usize, pl_real)>(chain_rewards)?;
    let planning = SparsePlan::<pl_real, A>::planning_len_for(n, m, ord);
    // The plan's indices: the planning length, or the exact length a first
    // attempt reported (then the scalars are bounded by it: the factors'
    // entries are among the plan's indices).
    let plan_at = arena.used();
    let mut idx_len = planning;
    let tail = |arena: &mut Arena, idx_len: usize, scalar_len: usize| -> Res<_> {
        Ok((
            arena.reserve::<u32>(idx_len)?,
            arena.reserve::<pl_real>(scalar_len)?,
            arena.reserve::<SoftmaxRow<pl_real, A>>(n)?,
            arena.reserve::<[pl_real; A]>(n)?,
            arena.reserve::<[pl_real; A]>(n)?,
            arena.reserve::<[pl_real; A]>(n)?,
            arena.reserve::<pl_real>(n.saturating_add(1).saturating_mul(A))?,
        ))
    };
    let six_n = n.saturating_mul(6);
    let regions = tail(arena, idx_len, six_n)?;
    arena.check()?;

    // The MDP.
    let offsets = arena.slice(offsets, 0u32)?;
    let next = arena.slice(next, 0u32)?;
    let prob = arena.slice(prob, 0.0)?;
    let rewards = arena.slice(rewards, [0.0; A])?;
    let start = arena.slice(start, 0.0)?;
    let tuples = arena.slice(tuples, (0, 0, 0.0))?;
    let storage = SparseStorage {
        offsets,
        next,
        prob,
        rewards,
        start,
    };
    let mdp: SparseMdp<'static, pl_real, A> = match source {
        Source::Grid(w) => w.build_sparse(storage)?,
        Source::Chain {
            states,
            rewards,
            terminal,
            p_success,
            gamma,
            start,
        } => {
            for (t, r) in tuples.iter_mut().zip(rewards.iter()) {
                *t = (r.state, r.action, r.reward);
            }
            let c = Chain::new(tuples, terminal)
                .p_success(*p_success)
                .gamma(*gamma)
                .start(*start);
            c.build_sparse(*states, storage)?
        }
        Source::Sparse {
            offsets: o,
            next: nx,
            prob: p,
            rewards: r,
            gamma,
            start: p0,
            ..
        } => {
            storage.offsets.copy_from_slice(o);
            storage.next.copy_from_slice(nx);
            storage.prob.copy_from_slice(p);
            for (row, chunk) in storage.rewards.iter_mut().zip(r.chunks_exact(A)) {
                row.copy_from_slice(chunk);
            }
            storage.start.copy_from_slice(p0);
            SparseMdp::try_new(
                storage.offsets,
                storage.next,
                storage.prob,
                storage.rewards,
                *gamma,
                storage.start,
            )?
        }
    };

    // The plan: with the planning length first; if the factors need more,
    // the exact length is known and the memory checked again.
    let indices = arena.slice(regions.0, 0u32)?;
    let plan = match SparsePlan::new(mdp, ord, indices) {
        Ok(plan) => plan,
        Err(Error::LengthMismatch {
            what: "plan indices",
            expected,
            ..
        }) if expected > idx_len => {
            // Plan again if the exact indices fit; otherwise ask for an
            // upper bound of the whole (the factors' entries, and so the
            // scalars beyond 6 n, are fewer than the plan's indices).
            idx_len = expected;
            arena.rewind(plan_at);
            let indices = arena.reserve::<u32>(idx_len)?;
            if !arena.fits() {
                arena.rewind(plan_at);
                tail(arena, idx_len, idx_len.saturating_add(six_n))?;
                arena.check()?;
            }
            SparsePlan::new(mdp, ord, arena.slice(indices, 0u32)?)?
        }
        Err(e) => return Err(e.into()),
    };
    // The exact scalars: give back what the bound reserved beyond them.
    arena.rewind(plan_at);
    let regions = tail(arena, idx_len, plan.scalar_len())?;
    arena.check()?;
    let (_, scalars, rows, q, logits, grad, flat) = regions;
    let inner = <() as Wrap<A>>::wrap(ExactA {
        plan,
        scalars: arena.raw(scalars, 0.0)?,
        rows: arena.raw(rows, SoftmaxRow::default())?,
        q: arena.raw(q, [0.0; A])?,
        logits: arena.raw(logits, [0.0; A])?,
        grad: arena.raw(grad, [0.0; A])?,
        flat: arena.raw(flat, 0.0)?,
    });
    let bytes = arena.used();
    arena.place(
        obj,
        ExactObj {
            head: Head::new(ExactObj::MAGIC, bytes),
            states: n,
            actions: A,
            inner,
        },
    )
}

fn make_any(arena: &mut Arena, source: &Source<'_>, ord: u32) -> Res<*mut ExactObj> {
    let ord = ordering(ord)?;
    let (_, actions, _) = source.shape()?;
    with_actions!(actions, A => make::<A>(arena, source, ord),
        _ => Err(invalid("actions", crate::ACTIONS_RULE)))
}

fn paper() -> Gridworld<'static, pl_real> {
    // The paper's world (§3.1, Fig. 3), as `policy_landscape::paper::mdp`.
    static CELLS: [RewardCell<pl_real>; 2] = [
        RewardCell {
            row: 0,
            col: 4,
            reward: 5.0,
        },
        RewardCell {
            row: 4,
            col: 0,
            reward: 4.5,
        },
    ];
    Gridworld::new(5, &CELLS)
}

/// # Safety
///
/// As the `pl_exact_init_gridworld` arguments.
unsafe fn grid_source<'a>(
    size: usize,
    cells: *const pl_reward_cell,
    cells_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
) -> Res<Source<'a>> {
    // SAFETY: the caller's contract.
    let cells = unsafe { ffi::input(cells.cast::<RewardCell<pl_real>>(), cells_len, "cells")? };
    finite(p_success, "p_success")?;
    finite(gamma, "gamma")?;
    Ok(Source::Grid(
        Gridworld::new(size, cells)
            .p_success(p_success)
            .gamma(gamma)
            .start(start),
    ))
}

/// # Safety
///
/// As the `pl_exact_init_chain` arguments.
#[allow(clippy::too_many_arguments)]
unsafe fn chain_source<'a>(
    states: usize,
    rewards: *const pl_chain_reward,
    rewards_len: usize,
    terminal: *const usize,
    terminal_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
) -> Res<Source<'a>> {
    // SAFETY: the caller's contract.
    let rewards = unsafe { ffi::input(rewards, rewards_len, "rewards")? };
    // SAFETY: the caller's contract.
    let terminal = unsafe { ffi::input(terminal, terminal_len, "terminal")? };
    finite(p_success, "p_success")?;
    finite(gamma, "gamma")?;
    Ok(Source::Chain {
        states,
        rewards,
        terminal,
        p_success,
        gamma,
        start,
    })
}

/// # Safety
///
/// As the `pl_exact_init_sparse` arguments.
#[allow(clippy::too_many_arguments)]
unsafe fn sparse_source<'a>(
    states: usize,
    actions: usize,
    offsets: *const u32,
    offsets_len: usize,
    next: *const u32,
    prob: *const pl_real,
    transitions: usize,
    rewards: *const pl_real,
    rewards_len: usize,
    gamma: pl_real,
    start: *const pl_real,
    start_len: usize,
) -> Res<Source<'a>> {
    if states == 0 {
        return Err(invalid("states", "be at least 1"));
    }
    if actions == 0 || actions > PL_MAX_ACTIONS {
        return Err(invalid("actions", crate::ACTIONS_RULE));
    }
    let sa = states
        .checked_mul(actions)
        .ok_or_else(|| invalid("states", "fit in memory"))?;
    // SAFETY: the caller's contract (each array is checked for its length).
    let (offsets, next, prob, rewards, start) = unsafe {
        (
            ffi::input_exact(offsets, offsets_len, sa.saturating_add(1), "offsets")?,
            ffi::input(next, transitions, "next")?,
            ffi::input(prob, transitions, "prob")?,
            ffi::input_exact(rewards, rewards_len, sa, "rewards")?,
            ffi::input_exact(start, start_len, states, "start")?,
        )
    };
    finite(gamma, "gamma")?;
    Ok(Source::Sparse {
        states,
        offsets,
        next,
        prob,
        rewards,
        gamma,
        start,
    })
}

/// The paper's world (§3.1, Fig. 3): a 5 × 5 grid and an absorbing state (26
/// states; actions 0 left, 1 right, 2 up, 3 down), reward 5 on leaving
/// (0, 4) and 4.5 on leaving (4, 0), deterministic moves, γ = 0.99, start
/// at (0, 0); natural ordering. Placed in `mem` (`cap` bytes aligned to
/// [`crate::pl_align`]). With too little memory (or `mem` NULL) it returns
/// `PL_ERR_BUFFER_TOO_SMALL` and the bytes needed in `*needed`; call again
/// with that much (the size is exact once the plan's factors are counted:
/// at most three calls; on success `*needed` holds the bytes used).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_exact_deinit`]; `needed` and `out` are NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_init_paper(
    mem: *mut c_void,
    cap: usize,
    needed: *mut usize,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            make_any(a, &Source::Grid(paper()), PL_ORDERING_NATURAL)
        })
    }
}

/// [`pl_exact_init_paper`] on the heap; end it with [`pl_exact_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_new_paper(out: *mut *mut pl_exact) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::new(out.cast(), |a| {
            make_any(a, &Source::Grid(paper()), PL_ORDERING_NATURAL)
        })
    }
}

/// A `size` × `size` gridworld and its absorbing state (`size² + 1`
/// states, 4 actions: 0 left, 1 right, 2 up, 3 down; cell (r, c) is state
/// `size · r + c`, the absorbing state is last). Moves succeed with
/// probability `p_success` (otherwise the agent stays), bumping into a
/// wall stays; leaving a reward cell (`cells`, `cells_len` of them) pays
/// its reward and ends the episode. `gamma` in \[0, 1), `start` a cell,
/// `ordering` a `PL_ORDERING_*`. Memory as [`pl_exact_init_paper`].
///
/// # Safety
///
/// As [`pl_exact_init_paper`]; `cells` is NULL (only with `cells_len` 0)
/// or valid for reads of `cells_len` cells.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_init_gridworld(
    mem: *mut c_void,
    cap: usize,
    size: usize,
    cells: *const pl_reward_cell,
    cells_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
    ordering: u32,
    needed: *mut usize,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            let s = grid_source(size, cells, cells_len, p_success, gamma, start)?;
            make_any(a, &s, ordering)
        })
    }
}

/// [`pl_exact_init_gridworld`] on the heap; end it with [`pl_exact_free`].
///
/// # Safety
///
/// As [`pl_exact_init_gridworld`], without `mem`.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_new_gridworld(
    size: usize,
    cells: *const pl_reward_cell,
    cells_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
    ordering: u32,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::new(out.cast(), |a| {
            let s = grid_source(size, cells, cells_len, p_success, gamma, start)?;
            make_any(a, &s, ordering)
        })
    }
}

/// A chain of `states` states and 2 actions (0 left, 1 right): a move
/// succeeds with probability `p_success` (otherwise the agent stays), the
/// ends are walls, the `terminal` states loop to themselves, and `rewards`
/// lists what `(state, action)` pairs pay. `gamma` in \[0, 1), `start` a
/// state. Memory as [`pl_exact_init_paper`].
///
/// # Safety
///
/// As [`pl_exact_init_paper`]; `rewards` and `terminal` are NULL (only
/// with length 0) or valid for reads of their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_init_chain(
    mem: *mut c_void,
    cap: usize,
    states: usize,
    rewards: *const pl_chain_reward,
    rewards_len: usize,
    terminal: *const usize,
    terminal_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
    ordering: u32,
    needed: *mut usize,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            let s = chain_source(
                states,
                rewards,
                rewards_len,
                terminal,
                terminal_len,
                p_success,
                gamma,
                start,
            )?;
            make_any(a, &s, ordering)
        })
    }
}

/// [`pl_exact_init_chain`] on the heap; end it with [`pl_exact_free`].
///
/// # Safety
///
/// As [`pl_exact_init_chain`], without `mem`.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_new_chain(
    states: usize,
    rewards: *const pl_chain_reward,
    rewards_len: usize,
    terminal: *const usize,
    terminal_len: usize,
    p_success: pl_real,
    gamma: pl_real,
    start: usize,
    ordering: u32,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::new(out.cast(), |a| {
            let s = chain_source(
                states,
                rewards,
                rewards_len,
                terminal,
                terminal_len,
                p_success,
                gamma,
                start,
            )?;
            make_any(a, &s, ordering)
        })
    }
}

/// Any MDP of `states` states and `actions` actions (1 to 8), as next-state
/// lists: the transitions of `(s, a)` are `next[k]` with probability
/// `prob[k]` for `k` in `offsets[s·actions + a] .. offsets[s·actions + a +
/// 1]` (`offsets_len = states·actions + 1`, `transitions` entries in `next`
/// and `prob`); `rewards[s·actions + a]` is `R(s, a)` (`rewards_len =
/// states·actions`), `start` the start distribution (`start_len = states`),
/// `gamma` in \[0, 1). Every row must sum to 1. The arrays are copied.
/// Memory as [`pl_exact_init_paper`].
///
/// # Safety
///
/// As [`pl_exact_init_paper`]; each array is NULL (only with length 0) or
/// valid for reads of its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_init_sparse(
    mem: *mut c_void,
    cap: usize,
    states: usize,
    actions: usize,
    offsets: *const u32,
    offsets_len: usize,
    next: *const u32,
    prob: *const pl_real,
    transitions: usize,
    rewards: *const pl_real,
    rewards_len: usize,
    gamma: pl_real,
    start: *const pl_real,
    start_len: usize,
    ordering: u32,
    needed: *mut usize,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            let s = sparse_source(
                states,
                actions,
                offsets,
                offsets_len,
                next,
                prob,
                transitions,
                rewards,
                rewards_len,
                gamma,
                start,
                start_len,
            )?;
            make_any(a, &s, ordering)
        })
    }
}

/// [`pl_exact_init_sparse`] on the heap; end it with [`pl_exact_free`].
///
/// # Safety
///
/// As [`pl_exact_init_sparse`], without `mem`.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_new_sparse(
    states: usize,
    actions: usize,
    offsets: *const u32,
    offsets_len: usize,
    next: *const u32,
    prob: *const pl_real,
    transitions: usize,
    rewards: *const pl_real,
    rewards_len: usize,
    gamma: pl_real,
    start: *const pl_real,
    start_len: usize,
    ordering: u32,
    out: *mut *mut pl_exact,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::new(out.cast(), |a| {
            let s = sparse_source(
                states,
                actions,
                offsets,
                offsets_len,
                next,
                prob,
                transitions,
                rewards,
                rewards_len,
                gamma,
                start,
                start_len,
            )?;
            make_any(a, &s, ordering)
        })
    }
}

/// Ends an evaluator placed by a `pl_exact_init_*`; its memory is the
/// caller's again. A second call returns `PL_ERR_BAD_HANDLE`.
///
/// # Safety
///
/// `exact` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_deinit(exact: *mut pl_exact) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(exact.cast::<ExactObj>(), "exact") }
}

/// Frees an evaluator made by a `pl_exact_new_*` and sets `*exact` to NULL.
///
/// # Safety
///
/// `exact` is NULL or valid for reads and writes; `*exact` is NULL or a
/// handle of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_free(exact: *mut *mut pl_exact) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(exact.cast::<*mut ExactObj>(), "exact") }
}

/// The MDP's numbers of states and actions.
///
/// # Safety
///
/// `exact` is NULL or a handle of this library; `states` and `actions` are
/// NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_shape(
    exact: *const pl_exact,
    states: *mut usize,
    actions: *mut usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let e = unsafe { live(exact.cast::<ExactObj>(), "exact")? };
        // SAFETY: the caller's contract.
        let (s, a) =
            e.record(unsafe { Ok((ffi::out(states, "states")?, ffi::out(actions, "actions")?)) })?;
        s.put(e.states);
        a.put(e.actions);
        Ok(())
    })
}

/// `J_τ` of `policy` (`tau` ≥ 0; 0 gives the true return `J`) into
/// `*j_tau`.
///
/// # Safety
///
/// `exact` and `policy` are NULL or handles of this library; `j_tau` is
/// NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_objective(
    exact: *mut pl_exact,
    policy: *const pl_softmax,
    tau: pl_real,
    j_tau: *mut pl_real,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let e = unsafe { live_mut(exact.cast::<ExactObj>(), "exact")? };
        let r = (|| {
            // SAFETY: the caller's contract.
            let p = unsafe { live(policy.cast::<SoftmaxObj>(), "policy")? };
            // SAFETY: the caller's contract.
            let out = unsafe { ffi::out(j_tau, "j_tau")? };
            Ok((p, out))
        })();
        let (p, out) = e.record(r)?;
        let r = e.objective(&p.family(), p.theta.slice(), tau);
        out.put(e.record(r)?);
        Ok(())
    })
}

/// Evaluates `policy` exactly at `tau` ≥ 0: `J_τ` into `*j_tau` and, for
/// each output that is not NULL (its length is then checked): `gradient`,
/// `∂J_τ/∂θ` in the torch layout (`gradient_len` =
/// [`crate::pl_softmax_params_len`]); `value`, `V(s)` (`value_len` =
/// states); `q`, `Q(s, a)` at `s·actions + a` (`q_len` = states·actions);
/// `occupancy`, the discounted state occupancy `d(s)` (`occupancy_len` =
/// states).
///
/// # Safety
///
/// `exact` and `policy` are NULL or handles of this library; each output is
/// NULL or valid for writes of its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_exact_evaluate(
    exact: *mut pl_exact,
    policy: *const pl_softmax,
    tau: pl_real,
    j_tau: *mut pl_real,
    gradient: *mut pl_real,
    gradient_len: usize,
    value: *mut pl_real,
    value_len: usize,
    q: *mut pl_real,
    q_len: usize,
    occupancy: *mut pl_real,
    occupancy_len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let e = unsafe { live_mut(exact.cast::<ExactObj>(), "exact")? };
        let (n, a) = (e.states, e.actions);
        let r = (|| {
            // SAFETY: the caller's contract.
            let p = unsafe { live(policy.cast::<SoftmaxObj>(), "policy")? };
            e.fits(&p.family())?;
            // Outputs are checked before anything is computed, and written
            // only after everything succeeded.
            // SAFETY: the caller's contract.
            unsafe {
                let j = ffi::out(j_tau, "j_tau")?;
                let outs = Outputs {
                    gradient: ffi::output_opt(gradient, gradient_len, p.theta.len(), "gradient")?,
                    value: ffi::output_opt(value, value_len, n, "value")?,
                    q: ffi::output_opt(q, q_len, n * a, "q")?,
                    occupancy: ffi::output_opt(occupancy, occupancy_len, n, "occupancy")?,
                };
                Ok((p, j, outs))
            }
        })();
        let (p, j, outs) = e.record(r)?;
        let r = e.evaluate(&p.family(), p.theta.slice(), tau, outs);
        j.put(e.record(r)?);
        Ok(())
    })
}

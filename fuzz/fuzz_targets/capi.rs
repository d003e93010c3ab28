//! The C interface driven as a careless C program would: arbitrary MDP
//! arrays, lengths, NaNs, NULL outputs, misaligned and short memory, calls
//! out of order, objects ended twice. Every call must return a known code;
//! a failing call must write nothing (sentinels stay) and change nothing (the
//! objects answer as before); a successful one must write finite numbers.
#![no_main]

use core::ptr::{null, null_mut};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape_c::*;

const SENTINEL: f64 = -7.5e300;

#[derive(Arbitrary, Debug)]
enum Op {
    SetParams {
        values: Vec<f64>,
        len_delta: i8,
    },
    Mix(f64),
    Evaluate {
        tau: f64,
        grad_delta: i8,
        value_null: bool,
        q_delta: i8,
    },
    Step {
        step: f64,
        tau: f64,
        decay: f64,
    },
    Start {
        tau: f64,
        alpha: f64,
        seed: u64,
        first: u64,
        count: u8,
    },
    Advance(u8),
    Merge,
    Summary,
    Act {
        state: usize,
        u: f64,
    },
    EndTwice,
}

#[derive(Arbitrary, Debug)]
struct Input {
    states: u8,
    actions: u8,
    offsets: Vec<u32>,
    next: Vec<u32>,
    prob: Vec<f64>,
    rewards: Vec<f64>,
    gamma: f64,
    start: Vec<f64>,
    cap_delta: i16,
    misalign: bool,
    ops: Vec<Op>,
}

fn known(code: pl_status) -> pl_status {
    assert!((0..=14).contains(&code), "unknown code {code}");
    assert!(!pl_status_message(code).is_null());
    code
}

/// J of the policy now (or the error code): what "unchanged" compares.
fn objective(ex: *mut pl_exact, pol: *const pl_softmax) -> Result<u64, pl_status> {
    let mut j = SENTINEL;
    match known(unsafe { pl_exact_objective(ex, pol, 0.0, &mut j) }) {
        PL_OK => {
            assert!(j.is_finite());
            Ok(j.to_bits())
        }
        c => {
            assert_eq!(j.to_bits(), SENTINEL.to_bits());
            Err(c)
        }
    }
}

fuzz_target!(|input: Input| {
    // An MDP from arbitrary arrays (mostly invalid: refused, nothing made),
    // placed in memory of an arbitrary size, maybe misaligned.
    let (states, actions) = (
        usize::from(input.states % 5),
        usize::from(input.actions % 4),
    );
    let mut needed = 0;
    let mut out: *mut pl_exact = null_mut();
    let code = known(unsafe {
        pl_exact_init_sparse(
            null_mut(),
            0,
            states,
            actions,
            input.offsets.as_ptr(),
            input.offsets.len(),
            input.next.as_ptr(),
            input.prob.as_ptr(),
            input.next.len().min(input.prob.len()),
            input.rewards.as_ptr(),
            input.rewards.len(),
            input.gamma,
            input.start.as_ptr(),
            input.start.len(),
            0,
            &mut needed,
            &mut out,
        )
    });
    assert!(out.is_null());
    if code == PL_ERR_BUFFER_TOO_SMALL {
        let cap = (needed as i64 + i64::from(input.cap_delta)).clamp(0, 1 << 20) as usize;
        let mut mem = vec![0u64; cap / 8 + 2];
        let base = mem.as_mut_ptr().cast::<u8>();
        let p = if input.misalign {
            unsafe { base.add(4) }
        } else {
            base
        };
        let code = known(unsafe {
            pl_exact_init_sparse(
                p.cast(),
                cap,
                states,
                actions,
                input.offsets.as_ptr(),
                input.offsets.len(),
                input.next.as_ptr(),
                input.prob.as_ptr(),
                input.next.len().min(input.prob.len()),
                input.rewards.as_ptr(),
                input.rewards.len(),
                input.gamma,
                input.start.as_ptr(),
                input.start.len(),
                0,
                &mut needed,
                &mut out,
            )
        });
        if code == PL_OK {
            assert!(!out.is_null() && !input.misalign && needed <= cap);
            let (mut s, mut a) = (0, 0);
            assert_eq!(unsafe { pl_exact_shape(out, &mut s, &mut a) }, PL_OK);
            assert_eq!((s, a), (states, actions));
            assert_eq!(unsafe { pl_exact_deinit(out) }, PL_OK);
        } else {
            assert!(out.is_null() || code == PL_OK);
        }
    } else {
        assert_ne!(code, PL_OK);
    }

    // Operations on the paper's world.
    let mut ex = null_mut();
    assert_eq!(unsafe { pl_exact_new_paper(&mut ex) }, PL_OK);
    let mut pol = null_mut();
    assert_eq!(unsafe { pl_softmax_new(26, 4, true, &mut pol) }, PL_OK);
    let mut tr: *mut pl_trainer = null_mut();
    let mut pr = null_mut();
    assert_eq!(unsafe { pl_probe_new(108, &mut pr) }, PL_OK);
    let (mut acc, mut other) = (null_mut(), null_mut());
    assert_eq!(unsafe { pl_accumulator_new(&mut acc) }, PL_OK);
    assert_eq!(unsafe { pl_accumulator_new(&mut other) }, PL_OK);
    for op in input.ops.iter().take(24) {
        let before = objective(ex, pol);
        let mut params = [0.0; 108];
        assert_eq!(
            unsafe { pl_softmax_get_params(pol, params.as_mut_ptr(), 108) },
            PL_OK
        );
        let mut sum_before = pl_summary::default();
        let acc_before = unsafe { pl_accumulator_summary(acc, &mut sum_before) };
        let code = match op {
            Op::SetParams { values, len_delta } => {
                let len = (108 + i64::from(*len_delta)).clamp(0, values.len() as i64) as usize;
                known(unsafe { pl_softmax_set_params(pol, values.as_ptr(), len) })
            }
            Op::Mix(m) => known(unsafe { pl_softmax_set_mix(pol, *m) }),
            Op::Evaluate {
                tau,
                grad_delta,
                value_null,
                q_delta,
            } => {
                let mut j = SENTINEL;
                let mut g = vec![SENTINEL; (108 + i64::from(*grad_delta)).max(0) as usize];
                let mut v = [SENTINEL; 26];
                let mut q = vec![SENTINEL; (104 + i64::from(*q_delta)).max(0) as usize];
                let vp = if *value_null {
                    null_mut()
                } else {
                    v.as_mut_ptr()
                };
                let code = known(unsafe {
                    pl_exact_evaluate(
                        ex,
                        pol,
                        *tau,
                        &mut j,
                        g.as_mut_ptr(),
                        g.len(),
                        vp,
                        26,
                        q.as_mut_ptr(),
                        q.len(),
                        null_mut(),
                        0,
                    )
                });
                let untouched = |xs: &[f64]| xs.iter().all(|x| x.to_bits() == SENTINEL.to_bits());
                if code == PL_OK {
                    assert!(j.is_finite() && g.iter().chain(&q).all(|x| x.is_finite()));
                    assert!(*value_null || v.iter().all(|x| x.is_finite()));
                } else {
                    assert!(
                        untouched(&g)
                            && untouched(&v)
                            && untouched(&q)
                            && j.to_bits() == SENTINEL.to_bits()
                    );
                }
                code
            }
            Op::Step { step, tau, decay } => {
                if tr.is_null() {
                    let c = known(unsafe { pl_trainer_new(*step, *tau, *decay, &mut tr) });
                    if c != PL_OK {
                        assert!(tr.is_null());
                        continue;
                    }
                }
                known(unsafe { pl_trainer_step(tr, ex, pol, null_mut()) })
            }
            Op::Start {
                tau,
                alpha,
                seed,
                first,
                count,
            } => known(unsafe {
                pl_probe_start_exact(
                    pr,
                    ex,
                    pol,
                    *tau,
                    *alpha,
                    *seed,
                    *first,
                    u64::from(*count % 8),
                    acc,
                )
            }),
            Op::Advance(k) => {
                let mut left = u64::MAX;
                let c = known(unsafe {
                    pl_probe_advance_exact(pr, ex, acc, u64::from(*k % 4), &mut left)
                });
                if c != PL_OK {
                    assert_eq!(left, u64::MAX);
                }
                c
            }
            Op::Merge => known(unsafe { pl_accumulator_merge(other, acc) }),
            Op::Summary => {
                let mut s = pl_summary::default();
                let c = known(unsafe { pl_accumulator_summary(other, &mut s) });
                if c == PL_OK {
                    assert!(s.gradient_mean.is_finite() && s.curvature_mean.is_finite());
                    assert_eq!(s.cases.total, s.count);
                }
                c
            }
            Op::Act { state, u } => {
                let mut a = usize::MAX;
                let c = known(unsafe { pl_softmax_act(pol, *state, *u, &mut a) });
                assert!(if c == PL_OK { a < 4 } else { a == usize::MAX });
                c
            }
            Op::EndTwice => {
                let mut t = null_mut();
                assert_eq!(unsafe { pl_trainer_new(0.1, 0.0, 1.0, &mut t) }, PL_OK);
                assert_eq!(unsafe { pl_trainer_free(&mut t) }, PL_OK);
                assert_eq!(unsafe { pl_trainer_free(&mut t) }, PL_ERR_NULL);
                assert_eq!(unsafe { pl_trainer_deinit(null_mut()) }, PL_ERR_NULL);
                assert_eq!(
                    unsafe { pl_exact_objective(pol.cast(), pol, 0.0, null_mut()) },
                    PL_ERR_BAD_HANDLE
                );
                PL_OK
            }
        };
        if code != PL_OK {
            // Changed nothing: the policy, its objective and the accumulator.
            let mut after = [0.0; 108];
            assert_eq!(
                unsafe { pl_softmax_get_params(pol, after.as_mut_ptr(), 108) },
                PL_OK
            );
            assert_eq!(params.map(f64::to_bits), after.map(f64::to_bits));
            assert_eq!(objective(ex, pol), before);
            let mut sum_after = pl_summary::default();
            assert_eq!(
                unsafe { pl_accumulator_summary(acc, &mut sum_after) },
                acc_before
            );
            assert_eq!(sum_after, sum_before);
            let mut buf = [0i8; 8];
            let n = unsafe { pl_last_error(null(), buf.as_mut_ptr().cast(), 8) };
            assert_eq!(n, 0);
        }
    }
    for code in [
        unsafe { pl_accumulator_free(&mut acc) },
        unsafe { pl_accumulator_free(&mut other) },
        unsafe { pl_probe_free(&mut pr) },
        unsafe { pl_softmax_free(&mut pol) },
        unsafe { pl_exact_free(&mut ex) },
    ] {
        assert_eq!(code, PL_OK);
    }
    if !tr.is_null() {
        assert_eq!(unsafe { pl_trainer_free(&mut tr) }, PL_OK);
    }
});

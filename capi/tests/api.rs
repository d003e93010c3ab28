//! The C interface called as C calls it (through its `extern "C"`
//! functions), against the Rust API of the core: bit for bit where the
//! arithmetic is the same, and every bad input an error code that changes
//! nothing.

#![allow(clippy::float_cmp)]

use core::ffi::{CStr, c_void};
use core::ptr::{null, null_mut};

use policy_landscape::exact::ExactWorkspace;
use policy_landscape::paper;
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{self, Thresholds, from_fn};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::random::episode_rng;
use policy_landscape::{Softmax, TrainConfig, Trainer};
use policy_landscape_c::*;

type R = pl_real;

fn ok(code: pl_status) {
    assert_eq!(code, PL_OK, "{:?}", unsafe {
        CStr::from_ptr(pl_status_message(code))
    });
}

fn last_error(obj: *const c_void) -> String {
    let mut buf = [0 as core::ffi::c_char; 256];
    let n = unsafe { pl_last_error(obj, buf.as_mut_ptr(), buf.len()) };
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(n, s.len());
    s
}

/// Memory aligned to `pl_align()`, as a C caller would give it.
struct Mem(Vec<u64>);

impl Mem {
    fn new(bytes: usize) -> Self {
        Mem(vec![0; bytes.div_ceil(8)])
    }
    fn ptr(&mut self) -> *mut c_void {
        self.0.as_mut_ptr().cast()
    }
    fn cap(&self) -> usize {
        self.0.len() * 8
    }
}

fn paper_exact() -> (*mut pl_exact, usize) {
    let mut out = null_mut();
    ok(unsafe { pl_exact_new_paper(&mut out) });
    let (mut s, mut a) = (0, 0);
    ok(unsafe { pl_exact_shape(out, &mut s, &mut a) });
    assert_eq!((s, a), (26, 4));
    (out, s)
}

fn softmax(states: usize, actions: usize, bias: bool) -> *mut pl_softmax {
    let mut out = null_mut();
    ok(unsafe { pl_softmax_new(states, actions, bias, &mut out) });
    out
}

/// The flat parameters of the core's tabular policy drawn like the C one.
fn core_policy(seed: u64) -> Softmax<R, 26, 4> {
    let mut p = Softmax::<R, 26, 4>::tabular();
    p.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    p
}

#[test]
#[cfg_attr(
    miri,
    ignore = "120 exact steps and 40 directions: hours under Miri; the unsafe paths are the other tests'"
)]
fn paper_check_equals_the_rust_api_bit_for_bit() {
    let (ex, _) = paper_exact();
    let pol = softmax(26, 4, false);
    ok(unsafe { pl_softmax_init_like_torch(pol, 7) });

    let mut rust = core_policy(7);
    let mdp = paper::mdp::<R>();
    let mut ws = ExactWorkspace::<R, 26, 4>::new();

    // Evaluation: J, V, Q, d and the gradient (torch layout).
    let (mut j, mut g, mut v, mut q, mut d) = (0.0, [0.0; 104], [0.0; 26], [0.0; 104], [0.0; 26]);
    ok(unsafe {
        pl_exact_evaluate(
            ex,
            pol,
            0.05,
            &mut j,
            g.as_mut_ptr(),
            104,
            v.as_mut_ptr(),
            26,
            q.as_mut_ptr(),
            104,
            d.as_mut_ptr(),
            26,
        )
    });
    let eval = ws.evaluate(&mdp, &rust, 0.05).unwrap();
    assert_eq!(j.to_bits(), eval.j_tau().to_bits());
    assert_eq!(v, *eval.value());
    assert_eq!(d, *eval.occupancy());
    assert_eq!(&q[..], eval.q().as_flattened());
    let mut flat = [0.0; 104];
    eval.gradient_into(&mut flat).unwrap();
    let mut torch = [0.0; 104];
    Softmax::<R, 26, 4>::to_torch_layout(&flat, &mut torch).unwrap();
    assert_eq!(g.map(f64::from), torch.map(f64::from));

    // 120 trainer steps.
    let mut tr = null_mut();
    ok(unsafe { pl_trainer_new(0.1, 0.1, 0.99, &mut tr) });
    let mut trainer =
        Trainer::<R, 26, 4>::new(TrainConfig::new(0.1, 120).tau(0.1).tau_decay(0.99)).unwrap();
    for _ in 0..120 {
        let mut step = pl_train_step {
            update: 0,
            tau: 0.0,
            j_tau: 0.0,
            grad_norm: 0.0,
        };
        ok(unsafe { pl_trainer_step(tr, ex, pol, &mut step) });
        let s = trainer.step(&mdp, &mut rust, &mut ws).unwrap();
        assert_eq!(step.j_tau.to_bits(), s.j_tau.to_bits());
        assert_eq!(step.grad_norm.to_bits(), s.grad_norm.to_bits());
        assert_eq!(step.tau.to_bits(), s.tau.to_bits());
    }
    let mut tau = 0.0;
    ok(unsafe { pl_trainer_tau(tr, &mut tau) });
    assert_eq!(tau.to_bits(), trainer.tau().to_bits());
    let mut params = [0.0; 104];
    ok(unsafe { pl_softmax_get_params(pol, params.as_mut_ptr(), 104) });
    let mut want = [0.0; 104];
    rust.params_to_torch(&mut want).unwrap();
    assert_eq!(params.map(f64::from), want.map(f64::from));

    // A probe of J advanced 7 directions at a time equals the Rust API's
    // one-shot probe.
    let mut pr = null_mut();
    ok(unsafe { pl_probe_new(104, &mut pr) });
    let mut acc = null_mut();
    ok(unsafe { pl_accumulator_new(&mut acc) });
    ok(unsafe { pl_probe_start_exact(pr, ex, pol, 0.0, 0.5, 2019, 0, 40, acc) });
    let mut left = u64::MAX;
    let mut calls = 0;
    while left > 0 {
        ok(unsafe { pl_probe_advance_exact(pr, ex, acc, 7, &mut left) });
        calls += 1;
    }
    assert_eq!(calls, 6);
    let mut s = pl_summary::default();
    ok(unsafe { pl_accumulator_summary(acc, &mut s) });

    let theta = *rust.params().first_chunk::<104>().unwrap();
    let mut o = from_fn(|t: &[R]| {
        let mut p = Softmax::<R, 26, 4>::tabular();
        p.set_params(t)?;
        ws.objective(&mdp, &p, 0.0)
    });
    let mut want = probe::start(&mut o, &theta, 0.5, Thresholds::default()).unwrap();
    let mut scratch = [0.0; 208];
    probe::probe(&mut o, &theta, 2019, 0..40, &mut scratch, &mut want).unwrap();
    assert_eq!(s.count, 40);
    assert_eq!(s.base.to_bits(), want.base().to_bits());
    assert_eq!(
        s.gradient_mean.to_bits(),
        want.gradient().mean().unwrap().to_bits()
    );
    assert_eq!(
        s.curvature_mean.to_bits(),
        want.curvature().mean().unwrap().to_bits()
    );
    assert_eq!(
        s.curvature_variance.to_bits(),
        want.curvature().variance().unwrap().to_bits()
    );
    assert_eq!(s.cases.opposite, want.cases().opposite);
    assert_eq!(s.cases.curvature_negative, want.cases().curvature_negative);
    assert_eq!(s.verdict.support, want.verdict().support);
    let name = unsafe { CStr::from_ptr(pl_verdict_name(s.verdict.kind)) };
    assert_eq!(name.to_str().unwrap(), want.verdict().kind.name());

    // Another evaluator (of the same shape) is refused.
    let (other, _) = paper_exact();
    assert_eq!(
        unsafe { pl_probe_advance_exact(pr, other, acc, 7, &mut left) },
        PL_ERR_INCOMPATIBLE
    );
    ok(unsafe { pl_exact_free(&mut { other }) });

    // Finished: advancing does nothing.
    ok(unsafe { pl_probe_advance_exact(pr, ex, acc, 7, &mut left) });
    assert_eq!(left, 0);

    ok(unsafe { pl_accumulator_free(&mut acc) });
    ok(unsafe { pl_probe_free(&mut pr) });
    ok(unsafe { pl_trainer_free(&mut tr) });
    ok(unsafe { pl_softmax_free(&mut { pol }) });
    ok(unsafe { pl_exact_free(&mut { ex }) });
}

#[test]
fn caller_memory_is_sized_in_at_most_three_calls_and_used_exactly() {
    let mut needed = 0;
    let mut out = null_mut();
    let mut calls = 0;
    let mut mem = Mem::new(0);
    loop {
        calls += 1;
        let (p, cap) = if mem.cap() == 0 {
            (null_mut(), 0)
        } else {
            (mem.ptr(), mem.cap())
        };
        let code = unsafe { pl_exact_init_paper(p, cap, &mut needed, &mut out) };
        if code == PL_OK {
            break;
        }
        assert_eq!(code, PL_ERR_BUFFER_TOO_SMALL);
        assert!(out.is_null());
        mem = Mem::new(needed);
    }
    assert!(calls <= 3, "{calls} calls");
    assert!(needed <= mem.cap());
    // The exact size also works, and a byte less does not.
    let mut exact = Mem::new(needed);
    let mut again = 0;
    ok(unsafe { pl_exact_init_paper(exact.ptr(), needed, &mut again, &mut out) });
    assert_eq!(again, needed);
    let mut small = Mem::new(needed);
    assert_eq!(
        unsafe { pl_exact_init_paper(small.ptr(), needed - 1, &mut again, &mut out) },
        PL_ERR_BUFFER_TOO_SMALL
    );

    // Misaligned memory.
    let mut m = Mem::new(needed + 8);
    let odd = unsafe { m.ptr().cast::<u8>().add(4) }.cast();
    let before = out;
    assert_eq!(
        unsafe { pl_exact_init_paper(odd, needed, null_mut(), &mut out) },
        PL_ERR_MISALIGNED
    );
    assert_eq!(out, before);

    // The fixed-size kinds report their size.
    let mut bytes = 0;
    ok(unsafe { pl_softmax_size(26, 4, true, &mut bytes) });
    let mut pm = Mem::new(bytes);
    let mut pol = null_mut();
    ok(unsafe { pl_softmax_init(pm.ptr(), bytes, 26, 4, true, null_mut(), &mut pol) });
    let mut acc_mem = Mem::new(pl_accumulator_size());
    let mut acc = null_mut();
    ok(unsafe { pl_accumulator_init(acc_mem.ptr(), acc_mem.cap(), null_mut(), &mut acc) });
    // Caller memory is ended, not freed; ending twice is an error.
    assert_eq!(unsafe { pl_softmax_free(&mut pol) }, PL_ERR_BAD_HANDLE);
    ok(unsafe { pl_softmax_deinit(pol) });
    assert_eq!(unsafe { pl_softmax_deinit(pol) }, PL_ERR_BAD_HANDLE);
    assert_eq!(
        unsafe { pl_softmax_params_len(pol, &mut bytes) },
        PL_ERR_BAD_HANDLE
    );
    ok(unsafe { pl_accumulator_deinit(acc) });
    ok(unsafe { pl_exact_deinit(out) });
}

#[test]
fn bad_input_is_an_error_code_and_changes_nothing() {
    let (ex, _) = paper_exact();
    let pol = softmax(26, 4, false);
    ok(unsafe { pl_softmax_init_like_torch(pol, 1) });
    let sentinel = -123.25;

    // NULL handles and outputs.
    let mut j = sentinel;
    assert_eq!(
        unsafe { pl_exact_objective(null_mut(), pol, 0.0, &mut j) },
        PL_ERR_NULL
    );
    assert_eq!(
        unsafe { pl_exact_objective(ex, null(), 0.0, &mut j) },
        PL_ERR_NULL
    );
    assert!(last_error(ex.cast()).contains("`policy` is NULL"));
    assert_eq!(
        unsafe { pl_exact_objective(ex, pol, 0.0, null_mut()) },
        PL_ERR_NULL
    );
    // A handle of another kind.
    assert_eq!(
        unsafe { pl_exact_objective(pol.cast(), pol, 0.0, &mut j) },
        PL_ERR_BAD_HANDLE
    );
    // NaN and negative tau.
    assert_eq!(
        unsafe { pl_exact_objective(ex, pol, R::NAN, &mut j) },
        PL_ERR_NON_FINITE
    );
    assert_eq!(
        unsafe { pl_exact_objective(ex, pol, -1.0, &mut j) },
        PL_ERR_INVALID_ARGUMENT
    );
    assert!(last_error(ex.cast()).contains("tau"));
    assert_eq!(j, sentinel);

    // Wrong output lengths: nothing written, not even J.
    let mut g = [sentinel; 105];
    assert_eq!(
        unsafe {
            pl_exact_evaluate(
                ex,
                pol,
                0.0,
                &mut j,
                g.as_mut_ptr(),
                105,
                null_mut(),
                0,
                null_mut(),
                0,
                null_mut(),
                0,
            )
        },
        PL_ERR_LENGTH
    );
    assert_eq!(
        last_error(ex.cast()),
        "gradient has length 105, expected 104"
    );
    assert!(g.iter().all(|&x| x == sentinel) && j == sentinel);
    // Misaligned output.
    let mut raw = [0u64; 40];
    let odd = unsafe { raw.as_mut_ptr().cast::<u8>().add(1) }.cast::<R>();
    assert_eq!(
        unsafe {
            pl_exact_evaluate(
                ex,
                pol,
                0.0,
                &mut j,
                null_mut(),
                0,
                odd,
                26,
                null_mut(),
                0,
                null_mut(),
                0,
            )
        },
        PL_ERR_MISALIGNED
    );
    assert!(raw.iter().all(|&x| x == 0));

    // NaN parameters are refused; the policy keeps its own.
    let mut before = [0.0; 104];
    ok(unsafe { pl_softmax_get_params(pol, before.as_mut_ptr(), 104) });
    let mut bad = before;
    bad[30] = R::NAN;
    assert_eq!(
        unsafe { pl_softmax_set_params(pol, bad.as_ptr(), 104) },
        PL_ERR_NON_FINITE
    );
    assert_eq!(last_error(pol.cast()), "torch[30] is not finite");
    assert_eq!(
        unsafe { pl_softmax_set_params(pol, before.as_ptr(), 103) },
        PL_ERR_LENGTH
    );
    assert_eq!(
        unsafe { pl_softmax_set_mix(pol, 1.5) },
        PL_ERR_INVALID_ARGUMENT
    );
    let mut after = [0.0; 104];
    ok(unsafe { pl_softmax_get_params(pol, after.as_mut_ptr(), 104) });
    assert_eq!(before.map(f64::from), after.map(f64::from));

    // A policy of another shape.
    let other = softmax(25, 4, false);
    assert_eq!(
        unsafe { pl_exact_objective(ex, other, 0.0, &mut j) },
        PL_ERR_INCOMPATIBLE
    );

    // Invalid MDPs from arrays: a row that does not sum to 1, a NaN.
    let offsets = [0u32, 1, 2];
    let next = [0u32, 0];
    let rewards = [1.0, 0.0];
    let start = [1.0];
    let mut out = null_mut();
    let prob = [0.5, 1.0];
    let code = unsafe {
        pl_exact_new_sparse(
            1,
            2,
            offsets.as_ptr(),
            3,
            next.as_ptr(),
            prob.as_ptr(),
            2,
            rewards.as_ptr(),
            2,
            0.9,
            start.as_ptr(),
            1,
            0,
            &mut out,
        )
    };
    assert_eq!(code, PL_ERR_INVALID_MDP);
    assert!(out.is_null());
    let prob = [1.0, R::NAN];
    let code = unsafe {
        pl_exact_new_sparse(
            1,
            2,
            offsets.as_ptr(),
            3,
            next.as_ptr(),
            prob.as_ptr(),
            2,
            rewards.as_ptr(),
            2,
            0.9,
            start.as_ptr(),
            1,
            0,
            &mut out,
        )
    };
    assert_eq!(code, PL_ERR_INVALID_MDP);
    let code = unsafe {
        pl_exact_new_sparse(
            1,
            2,
            offsets.as_ptr(),
            2,
            next.as_ptr(),
            prob.as_ptr(),
            2,
            rewards.as_ptr(),
            2,
            0.9,
            start.as_ptr(),
            1,
            0,
            &mut out,
        )
    };
    assert_eq!(code, PL_ERR_LENGTH);
    let code = unsafe {
        pl_exact_new_sparse(
            1,
            9,
            offsets.as_ptr(),
            10,
            next.as_ptr(),
            prob.as_ptr(),
            2,
            rewards.as_ptr(),
            9,
            0.9,
            start.as_ptr(),
            1,
            0,
            &mut out,
        )
    };
    assert_eq!(code, PL_ERR_INVALID_ARGUMENT);
    assert!(out.is_null());

    // Probing before starting; a trainer refusing NaN.
    let mut pr = null_mut();
    ok(unsafe { pl_probe_new(104, &mut pr) });
    let mut acc = null_mut();
    ok(unsafe { pl_accumulator_new(&mut acc) });
    assert_eq!(
        unsafe { pl_probe_advance_exact(pr, ex, acc, 5, null_mut()) },
        PL_ERR_STATE
    );
    let mut s = pl_summary::default();
    assert_eq!(unsafe { pl_accumulator_summary(acc, &mut s) }, PL_ERR_STATE);
    assert_eq!(
        unsafe { pl_probe_start_exact(pr, ex, pol, 0.0, 0.0, 1, 0, 10, acc) },
        PL_ERR_INVALID_ARGUMENT
    );
    let mut tr = null_mut();
    assert_eq!(
        unsafe { pl_trainer_new(R::NAN, 0.0, 1.0, &mut tr) },
        PL_ERR_NON_FINITE
    );
    assert!(tr.is_null());

    // Freeing twice through the same variable is detected.
    ok(unsafe { pl_accumulator_free(&mut acc) });
    assert!(acc.is_null());
    assert_eq!(unsafe { pl_accumulator_free(&mut acc) }, PL_ERR_NULL);
    assert_eq!(unsafe { pl_accumulator_free(null_mut()) }, PL_ERR_NULL);

    // Every code has a message; unknown ones say so.
    for code in 0..=14 {
        let m = unsafe { CStr::from_ptr(pl_status_message(code)) }
            .to_str()
            .unwrap();
        assert!(!m.is_empty() && m != "unknown status code", "{code}");
    }
    let m = unsafe { CStr::from_ptr(pl_status_message(99)) };
    assert_eq!(m.to_str().unwrap(), "unknown status code");
    assert_eq!(pl_real_size(), core::mem::size_of::<R>());
    assert_eq!(unsafe { pl_last_error(null(), null_mut(), 0) }, 0);

    // Everything made on the heap is freed (Miri checks that nothing leaks).
    ok(unsafe { pl_probe_free(&mut pr) });
    ok(unsafe { pl_softmax_free(&mut { other }) });
    ok(unsafe { pl_softmax_free(&mut { pol }) });
    ok(unsafe { pl_exact_free(&mut { ex }) });
}

#[test]
#[cfg_attr(miri, ignore = "75 directions of exact evaluations: slow under Miri")]
fn merged_shards_count_as_one_probe() {
    let (ex, _) = paper_exact();
    let pol = softmax(26, 4, false);
    ok(unsafe { pl_softmax_init_like_torch(pol, 3) });
    let run = |first: u64, count: u64| {
        let (mut pr, mut acc) = (null_mut(), null_mut());
        ok(unsafe { pl_probe_new(104, &mut pr) });
        ok(unsafe { pl_accumulator_new(&mut acc) });
        ok(unsafe { pl_probe_start_exact(pr, ex, pol, 0.01, 0.25, 11, first, count, acc) });
        ok(unsafe { pl_probe_advance_exact(pr, ex, acc, u64::MAX, null_mut()) });
        acc
    };
    let whole = run(0, 30);
    let (a, b) = (run(0, 12), run(12, 18));
    let mut merged = null_mut();
    ok(unsafe { pl_accumulator_new(&mut merged) });
    ok(unsafe { pl_accumulator_merge(merged, a) });
    ok(unsafe { pl_accumulator_merge(merged, b) });
    let (mut sw, mut sm) = (pl_summary::default(), pl_summary::default());
    ok(unsafe { pl_accumulator_summary(whole, &mut sw) });
    ok(unsafe { pl_accumulator_summary(merged, &mut sm) });
    assert_eq!(sm.count, 30);
    assert_eq!(sm.cases, sw.cases);
    assert_eq!(sm.verdict, sw.verdict);
    assert!(
        (sm.gradient_mean - sw.gradient_mean).abs() <= 1e-12 * sw.gradient_mean.abs().max(1e-300)
    );
    // Merging with another step is refused and changes nothing.
    let (mut pr, mut other) = (null_mut(), null_mut());
    ok(unsafe { pl_probe_new(104, &mut pr) });
    ok(unsafe { pl_accumulator_new(&mut other) });
    ok(unsafe { pl_probe_start_exact(pr, ex, pol, 0.01, 0.5, 11, 0, 3, other) });
    ok(unsafe { pl_probe_advance_exact(pr, ex, other, 3, null_mut()) });
    assert_eq!(
        unsafe { pl_accumulator_merge(merged, other) },
        PL_ERR_INCOMPATIBLE
    );
    let mut again = pl_summary::default();
    ok(unsafe { pl_accumulator_summary(merged, &mut again) });
    assert_eq!(again, sm);
    // Merging into itself doubles the counts.
    ok(unsafe { pl_accumulator_merge(merged, merged) });
    ok(unsafe { pl_accumulator_summary(merged, &mut again) });
    assert_eq!(again.count, 60);
}

unsafe extern "C" fn saddle(
    _: *mut c_void,
    theta: *const R,
    len: usize,
    value: *mut R,
) -> pl_status {
    let t = unsafe { core::slice::from_raw_parts(theta, len) };
    let x = 1.0 - t[0] * t[1];
    unsafe { *value = -x * x };
    PL_OK
}

unsafe extern "C" fn failing(
    calls: *mut c_void,
    _: *const R,
    _: usize,
    value: *mut R,
) -> pl_status {
    let calls = unsafe { &mut *calls.cast::<u32>() };
    *calls += 1;
    unsafe { *value = 1.0 };
    if *calls > 5 { 42 } else { PL_OK }
}

#[test]
fn a_callback_objective_finds_the_saddle_and_its_errors_roll_back() {
    let (mut pr, mut acc) = (null_mut(), null_mut());
    ok(unsafe { pl_probe_new(2, &mut pr) });
    ok(unsafe { pl_accumulator_new(&mut acc) });
    let theta0 = [0.0; 2];
    ok(unsafe {
        pl_probe_start_fn(
            pr,
            Some(saddle),
            null_mut(),
            theta0.as_ptr(),
            2,
            0.5,
            7,
            0,
            200,
            acc,
        )
    });
    ok(unsafe { pl_probe_advance_fn(pr, Some(saddle), null_mut(), acc, 200, null_mut()) });
    let mut s = pl_summary::default();
    ok(unsafe { pl_accumulator_summary(acc, &mut s) });
    assert_eq!(s.verdict.kind, PL_VERDICT_SADDLE);
    let mut o = from_fn(|t: &[R]| Ok(-(1.0 - t[0] * t[1]) * (1.0 - t[0] * t[1])));
    let mut want = probe::start(&mut o, &theta0, 0.5, Thresholds::default()).unwrap();
    probe::probe(&mut o, &theta0, 7, 0..200, &mut [0.0; 4], &mut want).unwrap();
    assert_eq!(
        s.curvature_mean.to_bits(),
        want.curvature().mean().unwrap().to_bits()
    );

    // A callback failing at its sixth call: start (1 call) and two
    // directions (4 calls) pass, the third direction fails and is rolled back.
    let mut calls = 0u32;
    let user = (&raw mut calls).cast();
    ok(unsafe {
        pl_probe_start_fn(
            pr,
            Some(failing),
            user,
            theta0.as_ptr(),
            2,
            0.5,
            7,
            0,
            10,
            acc,
        )
    });
    ok(unsafe { pl_probe_advance_fn(pr, Some(failing), user, acc, 2, null_mut()) });
    ok(unsafe { pl_accumulator_summary(acc, &mut s) });
    assert_eq!(s.count, 2);
    let mut left = 0;
    assert_eq!(
        unsafe { pl_probe_advance_fn(pr, Some(failing), user, acc, 5, &mut left) },
        PL_ERR_CALLBACK
    );
    assert_eq!(
        last_error(pr.cast()),
        "the objective callback returned status 42"
    );
    ok(unsafe { pl_accumulator_summary(acc, &mut s) });
    assert_eq!(s.count, 2);
    assert_eq!(
        unsafe { pl_probe_advance_fn(pr, None, user, acc, 5, &mut left) },
        PL_ERR_NULL
    );
    // The exact driver refuses a probe started with a callback.
    let (ex, _) = paper_exact();
    assert_eq!(
        unsafe { pl_probe_advance_exact(pr, ex, acc, 5, &mut left) },
        PL_ERR_STATE
    );
    ok(unsafe { pl_exact_free(&mut { ex }) });
    ok(unsafe { pl_accumulator_free(&mut acc) });
    ok(unsafe { pl_probe_free(&mut pr) });
}

#[test]
fn gaussian_equals_the_rust_api_bit_for_bit() {
    let mut rust = Gaussian::<R, 3, 2, 4>::affine();
    let torch: Vec<R> = (0..8).map(|i| (i as R) * 0.37 - 1.1).collect();
    let mut flat = [0.0; 8];
    // torch (W[a][f], b[a]) to the core's flat [f][a] layout.
    for a in 0..2 {
        for f in 0..3 {
            flat[f * 2 + a] = torch[a * 3 + f];
        }
        flat[3 * 2 + a] = torch[6 + a];
    }
    rust.set_params(&flat).unwrap();
    rust.set_sigma(0.7).unwrap();
    let mut g = null_mut();
    ok(unsafe { pl_gaussian_new(3, 2, true, 0.7, &mut g) });
    ok(unsafe { pl_gaussian_set_params(g, torch.as_ptr(), 8) });
    let obs = [0.3, -1.2, 2.5];
    let mut mean = [0.0; 2];
    ok(unsafe { pl_gaussian_mean(g, obs.as_ptr(), 3, mean.as_mut_ptr(), 2) });
    let mut want = [0.0; 2];
    rust.mean_into(&obs, &mut want).unwrap();
    assert_eq!(mean.map(f64::from), want.map(f64::from));
    let mut action = [0.0; 2];
    ok(unsafe { pl_gaussian_sample(g, obs.as_ptr(), 3, 5, 9, action.as_mut_ptr(), 2) });
    rust.sample_into(&obs, &mut episode_rng(5, 9), &mut want)
        .unwrap();
    assert_eq!(action.map(f64::from), want.map(f64::from));
    let mut lp = 0.0;
    ok(unsafe { pl_gaussian_log_prob(g, obs.as_ptr(), 3, action.as_ptr(), 2, &mut lp) });
    assert_eq!(
        lp.to_bits(),
        rust.log_prob(&obs, &action).unwrap().to_bits()
    );
    let mut score = [0.0; 8];
    ok(unsafe {
        pl_gaussian_score(
            g,
            obs.as_ptr(),
            3,
            action.as_ptr(),
            2,
            score.as_mut_ptr(),
            8,
        )
    });
    let mut want_flat = [0.0; 8];
    rust.score_into(&obs, &action, &mut want_flat).unwrap();
    for a in 0..2 {
        for f in 0..3 {
            assert_eq!(score[a * 3 + f].to_bits(), want_flat[f * 2 + a].to_bits());
        }
        assert_eq!(score[6 + a].to_bits(), want_flat[6 + a].to_bits());
    }
    // A deterministic policy has no density; NaN observations are refused.
    ok(unsafe { pl_gaussian_set_sigma(g, 0.0) });
    assert_eq!(
        unsafe { pl_gaussian_log_prob(g, obs.as_ptr(), 3, action.as_ptr(), 2, &mut lp) },
        PL_ERR_INVALID_ARGUMENT
    );
    let bad = [0.0, R::NAN, 1.0];
    let before = mean;
    assert_eq!(
        unsafe { pl_gaussian_mean(g, bad.as_ptr(), 3, mean.as_mut_ptr(), 2) },
        PL_ERR_NON_FINITE
    );
    assert_eq!(mean.map(f64::from), before.map(f64::from));
    ok(unsafe { pl_gaussian_free(&mut g) });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "21 exact evaluations: slow under Miri; no unsafe path of its own"
)]
fn bias_gradient_matches_finite_differences() {
    // The paper's policy (one-hot states and a bias): the exact gradient of
    // the bias against central differences of J_tau.
    let (ex, _) = paper_exact();
    let pol = softmax(26, 4, true);
    ok(unsafe { pl_softmax_init_like_torch(pol, 5) });
    let mut theta = [0.0; 108];
    ok(unsafe { pl_softmax_get_params(pol, theta.as_mut_ptr(), 108) });
    let mut g = [0.0; 108];
    let mut j = 0.0;
    ok(unsafe {
        pl_exact_evaluate(
            ex,
            pol,
            0.1,
            &mut j,
            g.as_mut_ptr(),
            108,
            null_mut(),
            0,
            null_mut(),
            0,
            null_mut(),
            0,
        )
    });
    for i in [0, 57, 104, 105, 107] {
        let h = 1e-6;
        let at = |x: R| {
            let mut t = theta;
            t[i] = x;
            ok(unsafe { pl_softmax_set_params(pol, t.as_ptr(), 108) });
            let mut v = 0.0;
            ok(unsafe { pl_exact_objective(ex, pol, 0.1, &mut v) });
            v
        };
        let fd = (at(theta[i] + h) - at(theta[i] - h)) / (2.0 * h);
        assert!((fd - g[i]).abs() < 1e-7, "{i}: {fd} vs {}", g[i]);
    }
    // Also the paper's own policy type in the Rust API, to rounding.
    let mut rust = paper::Policy::<R>::tabular_with_bias();
    rust.set_params_from_torch(&theta).unwrap();
    let mut ws = paper::Workspace::<R>::new();
    let mut flat = [0.0; 108];
    ws.evaluate(&paper::mdp(), &rust, 0.1)
        .unwrap()
        .gradient_into(&mut flat)
        .unwrap();
    let mut torch = [0.0; 108];
    paper::Policy::<R>::to_torch_layout(&flat, &mut torch).unwrap();
    for (a, b) in g.iter().zip(&torch) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-3), "{a} vs {b}");
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "nested dissection of a 101-state world: slow under Miri"
)]
fn gridworld_chain_and_nested_dissection() {
    let cells = [
        pl_reward_cell {
            row: 0,
            col: 9,
            reward: 5.0,
        },
        pl_reward_cell {
            row: 9,
            col: 0,
            reward: 4.5,
        },
    ];
    let (mut nat, mut nd) = (null_mut(), null_mut());
    ok(unsafe {
        pl_exact_new_gridworld(
            10,
            cells.as_ptr(),
            2,
            0.9,
            0.99,
            0,
            PL_ORDERING_NATURAL,
            &mut nat,
        )
    });
    ok(unsafe {
        pl_exact_new_gridworld(
            10,
            cells.as_ptr(),
            2,
            0.9,
            0.99,
            0,
            PL_ORDERING_NESTED_DISSECTION,
            &mut nd,
        )
    });
    let pol = softmax(101, 4, false);
    ok(unsafe { pl_softmax_init_like_torch(pol, 2) });
    let (mut a, mut b) = (0.0, 0.0);
    ok(unsafe { pl_exact_objective(nat, pol, 0.0, &mut a) });
    ok(unsafe { pl_exact_objective(nd, pol, 0.0, &mut b) });
    assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} vs {b}");
    // A duplicate cell and a bad ordering are refused.
    let dup = [cells[0], cells[0]];
    let mut out = null_mut();
    assert_eq!(
        unsafe { pl_exact_new_gridworld(10, dup.as_ptr(), 2, 0.9, 0.99, 0, 0, &mut out) },
        PL_ERR_INVALID_MDP
    );
    assert_eq!(
        unsafe { pl_exact_new_gridworld(10, cells.as_ptr(), 2, 0.9, 0.99, 0, 7, &mut out) },
        PL_ERR_INVALID_ARGUMENT
    );

    // A 5-state chain paying 1 for moving right in state 3: the uniform
    // policy's J against the same MDP given as arrays.
    let rewards = [pl_chain_reward {
        state: 3,
        action: 1,
        reward: 1.0,
    }];
    let terminal = [4usize];
    let mut chain = null_mut();
    ok(unsafe {
        pl_exact_new_chain(
            5,
            rewards.as_ptr(),
            1,
            terminal.as_ptr(),
            1,
            1.0,
            0.9,
            0,
            0,
            &mut chain,
        )
    });
    let p2 = softmax(5, 2, false);
    let mut jc = 0.0;
    ok(unsafe { pl_exact_objective(chain, p2, 0.0, &mut jc) });
    // Deterministic chain: left from s goes to max(s-1, 0), right to s+1;
    // state 4 loops.
    let mut offsets = vec![0u32];
    let mut next = vec![];
    for s in 0..5u32 {
        for a in 0..2 {
            let n = if s == 4 {
                4
            } else if a == 0 {
                s.saturating_sub(1)
            } else {
                s + 1
            };
            next.push(n);
            offsets.push(next.len() as u32);
        }
    }
    let prob = vec![1.0; next.len()];
    let mut r = [0.0; 10];
    r[3 * 2 + 1] = 1.0;
    let mut p0 = [0.0; 5];
    p0[0] = 1.0;
    let mut arrays = null_mut();
    ok(unsafe {
        pl_exact_new_sparse(
            5,
            2,
            offsets.as_ptr(),
            11,
            next.as_ptr(),
            prob.as_ptr(),
            next.len(),
            r.as_ptr(),
            10,
            0.9,
            p0.as_ptr(),
            5,
            0,
            &mut arrays,
        )
    });
    let mut ja = 0.0;
    ok(unsafe { pl_exact_objective(arrays, p2, 0.0, &mut ja) });
    assert!((ja - jc).abs() <= 1e-14, "{ja} vs {jc}");
    assert!(jc > 0.0);
}

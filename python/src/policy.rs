//! `Softmax`: a tabular softmax policy with an optional per-action bias,
//! parameters in the torch `nn.Linear` layout.

use policy_landscape::policy::SoftmaxRow;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use pyo3::prelude::*;

use crate::arrays::{read_shape, write};
use crate::error::{err, invalid, shape};
use crate::mdp::MAX_ACTIONS;

/// The policy's shape and parameters, shared with the evaluators.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub states: usize,
    pub actions: usize,
    pub bias: bool,
    pub mix: f64,
    /// The torch `nn.Linear` layout (the core's `Softmax::to_torch_layout`):
    /// `W[a][s]` of shape `(A, S)` row-major, then the bias `b[a]` (when
    /// present).
    pub torch: Vec<f64>,
}

impl Params {
    pub fn features(&self) -> usize {
        self.states + usize::from(self.bias)
    }

    /// The index in [`Params::torch`] of feature `f` (a state below `S`,
    /// or `S` for the bias) and action `a`: `W[a][f]` at `a S + f`, `b[a]`
    /// at `A S + a`.
    pub fn index(&self, f: usize, a: usize) -> usize {
        if f < self.states {
            a * self.states + f
        } else {
            self.actions * self.states + a
        }
    }

    /// Logits `z[s][a] = W[a][s] (+ b[a])`, as the core's feature maps
    /// compute them.
    pub fn logits<const A: usize>(&self) -> Vec<[f64; A]> {
        (0..self.states)
            .map(|s| {
                core::array::from_fn(|a| {
                    let w = self.torch[self.index(s, a)];
                    if self.bias {
                        w + self.torch[self.index(self.states, a)]
                    } else {
                        w
                    }
                })
            })
            .collect()
    }

    /// The gradient with respect to the parameters (torch layout) from the
    /// gradient with respect to the logits, summed over states in order as
    /// the core's feature maps do.
    pub fn torch_gradient<const A: usize>(&self, logit_grad: &[[f64; A]]) -> Vec<f64> {
        let mut out = vec![0.0; A * self.features()];
        for a in 0..A {
            let mut b = 0.0;
            for (s, g) in logit_grad.iter().enumerate() {
                out[self.index(s, a)] = 0.0 + g[a];
                b += g[a];
            }
            if self.bias {
                out[self.index(self.states, a)] = b;
            }
        }
        out
    }

    pub fn check_for(&self, states: usize, actions: usize) -> PyResult<()> {
        if (self.states, self.actions) != (states, actions) {
            return Err(shape(format!(
                "the policy has {} states and {} actions, the MDP {states} and {actions}",
                self.states, self.actions
            )));
        }
        Ok(())
    }
}

/// A policy's pickled state: states, actions, bias, mix, parameters.
type State<'py> = (usize, usize, bool, f64, Bound<'py, PyAny>);

/// A tabular softmax policy `π(a|s) = (1 - mix) softmax(z_s)[a] + mix / A`
/// with logits `z[s][a] = W[a][s] + b[a]` (one-hot states and a bias, as the
/// paper's `nn.Linear`; `bias=False` drops `b`).
///
/// `params` is the torch layout: `W` of shape `(A, S)` row-major, then
/// `b` (`A (S + 1)` numbers with the bias).
#[pyclass(module = "policy_landscape._core")]
#[derive(Clone)]
pub struct Softmax {
    pub p: Params,
}

fn row<const A: usize>(z: &[f64; A], mix: f64) -> PyResult<SoftmaxRow<f64, A>> {
    SoftmaxRow::from_logits(z, mix).map_err(err)
}

macro_rules! by_actions {
    ($a:expr, $f:ident ( $($arg:expr),* )) => {
        match $a {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            8 => $f::<8>($($arg),*),
            a => Err(shape(format!("a policy needs 1 to {MAX_ACTIONS} actions, found {a}"))),
        }
    };
}

/// torch's `nn.Linear` initialisation in the core's flat draw order (see
/// `Softmax.init_like_torch`).
pub fn init_like_torch(p: &mut Params, seed: u64) {
    let (a, f) = (p.actions, p.features());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut flat = vec![0.0; f * a];
    policy_landscape::policy::init_like_torch(&mut flat, p.states, &mut rng);
    for ff in 0..f {
        for k in 0..a {
            let i = p.index(ff, k);
            p.torch[i] = flat[ff * a + k];
        }
    }
}

/// `(π, ln π, H)` of every state.
fn rows<const A: usize>(p: &Params) -> PyResult<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let (mut pi, mut log_pi, mut h) = (Vec::new(), Vec::new(), Vec::new());
    for z in p.logits::<A>() {
        let r = row(&z, p.mix)?;
        pi.extend_from_slice(&r.pi);
        log_pi.extend_from_slice(&r.log_pi);
        h.push(r.entropy);
    }
    Ok((pi, log_pi, h))
}

#[pymethods]
impl Softmax {
    /// A policy of `states` x `actions` (1 to 8 actions), all parameters
    /// zero (the uniform policy) unless `params` is given.
    #[new]
    #[pyo3(signature = (states, actions, *, bias = true, mix = 0.0, params = None))]
    pub(crate) fn new(
        states: usize,
        actions: usize,
        bias: bool,
        mix: f64,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if states == 0 || !(1..=MAX_ACTIONS).contains(&actions) {
            return Err(shape(format!(
                "a policy needs at least 1 state and 1 to {MAX_ACTIONS} actions, found {states} and {actions}"
            )));
        }
        let mut me = Self {
            p: Params {
                states,
                actions,
                bias,
                mix: 0.0,
                torch: vec![0.0; actions * (states + usize::from(bias))],
            },
        };
        me.set_mix(mix)?;
        if let Some(x) = params {
            me.set_params(x)?;
        }
        Ok(me)
    }

    /// The paper's policy for an `Mdp`: one-hot states with a bias.
    #[staticmethod]
    #[pyo3(signature = (mdp, *, bias = true, mix = 0.0))]
    fn for_mdp(mdp: PyRef<'_, crate::mdp::Mdp>, bias: bool, mix: f64) -> PyResult<Self> {
        Self::new(mdp.plans.states(), mdp.plans.actions(), bias, mix, None)
    }

    #[getter]
    fn states(&self) -> usize {
        self.p.states
    }

    #[getter]
    fn actions(&self) -> usize {
        self.p.actions
    }

    /// Whether the logits have a per-action bias.
    #[getter]
    fn bias(&self) -> bool {
        self.p.bias
    }

    /// The number of parameters, `A (S + bias)`.
    #[getter]
    fn num_params(&self) -> usize {
        self.p.torch.len()
    }

    /// The uniform mixing coefficient in `[0, 1]`.
    #[getter]
    fn mix(&self) -> f64 {
        self.p.mix
    }

    #[setter]
    fn set_mix(&mut self, mix: f64) -> PyResult<()> {
        if !(0.0..=1.0).contains(&mix) {
            return Err(invalid(format!("mix must lie in [0, 1], found {mix}")));
        }
        self.p.mix = mix;
        Ok(())
    }

    /// The parameters in the torch layout (a copy).
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.p.torch.clone(), &[self.p.torch.len()])
    }

    #[setter]
    fn set_params(&mut self, params: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = read_shape(params, "params", &[self.p.torch.len()])?;
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(invalid(format!("params[{i}] is not finite")));
        }
        self.p.torch = v;
        Ok(())
    }

    /// The parameters as `W` of shape `(A, S)` and `b` of shape `(A,)` (or
    /// `None` without a bias).
    fn weights<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
        let (s, a) = (self.p.states, self.p.actions);
        let w: Vec<f64> = self.p.torch[..a * s].to_vec();
        let b = if self.p.bias {
            Some(write(py, self.p.torch[a * s..].to_vec(), &[a])?)
        } else {
            None
        };
        Ok((write(py, w, &[a, s])?, b))
    }

    /// Draws every parameter from `U[-1/sqrt(S), 1/sqrt(S))` in the core's
    /// flat order (`f * A + a`), one `u64` of `Xoshiro256PlusPlus(seed)`
    /// each: torch's `nn.Linear` initialisation, and the paper's runs'
    /// initial policies (`Softmax::init_like_torch` of the Rust API, bit
    /// for bit).
    fn init_like_torch(&mut self, seed: u64) {
        init_like_torch(&mut self.p, seed);
    }

    /// The logits `z[s][a]`, shape `(S, A)`.
    fn logits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        fn go<const A: usize>(p: &Params) -> PyResult<Vec<f64>> {
            Ok(p.logits::<A>().into_iter().flatten().collect())
        }
        let v = by_actions!(self.p.actions, go(&self.p))?;
        write(py, v, &[self.p.states, self.p.actions])
    }

    /// `π(a|s)`, shape `(S, A)` (mixed with the uniform policy).
    fn probabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (pi, _, _) = by_actions!(self.p.actions, rows(&self.p))?;
        write(py, pi, &[self.p.states, self.p.actions])
    }

    /// `ln π(a|s)`, shape `(S, A)`.
    fn log_probabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (_, lp, _) = by_actions!(self.p.actions, rows(&self.p))?;
        write(py, lp, &[self.p.states, self.p.actions])
    }

    /// `H(π(·|s))` per state, shape `(S,)`.
    fn entropy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (_, _, h) = by_actions!(self.p.actions, rows(&self.p))?;
        write(py, h, &[self.p.states])
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.extract::<PyRef<'_, Softmax>>().is_ok_and(|o| {
            let (a, b) = (&self.p, &o.p);
            (a.states, a.actions, a.bias, a.mix.to_bits())
                == (b.states, b.actions, b.bias, b.mix.to_bits())
                && a.torch
                    .iter()
                    .map(|x| x.to_bits())
                    .eq(b.torch.iter().map(|x| x.to_bits()))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Softmax(states={}, actions={}, bias={}, mix={})",
            self.p.states,
            self.p.actions,
            if self.p.bias { "True" } else { "False" },
            self.p.mix
        )
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<crate::Reduce<'py, State<'py>>> {
        let ctor = py.get_type::<Softmax>().getattr("_from_state")?;
        Ok((
            ctor,
            (
                self.p.states,
                self.p.actions,
                self.p.bias,
                self.p.mix,
                self.params(py)?,
            ),
        ))
    }

    /// Rebuilds a policy (used by pickling).
    #[staticmethod]
    fn _from_state(
        states: usize,
        actions: usize,
        bias: bool,
        mix: f64,
        params: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Self::new(states, actions, bias, mix, Some(params))
    }
}

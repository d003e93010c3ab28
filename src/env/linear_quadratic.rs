//! A scalar linear-quadratic system with a closed-form expected return and
//! gradient for a linear Gaussian policy: the ground truth for testing
//! Monte-Carlo objectives and REINFORCE.
//!
//! Dynamics `s' = a s + b u + w`, `w ~ N(0, σ_w²)`; reward
//! `r = −(q s² + ρ u²)`; `s_0 ~ N(m_0, v_0)`; episodes last `horizon`
//! steps. Under the policy `u = k s + β + σ ε` the first two moments of the
//! state follow exact recursions (`c = a + b k`):
//!
//! - `m_{t+1} = c m_t + b β`
//! - `M_{t+1} = c² M_t + 2 c b β m_t + b² (β² + σ²) + σ_w²`
//! - `E[r_t] = −(q M_t + ρ (k² M_t + 2 k β m_t + β² + σ²))`
//!
//! so `J = Σ_{t<H} γ^t E[r_t]` and its derivatives in `k` and `β` (by
//! forward differentiation of the recursions) are exact finite sums.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Env, Transition};
use crate::error::{Error, Result, rule};
use crate::random::standard_normal;
use crate::real::Real;

/// A scalar linear-quadratic control problem (observation `[s]`, action
/// `[u]`).
///
/// The coefficients are private and validated when set ([`LinearQuadratic::new`],
/// [`LinearQuadratic::with_costs`], [`LinearQuadratic::with_noise`],
/// [`LinearQuadratic::with_start`]), so [`Env::reset`] always draws a finite
/// state.
///
/// # Examples
///
/// ```
/// use policy_landscape::env::LinearQuadratic;
///
/// let lq = LinearQuadratic::<f64>::new(0.9, 0.5, 10)?;
/// // The zero policy with σ = 0 from s_0 ~ N(0, 1): J = −Σ γ^t 0.81^t.
/// let j = lq.expected_return(0.0, 0.0, 0.0, 1.0)?;
/// let want: f64 = -(0..10).map(|t| 0.81_f64.powi(t)).sum::<f64>();
/// assert!((j.value - want).abs() < 1e-12);
/// // Other costs, process noise and start distribution are set by value.
/// let lq = lq.with_costs(2.0, 0.2)?.with_noise(0.3)?.with_start(0.5, 0.8)?;
/// assert_eq!((lq.q(), lq.rho(), lq.noise(), lq.m0(), lq.v0()), (2.0, 0.2, 0.3, 0.5, 0.8));
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinearQuadratic<T> {
    /// State coefficient `a`.
    a: T,
    /// Control coefficient `b`.
    b: T,
    /// State cost `q`.
    q: T,
    /// Control cost `ρ`.
    rho: T,
    /// Process-noise standard deviation `σ_w`.
    noise: T,
    /// Mean of the initial state.
    m0: T,
    /// Variance of the initial state.
    v0: T,
    /// Episode length.
    horizon: usize,
    state: T,
    steps: usize,
    /// Process noise, seeded at reset from the caller's generator.
    noise_rng: Xoshiro256PlusPlus,
}

/// The exact expected return of a linear Gaussian policy and its gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LqReturn<T> {
    /// `J = E[Σ_{t<H} γ^t r_t]`.
    pub value: T,
    /// `∂J/∂k`.
    pub d_gain: T,
    /// `∂J/∂β`.
    pub d_bias: T,
}

impl<T: Real> LinearQuadratic<T> {
    /// `s' = a s + b u`, `r = −(s² + 0.1 u²)`, no process noise,
    /// `s_0 ~ N(0, 1)`, `horizon` steps.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for non-finite coefficients or a zero
    /// horizon.
    pub fn new(a: T, b: T, horizon: usize) -> Result<Self> {
        let lq = Self {
            a,
            b,
            q: T::ONE,
            rho: T::from_f64(0.1),
            noise: T::ZERO,
            m0: T::ZERO,
            v0: T::ONE,
            horizon,
            state: T::ZERO,
            steps: 0,
            noise_rng: Xoshiro256PlusPlus::seed_from_u64(0),
        };
        if !(a.is_finite() && b.is_finite()) {
            return Err(Error::InvalidParameter {
                what: "LQ coefficient",
                rule: rule::FINITE,
            });
        }
        if horizon == 0 {
            return Err(Error::InvalidParameter {
                what: "LQ horizon",
                rule: rule::AT_LEAST_ONE,
            });
        }
        Ok(lq)
    }

    /// The same system with state cost `q` and control cost `ρ`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"q"` or `"rho"`) unless both are finite
    /// and non-negative.
    pub fn with_costs(mut self, q: T, rho: T) -> Result<Self> {
        self.q = non_negative("q", q)?;
        self.rho = non_negative("rho", rho)?;
        Ok(self)
    }

    /// The same system with process-noise standard deviation `σ_w`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"noise"`) unless finite and
    /// non-negative.
    pub fn with_noise(mut self, noise: T) -> Result<Self> {
        self.noise = non_negative("noise", noise)?;
        Ok(self)
    }

    /// The same system with initial state `s_0 ~ N(m0, v0)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"m0"`) for a non-finite mean,
    /// (`"v0"`) unless the variance is finite and non-negative.
    pub fn with_start(mut self, m0: T, v0: T) -> Result<Self> {
        if !m0.is_finite() {
            return Err(Error::InvalidParameter {
                what: "m0",
                rule: rule::FINITE,
            });
        }
        self.v0 = non_negative("v0", v0)?;
        self.m0 = m0;
        Ok(self)
    }

    /// State coefficient `a`.
    pub fn a(&self) -> T {
        self.a
    }

    /// Control coefficient `b`.
    pub fn b(&self) -> T {
        self.b
    }

    /// State cost `q`.
    pub fn q(&self) -> T {
        self.q
    }

    /// Control cost `ρ`.
    pub fn rho(&self) -> T {
        self.rho
    }

    /// Process-noise standard deviation `σ_w`.
    pub fn noise(&self) -> T {
        self.noise
    }

    /// Mean of the initial state.
    pub fn m0(&self) -> T {
        self.m0
    }

    /// Variance of the initial state.
    pub fn v0(&self) -> T {
        self.v0
    }

    /// Episode length.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// The current state.
    pub fn state(&self) -> T {
        self.state
    }

    /// The exact `J` and its gradient for the policy `u = k s + β + σ ε`
    /// with discount `gamma`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for non-finite policy parameters, a
    /// negative `σ` or a `gamma` outside `[0, 1]`; [`Error::NumericalOverflow`] if the moments
    /// overflow (an unstable closed loop over a long horizon).
    pub fn expected_return(&self, k: T, beta: T, sigma: T, gamma: T) -> Result<LqReturn<T>> {
        if !(k.is_finite() && beta.is_finite()) {
            return Err(Error::InvalidParameter {
                what: "LQ policy parameters",
                rule: rule::FINITE,
            });
        }
        if !(sigma.is_finite() && sigma >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "sigma",
                rule: rule::NON_NEGATIVE,
            });
        }
        if !(gamma >= T::ZERO && gamma <= T::ONE) {
            return Err(Error::InvalidDiscount {
                rule: rule::DISCOUNT_EPISODIC,
            });
        }
        let (a, b, q, rho) = (self.a, self.b, self.q, self.rho);
        let c = a + b * k;
        let var_u = sigma * sigma;
        let w2 = self.noise * self.noise;
        // Moments and their derivatives in k and β.
        let (mut m, mut m_k, mut m_b) = (self.m0, T::ZERO, T::ZERO);
        let (mut s2, mut s2_k, mut s2_b) = (self.m0 * self.m0 + self.v0, T::ZERO, T::ZERO);
        let (mut value, mut d_gain, mut d_bias) = (T::ZERO, T::ZERO, T::ZERO);
        let mut discount = T::ONE;
        for _ in 0..self.horizon {
            // E[u²] = k² M + 2 k β m + β² + σ².
            let u2 = k * k * s2 + T::TWO * k * beta * m + beta * beta + var_u;
            let u2_k = T::TWO * k * s2 + k * k * s2_k + T::TWO * beta * m + T::TWO * k * beta * m_k;
            let u2_b = k * k * s2_b + T::TWO * k * m + T::TWO * k * beta * m_b + T::TWO * beta;
            value -= discount * (q * s2 + rho * u2);
            d_gain -= discount * (q * s2_k + rho * u2_k);
            d_bias -= discount * (q * s2_b + rho * u2_b);
            // Next moments (all from the current ones).
            let next_m = c * m + b * beta;
            let next_m_k = b * m + c * m_k;
            let next_m_b = c * m_b + b;
            let next_s2 =
                c * c * s2 + T::TWO * c * b * beta * m + b * b * (beta * beta + var_u) + w2;
            let next_s2_k = T::TWO * c * b * s2
                + c * c * s2_k
                + T::TWO * b * b * beta * m
                + T::TWO * c * b * beta * m_k;
            let next_s2_b = c * c * s2_b
                + T::TWO * c * b * m
                + T::TWO * c * b * beta * m_b
                + T::TWO * b * b * beta;
            m = next_m;
            m_k = next_m_k;
            m_b = next_m_b;
            s2 = next_s2;
            s2_k = next_s2_k;
            s2_b = next_s2_b;
            discount *= gamma;
        }
        if !(value.is_finite() && d_gain.is_finite() && d_bias.is_finite()) {
            return Err(Error::NumericalOverflow { what: "LQ return" });
        }
        Ok(LqReturn {
            value,
            d_gain,
            d_bias,
        })
    }
}

/// `x` if finite and non-negative, else [`Error::InvalidParameter`] naming `what`.
fn non_negative<T: Real>(what: &'static str, x: T) -> Result<T> {
    if x.is_finite() && x >= T::ZERO {
        Ok(x)
    } else {
        Err(Error::InvalidParameter {
            what,
            rule: rule::NON_NEGATIVE,
        })
    }
}

#[cfg(feature = "defmt")]
impl<T: Real> defmt::Format for LinearQuadratic<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "LinearQuadratic {{ a: {=f64}, b: {=f64}, q: {=f64}, rho: {=f64}, noise: {=f64}, m0: {=f64}, v0: {=f64}, horizon: {=usize}, state: {=f64}, steps: {=usize} }}",
            self.a.to_f64(),
            self.b.to_f64(),
            self.q.to_f64(),
            self.rho.to_f64(),
            self.noise.to_f64(),
            self.m0.to_f64(),
            self.v0.to_f64(),
            self.horizon,
            self.state.to_f64(),
            self.steps,
        );
    }
}

impl<T: Real> Env<T, 1, 1> for LinearQuadratic<T> {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [T; 1] {
        let z: T = standard_normal(rng);
        self.state = self.m0 + self.v0.sqrt() * z;
        self.steps = 0;
        self.noise_rng = Xoshiro256PlusPlus::seed_from_u64(rng.next_u64());
        [self.state]
    }

    fn step(&mut self, action: &[T; 1]) -> Result<Transition<T, 1>> {
        let u = action[0];
        if !u.is_finite() {
            return Err(Error::NonFinite {
                what: "action",
                index: 0,
            });
        }
        let s = self.state;
        let reward = -(self.q * s * s + self.rho * u * u);
        let mut next = self.a * s + self.b * u;
        if self.noise > T::ZERO {
            let w: T = standard_normal(&mut self.noise_rng);
            next += self.noise * w;
        }
        if !(next.is_finite() && reward.is_finite()) {
            return Err(Error::NumericalOverflow { what: "LQ state" });
        }
        self.state = next;
        self.steps = self.steps.saturating_add(1);
        Ok(Transition {
            observation: [next],
            reward,
            terminated: false,
            truncated: self.steps >= self.horizon,
        })
    }
}

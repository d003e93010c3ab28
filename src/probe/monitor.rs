//! A fixed-length window of the footnote-5 curvature series, for watching a
//! training run on a device (paper §3.2.2, Fig. 6).
//!
//! Every so many updates a trainer probes the landscape at its current
//! parameters and keeps one number: the curvature `dᵀHd` of the improving
//! direction nearest the 90th percentile of the improving ones (footnote 5;
//! [`crate::probe::improving_curvature`], [`crate::reinforce::train_sgd`]'s
//! [`SgdStep::curvature`](crate::reinforce::SgdStep::curvature)). The paper
//! plots that series over training: its fluctuations are large where a
//! constant learning rate is hard to choose (low-entropy policies in Hopper)
//! and small where it is easy.
//!
//! [`CurvatureMonitor`] keeps the last `N` points in a
//! [`heapless::HistoryBuf`] (the oldest is overwritten) and summarises them
//! ([`CurvatureSummary`]) with what a device can act on:
//!
//! - the fluctuation amplitude (standard deviation, range) of Fig. 6;
//! - the sign: `dᵀHd > 0` means the objective curves *up* along the
//!   improving direction, as across the floor of a valley (both neighbours
//!   higher), so a longer step still gains; `dᵀHd < 0` means it curves down
//!   towards a ridge or peak, and a step much beyond `∇O·d / |dᵀHd|` along
//!   `d` overshoots. [`CurvatureSummary::positive_streak`] counts how many
//!   of the latest probes in a row saw positive curvature ("has it turned
//!   positive, and stayed");
//! - the trend: the least-squares slope of the curvature per update.

use heapless::HistoryBuf;

use crate::error::{Result, check_finite};
use crate::real::Real;

/// One probe of the series: the update it was taken before, and the
/// `(∇O·d, dᵀHd)` of the footnote-5 direction.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurvaturePoint<T> {
    /// The training update (the parameters before it were probed).
    pub update: usize,
    /// The gradient projection `∇O·d` (positive: `d` improves).
    pub gradient: T,
    /// The curvature `dᵀHd`.
    pub curvature: T,
}

/// What the window of a [`CurvatureMonitor`] says.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurvatureSummary<T> {
    /// Points in the window (at most `N`).
    pub len: usize,
    /// The newest point.
    pub latest: CurvaturePoint<T>,
    /// The smallest curvature in the window.
    pub min: T,
    /// The largest curvature in the window.
    pub max: T,
    /// The mean curvature.
    pub mean: T,
    /// The sample standard deviation of the curvature: the fluctuation
    /// amplitude of Fig. 6. `None` for one point (or if it overflows `T`).
    pub std_dev: Option<T>,
    /// Points with curvature `> 0`.
    pub positive: usize,
    /// Points with curvature `< 0`.
    pub negative: usize,
    /// How many of the newest points in a row have curvature `> 0` (0 when
    /// the latest is not positive).
    pub positive_streak: usize,
    /// The least-squares slope of the curvature against the update index,
    /// per update. `None` unless two points have different updates (or if
    /// it overflows `T`).
    pub slope: Option<T>,
}

impl<T: Real> CurvatureSummary<T> {
    /// The fraction of the window with positive curvature.
    pub fn fraction_positive(&self) -> T {
        T::from_usize(self.positive) / T::from_usize(self.len)
    }

    /// The fraction of the window with negative curvature.
    pub fn fraction_negative(&self) -> T {
        T::from_usize(self.negative) / T::from_usize(self.len)
    }
}

/// The last `N` points of the footnote-5 curvature series and their summary.
///
/// `T` is the scalar, `N` the window length (at least 1, checked at compile
/// time). Fixed size (`N` points and two words), no allocation; a push is a
/// store, the summary a pass over the window.
///
/// # Examples
///
/// Exact training on the paper's gridworld, probing every 50 updates (as a
/// device would between steps):
///
/// ```
/// use policy_landscape::probe::{self, CurvatureMonitor, ExactObjective};
/// use policy_landscape::train::{TrainConfig, Trainer};
/// use policy_landscape::{ExactWorkspace, Softmax, paper};
///
/// let mdp = paper::mdp::<f64>();
/// let mut policy = Softmax::<f64, 26, 4>::tabular();
/// let mut ws = ExactWorkspace::new();
/// let mut trainer = Trainer::new(TrainConfig::new(0.1, 200))?;
/// let mut monitor = CurvatureMonitor::<f64, 3>::new();
/// let mut scratch = [0.0; 2 * Softmax::<f64, 26, 4>::PARAMS];
/// while trainer.updates() < 200 {
///     if trainer.updates() % 50 == 0 {
///         let theta = *policy.theta();
///         let mut j = ExactObjective::new(&mdp, policy.clone(), &mut ws, 0.0)?;
///         let pick = probe::improving_curvature(
///             &mut j, theta.as_flattened(), 1e-2, 7, 16, &mut scratch,
///         )?;
///         if let Some((g, c)) = pick {
///             monitor.push(trainer.updates(), g, c)?;
///         }
///     }
///     trainer.step(&mdp, &mut policy, &mut ws)?;
/// }
/// let s = monitor.summary().unwrap();
/// assert_eq!((s.len, s.latest.update), (3, 150)); // updates 50, 100, 150
/// assert!(s.min <= s.mean && s.mean <= s.max);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "ser::MonitorFields<T, N>",
        bound(
            serialize = "T: serde::Serialize",
            deserialize = "T: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct CurvatureMonitor<T, const N: usize> {
    /// Oldest first; every value finite.
    window: HistoryBuf<CurvaturePoint<T>, N>,
}

impl<T: Real, const N: usize> Default for CurvatureMonitor<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize> CurvatureMonitor<T, N> {
    /// An empty window of `N` points.
    ///
    /// `N = 0` does not compile:
    ///
    /// ```compile_fail
    /// use policy_landscape::probe::CurvatureMonitor;
    /// let m = CurvatureMonitor::<f64, 0>::new();
    /// ```
    pub const fn new() -> Self {
        const { assert!(N > 0, "CurvatureMonitor needs a window N of at least 1") }
        Self {
            window: HistoryBuf::new(),
        }
    }

    /// Appends a point, dropping the oldest when the window is full.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`](crate::Error::NonFinite) (index 0 for the
    /// gradient, 1 for the curvature); unchanged on error.
    pub fn push(&mut self, update: usize, gradient: T, curvature: T) -> Result<()> {
        check_finite("curvature point", &[gradient, curvature])?;
        self.window.write(CurvaturePoint {
            update,
            gradient,
            curvature,
        });
        Ok(())
    }

    /// Points in the window (at most `N`).
    pub fn len(&self) -> usize {
        self.window.len()
    }

    /// Whether nothing has been pushed.
    pub fn is_empty(&self) -> bool {
        self.window.is_empty()
    }

    /// The newest point.
    pub fn latest(&self) -> Option<&CurvaturePoint<T>> {
        self.window.recent()
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl DoubleEndedIterator<Item = &CurvaturePoint<T>> + Clone + '_ {
        self.window.oldest_ordered()
    }

    /// Empties the window.
    pub fn clear(&mut self) {
        self.window.clear();
    }

    /// The summary of the window; `None` when it is empty.
    ///
    /// Every value is finite: the mean is a sum of `c / n`, and the
    /// standard deviation and the slope are computed on curvatures scaled by
    /// the largest `|c|` (and reported as `None` if scaling back overflows).
    pub fn summary(&self) -> Option<CurvatureSummary<T>> {
        let latest = *self.window.recent()?;
        let len = self.window.len();
        let n = T::from_usize(len);
        let (mut min, mut max, mut mean, mut scale) =
            (latest.curvature, latest.curvature, T::ZERO, T::ZERO);
        let (mut positive, mut negative) = (0_usize, 0_usize);
        for p in self.points() {
            let c = p.curvature;
            min = if c < min { c } else { min };
            max = if c > max { c } else { max };
            scale = scale.max(c.abs());
            mean += c / n;
            positive = positive.saturating_add(usize::from(c > T::ZERO));
            negative = negative.saturating_add(usize::from(c < T::ZERO));
        }
        let positive_streak = self
            .points()
            .rev()
            .take_while(|p| p.curvature > T::ZERO)
            .count();
        // Deviations scaled by the largest |c| lie in [-2, 2]: no overflow.
        let inv = if scale > T::ZERO {
            T::ONE / scale
        } else {
            T::ONE
        };
        let scale = if scale > T::ZERO { scale } else { T::ONE };
        let dev = |p: &CurvaturePoint<T>| p.curvature * inv - mean * inv;
        let std_dev = if len > 1 {
            let ss = self.points().fold(T::ZERO, |s, p| s + dev(p) * dev(p));
            finite((ss / T::from_usize(len.saturating_sub(1))).sqrt() * scale)
        } else {
            None
        };
        // Updates relative to the oldest one, so f32 keeps them exact longer.
        let u0 = self.window.oldest().map_or(0, |p| p.update);
        let x = |p: &CurvaturePoint<T>| {
            let d = T::from_usize(p.update.abs_diff(u0));
            if p.update >= u0 { d } else { -d }
        };
        let x_mean = self.points().fold(T::ZERO, |s, p| s + x(p) / n);
        let (sxx, sxc) = self.points().fold((T::ZERO, T::ZERO), |(sxx, sxc), p| {
            let dx = x(p) - x_mean;
            (sxx + dx * dx, sxc + dx * dev(p))
        });
        let slope = if sxx > T::ZERO {
            finite(sxc / sxx * scale)
        } else {
            None
        };
        Some(CurvatureSummary {
            len,
            latest,
            min,
            max,
            mean,
            std_dev,
            positive,
            negative,
            positive_streak,
            slope,
        })
    }
}

fn finite<T: Real>(x: T) -> Option<T> {
    x.is_finite().then_some(x)
}

#[cfg(feature = "defmt")]
impl<T: Real, const N: usize> defmt::Format for CurvatureMonitor<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self.summary() {
            None => defmt::write!(f, "CurvatureMonitor {{ empty, window: {=usize} }}", N),
            Some(s) => defmt::write!(
                f,
                "CurvatureMonitor {{ len: {=usize}, latest: {=f64} at update {=usize}, min: {=f64}, max: {=f64}, mean: {=f64}, positive: {=usize}, streak: {=usize} }}",
                s.len,
                s.latest.curvature.to_f64(),
                s.latest.update,
                s.min.to_f64(),
                s.max.to_f64(),
                s.mean.to_f64(),
                s.positive,
                s.positive_streak,
            ),
        }
    }
}

#[cfg(feature = "serde")]
mod ser {
    //! Deserialisation checks that every value is finite, as `push` does.

    use super::{CurvatureMonitor, CurvaturePoint, HistoryBuf};
    use crate::error::{Error, check_finite};
    use crate::real::Real;

    /// The serialised form of [`CurvatureMonitor`] (points oldest first; a
    /// longer list keeps its last `N`, as pushing them would).
    #[derive(serde::Deserialize)]
    pub(super) struct MonitorFields<T, const N: usize> {
        window: HistoryBuf<CurvaturePoint<T>, N>,
    }

    impl<T: Real, const N: usize> TryFrom<MonitorFields<T, N>> for CurvatureMonitor<T, N> {
        type Error = Error;

        fn try_from(f: MonitorFields<T, N>) -> Result<Self, Error> {
            for p in f.window.oldest_ordered() {
                check_finite("curvature point", &[p.gradient, p.curvature])?;
            }
            Ok(CurvatureMonitor { window: f.window })
        }
    }
}

//! Classifying a point from probe cases (paper §2.1.2).
//!
//! The paper's rules: `θ0` is a local maximum if `D+ < 0` and `D− < 0` for
//! all directions, a local minimum if both are positive for all directions,
//! in an almost linear region if `D+ ≈ −D−`, in an almost flat region if
//! both are ≈ 0, and a saddle shows a combination (both negative in some
//! directions, both positive in others). With finitely many directions these
//! are statements about the fraction of directions, so every verdict carries
//! that fraction with a 95 % Wilson interval.

use crate::stats::{Z95, wilson_interval};

/// Counts of the paper's cases over the directions seen. "Positive",
/// "negative" and "zero" are *detectable* signs (see
/// [`crate::probe::Thresholds`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cases {
    /// Directions pushed.
    pub total: u64,
    /// `D+ < 0` and `D− < 0`: local-maximum evidence.
    pub both_negative: u64,
    /// `D+ > 0` and `D− > 0`: local-minimum evidence.
    pub both_positive: u64,
    /// One positive, one negative: linear evidence.
    pub opposite: u64,
    /// Both ≈ 0: flat evidence.
    pub both_zero: u64,
    /// One ≈ 0, the other negative (a flat side of a maximum).
    pub zero_and_negative: u64,
    /// One ≈ 0, the other positive (a flat side of a minimum).
    pub zero_and_positive: u64,
    /// Detectably negative curvature `D+ + D− < 0`.
    pub curvature_negative: u64,
    /// Detectably positive curvature `D+ + D− > 0`.
    pub curvature_positive: u64,
}

impl Cases {
    /// Records one direction from the detectable signs of `D+`, `D−` and
    /// `D+ + D−` (each -1, 0 or 1). Counts saturate at `u64::MAX`.
    pub fn record(&mut self, plus: i8, minus: i8, sum: i8) {
        let bump = |c: &mut u64| *c = c.saturating_add(1);
        bump(&mut self.total);
        bump(match (plus, minus) {
            (-1, -1) => &mut self.both_negative,
            (1, 1) => &mut self.both_positive,
            (0, 0) => &mut self.both_zero,
            (1, -1) | (-1, 1) => &mut self.opposite,
            (0, -1) | (-1, 0) => &mut self.zero_and_negative,
            _ => &mut self.zero_and_positive,
        });
        match sum {
            1 => bump(&mut self.curvature_positive),
            -1 => bump(&mut self.curvature_negative),
            _ => {}
        }
    }

    /// Adds another shard's counts (exact below `u64::MAX`, where they
    /// saturate).
    pub fn merge(&mut self, other: &Self) {
        for (c, o) in self.counts_mut().into_iter().zip(other.counts()) {
            *c = c.saturating_add(o);
        }
    }

    /// Every count, in declaration order.
    fn counts(&self) -> [u64; 9] {
        [
            self.total,
            self.both_negative,
            self.both_positive,
            self.opposite,
            self.both_zero,
            self.zero_and_negative,
            self.zero_and_positive,
            self.curvature_negative,
            self.curvature_positive,
        ]
    }

    /// Every count, mutable, in declaration order.
    fn counts_mut(&mut self) -> [&mut u64; 9] {
        [
            &mut self.total,
            &mut self.both_negative,
            &mut self.both_positive,
            &mut self.opposite,
            &mut self.both_zero,
            &mut self.zero_and_negative,
            &mut self.zero_and_positive,
            &mut self.curvature_negative,
            &mut self.curvature_positive,
        ]
    }

    /// Directions in which some perturbation detectably improves `O`
    /// (saturating).
    pub fn improving(&self) -> u64 {
        self.both_positive
            .saturating_add(self.opposite)
            .saturating_add(self.zero_and_positive)
    }

    /// Directions in which some perturbation detectably worsens `O`
    /// (saturating).
    pub fn worsening(&self) -> u64 {
        self.both_negative
            .saturating_add(self.opposite)
            .saturating_add(self.zero_and_negative)
    }

    /// The verdict these counts support.
    ///
    /// In order:
    /// 1. no directions: [`VerdictKind::Undetermined`];
    /// 2. nothing detectable in any direction: [`VerdictKind::Flat`];
    /// 3. both-negative *and* both-positive directions: [`VerdictKind::Saddle`]
    ///    (support: those directions);
    /// 4. no direction improves: [`VerdictKind::LocalMaximum`] (support: all
    ///    directions; the interval bounds the probability that a random
    ///    direction improves);
    /// 5. no direction worsens: [`VerdictKind::LocalMinimum`];
    /// 6. opposite signs in at least half the directions (`2 · opposite >= n`,
    ///    evaluated without overflow):
    ///    [`VerdictKind::Linear`];
    /// 7. otherwise [`VerdictKind::Undetermined`] (support: 0).
    pub fn verdict(&self) -> Verdict {
        let n = self.total;
        let (kind, support) = if n == 0 {
            (VerdictKind::Undetermined, 0)
        } else if self.both_zero == n {
            (VerdictKind::Flat, n)
        } else if self.both_negative > 0 && self.both_positive > 0 {
            (
                VerdictKind::Saddle,
                self.both_negative.saturating_add(self.both_positive),
            )
        } else if self.both_positive | self.opposite | self.zero_and_positive == 0 {
            (VerdictKind::LocalMaximum, n)
        } else if self.both_negative | self.opposite | self.zero_and_negative == 0 {
            (VerdictKind::LocalMinimum, n)
        } else if self.opposite >= n.saturating_sub(n / 2) {
            (VerdictKind::Linear, self.opposite)
        } else {
            (VerdictKind::Undetermined, 0)
        };
        Verdict {
            kind,
            support,
            directions: n,
        }
    }
}

/// What a probe says about `θ0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum VerdictKind {
    /// No direction detectably improves the objective.
    LocalMaximum,
    /// No direction detectably worsens it.
    LocalMinimum,
    /// Some directions look like a maximum, others like a minimum.
    Saddle,
    /// Most directions go up on one side and down on the other.
    Linear,
    /// Nothing is detectable in any direction.
    Flat,
    /// The data support none of the above (or there are none).
    Undetermined,
}

impl VerdictKind {
    /// The variant's name, for logs that avoid `core::fmt` (firmware).
    ///
    /// ```
    /// use policy_landscape::probe::VerdictKind;
    ///
    /// assert_eq!(VerdictKind::LocalMaximum.name(), "LocalMaximum");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::LocalMaximum => "LocalMaximum",
            Self::LocalMinimum => "LocalMinimum",
            Self::Saddle => "Saddle",
            Self::Linear => "Linear",
            Self::Flat => "Flat",
            Self::Undetermined => "Undetermined",
        }
    }
}

/// A verdict with the evidence behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verdict {
    /// The label.
    pub kind: VerdictKind,
    /// Directions consistent with the label.
    pub support: u64,
    /// Directions seen.
    pub directions: u64,
}

impl Verdict {
    /// `support / directions`, `None` without data.
    pub fn fraction(&self) -> Option<f64> {
        (self.directions > 0).then(|| self.support as f64 / self.directions as f64)
    }

    /// 95 % Wilson interval of `support / directions` (`None` without data).
    ///
    /// Computed on demand (in `f64`), so a build that never asks for it, such
    /// as firmware on an FPU-less or single-precision core, carries no
    /// double-precision arithmetic for it.
    pub fn interval(&self) -> Option<(f64, f64)> {
        wilson_interval::<f64>(self.support, self.directions, Z95)
    }
}

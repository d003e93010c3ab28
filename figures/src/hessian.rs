//! The exact Hessian's spectrum for the figures (the core computes it:
//! `ExactWorkspace::hessian_into`, `linalg::symmetric_eigen`).

use policy_landscape::linalg::symmetric_eigen;
use policy_landscape::paper::Policy;
use policy_landscape::{ExactWorkspace, TabularMdp};

use crate::Error;

/// The eigenvalues (ascending) of the Hessian of `J_τ` at `policy`, and a
/// bound on their error: by Weyl's inequality an eigenvalue moves by at most
/// the spectral norm of the Hessian's error, which is at most `P` times the
/// core's stated bound on each entry (`P` parameters).
///
/// # Errors
///
/// The core's (a policy whose gradient cannot be evaluated, no convergence).
pub fn spectrum(
    mdp: &TabularMdp<f64, 26, 4>,
    policy: &Policy<f64>,
    tau: f64,
) -> Result<(Vec<f64>, f64), Error> {
    let p = policy.params().len();
    let mut h = vec![0.0; p * p];
    let mut ws = ExactWorkspace::new();
    let accuracy = ws.hessian_into(mdp, policy, tau, &mut h)?;
    let mut values = vec![0.0; p];
    symmetric_eigen(&mut h, p, &mut values, None)?;
    Ok((values, p as f64 * accuracy.bound()))
}

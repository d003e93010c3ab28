//! Policies: the softmax (discrete actions) policy of the paper's §3.1.
//!
//! Parameters of every policy are one flat slice (`[[T; A]; F]` flattened,
//! index `f * A + a`), because landscape probes perturb a whole parameter
//! vector at once.

mod features;
mod gaussian;
mod row;
mod row_lanes;
mod softmax;

pub use features::{DenseFeatures, FeatureMap, OneHot, OneHotBias};
pub use gaussian::Gaussian;
pub use row::SoftmaxRow;
pub(crate) use row_lanes::{RowLanes, pick};
pub use softmax::{Softmax, init_like_torch};

//! A value with its standard error.

/// An estimate with its standard error.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Estimate<T> {
    /// The value.
    pub value: T,
    /// Its standard error (0 for an exact value).
    pub std_error: T,
}

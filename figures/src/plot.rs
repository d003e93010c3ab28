//! Drawing primitives (plotters, with an embedded font).

//! ATOMiK reference model and cycle-accurate co-simulation of the RTL against it.
//!
//! - [`model`]: the algebra (bit-exact with atomik-core 0.4.0, deviations fixed; see
//!   `docs/semantics.md`).
//! - [`conform`]: runs the shared conformance vectors against any [`conform::TableOps`].
//! - [`verilator`]: builds, caches and drives Verilator models of generated Verilog.

pub mod conform;
pub mod model;
pub mod verilator;

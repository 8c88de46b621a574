//! ATOMiK RTL in rust-hdl.
//!
//! - [`AtomikCore`]: the single-lane core (context table in block RAM, command and response
//!   streams); [`CoreConfig`] validates its parameters.
//! - [`Op`]: the command encoding shared with the simulators and the host.
//! - [`lanes`]: the multi-lane accumulator with its pipelined merge tree and on-chip generator.
//! - [`link`]: the UART host link and its frames, shared with the host.
//! - [`board_top`]: a board's top level (clock, reset, link, core) as Verilog.
//! - [`export`]: Verilog generation for a run-time configuration.
//! - [`formal`]: the formal proofs (`atomik prove`): designs, harnesses and SymbiYosys jobs.

pub mod board_top;
pub mod config;
pub mod context_ram;
pub mod core;
pub mod dispatch;
pub mod export;
pub mod formal;
pub mod lanes;
pub mod link;
pub mod mmio_top;
pub mod op;
pub mod response_credits;
pub mod response_queue;

pub use crate::config::{ConfigError, CoreConfig};
pub use crate::core::AtomikCore;
pub use crate::op::Op;

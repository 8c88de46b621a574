//! ATOMiK reference model and cycle-accurate co-simulation of the RTL against it.
//!
//! - [`model`]: the algebra (bit-exact with atomik-core 0.4.0, deviations fixed; see
//!   `docs/semantics.md`).
//! - [`conform`]: runs the shared conformance vectors against any [`conform::TableOps`].
//! - [`sim_board`]: a whole board top in Verilator, driven through its UART pins
//!   ([`uart_line`]), or through its FT245 FIFO pins by a simulated FT2232H ([`ft2232h`]).
//! - [`verilator`]: builds, caches and drives Verilator models of generated Verilog.

pub mod backend;
pub mod conform;
pub mod context_table_model;
pub mod cosim;
pub mod cycle_model;
pub mod driver;
pub mod dut;
pub mod ft2232h;
pub mod fuzz;
pub mod generator;
pub mod generator_model;
pub mod lanes_model;
pub mod mmio_board;
pub mod model;
pub mod ok_host;
pub mod onchip;
pub mod pipelined;
pub mod rusthdl;
pub mod shared_lanes_model;
pub mod sim_board;
pub mod table_driver;
pub mod table_lanes_model;
pub mod tool;
pub mod uart_line;
pub mod verilator;
pub mod verilator_core;

//! One module per `atomik` subcommand; `bin/atomik.rs` only parses arguments and calls these.

pub mod conform;
pub mod demo;
pub mod doctor;
pub mod estimate;
pub mod generator;
pub mod progress;
pub mod sim;
pub mod verilog;

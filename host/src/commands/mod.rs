//! One module per `atomik` subcommand; `bin/atomik.rs` only parses arguments and calls these.

pub mod bench;
pub mod board_cli;
pub mod boards;
pub mod build;
pub mod conform;
pub mod demo;
pub mod doctor;
pub mod estimate;
pub mod faults;
pub mod fuzz;
pub mod generator;
pub mod link_cli;
pub mod plot;
pub mod program;
pub mod progress;
pub mod prove;
pub mod records;
pub mod sim;
pub mod stage_bar;
pub mod sweep;
pub mod verilog;
pub mod xem7010;

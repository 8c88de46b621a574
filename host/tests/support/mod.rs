//! Helpers shared by the host's integration tests. Each test binary uses a subset of them.
#![allow(dead_code)]

pub mod cli;
pub mod generator;
pub mod pty_board;

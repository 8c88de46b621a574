//! ATOMiK host library: tool discovery (`doctor`) and the `atomik` subcommands.
//! Devices and transports arrive with the host issue.

pub mod commands;
pub mod doctor;

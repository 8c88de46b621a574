//! ATOMiK host library: devices and their transports ([`device`]), tool discovery
//! ([`doctor`]) and the `atomik` subcommands ([`commands`]).

pub mod commands;
pub mod device;
pub mod doctor;
pub mod fault_run;

pub use device::{Device, DeviceError, DeviceInfo};

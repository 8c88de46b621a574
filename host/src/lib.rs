//! ATOMiK host library: tool discovery (`doctor`) and, later, devices and transports.

pub mod doctor;

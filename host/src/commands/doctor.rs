//! `atomik doctor`: every tool the project uses, its version, and what is missing.

use crate::doctor::{check_all, render_table, required_missing, to_json, usb_programmer_hints};

/// Prints the tool report; returns false when a required tool is missing or broken.
pub fn run(json: bool) -> bool {
    let statuses = check_all();
    if json {
        let mut value = to_json(&statuses);
        value["usb"] = serde_json::json!(usb_programmer_hints());
        println!("{value:#}");
    } else {
        println!("{}", render_table(&statuses));
        for line in usb_programmer_hints() {
            println!("{line}");
        }
    }
    !required_missing(&statuses)
}

//! Verilog export of a core configuration, checked by rust-hdl's design rules first.

use crate::config::CoreConfig;
use crate::core::AtomikCore;
use crate::dispatch::{dispatch, CoreVisitor};
use rust_hdl::prelude::*;

/// A port of the generated top-level module `top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopPort {
    pub name: &'static str,
    pub width: u32,
    pub input: bool,
}

/// The generated design: Verilog text with module `top`, and its ports (clock excluded).
#[derive(Debug, Clone)]
pub struct CoreVerilog {
    pub config: CoreConfig,
    pub verilog: String,
    pub clock: &'static str,
    pub ports: Vec<TopPort>,
}

/// The top-level ports of a core with this configuration, besides `clock`.
pub fn core_ports(config: CoreConfig) -> Vec<TopPort> {
    let (w, a) = (config.width, config.addr_bits());
    let port = |name, width, input| TopPort { name, width, input };
    vec![
        port("reset", 1, true),
        port("cmd_valid", 1, true),
        port("cmd_op", 3, true),
        port("cmd_addr", a, true),
        port("cmd_data", w, true),
        port("rsp_ready", 1, true),
        port("cmd_ready", 1, false),
        port("rsp_valid", 1, false),
        port("rsp_data", w, false),
        port("illegal_op", 1, false),
    ]
}

/// rust-hdl's own design-rule check failed (unconnected signal, logic loop, ...).
#[derive(Debug, thiserror::Error)]
#[error("rust-hdl design check failed for {config}: {detail}")]
pub struct ExportError {
    pub config: String,
    pub detail: String,
}

struct Export;

impl CoreVisitor for Export {
    type Output = Result<String, ExportError>;
    fn visit<const W: usize, const A: usize>(self, config: CoreConfig) -> Self::Output {
        let mut core = AtomikCore::<W, A>::default();
        core.connect_all();
        check_all(&core).map_err(|e| ExportError {
            config: config.name(),
            detail: format!("{e:?}"),
        })?;
        Ok(generate_verilog_unchecked(&core))
    }
}

/// Generates the Verilog of a core (module `top`).
pub fn core_verilog(config: CoreConfig) -> Result<CoreVerilog, ExportError> {
    let verilog = dispatch(config, Export)?;
    Ok(CoreVerilog {
        config,
        verilog,
        clock: "clock",
        ports: core_ports(config),
    })
}

/// Renames rust-hdl's top module `top` (and its children `top$...`) to `name`, so two
/// generated designs can live in one Verilog build. Only whole identifiers are renamed: a
/// signal like `stop$x` is left alone.
pub fn rename_top(verilog: &str, name: &str) -> String {
    let bytes = verilog.as_bytes();
    let mut out = String::with_capacity(verilog.len() + 1024);
    let mut i = 0;
    while i < verilog.len() {
        let starts_identifier = i == 0 || {
            let p = bytes[i - 1];
            !(p.is_ascii_alphanumeric() || p == b'_' || p == b'$')
        };
        let rest = &verilog[i..];
        let whole_top = rest.starts_with("top")
            && rest[3..]
                .bytes()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == b'_'));
        if starts_identifier && whole_top {
            out.push_str(name);
            i += 3;
        } else {
            let ch = rest.chars().next().expect("i is on a char boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod rename_tests {
    use super::rename_top;

    #[test]
    fn renames_whole_identifiers_only() {
        let v = "module top(clock);\ntop$child child(.clock(clock));\nwire stop$x; reg top_x;\nendmodule\nmodule top$child(clock);";
        assert_eq!(
            rename_top(v, "lnk"),
            "module lnk(clock);\nlnk$child child(.clock(clock));\nwire stop$x; reg top_x;\nendmodule\nmodule lnk$child(clock);"
        );
    }
}

//! Formal proofs of the RTL, run by `atomik prove` with SymbiYosys.
//!
//! A [`Proof`] is the Verilog of one rust-hdl design, the SystemVerilog harness that states its
//! properties (kept next to the block it describes, e.g. `core.formal.sv` beside `core.rs`),
//! and the SymbiYosys job that proves them by k-induction. A harness instantiates the design,
//! leaves every input free (or constrained by `assume` to the block's contract), keeps an
//! abstract shadow of the spec and asserts on every output. Invariants that tie internal
//! registers to the shadow read them through taps: a harness line `// tap WIRE PATH` connects
//! the undriven harness wire `WIRE` to the flattened design signal `PATH` after `flatten`.
//! Taps and formal-only outputs (`ifdef FORMAL`) are invisible to simulation and synthesis.
//! A harness line `// free PATH` makes a design signal free (yosys `cutpoint`: its driver is
//! replaced by an unconstrained value every cycle), for sources whose values the property must
//! hold over whatever they are, such as the on-chip delta generator's lane outputs.
//! A harness line `// multiclock` proves a design with several clocks under SymbiYosys
//! `multiclock on`: each clock is then a free input that may rise or fall in any solver step.

use crate::config::CoreConfig;
use crate::export::{core_verilog, ExportError};
use crate::lanes::export::lanes_verilog;
use crate::lanes::table::TableLaneCore;
use crate::lanes::{LaneMode, LanesConfig};
use crate::link::bridge::CommandBridge;
use crate::link::frame::IDLE_TIMEOUT_BITS;
use crate::link::handshake_port_verilog;
use crate::response_queue::{ResponseQueue, DEPTH};
use rust_hdl::prelude::*;

/// The SMT solver the jobs name (`smtbmc boolector`); `atomik prove` supplies it.
pub const SOLVER: &str = "boolector";

/// One proof: a design, its harness and the k-induction depth that closes it.
#[derive(Debug, Clone)]
pub struct Proof {
    /// Short name (`atomik prove --only NAME`), also the job's directory name.
    pub name: &'static str,
    /// What is proved, in one line.
    pub claim: &'static str,
    /// The design's parameters, as shown in reports (`W=8, 4 contexts`).
    pub parameters: String,
    /// k-induction depth: the base case checks this many cycles from power-up, the induction
    /// step assumes the properties for this many consecutive cycles.
    pub depth: u32,
    /// Verilog of the design under proof (rust-hdl's export).
    pub design: String,
    /// File name of the harness (`core.formal.sv`) and its text.
    pub harness_file: &'static str,
    pub harness: &'static str,
    /// The harness's top module and the parameter values it is elaborated with.
    pub top: &'static str,
    pub top_parameters: Vec<(&'static str, u64)>,
}

impl Proof {
    /// The `// tap WIRE PATH` lines of the harness, as (wire, flattened path).
    pub fn taps(&self) -> Vec<(&str, &str)> {
        self.harness
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// tap "))
            .filter_map(|rest| {
                let mut words = rest.split_whitespace();
                Some((words.next()?, words.next()?))
            })
            .collect()
    }

    /// The `// free PATH` lines of the harness: design signals cut loose from their drivers.
    pub fn frees(&self) -> Vec<&str> {
        self.harness
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// free "))
            .filter_map(|rest| rest.split_whitespace().next())
            .collect()
    }

    /// Whether the harness asks for `multiclock on` (a `// multiclock` line).
    pub fn multiclock(&self) -> bool {
        self.harness.lines().any(|l| l.trim() == "// multiclock")
    }

    /// The SymbiYosys job; it reads `design.v` and the harness from its `[files]`.
    pub fn sby(&self) -> String {
        let mut script = String::new();
        script.push_str("read_verilog -sv -DFORMAL design.v\n");
        script.push_str(&format!("read_verilog -formal -sv {}\n", self.harness_file));
        for (name, value) in &self.top_parameters {
            script.push_str(&format!("chparam -set {name} {value} {}\n", self.top));
        }
        script.push_str(&format!("hierarchy -top {}\nproc\nflatten\n", self.top));
        for path in self.frees() {
            script.push_str(&format!("cutpoint w:{path}\n"));
        }
        // `-nounset`: yosys would otherwise cut the harness's own uses of a tap wire as if
        // they drove it.
        for (wire, path) in self.taps() {
            script.push_str(&format!("connect -nounset -set {wire} {path}\n"));
        }
        // Block RAMs become flip-flops: the solver then sees plain bit-vectors, no arrays.
        script.push_str("memory -nomap\nmemory_map\nopt -fast\n");
        format!(
            "[options]\nmode prove\ndepth {depth}\n{multiclock}\n[engines]\nsmtbmc {SOLVER}\n\n\
             [script]\n{script}\n[files]\ndesign.v\n{harness}\n",
            depth = self.depth,
            multiclock = if self.multiclock() {
                "multiclock on\n"
            } else {
                ""
            },
            harness = self.harness_file,
        )
    }
}

/// The single-lane core's harness (see the file for the properties).
pub const CORE_HARNESS: &str = include_str!("core.formal.sv");

/// Width and contexts of the core proof: small enough to prove in seconds, large enough for
/// address forwarding, aliasing between contexts and a full response queue.
pub const CORE_PROOF_WIDTH: u32 = 8;
pub const CORE_PROOF_CONTEXTS: u32 = 4;

/// The single-lane core: every READ/SWAP/SWAP_LOAD response is the spec's, in order, none
/// lost or repeated, whatever the pipeline, queue and reset state.
pub fn core_proof(config: CoreConfig) -> Result<Proof, ExportError> {
    let design = core_verilog(config)?.verilog;
    Ok(Proof {
        name: "core",
        claim: "single-lane core: every response = reference ^ accumulated deltas, in order, none lost or repeated",
        parameters: format!("W={}, {} contexts", config.width, config.contexts),
        // The invariants in the harness make the induction close at depth 2.
        depth: 2,
        design,
        harness_file: "core.formal.sv",
        harness: CORE_HARNESS,
        top: "core_formal",
        top_parameters: vec![
            ("W", config.width as u64),
            ("A", config.addr_bits() as u64),
        ],
    })
}

/// The frame decoder's harness (see the file for the properties).
pub const BRIDGE_HARNESS: &str = include_str!("link/bridge.formal.sv");

/// Clocks per UART bit of the bridge proof: the smallest divider a link accepts
/// ([`crate::link::LinkConfig`]), so the idle timeout is 160 clocks.
pub const BRIDGE_PROOF_CLOCKS_PER_BIT: u16 = 4;

/// The frame decoder: back to hunting within a bound after any garbage (the bound is set by the
/// longest frame a batch header can claim, 2057 bytes after the sync byte), no frame that is
/// truncated or fails its CRC-32 ever reaches the core or is answered, a batch's deltas are
/// handed to the core only after its check (the frame buffer written only in the half not
/// last handed over), and (protocol v2's sequence rule) a frame
/// applied has the seq after the last applied one or is the first since reset.
pub fn bridge_proof(clocks_per_bit: u16) -> Result<Proof, ExportError> {
    let mut bridge = CommandBridge::new(clocks_per_bit);
    bridge.connect_all();
    check_all(&bridge).map_err(|e| ExportError {
        config: format!("bridge_cpb{clocks_per_bit}"),
        detail: format!("{e:?}"),
    })?;
    let idle_limit = IDLE_TIMEOUT_BITS as u64 * clocks_per_bit as u64;
    Ok(Proof {
        name: "bridge",
        claim: "frame decoder (v2): hunting again within 2057 x (timeout + 1) + 1 clocks after any bytes; only whole frames whose CRC-32 checks reach the core; batch deltas only after the whole batch checked, the frame buffer never written in the half last handed to the core; a frame applied has seq last + 1 or is the first since reset, STATUS reads stay outside the sequence",
        parameters: format!("{clocks_per_bit} clocks/bit, timeout {idle_limit}"),
        depth: 2,
        design: generate_verilog_unchecked(&bridge),
        harness_file: "bridge.formal.sv",
        harness: BRIDGE_HARNESS,
        top: "bridge_formal",
        top_parameters: vec![("L", idle_limit)],
    })
}

/// The single-context multi-lane core's harness (see the file for the properties).
pub const LANES_SINGLE_HARNESS: &str = include_str!("lanes/single.formal.sv");

/// Lanes, width and tree shape of the table-mode proof: 4 lanes with a register at every
/// tree level (latency 2), so the proof covers a registered inner level as well as the output
/// register; the default shape has no inner register below 8 lanes.
pub const LANES_PROOF_LANES: u32 = 4;
pub const LANES_PROOF_WIDTH: u32 = 8;
pub const LANES_PROOF_REGISTER_EVERY: u32 = 1;

/// Lanes and tree shape of the single-context proof: 16 lanes in the default shape, two banks
/// (12 lanes and 4) in registered height-3 slots under the root (latency 2), so the proof
/// covers a registered inner level and a short bank as well as the output register.
pub const SINGLE_PROOF_LANES: u32 = 16;
pub const SINGLE_PROOF_REGISTER_EVERY: u32 = crate::lanes::DEFAULT_REGISTER_EVERY;

/// The single-context multi-lane core: every READ/SWAP/SWAP_LOAD response is the spec's state
/// after every lane delta and command accepted before it, in order, none lost or repeated,
/// whatever the tree, delay-line, queue and reset state; the lanes' deltas are free.
pub fn lanes_single_proof() -> Result<Proof, ExportError> {
    let config = LanesConfig::new(
        SINGLE_PROOF_LANES,
        LANES_PROOF_WIDTH,
        SINGLE_PROOF_REGISTER_EVERY,
        LaneMode::Single,
    )
    .map_err(|e| ExportError {
        config: "lanes proof".into(),
        detail: e.to_string(),
    })?;
    // The harness is written for this tree latency (its parameter L).
    assert_eq!(
        config.tree_latency(),
        2,
        "lanes harness expects tree latency 2"
    );
    Ok(Proof {
        name: "lanes",
        claim: "single-context multi-lane core: every response = reference ^ every lane delta and ACCUM accepted since the last LOAD/SWAP, in order, none lost or repeated; lane deltas free",
        parameters: format!(
            "{} lanes, W={}, tree latency {}",
            config.lanes,
            config.width,
            config.tree_latency()
        ),
        depth: 2,
        design: lanes_verilog(config)?.verilog,
        harness_file: "single.formal.sv",
        harness: LANES_SINGLE_HARNESS,
        top: "lanes_single_formal",
        top_parameters: vec![("W", config.width as u64)],
    })
}

/// The table-mode multi-lane core's harness (see the file for the properties).
pub const LANES_TABLE_HARNESS: &str = include_str!("lanes/table.formal.sv");

/// Contexts of the table-mode proof.
pub const TABLE_PROOF_CONTEXTS: u32 = 4;

/// The table-mode multi-lane core at 4 lanes, W=8, 4 contexts, tree latency 2: every
/// READ/SWAP/SWAP_LOAD response is the spec's state of its context after every lane delta and
/// command accepted before it, none lost or repeated; the generator's lane outputs are free.
/// W=8 is a proof-only size: the product builds table mode at 64 bits
/// ([`LanesConfig::table`]), and the RTL is generic in W, so the configuration is written
/// out here rather than validated for a build.
pub fn lanes_table_proof() -> Result<Proof, ExportError> {
    let config = LanesConfig {
        lanes: LANES_PROOF_LANES,
        width: LANES_PROOF_WIDTH,
        register_every: LANES_PROOF_REGISTER_EVERY,
        mode: LaneMode::Table,
        contexts: TABLE_PROOF_CONTEXTS,
        copy_fanout: crate::lanes::DEFAULT_COPY_FANOUT,
    };
    assert_eq!(
        config.tree_latency(),
        2,
        "table harness expects tree latency 2"
    );
    let mut core = TableLaneCore::<8, 2>::new(&config);
    core.connect_all();
    check_all(&core).map_err(|e| ExportError {
        config: config.name(),
        detail: format!("{e:?}"),
    })?;
    Ok(Proof {
        name: "table",
        claim: "table-mode multi-lane core: every response = reference ^ every lane delta and ACCUM accepted for that context since its last LOAD/SWAP, in order, none lost or repeated; generator outputs free",
        parameters: format!(
            "{} lanes, W={}, {} contexts, tree latency {}",
            config.lanes,
            config.width,
            config.contexts,
            config.tree_latency()
        ),
        depth: 2,
        design: generate_verilog_unchecked(&core),
        harness_file: "table.formal.sv",
        harness: LANES_TABLE_HARNESS,
        top: "lanes_table_formal",
        top_parameters: vec![("W", config.width as u64)],
    })
}

/// The response queue's harness (see the file for the properties).
pub const QUEUE_HARNESS: &str = include_str!("response_queue.formal.sv");

/// Word width of the queue proof (the queue's logic does not depend on it).
pub const QUEUE_PROOF_WIDTH: usize = 8;

/// The response queue on its own: the words popped are the words pushed, in order, none lost,
/// invented or repeated, under its one contract (no push into a full queue).
pub fn queue_proof() -> Result<Proof, ExportError> {
    let mut queue = ResponseQueue::<QUEUE_PROOF_WIDTH>::default();
    queue.connect_all();
    check_all(&queue).map_err(|e| ExportError {
        config: "response_queue".into(),
        detail: format!("{e:?}"),
    })?;
    Ok(Proof {
        name: "queue",
        claim: "response queue: the words popped are the words pushed, in order, none lost, invented or repeated (contract: no push into a full queue)",
        parameters: format!("W={QUEUE_PROOF_WIDTH}, {DEPTH} entries"),
        depth: 2,
        design: generate_verilog_unchecked(&queue),
        harness_file: "response_queue.formal.sv",
        harness: QUEUE_HARNESS,
        top: "response_queue_formal",
        top_parameters: vec![("W", QUEUE_PROOF_WIDTH as u64)],
    })
}

/// The cross-clock command port's harness (see the file for the properties).
pub const HANDSHAKE_HARNESS: &str = include_str!("link/handshake_port.formal.sv");

/// The cross-clock command port (host clock to core clock and back): the commands the core
/// receives are the ones the host issued, in order, none dropped, duplicated or altered; each
/// response is taken once and reaches the host; for any ratio and phase of the two clocks.
pub fn handshake_proof() -> Result<Proof, ExportError> {
    Ok(Proof {
        name: "handshake",
        claim: "cross-clock command port: commands reach the core as issued, in order, none dropped, duplicated or altered; each response taken once and handed to the host; offered within 3 core clocks, completed within 3 host clocks of the answer; any clock ratio",
        parameters: "2 free clocks (any ratio)".into(),
        // Global-clock steps: with the invariants on both toggle chains, 2 closes.
        depth: 2,
        design: handshake_port_verilog()?,
        harness_file: "handshake_port.formal.sv",
        harness: HANDSHAKE_HARNESS,
        top: "handshake_formal",
        top_parameters: vec![],
    })
}

/// Every proof `atomik prove` runs, at its test size.
pub fn proofs() -> Result<Vec<Proof>, ExportError> {
    let core = CoreConfig::new(CORE_PROOF_WIDTH, CORE_PROOF_CONTEXTS)
        .expect("the core proof's configuration is valid");
    Ok(vec![
        core_proof(core)?,
        bridge_proof(BRIDGE_PROOF_CLOCKS_PER_BIT)?,
        lanes_single_proof()?,
        handshake_proof()?,
        lanes_table_proof()?,
        queue_proof()?,
    ])
}

/// Deliberately broken designs that exist only to show a proof rejects them.
pub mod broken {
    use super::*;

    /// The core with its one-stage forwarding removed (the forward flag never set): a READ
    /// right after an ACCUM of the same context sees the block RAM's stale word. Built by
    /// editing the generated Verilog; panics if the generator no longer writes that line.
    pub fn core_without_forwarding() -> Proof {
        let config = CoreConfig::new(CORE_PROOF_WIDTH, CORE_PROOF_CONTEXTS).expect("valid");
        let mut proof = core_proof(config).expect("the core exports");
        let line = "s1_forward$d = s1_valid$q & (s1_addr$q == cmd_addr);";
        assert!(
            proof.design.contains(line),
            "the core's Verilog no longer has the forwarding line `{line}`"
        );
        proof.design = proof.design.replace(line, "s1_forward$d = 1'b0;");
        // Deep enough for the base case to reach the bug from power-up (ready in cycle 1, an
        // ACCUM then a READ of one context, the stale read in S1 at step 3), so the rejection
        // is a real counterexample, not only an induction step that does not close.
        proof.depth = 5;
        proof.name = "core_without_forwarding";
        proof.claim = "BROKEN on purpose: the core without its one-stage forwarding";
        proof
    }
    /// The multi-lane core with a merge tree that drops its second bank (lanes 12 to 15: the
    /// slot it feeds, node 3, tied to zero): those lanes' deltas never reach the state. Built
    /// by editing the generated Verilog; panics if the generator no longer writes that line.
    pub fn lanes_tree_dropping_a_lane() -> Proof {
        let mut proof = lanes_single_proof().expect("the multi-lane core exports");
        let line = "nodes$3$a = banks$1$delta;";
        assert!(
            proof.design.contains(line),
            "the multi-lane core's Verilog no longer has the leaf line `{line}`"
        );
        proof.design = proof.design.replace(line, "nodes$3$a = 8'd0;");
        // The base case reaches the bug from power-up (a delta on bank 1 in the first clock is
        // missing from the tree in the second), so the rejection is a counterexample.
        proof.depth = 4;
        proof.name = "lanes_tree_dropping_a_lane";
        proof.claim = "BROKEN on purpose: the multi-lane core with a tree slot that drops a bank";
        proof
    }

    /// The cross-clock port that never clears its pending flag when the core takes a command:
    /// the core is offered the same command again (a handshake that fires twice). Built by
    /// editing the generated Verilog; panics if the generator no longer writes that line.
    pub fn handshake_firing_twice() -> Proof {
        let mut proof = handshake_proof().expect("the handshake port exports");
        let line = "pending$d = 1'b0;";
        assert_eq!(
            proof.design.matches(line).count(),
            1,
            "the handshake port's Verilog no longer has one `{line}`"
        );
        proof.design = proof.design.replace(line, "pending$d = pending$q;");
        // Global-clock steps from power-up to the second delivery: a host edge takes the
        // command, then two synchroniser stages, pending, the delivery and one more core edge
        // that delivers it again; each edge needs a rise and a fall, both clocks can move in one
        // step (the solver finds it at step 8), 16 leaves room.
        proof.depth = 16;
        proof.name = "handshake_firing_twice";
        proof.claim = "BROKEN on purpose: the cross-clock port offering a taken command again";
        proof
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_job_connects_every_tap_and_names_the_solver() {
        let proofs = proofs().unwrap();
        let core = &proofs[0];
        let sby = core.sby();
        assert!(core.taps().len() >= 20, "{:?}", core.taps());
        for (wire, path) in core.taps() {
            assert!(sby.contains(&format!("connect -nounset -set {wire} {path}\n")));
            assert!(core.harness.contains(wire));
        }
        assert!(sby.contains("smtbmc boolector"));
        assert!(sby.contains("chparam -set A 2 core_formal"));
        assert!(core.design.contains("formal_words"));
        assert!(!sby.contains("cutpoint") && !sby.contains("multiclock"));
    }

    #[test]
    fn free_lines_become_cutpoints_before_the_taps_and_multiclock_is_opt_in() {
        let proofs = proofs().unwrap();
        let by_name = |name: &str| proofs.iter().find(|p| p.name == name).expect(name);
        for name in ["lanes", "table"] {
            let proof = by_name(name);
            let sby = proof.sby();
            // lanes: the two banks' words of the 16-lane core; table: its 4 taps and more.
            assert_eq!(proof.frees().len(), if name == "lanes" { 2 } else { 9 });
            for path in proof.frees() {
                let cut = sby.find(&format!("cutpoint w:{path}\n")).expect("cutpoint");
                assert!(cut < sby.find("connect -nounset").expect("taps"), "{name}");
            }
            assert!(!proof.multiclock(), "{name}");
        }
        let handshake = by_name("handshake");
        assert!(handshake.multiclock());
        assert!(handshake.sby().contains("\nmulticlock on\n"));
        assert!(handshake.frees().is_empty());
    }

    /// The harnesses that shadow the response queue spell its depth as a literal (yosys reads
    /// them as text) and tap each of its entries: both must follow `config`, or a changed
    /// depth would be proved against a stale spec.
    #[test]
    fn queue_harnesses_follow_the_configured_depth() {
        let proofs = proofs().unwrap();
        let queue_proofs = [
            ("queue", "dut.mem$"),
            ("core", "dut.responses.queue.mem$"),
            ("lanes", "dut.responses.queue.mem$"),
            ("table", "dut.responses.queue.mem$"),
        ];
        for (name, entry_prefix) in queue_proofs {
            let proof = proofs.iter().find(|p| p.name == name).expect(name);
            let depth: usize = proof
                .harness
                .lines()
                .find_map(|l| l.trim().strip_prefix("localparam DEPTH = "))
                .and_then(|rest| rest.split(';').next())
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("{name}: no `localparam DEPTH = N;`"));
            assert_eq!(
                depth, DEPTH,
                "{name}: harness DEPTH vs config::RESPONSE_QUEUE_DEPTH"
            );
            let entries: Vec<&str> = proof
                .taps()
                .into_iter()
                .filter_map(|(_, path)| path.strip_prefix(entry_prefix))
                .collect();
            let expected: Vec<String> = (0..DEPTH).map(|i| format!("{i}.q")).collect();
            assert_eq!(
                entries, expected,
                "{name}: one tap per queue entry, in order"
            );
        }
    }
}

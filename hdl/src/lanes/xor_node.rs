//! One node of the merge tree: `q = a ^ b`, either a register or plain wiring, chosen when the
//! tree is built (see [`super::tree`] for which levels are registered and why).

use rust_hdl::prelude::*;

/// A two-input XOR, registered (`q` valid one clock after `a`, `b`) or combinational.
#[derive(LogicBlock)]
pub struct XorNode<const W: usize> {
    pub clock: Signal<In, Clock>,
    pub a: Signal<In, Bits<W>>,
    pub b: Signal<In, Bits<W>>,
    pub q: Signal<Out, Bits<W>>,
    _registered: bool,
}

impl<const W: usize> XorNode<W> {
    pub fn new(registered: bool) -> Self {
        XorNode {
            clock: Default::default(),
            a: Default::default(),
            b: Default::default(),
            q: Default::default(),
            _registered: registered,
        }
    }
}

/// The first `count` nodes of a merge-tree heap over `leaves` leaves (see [`super::tree`]):
/// node k is a register when [`super::tree::is_registered`] says so; node 0 (unused) and the
/// leaf slots are wiring.
pub fn tree_nodes<const W: usize>(
    count: usize,
    leaves: usize,
    register_every: u32,
) -> Vec<XorNode<W>> {
    (0..count)
        .map(|k| {
            XorNode::new(
                k > 0 && k < leaves && super::tree::is_registered(k, leaves, register_every),
            )
        })
        .collect()
}

impl<const W: usize> Logic for XorNode<W> {
    fn update(&mut self) {
        // Combinational nodes follow their inputs; registered ones take them at the edge.
        if !self._registered || self.clock.pos_edge() {
            self.q.next = self.a.val() ^ self.b.val();
        }
    }

    fn connect(&mut self) {
        self.q.connect();
    }

    fn hdl(&self) -> Verilog {
        if self._registered {
            Verilog::Custom(format!(
                "initial q = {W}'d0;\nalways @(posedge clock) q <= a ^ b;\n"
            ))
        } else {
            Verilog::Custom("always @(*) q = a ^ b;\n".into())
        }
    }

    fn timing(&self) -> Vec<TimingInfo> {
        if self._registered {
            vec![TimingInfo {
                name: "xor_node".into(),
                clock: "clock".into(),
                inputs: vec!["a".into(), "b".into()],
                outputs: vec!["q".into()],
            }]
        } else {
            vec![]
        }
    }
}

//! One lane of the on-chip generator: a fixed rotation of its source's word, enabled at run
//! start when the lane's index is below the run's active-lane count.
//!
//! The rotation is wiring (free); the enable is a register per lane loaded from a run-time
//! count. That run-time enable is what keeps every lane physically present: the XOR of fixed
//! rotations of one word is a fixed linear map that a synthesiser could collapse into a few
//! lanes' worth of logic, but `XOR over i < M of rot_i(x)` depends on `M`, so it cannot.

use rust_hdl::prelude::*;

/// Lane `index`'s delta: `en ? low_W(rotl64(word, rotation)) : 0`, `en` loaded on `load` as
/// `index < active_lanes`.
#[derive(LogicBlock)]
pub struct LaneTap<const W: usize> {
    pub clock: Signal<In, Clock>,
    /// The source word (see [`super::source::DeltaSource`]).
    pub word: Signal<In, Bits<64>>,
    /// Loads the enable from `active_lanes` (at the launch of a generator run).
    pub load: Signal<In, Bit>,
    pub active_lanes: Signal<In, Bits<11>>,
    /// This lane's delta in this cycle.
    pub delta: Signal<Out, Bits<W>>,
    enabled: Signal<Local, Bit>,
    _index: usize,
    _rotation: u32,
}

/// Lanes sharing one source word. 63, not 64: the XOR of all 64 rotations of a word is its
/// parity on every bit, so a full group of 64 would feed a run whose sum says almost nothing;
/// the XOR of any odd number of distinct rotations is an invertible map over GF(2), so a full
/// group of 63 never collapses. (The RTL writes `i / 63` literally: rust-hdl evaluates array
/// indices with loop variables only.)
pub const LANES_PER_SOURCE: usize = 63;

/// The source lane `index` takes its word from.
pub fn lane_source(index: usize) -> usize {
    index / LANES_PER_SOURCE
}

/// The rotation lane `index` applies to its source word.
pub fn lane_rotation(index: usize) -> u32 {
    (index % LANES_PER_SOURCE) as u32
}

/// Lane `index`'s delta for source word `word`, as the hardware computes it.
pub fn lane_delta(index: usize, word: u64, width: u32) -> u64 {
    let rotated = word.rotate_left(lane_rotation(index));
    if width >= 64 {
        rotated
    } else {
        rotated & ((1u64 << width) - 1)
    }
}

impl<const W: usize> LaneTap<W> {
    pub fn new(index: usize) -> Self {
        LaneTap {
            clock: Default::default(),
            word: Default::default(),
            load: Default::default(),
            active_lanes: Default::default(),
            delta: Default::default(),
            enabled: Default::default(),
            _index: index,
            _rotation: lane_rotation(index),
        }
    }
}

/// `signal > index` for an 11-bit `signal`, as AND/OR logic rather than a comparison: a
/// comparison becomes a carry chain per lane on every fabric (one ALU cell per bit on Gowin),
/// the logic maps to a couple of LUT levels. From the least significant bit up, `signal`
/// exceeds `index` on bits 0..=k when bit k is 1 and `index`'s is 0, or the bits are equal and
/// the lower bits exceed.
fn above_constant(signal: &str, index: usize) -> String {
    let mut gt = "1'b0".to_string();
    for k in 0..11 {
        gt = if (index >> k) & 1 == 1 {
            format!("({signal}[{k}] & {gt})")
        } else {
            format!("({signal}[{k}] | {gt})")
        };
    }
    gt
}

impl<const W: usize> Logic for LaneTap<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.load.val() {
            self.enabled.next = self.active_lanes.val().index() > self._index;
        }
        self.delta.next = if self.enabled.val() {
            lane_delta(self._index, self.word.val().to_u64(), W as u32).to_bits()
        } else {
            Bits::<W>::default()
        };
    }

    fn connect(&mut self) {
        self.delta.connect();
        self.enabled.connect();
    }

    fn hdl(&self) -> Verilog {
        let r = self._rotation;
        let rotated = if r == 0 {
            "word".to_string()
        } else {
            format!("{{word[{}:0], word[63:{}]}}", 63 - r, 64 - r)
        };
        Verilog::Custom(format!(
            "\
wire [63:0] rotated = {rotated};
initial enabled = 1'b0;
always @(posedge clock) if (load) enabled <= {above};
always @(*) delta = enabled ? rotated[{msb}:0] : {W}'d0;
",
            above = above_constant("active_lanes", self._index),
            msb = W - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "lane_tap".into(),
            clock: "clock".into(),
            inputs: vec!["load".into(), "active_lanes".into()],
            outputs: vec!["delta".into()],
        }]
    }
}

//! One column of the context table: `2^A` words of `W` bits in block RAM.
//!
//! ```text
//!   read_address ──►┌────────┐
//!                   │ mem    ├─► read_data   (registered: valid one clock after the address)
//!   write_* ───────►└────────┘
//! ```
//! Read-first on a same-cycle read/write of one address (the read returns the old word), in
//! both rust-hdl's simulator and the Verilog, so the core's one-stage forwarding is exact on
//! both. Unlike rust-hdl's `RAM`, every word starts at zero (`initial` loop, which yosys turns
//! into BRAM initialisation): the power-up state of every context is defined without a sweep.

use rust_hdl::prelude::*;

/// A single-clock, one-read-port, one-write-port RAM of `2^A` words of `W` bits, all zero at
/// power-up. `A` is the address width in bits.
#[derive(LogicBlock)]
pub struct ContextRam<const W: usize, const A: usize> {
    /// Clock for both ports.
    pub clock: Signal<In, Clock>,
    /// Word to read; its data appears on `read_data` after the next rising edge.
    pub read_address: Signal<In, Bits<A>>,
    /// Registered read data.
    pub read_data: Signal<Out, Bits<W>>,
    /// Word written at the rising edge when `write_enable` is high.
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, Bit>,
    _mem: Vec<Bits<W>>,
}

impl<const W: usize, const A: usize> Default for ContextRam<W, A> {
    fn default() -> Self {
        ContextRam {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _mem: vec![Bits::<W>::default(); 1 << A],
        }
    }
}

impl<const W: usize, const A: usize> Logic for ContextRam<W, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            // Read before write: the old word is returned when both hit one address.
            self.read_data.next = self._mem[self.read_address.val().index()];
            if self.write_enable.val() {
                let at = self.write_address.val().index();
                self._mem[at] = self.write_data.val();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [{msb}:0] mem [0:{last}];
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = {W}'d0;
   read_data = {W}'d0;
end

always @(posedge clock) begin
   read_data <= mem[read_address];
   if (write_enable) mem[write_address] <= write_data;
end
`ifdef FORMAL
// Every word side by side (word i at bits i*{W}), for the proofs' invariants
// (core.formal.sv); only formal tools define FORMAL, so simulation and synthesis never see it.
wire [{words_msb}:0] formal_words;
genvar formal_i;
generate for (formal_i = 0; formal_i <= {last}; formal_i = formal_i + 1) begin : formal_word
   assign formal_words[formal_i*{W} +: {W}] = mem[formal_i];
end endgenerate
`endif
",
            msb = W - 1,
            last = (1usize << A) - 1,
            words_msb = (W << A) - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "context_ram".into(),
            clock: "clock".into(),
            inputs: vec![
                "read_address".into(),
                "write_address".into(),
                "write_data".into(),
                "write_enable".into(),
            ],
            outputs: vec!["read_data".into()],
        }]
    }
}

//! A memory-mapped register window carrying the link's byte stream, for a host behind a PCIe
//! bridge (or any bus master): the same frames as the UART link go through the same
//! [`CommandBridge`], so checked-before-applied, exactly-once and never-wedged hold unchanged,
//! and frames of any length (batch frames included) pass without a change here.
//!
//! ```text
//!   bus (addr/wdata/we/re → rdata/rvalid, 32-bit words, one clock domain)
//!     │ TX ring (host writes bytes, then TX_HEAD)      RX ring (device writes bytes, then RX_HEAD)
//!     ▼                                                 ▲
//!   tx pump: a byte every 2 clocks ─► CommandBridge ─► rx pump: a byte per bridge offer
//!                                       │ cmd / rsp ▲
//!                                       ▼           │
//!                                  BatchApply ──────┘ (the core; batch deltas one per clock)
//! ```
//!
//! # Register map (word addresses; byte offset = 4 x word)
//! | word | name | owner | meaning |
//! |---|---|---|---|
//! | 0x000 | ID | device | [`WINDOW_ID`] (`"ATMW"`) |
//! | 0x001 | GEOMETRY | device | [7:0] map version [`WINDOW_VERSION`], [23:8] ring words |
//! | 0x002 | TX_HEAD | host | bytes the host has put in the TX ring (free-running, wraps at 2^32) |
//! | 0x003 | TX_TAIL | device | bytes the device has taken from the TX ring |
//! | 0x004 | RX_HEAD | device | bytes the device has put in the RX ring |
//! | 0x005 | RX_TAIL | host | bytes the host has taken from the RX ring |
//! | 0x006 | TX_LEVEL | device | TX_HEAD - TX_TAIL |
//! | 0x007 | RX_LEVEL | device | RX_HEAD - RX_TAIL |
//! | 0x008 | RESET_REQ | host | doorbell: a value different from RESET_ACK resets the stream |
//! | 0x009 | RESET_ACK | device | the RESET_REQ value of the last reset done |
//! | 0x00A | DROPPED | device | frames the decoder dropped (bad CRC or stalled) since reset |
//! | 0x100+i | TX ring word i | host | bytes 4i..4i+3 of the ring, little-endian |
//! | 0x200+i | RX ring word i | device | the same for the RX ring |
//!
//! Byte `n` of a stream lives in ring word `(n / 4) mod ring_words`, bits `8 (n mod 4)`.
//!
//! # Why rings with head/tail words
//! Every word has exactly one writer, and no access has a side effect except the writes of
//! TX_HEAD, RX_TAIL and RESET_REQ (which only move an index): so the protocol works both over a
//! real BAR and over a plain shared mapping of a file whose device-owned words a simulator
//! fills in (`sim::mmio_board`). The host writes bytes into the ring, then TX_HEAD; the device
//! reads only bytes below TX_HEAD. The device writes bytes into the RX ring, then RX_HEAD; the
//! host reads only bytes below RX_HEAD and returns space by writing RX_TAIL. A reset (RESET_REQ)
//! discards what is unsent and unread (TX_TAIL := TX_HEAD, RX_HEAD := RX_TAIL) without touching
//! a host-owned word, and returns the frame decoder to hunting; do it between frames.
//!
//! # Bus
//! A write is one clock with `bus_we`; a read is one clock with `bus_re`, and `bus_rdata` is
//! valid with `bus_rvalid` the clock after (registered: the RX ring is block RAM). Writes to
//! device-owned words and reads of TX ring words are ignored / read 0. The bus is what an
//! AXI4-Lite slave or a Wishbone classic slave reduces to: behind XDMA's AXI-Lite master
//! (BAR0 "PCIe to AXI Lite Master") a small AXI-Lite-to-strobe adapter is needed (accept AW
//! and W together → `bus_we`; AR → `bus_re`, answer R on `bus_rvalid`; always OKAY); behind
//! LitePCIe's Wishbone the mapping is `we = cyc & stb & we`, `re = cyc & stb & !we`, and `ack`
//! is `we` or `bus_rvalid`. Neither adapter is in this repository yet.

use super::batch_apply::BatchApply;
use super::bridge::CommandBridge;
use rust_hdl::prelude::*;
use thiserror::Error;

/// The ID word: `"ATMW"`.
pub const WINDOW_ID: u32 = 0x4154_4D57;
/// The register map's version, in GEOMETRY[7:0].
pub const WINDOW_VERSION: u32 = 1;
/// Largest ring, words: the ring RAM's fixed size (see [`MmioWindow`]).
pub const MAX_RING_WORDS: u32 = 256;
/// Words of bus address space the window decodes (the BAR must be at least 4 x this bytes).
pub const WINDOW_WORDS: u32 = 0x300;

/// Word addresses of the registers.
pub mod reg {
    pub const ID: u32 = 0x000;
    pub const GEOMETRY: u32 = 0x001;
    pub const TX_HEAD: u32 = 0x002;
    pub const TX_TAIL: u32 = 0x003;
    pub const RX_HEAD: u32 = 0x004;
    pub const RX_TAIL: u32 = 0x005;
    pub const TX_LEVEL: u32 = 0x006;
    pub const RX_LEVEL: u32 = 0x007;
    pub const RESET_REQ: u32 = 0x008;
    pub const RESET_ACK: u32 = 0x009;
    pub const DROPPED: u32 = 0x00A;
    /// First word of the TX ring.
    pub const TX_RING: u32 = 0x100;
    /// First word of the RX ring.
    pub const RX_RING: u32 = 0x200;
    /// The words the host writes (everything else is written by the device).
    pub const HOST_OWNED: [u32; 3] = [TX_HEAD, RX_TAIL, RESET_REQ];
}

/// A rejected window parameter, naming the bad value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum WindowError {
    #[error("ring_words {0} is not a power of two from 4 to 256")]
    RingWords(u32),
    #[error("stall_clocks_per_bit {0}: the frame decoder's stall timeout needs at least 1")]
    Stall(u16),
}

/// Parameters of a register window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowConfig {
    /// Words in each ring (power of two, 4..=256): bytes the host can have in flight each way
    /// are 4 x this. The default 256 words (1 KiB) holds the longest batch frame (523 bytes)
    /// whole, so the decoder gets every frame back to back. A smaller ring streams longer
    /// frames through as it drains; a host whose reads are slower than the decoder's stall
    /// timeout then sees them dropped and retransmitted (measured: 64 words and 64-delta
    /// batches fall from 1.5 M to 29 k deltas/s). The RAM is always 256 words (see
    /// [`MmioWindow`]); this sets the wrap point.
    pub ring_words: u32,
    /// The frame decoder's stall timeout is 40 x this many clocks without a byte (its UART
    /// "clocks per bit"). The TX pump delivers a byte every 2 clocks once the host has written
    /// TX_HEAD, so a frame written before its head never stalls; 4 (160 clocks, 1.3 us at
    /// 125 MHz) keeps a host's retransmission wait short.
    pub stall_clocks_per_bit: u16,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            ring_words: MAX_RING_WORDS,
            stall_clocks_per_bit: 4,
        }
    }
}

impl WindowConfig {
    pub fn new(ring_words: u32, stall_clocks_per_bit: u16) -> Result<WindowConfig, WindowError> {
        if !ring_words.is_power_of_two() || !(4..=MAX_RING_WORDS).contains(&ring_words) {
            return Err(WindowError::RingWords(ring_words));
        }
        if stall_clocks_per_bit == 0 {
            return Err(WindowError::Stall(stall_clocks_per_bit));
        }
        Ok(WindowConfig {
            ring_words,
            stall_clocks_per_bit,
        })
    }

    /// Bytes in each ring.
    pub fn ring_bytes(&self) -> u32 {
        4 * self.ring_words
    }

    /// The GEOMETRY register's value.
    pub fn geometry(&self) -> u32 {
        WINDOW_VERSION | (self.ring_words << 8)
    }
}

/// The register window with its frame decoder; `cmd_*`/`rsp_*` go to a core in the same
/// clock domain (behind a PCIe bridge: its user clock; a faster core clock would cross with
/// [`super::handshake_port::HandshakePort`] as the UART link does).
///
/// Both rings are 256 x 32 RAMs whatever `ring_words` is: that is half a 7-series BRAM18 or
/// two iCE40 BRAMs, the smallest block RAM either way, so a smaller ring would save nothing and
/// a fixed RAM keeps the widths out of const generics.
#[derive(LogicBlock)]
pub struct MmioWindow {
    pub clock: Signal<In, Clock>,
    /// Synchronous: the decoder hunts, the streams are emptied.
    pub reset: Signal<In, Bit>,
    /// Word address.
    pub bus_addr: Signal<In, Bits<10>>,
    pub bus_wdata: Signal<In, Bits<32>>,
    pub bus_we: Signal<In, Bit>,
    pub bus_re: Signal<In, Bit>,
    pub bus_rdata: Signal<Out, Bits<32>>,
    pub bus_rvalid: Signal<Out, Bit>,
    pub cmd_valid: Signal<Out, Bit>,
    pub cmd_ready: Signal<In, Bit>,
    pub cmd_op: Signal<Out, Bits<4>>,
    pub cmd_addr: Signal<Out, Bits<16>>,
    pub cmd_data: Signal<Out, Bits<64>>,
    pub rsp_valid: Signal<In, Bit>,
    pub rsp_ready: Signal<Out, Bit>,
    pub rsp_data: Signal<In, Bits<64>>,
    bridge: CommandBridge,
    apply: BatchApply,
    tx_ring: RAM<Bits<32>, 8>,
    rx_ring: RAM<Bits<32>, 8>,
    tx_head: DFF<Bits<32>>,
    tx_tail: DFF<Bits<32>>,
    rx_head: DFF<Bits<32>>,
    rx_tail: DFF<Bits<32>>,
    reset_req: DFF<Bits<32>>,
    reset_ack: DFF<Bits<32>>,
    /// The RAM output holds the word of TX_TAIL (read issued last clock).
    fetched: DFF<Bit>,
    /// The RX word being filled (its earlier bytes), rewritten whole with each byte.
    rx_stage: DFF<Bits<32>>,
    rd_reg: DFF<Bits<32>>,
    rd_from_ring: DFF<Bit>,
    rd_valid: DFF<Bit>,
    /// The RX ring has room for a byte (registered; see the RX pump).
    rx_room: DFF<Bit>,
    tx_byte: Signal<Local, Bits<8>>,
    rx_byte32: Signal<Local, Bits<32>>,
    rx_word: Signal<Local, Bits<32>>,
    rx_take: Signal<Local, Bit>,
    doorbell: Signal<Local, Bit>,
    region: Signal<Local, Bits<2>>,
    word_mask: Constant<Bits<32>>,
    ring_bytes: Constant<Bits<32>>,
    id_word: Constant<Bits<32>>,
    geometry: Constant<Bits<32>>,
}

impl MmioWindow {
    pub fn new(config: &WindowConfig) -> Self {
        let c32 = |v: u32| Constant::new((v as u64).to_bits());
        MmioWindow {
            clock: Default::default(),
            reset: Default::default(),
            bus_addr: Default::default(),
            bus_wdata: Default::default(),
            bus_we: Default::default(),
            bus_re: Default::default(),
            bus_rdata: Default::default(),
            bus_rvalid: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_op: Default::default(),
            cmd_addr: Default::default(),
            cmd_data: Default::default(),
            rsp_valid: Default::default(),
            rsp_ready: Default::default(),
            rsp_data: Default::default(),
            bridge: CommandBridge::new(config.stall_clocks_per_bit),
            apply: BatchApply::new(),
            tx_ring: Default::default(),
            rx_ring: Default::default(),
            tx_head: Default::default(),
            tx_tail: Default::default(),
            rx_head: Default::default(),
            rx_tail: Default::default(),
            reset_req: Default::default(),
            reset_ack: Default::default(),
            fetched: Default::default(),
            rx_stage: Default::default(),
            rd_reg: Default::default(),
            rd_from_ring: Default::default(),
            rd_valid: Default::default(),
            rx_room: Default::default(),
            tx_byte: Default::default(),
            rx_byte32: Default::default(),
            rx_word: Default::default(),
            rx_take: Default::default(),
            doorbell: Default::default(),
            region: Default::default(),
            word_mask: c32(config.ring_words - 1),
            ring_bytes: c32(config.ring_bytes()),
            id_word: c32(WINDOW_ID),
            geometry: c32(config.geometry()),
        }
    }
}

impl Logic for MmioWindow {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            tx_head,
            tx_tail,
            rx_head,
            rx_tail,
            reset_req,
            reset_ack,
            fetched,
            rx_stage,
            rd_reg,
            rd_from_ring,
            rd_valid,
            rx_room
        );
        self.bridge.clock.next = self.clock.val();
        self.tx_ring.write_clock.next = self.clock.val();
        self.tx_ring.read_clock.next = self.clock.val();
        self.rx_ring.write_clock.next = self.clock.val();
        self.rx_ring.read_clock.next = self.clock.val();
        // ---- Core side: the decoder's commands through the batch sequencer -------------
        self.apply.clock.next = self.clock.val();
        self.apply.link_clock.next = self.clock.val();
        self.apply.buf_write.next = self.bridge.buf_write.val();
        self.apply.buf_address.next = self.bridge.buf_address.val();
        self.apply.buf_data.next = self.bridge.buf_data.val();
        self.apply.up_valid.next = self.bridge.cmd_valid.val();
        self.bridge.cmd_ready.next = self.apply.up_ready.val();
        self.apply.up_op.next = self.bridge.cmd_op.val();
        self.apply.up_addr.next = self.bridge.cmd_addr.val();
        self.apply.up_data.next = self.bridge.cmd_data.val();
        self.cmd_valid.next = self.apply.cmd_valid.val();
        self.apply.cmd_ready.next = self.cmd_ready.val();
        self.cmd_op.next = self.apply.cmd_op.val();
        self.cmd_addr.next = self.apply.cmd_addr.val();
        self.cmd_data.next = self.apply.cmd_data.val();
        self.bridge.rsp_valid.next = self.rsp_valid.val();
        self.rsp_ready.next = self.bridge.rsp_ready.val();
        self.bridge.rsp_data.next = self.rsp_data.val();
        // A doorbell with a new value resets for one clock (RESET_ACK catches up).
        self.doorbell.next = self.reset_req.q.val() != self.reset_ack.q.val();
        self.bridge.reset.next = self.reset.val() | self.doorbell.val();

        // ---- TX pump: ring → decoder, a byte every 2 clocks (read, then deliver) --------
        self.tx_ring.read_address.next =
            bit_cast::<8, 32>((self.tx_tail.q.val() >> 2) & self.word_mask.val());
        self.tx_byte.next = self.tx_ring.read_data.val().get_bits::<8>(0);
        if self.tx_tail.q.val().get_bits::<2>(0) == 1 {
            self.tx_byte.next = self.tx_ring.read_data.val().get_bits::<8>(8);
        }
        if self.tx_tail.q.val().get_bits::<2>(0) == 2 {
            self.tx_byte.next = self.tx_ring.read_data.val().get_bits::<8>(16);
        }
        if self.tx_tail.q.val().get_bits::<2>(0) == 3 {
            self.tx_byte.next = self.tx_ring.read_data.val().get_bits::<8>(24);
        }
        self.bridge.rx_data.next = self.tx_byte.val();
        self.bridge.rx_valid.next = self.fetched.q.val();
        // A fetched byte is offered until the decoder takes it (back-pressure while it
        // checks, applies or answers a frame): the host's bytes wait in the ring, never
        // dropped, so frames can follow each other without waiting for answers.
        if self.fetched.q.val() {
            if self.bridge.rx_ready.val() {
                self.fetched.d.next = false;
                self.tx_tail.d.next = self.tx_tail.q.val() + 1;
            }
        } else if self.tx_head.q.val() != self.tx_tail.q.val() {
            self.fetched.d.next = true;
        }

        // ---- RX pump: decoder → ring, while there is room --------------------------------
        // Registered, so the decoder's ready does not depend on its own valid through this
        // block. One clock stale is safe: the decoder offers a byte at most every other clock
        // (it drops `tx_valid` the clock after a byte is taken), so the flag has caught up with
        // the last byte before the next offer; a host freeing space only adds room.
        self.rx_room.d.next =
            (self.rx_head.q.val() - self.rx_tail.q.val()) != self.ring_bytes.val();
        self.bridge.tx_ready.next = self.rx_room.q.val();
        self.rx_take.next = self.bridge.tx_valid.val() & self.rx_room.q.val();
        self.rx_byte32.next = bit_cast::<32, 8>(self.bridge.tx_data.val());
        self.rx_word.next = self.rx_byte32.val();
        if self.rx_head.q.val().get_bits::<2>(0) == 1 {
            self.rx_word.next = self.rx_stage.q.val() | (self.rx_byte32.val() << 8);
        }
        if self.rx_head.q.val().get_bits::<2>(0) == 2 {
            self.rx_word.next = self.rx_stage.q.val() | (self.rx_byte32.val() << 16);
        }
        if self.rx_head.q.val().get_bits::<2>(0) == 3 {
            self.rx_word.next = self.rx_stage.q.val() | (self.rx_byte32.val() << 24);
        }
        self.rx_ring.write_address.next =
            bit_cast::<8, 32>((self.rx_head.q.val() >> 2) & self.word_mask.val());
        self.rx_ring.write_data.next = self.rx_word.val();
        self.rx_ring.write_enable.next = self.rx_take.val();
        if self.rx_take.val() {
            self.rx_stage.d.next = self.rx_word.val();
            self.rx_head.d.next = self.rx_head.q.val() + 1;
        }

        // ---- Bus writes ------------------------------------------------------------------
        self.region.next = self.bus_addr.val().get_bits::<2>(8);
        self.tx_ring.write_address.next =
            bit_cast::<8, 10>(self.bus_addr.val()) & bit_cast::<8, 32>(self.word_mask.val());
        self.tx_ring.write_data.next = self.bus_wdata.val();
        self.tx_ring.write_enable.next = self.bus_we.val() & (self.region.val() == 1);
        if self.bus_we.val() & (self.bus_addr.val() == 2) {
            self.tx_head.d.next = self.bus_wdata.val();
        }
        if self.bus_we.val() & (self.bus_addr.val() == 5) {
            self.rx_tail.d.next = self.bus_wdata.val();
        }
        if self.bus_we.val() & (self.bus_addr.val() == 8) {
            self.reset_req.d.next = self.bus_wdata.val();
        }

        // ---- Bus reads: registered, valid the clock after bus_re -------------------------
        self.rx_ring.read_address.next =
            bit_cast::<8, 10>(self.bus_addr.val()) & bit_cast::<8, 32>(self.word_mask.val());
        self.rd_valid.d.next = self.bus_re.val();
        self.rd_from_ring.d.next = self.region.val() == 2;
        self.rd_reg.d.next = 0.into();
        if self.bus_addr.val() == 0 {
            self.rd_reg.d.next = self.id_word.val();
        }
        if self.bus_addr.val() == 1 {
            self.rd_reg.d.next = self.geometry.val();
        }
        if self.bus_addr.val() == 2 {
            self.rd_reg.d.next = self.tx_head.q.val();
        }
        if self.bus_addr.val() == 3 {
            self.rd_reg.d.next = self.tx_tail.q.val();
        }
        if self.bus_addr.val() == 4 {
            self.rd_reg.d.next = self.rx_head.q.val();
        }
        if self.bus_addr.val() == 5 {
            self.rd_reg.d.next = self.rx_tail.q.val();
        }
        if self.bus_addr.val() == 6 {
            self.rd_reg.d.next = self.tx_head.q.val() - self.tx_tail.q.val();
        }
        if self.bus_addr.val() == 7 {
            self.rd_reg.d.next = self.rx_head.q.val() - self.rx_tail.q.val();
        }
        if self.bus_addr.val() == 8 {
            self.rd_reg.d.next = self.reset_req.q.val();
        }
        if self.bus_addr.val() == 9 {
            self.rd_reg.d.next = self.reset_ack.q.val();
        }
        if self.bus_addr.val() == 10 {
            self.rd_reg.d.next = bit_cast::<32, 16>(self.bridge.dropped.val());
        }
        self.bus_rdata.next = self.rd_reg.q.val();
        if self.rd_from_ring.q.val() {
            self.bus_rdata.next = self.rx_ring.read_data.val();
        }
        self.bus_rvalid.next = self.rd_valid.q.val();

        // ---- Stream reset: discard what is unsent and unread, not a host-owned word ------
        if self.doorbell.val() | self.reset.val() {
            self.reset_ack.d.next = self.reset_req.q.val();
            self.tx_tail.d.next = self.tx_head.q.val();
            self.rx_head.d.next = self.rx_tail.q.val();
            self.fetched.d.next = false;
        }
    }
}

/// The window's Verilog as module `name` (and its children, prefixed the same way).
pub fn window_verilog(
    config: &WindowConfig,
    name: &str,
) -> Result<String, crate::export::ExportError> {
    let mut w = MmioWindow::new(config);
    w.connect_all();
    check_all(&w).map_err(|e| crate::export::ExportError {
        config: format!("mmio_window_r{}", config.ring_words),
        detail: format!("{e:?}"),
    })?;
    Ok(crate::export::rename_top(
        &generate_verilog_unchecked(&w),
        name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_validated_with_the_bad_value_named() {
        assert!(WindowConfig::new(64, 4).is_ok());
        for bad in [0, 2, 3, 48, 512] {
            let e = WindowConfig::new(bad, 4).unwrap_err().to_string();
            assert!(e.contains(&format!("ring_words {bad} ")), "{e}");
        }
        let e = WindowConfig::new(64, 0).unwrap_err().to_string();
        assert!(e.contains("stall_clocks_per_bit 0"), "{e}");
        assert_eq!(WindowConfig::default().geometry(), 1 | 256 << 8);
    }

    #[test]
    fn window_verilog_has_only_renamed_modules() {
        let v = window_verilog(&WindowConfig::default(), "atomik_mmio_window").unwrap();
        for line in v.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module atomik_mmio_window"), "{line}");
        }
    }
}

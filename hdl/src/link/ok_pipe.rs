//! The board side of Opal Kelly FrontPanel block-throttled pipes: a BTPipeIn endpoint's 32-bit
//! words come out as one-clock byte strobes (the interface of [`super::uart_rx::UartRx`]), and
//! bytes to the host go in through valid/ready (that of [`super::uart_tx::UartTx`]) and leave
//! through a BTPipeOut endpoint, so the frame bridge sees the same byte streams as on every
//! other link. Everything runs on the FrontPanel clock (`ti_clk`/`okClk`).
//!
//! ```text
//!   okBTPipeIn  ep_write/ep_dataout ─► word RAM (256 x 32) ─► unpacker ─► rx_valid/rx_data
//!               ep_ready ◄── room for a whole block            (1 byte per clock)
//!   okBTPipeOut ep_read ─► word RAM (64 x 32), ep_datain ◄── packer ◄── tx_valid/tx_data
//!               ep_ready ◄── a block's worth, or a finished answer
//! ```
//!
//! # What a block carries
//! The host writes whole blocks of [`OkPipeConfig::in_block_words`] words (the pipe's block
//! size). Word 0 of each block is a header, the number `n` of stream bytes in the block
//! (bits 15:0; clamped to the block's capacity, `4 x (words - 1)`); words 1.. carry the bytes
//! little-endian (byte `k` of the block in word `1 + k / 4`, bits `8 (k mod 4)`); the rest is
//! padding. The stream does not care where frames start, so the host packs frames back to
//! back and a frame may straddle blocks; only a block the host sends before waiting for an
//! answer is padded (`atomik_host::device::ok_transport`).
//!
//! The host reads whole blocks of [`OkPipeConfig::out_block_words`] words; every word carries
//! its own count: bits 31:24 are how many of bytes 7:0, 15:8, 23:16 are stream bytes (0 to 3,
//! in that order). A word with count 0 is padding. Three bytes a word wastes a quarter of the
//! out direction, which carries only answers (12 bytes per frame); in exchange a block can be
//! read as soon as an answer is complete, without a length known in advance.
//!
//! # Bus rules kept here (FrontPanel endpoint timing as modelled by `atomik_sim::ok_host`)
//! - BTPipeIn: `ep_ready` high promises room for one whole block besides any block in
//!   progress; the host samples it between blocks, raises `ep_blockstrobe` for one clock, then
//!   writes the block's words (`ep_write` with `ep_dataout`, possibly with gaps). `ep_ready` is
//!   registered and counts the words still owed by a started block, so a block that starts
//!   always fits. A word outside a block, or into a full buffer, sets the sticky `in_error`
//!   (the word is dropped: the frame it belonged to fails its CRC and is retransmitted).
//! - BTPipeOut: `ep_ready` high means a block may be read; the host raises `ep_blockstrobe`,
//!   then `ep_read` once per word, and latches `ep_datain` in the clock after `ep_read` (the
//!   read latency of a standard FIFO, which Opal Kelly's examples put behind a pipe). Words
//!   read with nothing stored are padding (count 0).
//!
//! # Why these sizes
//! The in buffer is one 256 x 32 RAM (1 KiB: a 64-delta batch frame, 522 bytes, fits whole
//! with its block headers, and `ep_ready` admits a 64-word block while three are stored) and the out buffer a 64 x 32 RAM; both are the smallest block RAMs
//! of the families here, so smaller buffers would save nothing. The unpacker gives the bridge
//! one byte per clock while the bridge takes them (`rx_ready`; it holds the rest back while
//! it checks and answers a frame, so the host may send frames ahead), the bridge's own rate: on a USB 3 FrontPanel (100.8 MHz `okClk`, about
//! 340 MB/s) that caps the link at 100.8 MB/s; on the XEM7010's USB 2.0 interface (48 MHz,
//! about 40 MB/s) USB is the limit.

use rust_hdl::prelude::*;
use thiserror::Error;

/// BTPipeIn endpoint address (host to FPGA: frame bytes in blocks).
pub const PIPE_IN_ADDR: u8 = 0x80;
/// BTPipeOut endpoint address (FPGA to host: answer bytes in blocks).
pub const PIPE_OUT_ADDR: u8 = 0xA0;
/// WireIn: bit 0 held high resets the link (pipe buffers and frame bridge).
pub const WIRE_RESET_ADDR: u8 = 0x00;
/// WireOut: the PHY's geometry, [`OkPipeConfig::geometry`].
pub const WIRE_GEOMETRY_ADDR: u8 = 0x20;
/// WireOut: link health: bits 15:0 frames dropped by the bridge, bit 16 the sticky
/// `in_error`.
pub const WIRE_HEALTH_ADDR: u8 = 0x21;
/// The geometry word's tag, bits 31:16: `"OK"`.
pub const GEOMETRY_TAG: u32 = 0x4F4B;
/// Words in the in buffer (one block RAM).
pub const IN_BUFFER_WORDS: u32 = 256;
/// Words in the out buffer.
pub const OUT_BUFFER_WORDS: u32 = 64;

/// A rejected pipe parameter, naming the bad value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OkPipeError {
    #[error(
        "in_block_words {0} is not a power of two from 4 to 128 (a block is at least 16 bytes \
         on USB 3, and two blocks must fit the 256-word buffer)"
    )]
    InBlock(u32),
    #[error("out_block_words {0} is not a power of two from 4 to 64 (the out buffer's size)")]
    OutBlock(u32),
    #[error(
        "pipe link: clock {clock_mhz} MHz with an idle timeout of {timeout_us} us gives \
         {clocks} clocks; the frame bridge counts 320 to 2621400"
    )]
    Timeout {
        clock_mhz: f64,
        timeout_us: f64,
        clocks: f64,
    },
}

/// Parameters of the pipe link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OkPipeConfig {
    /// Words per BTPipeIn block (power of two, 4..=128): the host's transfer unit toward the
    /// board. The host packs frames back to back, so a block's cost is its header word: 64
    /// (256 bytes, the XEM7010's) spends 1.6 % of the pipe on headers where 16 spent 6.3 %,
    /// and USB 2's 40 MB/s is the bound there (a 64-delta frame, 522 bytes, takes 2.1
    /// blocks). Larger blocks would save under 1 % more and leave the 256-word buffer room
    /// for only one block beyond the one in progress. The cost: a lone command frame (17
    /// bytes) is padded to a whole block, so a READ's round trip on `ok://sim` at USB 2 is
    /// 7.2 us instead of 2.5 with 16-word blocks (on hardware a FrontPanel call's own USB
    /// latency, a 125 us microframe or more, dwarfs both).
    pub in_block_words: u32,
    /// Words per BTPipeOut block (power of two, 4..=64). 8 (32 bytes, 24 stream bytes) holds
    /// one answer, so an exchange reads one block back.
    pub out_block_words: u32,
    /// The FrontPanel clock, MHz (48 on USB 2.0 modules, 100.8 on USB 3).
    pub clock_mhz: f64,
    /// The bridge drops a partial frame after this long without a byte, us. Blocks of one
    /// frame arrive in one host call, microseconds apart; 1000 us also covers a host that
    /// splits a frame over calls.
    pub idle_timeout_us: f64,
    /// The bridge's timeout unit (its "clocks per bit"; 40 units make the timeout).
    pub timeout_clocks_per_bit: u16,
}

impl OkPipeConfig {
    pub fn new(
        in_block_words: u32,
        out_block_words: u32,
        clock_mhz: f64,
        idle_timeout_us: f64,
    ) -> Result<OkPipeConfig, OkPipeError> {
        if !in_block_words.is_power_of_two() || !(4..=128).contains(&in_block_words) {
            return Err(OkPipeError::InBlock(in_block_words));
        }
        if !out_block_words.is_power_of_two() || !(4..=OUT_BUFFER_WORDS).contains(&out_block_words)
        {
            return Err(OkPipeError::OutBlock(out_block_words));
        }
        let clocks = clock_mhz * idle_timeout_us;
        let bits = super::frame::IDLE_TIMEOUT_BITS as f64;
        let unit = (clocks / bits).ceil();
        if !(clocks.is_finite() && clock_mhz > 0.0) || clocks < 8.0 * bits || unit > 65535.0 {
            return Err(OkPipeError::Timeout {
                clock_mhz,
                timeout_us: idle_timeout_us,
                clocks,
            });
        }
        Ok(OkPipeConfig {
            in_block_words,
            out_block_words,
            clock_mhz,
            idle_timeout_us,
            timeout_clocks_per_bit: unit as u16,
        })
    }

    /// The XEM7010's link: 48 MHz USB 2.0 FrontPanel clock, 64-word in blocks, 8-word out
    /// blocks, 1 ms frame timeout.
    pub fn xem7010() -> OkPipeConfig {
        OkPipeConfig::new(64, 8, 48.0, 1000.0).expect("the XEM7010 defaults are in range")
    }

    /// Bytes per in block / out block.
    pub fn in_block_bytes(&self) -> usize {
        4 * self.in_block_words as usize
    }
    pub fn out_block_bytes(&self) -> usize {
        4 * self.out_block_words as usize
    }

    /// Stream bytes one in block carries (after its header word).
    pub fn in_block_capacity(&self) -> usize {
        4 * (self.in_block_words as usize - 1)
    }

    /// The geometry WireOut: `"OK"` in 31:16, in block words in 15:8, out block words in 7:0.
    pub fn geometry(&self) -> u32 {
        GEOMETRY_TAG << 16 | self.in_block_words << 8 | self.out_block_words
    }

    /// Reads a geometry word back: `(in_block_words, out_block_words)`, or `None` when the tag
    /// is not there (not this PHY, or no bitstream).
    pub fn decode_geometry(word: u32) -> Option<(u32, u32)> {
        (word >> 16 == GEOMETRY_TAG).then_some(((word >> 8) & 0xFF, word & 0xFF))
    }
}

/// Packs a byte stream into pipe-in blocks of `block_words` words: each block a header word
/// (its byte count) then the bytes little-endian, zero-padded (see the module docs).
pub fn pack_in_blocks(bytes: &[u8], block_words: usize) -> Vec<u8> {
    let capacity = 4 * (block_words - 1);
    let mut out = Vec::with_capacity((bytes.len() / capacity + 1) * 4 * block_words);
    for chunk in bytes.chunks(capacity) {
        out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        out.extend_from_slice(chunk);
        out.resize(out.len() + capacity - chunk.len(), 0);
    }
    out
}

/// The stream bytes in pipe-out words (bits 31:24 a count of 0 to 3, the bytes from bit 0);
/// a word with a count above 3 is an error naming it.
pub fn unpack_out_words(words: &[u32]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(3 * words.len());
    for (i, &w) in words.iter().enumerate() {
        let count = (w >> 24) as usize;
        if count > 3 {
            return Err(format!(
                "pipe-out word {i} ({w:#010x}) claims {count} bytes; a word carries at most 3"
            ));
        }
        out.extend_from_slice(&w.to_le_bytes()[..count]);
    }
    Ok(out)
}

/// The pipe PHY; see the module docs.
#[derive(LogicBlock)]
pub struct OkPipePhy {
    /// The FrontPanel clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: both buffers emptied, the error flag cleared.
    pub reset: Signal<In, Bit>,
    /// okBTPipeIn `ep_write`, `ep_blockstrobe`, `ep_dataout`, `ep_ready`.
    pub pi_write: Signal<In, Bit>,
    pub pi_blockstrobe: Signal<In, Bit>,
    pub pi_data: Signal<In, Bits<32>>,
    pub pi_ready: Signal<Out, Bit>,
    /// okBTPipeOut `ep_read`, `ep_blockstrobe` (unused: every word carries its count),
    /// `ep_datain`, `ep_ready`.
    pub po_read: Signal<In, Bit>,
    pub po_blockstrobe: Signal<In, Bit>,
    pub po_data: Signal<Out, Bits<32>>,
    pub po_ready: Signal<Out, Bit>,
    /// One-clock strobe: `rx_data` is a byte from the host.
    pub rx_valid: Signal<Out, Bit>,
    pub rx_data: Signal<Out, Bits<8>>,
    /// The bridge takes the byte offered this clock; while it does not, the byte is offered
    /// again and the words behind it stay in the in buffer (whose `ep_ready` then throttles
    /// the host), so frames sent ahead of their answers wait instead of being dropped.
    pub rx_ready: Signal<In, Bit>,
    /// A byte for the host, taken when `tx_ready`.
    pub tx_valid: Signal<In, Bit>,
    pub tx_data: Signal<In, Bits<8>>,
    pub tx_ready: Signal<Out, Bit>,
    /// Sticky: a pipe-in word came outside a block or into a full buffer, and was dropped.
    pub in_error: Signal<Out, Bit>,
    /// [`OkPipeConfig::geometry`], for a WireOut.
    pub geometry: Signal<Out, Bits<32>>,
    in_ram: RAM<Bits<32>, 8>,
    /// Free-running word pointers (one bit wider than the address: full vs empty).
    in_wr: DFF<Bits<9>>,
    in_rd: DFF<Bits<9>>,
    /// Words the block in progress still owes.
    in_expect: DFF<Bits<9>>,
    in_ready: DFF<Bit>,
    in_err: DFF<Bit>,
    /// The RAM output holds the word at `in_rd` (its read was issued last clock).
    fetched: DFF<Bit>,
    /// The word being unpacked, shifted right a byte per clock; `held` bytes left in it.
    word: DFF<Bits<32>>,
    held: DFF<Bits<3>>,
    /// Index of the next word to unpack within its block (0: the header).
    pos: DFF<Bits<8>>,
    /// Stream bytes of this block not yet unpacked.
    remaining: DFF<Bits<16>>,
    out_ram: RAM<Bits<32>, 6>,
    out_wr: DFF<Bits<7>>,
    out_rd: DFF<Bits<7>>,
    /// Up to three answer bytes being packed into a word.
    acc: DFF<Bits<24>>,
    acc_n: DFF<Bits<2>>,
    /// Clocks since the bridge last handed a byte over (saturates at 15).
    quiet: DFF<Bits<4>>,
    /// The word being read is padding (nothing was stored).
    pad: DFF<Bit>,
    out_ready: DFF<Bit>,
    in_fill: Signal<Local, Bits<9>>,
    in_take: Signal<Local, Bit>,
    expect_after: Signal<Local, Bits<9>>,
    load: Signal<Local, Bit>,
    /// The bridge takes the byte on `rx_data` this clock.
    pop: Signal<Local, Bit>,
    header: Signal<Local, Bits<16>>,
    out_count: Signal<Local, Bits<7>>,
    take: Signal<Local, Bit>,
    push: Signal<Local, Bit>,
    byte24: Signal<Local, Bits<24>>,
    in_block: Constant<Bits<9>>,
    in_block_last: Constant<Bits<8>>,
    in_capacity: Constant<Bits<16>>,
    in_buffer: Constant<Bits<10>>,
    out_block: Constant<Bits<7>>,
    out_buffer: Constant<Bits<7>>,
    geometry_word: Constant<Bits<32>>,
}

impl OkPipePhy {
    pub fn new(config: &OkPipeConfig) -> Self {
        OkPipePhy {
            clock: Default::default(),
            reset: Default::default(),
            pi_write: Default::default(),
            pi_blockstrobe: Default::default(),
            pi_data: Default::default(),
            pi_ready: Default::default(),
            po_read: Default::default(),
            po_blockstrobe: Default::default(),
            po_data: Default::default(),
            po_ready: Default::default(),
            rx_valid: Default::default(),
            rx_ready: Default::default(),
            rx_data: Default::default(),
            tx_valid: Default::default(),
            tx_data: Default::default(),
            tx_ready: Default::default(),
            in_error: Default::default(),
            geometry: Default::default(),
            in_ram: Default::default(),
            in_wr: Default::default(),
            in_rd: Default::default(),
            in_expect: Default::default(),
            in_ready: Default::default(),
            in_err: Default::default(),
            fetched: Default::default(),
            word: Default::default(),
            held: Default::default(),
            pos: Default::default(),
            remaining: Default::default(),
            out_ram: Default::default(),
            out_wr: Default::default(),
            out_rd: Default::default(),
            acc: Default::default(),
            acc_n: Default::default(),
            quiet: Default::default(),
            pad: Default::default(),
            out_ready: Default::default(),
            in_fill: Default::default(),
            in_take: Default::default(),
            expect_after: Default::default(),
            load: Default::default(),
            pop: Default::default(),
            header: Default::default(),
            out_count: Default::default(),
            take: Default::default(),
            push: Default::default(),
            byte24: Default::default(),
            in_block: Constant::new((config.in_block_words as u64).to_bits()),
            in_block_last: Constant::new((config.in_block_words as u64 - 1).to_bits()),
            in_capacity: Constant::new((config.in_block_capacity() as u64).to_bits()),
            in_buffer: Constant::new((IN_BUFFER_WORDS as u64).to_bits()),
            out_block: Constant::new((config.out_block_words as u64).to_bits()),
            out_buffer: Constant::new((OUT_BUFFER_WORDS as u64).to_bits()),
            geometry_word: Constant::new((config.geometry() as u64).to_bits()),
        }
    }
}

impl Logic for OkPipePhy {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, in_wr, in_rd, in_expect, in_ready, in_err, fetched, word, held, pos,
            remaining, out_wr, out_rd, acc, acc_n, quiet, pad, out_ready
        );
        self.in_ram.write_clock.next = self.clock.val();
        self.in_ram.read_clock.next = self.clock.val();
        self.out_ram.write_clock.next = self.clock.val();
        self.out_ram.read_clock.next = self.clock.val();
        self.geometry.next = self.geometry_word.val();
        self.in_error.next = self.in_err.q.val();

        // ---- Pipe in: whole blocks into the word RAM ---------------------------------------
        self.in_fill.next = self.in_wr.q.val() - self.in_rd.q.val();
        self.in_take.next = self.pi_write.val()
            & !self.pi_blockstrobe.val()
            & (self.in_expect.q.val() != 0)
            & (bit_cast::<10, 9>(self.in_fill.val()) != self.in_buffer.val());
        self.in_ram.write_address.next = self.in_wr.q.val().get_bits::<8>(0);
        self.in_ram.write_data.next = self.pi_data.val();
        self.in_ram.write_enable.next = self.in_take.val();
        self.expect_after.next = self.in_expect.q.val();
        if self.in_take.val() {
            self.in_wr.d.next = self.in_wr.q.val() + 1;
            self.expect_after.next = self.in_expect.q.val() - 1;
        }
        if self.pi_write.val() & !self.in_take.val() {
            self.in_err.d.next = true;
        }
        if self.pi_blockstrobe.val() {
            // A block that starts before the last one was complete lost words.
            if self.in_expect.q.val() != 0 {
                self.in_err.d.next = true;
            }
            self.expect_after.next = self.in_block.val();
        }
        self.in_expect.d.next = self.expect_after.val();
        // Room for one more whole block after what is stored and what is owed.
        self.in_ready.d.next = (bit_cast::<10, 9>(self.in_fill.val())
            + bit_cast::<10, 9>(self.expect_after.val())
            + bit_cast::<10, 9>(self.in_block.val()))
            <= self.in_buffer.val();
        self.pi_ready.next = self.in_ready.q.val();

        // ---- Unpacker: a byte per clock to the bridge, when it takes one ------------------
        self.in_ram.read_address.next = self.in_rd.q.val().get_bits::<8>(0);
        self.rx_valid.next = self.held.q.val() != 0;
        self.rx_data.next = self.word.q.val().get_bits::<8>(0);
        self.pop.next = self.rx_ready.val() & (self.held.q.val() != 0);
        self.load.next = self.fetched.q.val()
            & ((self.held.q.val() == 0) | ((self.held.q.val() == 1) & self.pop.val()));
        self.header.next = self.in_ram.read_data.val().get_bits::<16>(0);
        if self.pop.val() {
            self.held.d.next = self.held.q.val() - 1;
            self.word.d.next = self.word.q.val() >> 8;
        }
        self.fetched.d.next = self.in_fill.val() != 0;
        if self.load.val() {
            self.in_rd.d.next = self.in_rd.q.val() + 1;
            // The address moves: the RAM output is stale for a clock.
            self.fetched.d.next = false;
            self.word.d.next = self.in_ram.read_data.val();
            if self.pos.q.val() == 0 {
                self.held.d.next = 0.into();
                self.remaining.d.next = self.header.val();
                if self.header.val() > self.in_capacity.val() {
                    self.remaining.d.next = self.in_capacity.val();
                }
            } else if self.remaining.q.val() >= 4 {
                self.held.d.next = 4.into();
                self.remaining.d.next = self.remaining.q.val() - 4;
            } else {
                self.held.d.next = self.remaining.q.val().get_bits::<3>(0);
                self.remaining.d.next = 0.into();
            }
            self.pos.d.next = self.pos.q.val() + 1;
            if self.pos.q.val() == self.in_block_last.val() {
                self.pos.d.next = 0.into();
            }
        }

        // ---- Packer: up to three answer bytes a word ------------------------------------------
        self.out_count.next = self.out_wr.q.val() - self.out_rd.q.val();
        self.tx_ready.next = self.acc_n.q.val() != 3;
        self.take.next = self.tx_valid.val() & (self.acc_n.q.val() != 3);
        self.push.next = (self.out_count.val() != self.out_buffer.val())
            & ((self.acc_n.q.val() == 3)
                | ((self.acc_n.q.val() != 0) & (self.quiet.q.val() >= 3) & !self.tx_valid.val()));
        self.byte24.next = bit_cast::<24, 8>(self.tx_data.val());
        self.out_ram.write_address.next = self.out_wr.q.val().get_bits::<6>(0);
        self.out_ram.write_data.next =
            (bit_cast::<32, 2>(self.acc_n.q.val()) << 24) | bit_cast::<32, 24>(self.acc.q.val());
        self.out_ram.write_enable.next = self.push.val();
        if self.quiet.q.val() != 15 {
            self.quiet.d.next = self.quiet.q.val() + 1;
        }
        if self.take.val() {
            self.quiet.d.next = 0.into();
            self.acc_n.d.next = self.acc_n.q.val() + 1;
            if self.acc_n.q.val() == 0 {
                self.acc.d.next = self.byte24.val();
            }
            if self.acc_n.q.val() == 1 {
                self.acc.d.next = self.acc.q.val() | (self.byte24.val() << 8);
            }
            if self.acc_n.q.val() == 2 {
                self.acc.d.next = self.acc.q.val() | (self.byte24.val() << 16);
            }
        }
        if self.push.val() {
            self.out_wr.d.next = self.out_wr.q.val() + 1;
            self.acc_n.d.next = 0.into();
            self.acc.d.next = 0.into();
        }

        // ---- Pipe out: a word per ep_read, latched by the host the clock after -------------
        self.out_ram.read_address.next = self.out_rd.q.val().get_bits::<6>(0);
        self.pad.d.next = true;
        if self.po_read.val() & (self.out_count.val() != 0) {
            self.out_rd.d.next = self.out_rd.q.val() + 1;
            self.pad.d.next = false;
        }
        self.po_data.next = self.out_ram.read_data.val();
        if self.pad.q.val() {
            self.po_data.next = 0.into();
        }
        // A block's worth is stored, or an answer is complete (the bridge sends its bytes a
        // clock or two apart; eight quiet clocks means it has finished).
        self.out_ready.d.next = (self.out_count.val() >= self.out_block.val())
            | ((self.out_count.val() != 0) & (self.acc_n.q.val() == 0) & (self.quiet.q.val() >= 8));
        self.po_ready.next = self.out_ready.q.val();

        if self.reset.val() {
            self.in_wr.d.next = 0.into();
            self.in_rd.d.next = 0.into();
            self.in_expect.d.next = 0.into();
            self.in_ready.d.next = false;
            self.in_err.d.next = false;
            self.fetched.d.next = false;
            self.held.d.next = 0.into();
            self.pos.d.next = 0.into();
            self.remaining.d.next = 0.into();
            self.out_wr.d.next = 0.into();
            self.out_rd.d.next = 0.into();
            self.acc_n.d.next = 0.into();
            self.quiet.d.next = 0.into();
            self.out_ready.d.next = false;
        }
    }
}

/// The pipe link's Verilog: module [`OK_LINK_MODULE`] (children prefixed the same way).
pub fn ok_link_verilog(config: &OkPipeConfig) -> Result<String, crate::export::ExportError> {
    let mut link = super::ok_host_link::OkHostLink::new(config);
    link.connect_all();
    check_all(&link).map_err(|e| crate::export::ExportError {
        config: format!(
            "ok_link_i{}_o{}_t{}",
            config.in_block_words, config.out_block_words, config.timeout_clocks_per_bit
        ),
        detail: format!("{e:?}"),
    })?;
    Ok(crate::export::rename_top(
        &generate_verilog_unchecked(&link),
        OK_LINK_MODULE,
    ))
}

/// The Verilog module name of the exported pipe link.
pub const OK_LINK_MODULE: &str = "atomik_ok_link";

/// The PHY alone as Verilog module `name` (for its own bus-rule test).
pub fn ok_pipe_verilog(
    config: &OkPipeConfig,
    name: &str,
) -> Result<String, crate::export::ExportError> {
    let mut phy = OkPipePhy::new(config);
    phy.connect_all();
    check_all(&phy).map_err(|e| crate::export::ExportError {
        config: format!(
            "ok_pipe_i{}_o{}",
            config.in_block_words, config.out_block_words
        ),
        detail: format!("{e:?}"),
    })?;
    Ok(crate::export::rename_top(
        &generate_verilog_unchecked(&phy),
        name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_validated_with_the_bad_value_named() {
        let c = OkPipeConfig::xem7010();
        assert_eq!((c.in_block_bytes(), c.out_block_bytes()), (256, 32));
        assert_eq!(OkPipeConfig::decode_geometry(c.geometry()), Some((64, 8)));
        assert_eq!(OkPipeConfig::decode_geometry(0), None);
        for bad in [0, 2, 3, 24, 256] {
            let e = OkPipeConfig::new(bad, 8, 48.0, 1000.0)
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("in_block_words {bad} ")), "{e}");
        }
        let e = OkPipeConfig::new(16, 128, 48.0, 1000.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("out_block_words 128 "), "{e}");
        let e = OkPipeConfig::new(16, 8, 48.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("48 clocks"), "{e}");
        assert!(OkPipeConfig::new(16, 8, f64::NAN, 1000.0).is_err());
    }

    #[test]
    fn blocks_pack_and_words_unpack() {
        let bytes: Vec<u8> = (1..=20).collect();
        let packed = pack_in_blocks(&bytes, 4);
        // 12 bytes per 4-word block: two blocks, the second carrying 8.
        assert_eq!(packed.len(), 32);
        assert_eq!(&packed[..4], &12u32.to_le_bytes());
        assert_eq!(&packed[4..16], &bytes[..12]);
        assert_eq!(&packed[16..20], &8u32.to_le_bytes());
        assert_eq!(&packed[20..28], &bytes[12..]);
        assert_eq!(&packed[28..], &[0; 4]);
        assert_eq!(
            unpack_out_words(&[0x0302_0100 | 3 << 24, 0x0100_0004, 0]).unwrap(),
            vec![0, 1, 2, 4]
        );
        assert!(unpack_out_words(&[0x0400_0000])
            .unwrap_err()
            .contains("4 bytes"));
    }

    #[test]
    fn ok_link_verilog_has_only_renamed_modules() {
        let v = ok_link_verilog(&OkPipeConfig::xem7010()).unwrap();
        assert!(v.contains("module atomik_ok_link("), "{}", &v[..200]);
        for line in v.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module atomik_ok_link"), "{line}");
        }
    }
}

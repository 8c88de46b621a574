//! What the fuzzer feeds the board, one unit at a time: a valid frame, or one mutated the ways
//! a link goes wrong. Every kind is one function in [`KINDS`]; adding a kind (a batch frame, a
//! wrong length field) is one function and one row.

use crate::cosim::SplitMix64;
use crate::lanes_model::{OP_GEN_SEED, OP_STATUS};
use atomik_hdl::link::frame::{encode_command, COMMAND_LEN, COMMAND_SYNC};
use atomik_hdl::Op;

/// A kind of unit: its name in reports, how often it is drawn, and how it is made.
pub struct Kind {
    pub name: &'static str,
    /// Relative weight in the mix.
    pub weight: u32,
    /// Whether the unit is meant to be taken (a valid frame or a retransmission); any other
    /// unit the board takes passed the CRC by chance and is counted as a collision.
    pub meant_valid: bool,
    pub make: fn(&mut FrameGen) -> Vec<u8>,
}

/// The mix. Valid frames dominate so that state builds up and every mutated unit lands
/// between checked answers.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "valid",
        weight: 40,
        meant_valid: true,
        make: valid,
    },
    Kind {
        name: "duplicate",
        weight: 8,
        meant_valid: true,
        make: duplicate,
    },
    Kind {
        name: "bit_flip",
        weight: 10,
        meant_valid: false,
        make: bit_flip,
    },
    Kind {
        name: "truncated",
        weight: 8,
        meant_valid: false,
        make: truncated,
    },
    Kind {
        name: "wrong_crc",
        weight: 8,
        meant_valid: false,
        make: wrong_crc,
    },
    Kind {
        name: "garbage",
        weight: 8,
        meant_valid: false,
        make: garbage,
    },
    Kind {
        name: "false_sync",
        weight: 6,
        meant_valid: false,
        make: false_sync,
    },
    Kind {
        name: "wrong_length",
        weight: 6,
        meant_valid: false,
        make: wrong_length,
    },
    Kind {
        name: "spliced",
        weight: 6,
        meant_valid: false,
        make: spliced,
    },
];

/// Random frames with fresh sequence numbers, and the last valid frame for duplicates.
pub struct FrameGen {
    pub rng: SplitMix64,
    contexts: u32,
    seq: u8,
    /// The board's last sequence number: a new command must not reuse it.
    pub board_last_seq: Option<u8>,
    last_valid: Option<[u8; COMMAND_LEN]>,
    /// The command a mutated unit was made from (for attributing a wrong state to it).
    pub intended: Option<[u8; COMMAND_LEN]>,
    total_weight: u32,
}

impl FrameGen {
    pub fn new(seed: u64, contexts: u32) -> FrameGen {
        FrameGen {
            rng: SplitMix64::new(seed),
            contexts,
            seq: 0,
            board_last_seq: None,
            last_valid: None,
            intended: None,
            total_weight: KINDS.iter().map(|k| k.weight).sum(),
        }
    }

    /// Draws a kind by weight.
    pub fn pick(&mut self) -> &'static Kind {
        let mut r = self.rng.below(self.total_weight as u64) as u32;
        for k in KINDS {
            if r < k.weight {
                return k;
            }
            r -= k.weight;
        }
        unreachable!("weights sum to total_weight")
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    fn next_seq(&mut self) -> u8 {
        self.seq = self.seq.wrapping_add(1);
        if Some(self.seq) == self.board_last_seq {
            self.seq = self.seq.wrapping_add(1);
        }
        self.seq
    }

    /// An address: mostly one of a few hot contexts (so reads see accumulated deltas),
    /// sometimes any context, sometimes beyond the table (the core ignores the high bits).
    fn addr(&mut self) -> u16 {
        match self.below(10) {
            0..=6 => self.below(self.contexts.min(4) as u64) as u16,
            7 | 8 => self.below(self.contexts as u64) as u16,
            _ => self.rng.next_u64() as u16,
        }
    }

    /// A command as the host would send it: LOAD, ACCUM, READ, SWAP, SWAP_LOAD, NOP, STATUS,
    /// GEN_SEED or an opcode the core does not have. GEN_RUN is left out: its run would need
    /// the generator's prediction and holds the core for up to 2^40 clocks.
    pub fn command(&mut self) -> [u8; COMMAND_LEN] {
        let op = match self.below(100) {
            0..=34 => Op::Accum as u8,
            35..=54 => Op::Read as u8,
            55..=64 => Op::Load as u8,
            65..=72 => Op::Swap as u8,
            73..=77 => Op::SwapLoad as u8,
            78..=80 => Op::Nop as u8,
            81..=88 => OP_STATUS,
            89..=90 => OP_GEN_SEED,
            _ => 9 + self.below(247) as u8,
        };
        let data = if op == OP_STATUS {
            self.below(10)
        } else {
            self.rng.next_u64()
        };
        let (seq, addr) = (self.next_seq(), self.addr());
        encode_command(seq, op, addr, data)
    }

    /// A command to mutate, remembered as the unit's intent.
    fn intended_command(&mut self) -> [u8; COMMAND_LEN] {
        let f = self.command();
        self.intended = Some(f);
        f
    }

    fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.next_u64() as u8).collect()
    }
}

fn valid(g: &mut FrameGen) -> Vec<u8> {
    let f = g.command();
    g.last_valid = Some(f);
    f.to_vec()
}

/// The last valid frame again, same sequence number: a host's retransmission. Only while it
/// is the board's last frame (a host retransmits only the command it waits for); otherwise a
/// new valid frame.
fn duplicate(g: &mut FrameGen) -> Vec<u8> {
    match g.last_valid {
        Some(f) if Some(f[1]) == g.board_last_seq => f.to_vec(),
        _ => valid(g),
    }
}

/// One to three bits flipped anywhere, the sync byte included (CRC-8 with polynomial 0x07
/// detects every error of up to three bits in a frame this short).
fn bit_flip(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_command();
    for _ in 0..1 + g.below(3) {
        let bit = g.below(COMMAND_LEN as u64 * 8) as usize;
        f[bit / 8] ^= 1 << (bit % 8);
    }
    f.to_vec()
}

/// A frame cut short; the decoder must time out.
fn truncated(g: &mut FrameGen) -> Vec<u8> {
    let f = g.intended_command();
    let keep = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    f[..keep].to_vec()
}

/// A frame whose CRC byte is any other value.
fn wrong_crc(g: &mut FrameGen) -> Vec<u8> {
    let mut f = g.intended_command();
    f[COMMAND_LEN - 1] ^= 1 + g.below(255) as u8;
    f.to_vec()
}

/// 1 to 48 random bytes, with the sync byte far more common than chance.
fn garbage(g: &mut FrameGen) -> Vec<u8> {
    g.intended = None;
    let n = 1 + g.below(48) as usize;
    let mut b = g.random_bytes(n);
    for x in b.iter_mut() {
        if g.below(6) == 0 {
            *x = COMMAND_SYNC;
        }
    }
    b
}

/// Stray sync bytes right before a good frame: the decoder takes the first as a frame start
/// and swallows the real frame's start into a window whose CRC fails.
fn false_sync(g: &mut FrameGen) -> Vec<u8> {
    let f = g.intended_command();
    let mut b = vec![COMMAND_SYNC; 1 + g.below(3) as usize];
    b.extend_from_slice(&f);
    b
}

/// A byte inserted into or removed from a frame (a frame of 15 or 13 bytes).
fn wrong_length(g: &mut FrameGen) -> Vec<u8> {
    let mut b = g.intended_command().to_vec();
    let at = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    if g.below(2) == 0 {
        b.insert(at, g.rng.next_u64() as u8);
    } else {
        b.remove(at);
    }
    b
}

/// A frame cut short, followed at once (no idle gap) by a complete frame: both are lost
/// unless the window across them passes the CRC by chance.
fn spliced(g: &mut FrameGen) -> Vec<u8> {
    let first = g.intended_command();
    let keep = 1 + g.below(COMMAND_LEN as u64 - 1) as usize;
    let mut b = first[..keep].to_vec();
    b.extend_from_slice(&g.command());
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::protocol_model::{scan, Scan};

    #[test]
    fn only_meant_valid_kinds_make_frames_that_pass_the_crc_unmutated() {
        let mut g = FrameGen::new(7, 16);
        for k in KINDS {
            for _ in 0..200 {
                let unit = (k.make)(&mut g);
                let taken = matches!(scan(&unit), Scan::Accepted { .. });
                if k.meant_valid {
                    assert!(taken, "{}: {unit:02x?}", k.name);
                }
                if matches!(k.name, "bit_flip" | "truncated" | "wrong_crc") {
                    assert!(!taken, "{} was taken: {unit:02x?}", k.name);
                }
            }
        }
    }
}

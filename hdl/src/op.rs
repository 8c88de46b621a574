//! Command opcodes of the core's `cmd_op` port (3 bits), shared by the RTL, the simulators
//! and the host so the encoding is written down once.

/// One core command. The discriminant is the `cmd_op` encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    /// Does nothing; accepted and dropped.
    Nop = 0,
    /// reference := data, accumulator := 0.
    Load = 1,
    /// accumulator ^= data.
    Accum = 2,
    /// Responds with reference ^ accumulator.
    Read = 3,
    /// Responds with the state; reference := state, accumulator := 0 (a new epoch).
    Swap = 4,
    /// Responds with the state; reference := data, accumulator := 0.
    SwapLoad = 5,
}

impl Op {
    /// Every opcode, in encoding order.
    pub const ALL: [Op; 6] = [
        Op::Nop,
        Op::Load,
        Op::Accum,
        Op::Read,
        Op::Swap,
        Op::SwapLoad,
    ];

    /// The 3-bit encoding.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Decodes `cmd_op`; codes 6 and 7 are illegal (the core treats them as NOP and raises
    /// its sticky `illegal_op` flag).
    pub fn from_code(code: u8) -> Option<Op> {
        Op::ALL.get(code as usize).copied()
    }

    /// Whether the op produces a response.
    pub fn responds(self) -> bool {
        matches!(self, Op::Read | Op::Swap | Op::SwapLoad)
    }
}

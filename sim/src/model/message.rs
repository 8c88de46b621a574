//! Delta messages (the 16-byte wire record shared with Python peers) and the delta stream
//! that produces them.
//!
//! Wire layout, big-endian, no padding: bytes 0–3 `addr` (u32), 4–11 `delta` (u64),
//! 12–15 `seq` (u32). The epoch is not on the wire (docs/semantics.md, "Delta message").

use super::error::AtomikError;
use super::table::Table;

/// The size of an encoded [`DeltaMessage`], in bytes.
pub const MESSAGE_LEN: usize = 16;

/// One delta addressed to one context, with the sender's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DeltaMessage {
    /// The context address the delta applies to.
    pub addr: u32,
    /// The XOR delta.
    pub delta: u64,
    /// The sender's sequence number (1, 2, 3, … per [`DeltaStream`]).
    pub seq: u32,
}

impl DeltaMessage {
    /// Encodes the message as its 16 big-endian wire bytes.
    pub fn to_bytes(&self) -> [u8; MESSAGE_LEN] {
        let mut out = [0u8; MESSAGE_LEN];
        out[0..4].copy_from_slice(&self.addr.to_be_bytes());
        out[4..12].copy_from_slice(&self.delta.to_be_bytes());
        out[12..16].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    /// Decodes a message from exactly 16 wire bytes.
    ///
    /// Fails with [`AtomikError::MessageLength`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AtomikError> {
        let bytes: &[u8; MESSAGE_LEN] = bytes
            .try_into()
            .map_err(|_| AtomikError::MessageLength { len: bytes.len() })?;
        let [a0, a1, a2, a3, d0, d1, d2, d3, d4, d5, d6, d7, s0, s1, s2, s3] = *bytes;
        Ok(Self {
            addr: u32::from_be_bytes([a0, a1, a2, a3]),
            delta: u64::from_be_bytes([d0, d1, d2, d3, d4, d5, d6, d7]),
            seq: u32::from_be_bytes([s0, s1, s2, s3]),
        })
    }

    /// Applies the message to `table`: XORs `delta` (masked to the table's width) into the
    /// context at `addr`. There is no de-duplication: applying a message twice cancels it.
    ///
    /// Fails with [`AtomikError::AddressOutOfRange`] (table unchanged) when `addr` is not an
    /// address of the table.
    pub fn apply_to(&self, table: &mut Table) -> Result<(), AtomikError> {
        table.accum(u64::from(self.addr), self.delta)
    }
}

/// A sender/receiver of delta messages over a local [`Table`] (atomik-core's `DeltaStream`).
///
/// [`accum`](Self::accum) applies a delta locally and produces the message to send, numbered
/// 1, 2, 3, …; [`apply`](Self::apply) absorbs a peer's message.
#[derive(Debug, Clone)]
pub struct DeltaStream {
    table: Table,
    next_seq: u32,
    pending: Vec<DeltaMessage>,
}

impl DeltaStream {
    /// A stream over a fresh table of `num_contexts` contexts of `width` bits.
    ///
    /// Fails like [`Table::new`], and with [`AtomikError::InvalidContextCount`] when
    /// `num_contexts` exceeds 2^32 (wire addresses are u32).
    pub fn new(width: u32, num_contexts: u64) -> Result<Self, AtomikError> {
        if num_contexts > 1 << 32 {
            return Err(AtomikError::InvalidContextCount {
                count: num_contexts,
            });
        }
        Ok(Self {
            table: Table::new(width, num_contexts)?,
            next_seq: 1,
            pending: Vec::new(),
        })
    }

    /// LOAD of the local context at `addr` (peers must load the same value).
    pub fn load(&mut self, addr: u32, value: u64) -> Result<(), AtomikError> {
        self.table.load(u64::from(addr), value)
    }

    /// Applies `delta` locally at `addr` and returns the message for peers, which is also
    /// queued for [`take_pending`](Self::take_pending).
    ///
    /// Deviation 2 of docs/semantics.md: the delta is masked to the width before it leaves
    /// the context, so the message carries exactly what was applied (atomik-core sends the
    /// unmasked delta). On error nothing is applied, queued or numbered.
    pub fn accum(&mut self, addr: u32, delta: u64) -> Result<DeltaMessage, AtomikError> {
        let delta = delta & self.table.mask();
        self.table.accum(u64::from(addr), delta)?;
        let msg = DeltaMessage {
            addr,
            delta,
            seq: self.next_seq,
        };
        // After u32::MAX the numbering restarts at 1: seq 0 is never produced.
        self.next_seq = self.next_seq.checked_add(1).unwrap_or(1);
        self.pending.push(msg);
        Ok(msg)
    }

    /// Absorbs a peer's message into the local table (see [`DeltaMessage::apply_to`]).
    pub fn apply(&mut self, msg: &DeltaMessage) -> Result<(), AtomikError> {
        msg.apply_to(&mut self.table)
    }

    /// READ of the local context at `addr`.
    pub fn read(&self, addr: u32) -> Result<u64, AtomikError> {
        self.table.read(u64::from(addr))
    }

    /// Returns and clears the messages produced since the last call.
    pub fn take_pending(&mut self) -> Vec<DeltaMessage> {
        std::mem::take(&mut self.pending)
    }

    /// The sequence number the next produced message will carry.
    pub fn next_seq(&self) -> u32 {
        self.next_seq
    }

    /// The local table.
    pub fn table(&self) -> &Table {
        &self.table
    }
}

//! atomik-core's 16-byte `DeltaMessage` records at the host API edge: a device applies them and
//! produces them like the model's `DeltaStream` does, using the model's one encoding
//! ([`atomik_sim::model::DeltaMessage`]).
//!
//! Records are checked against the device before anything is sent: an address outside the
//! design's contexts, or a delta with bits above its width (a record made for wider contexts:
//! deviation 2 of docs/semantics.md masks what a stream sends, so such bits are never noise),
//! refuses the whole batch and names the record.

use super::{Device, DeviceError};
use atomik_sim::model::{DeltaMessage, MESSAGE_LEN};

/// A batch of records was refused: which record, and why.
#[derive(Debug, thiserror::Error)]
#[error("record {index} (bytes {}..{}): {cause}; nothing was applied", index * MESSAGE_LEN, (index + 1) * MESSAGE_LEN)]
pub struct RecordError {
    /// The record's position in the batch, from 0.
    pub index: usize,
    /// What is wrong with it.
    pub cause: Box<DeviceError>,
}

/// Decodes a file's bytes as back-to-back 16-byte records. A length that is not a whole number
/// of records is refused (a truncated or foreign file), naming the incomplete record; so is a
/// record with sequence number 0, which no stream produces (a zero-filled block).
pub fn decode_records(bytes: &[u8]) -> Result<Vec<DeltaMessage>, String> {
    let whole = bytes.len() / MESSAGE_LEN;
    if !bytes.len().is_multiple_of(MESSAGE_LEN) {
        return Err(format!(
            "{} bytes is not a whole number of {MESSAGE_LEN}-byte DeltaMessage records: record \
             {whole} (bytes {}..{}) has only {} bytes (truncated or not a record file)",
            bytes.len(),
            whole * MESSAGE_LEN,
            bytes.len(),
            bytes.len() % MESSAGE_LEN
        ));
    }
    let mut out = Vec::with_capacity(whole);
    for (index, chunk) in bytes.chunks_exact(MESSAGE_LEN).enumerate() {
        let msg = DeltaMessage::from_bytes(chunk).map_err(|e| e.to_string())?;
        if msg.seq == 0 {
            return Err(format!(
                "record {index} (bytes {}..{}) has sequence number 0, which no delta stream \
                 produces (a zeroed or corrupt record)",
                index * MESSAGE_LEN,
                (index + 1) * MESSAGE_LEN
            ));
        }
        out.push(msg);
    }
    Ok(out)
}

/// The records as back-to-back wire bytes.
pub fn encode_records(msgs: &[DeltaMessage]) -> Vec<u8> {
    msgs.iter().flat_map(|m| m.to_bytes()).collect()
}

impl Device {
    /// Checks that `msg` fits this device: its address is one of the design's contexts and its
    /// delta has no bits above the design's width. Sends nothing.
    pub fn check_message(&self, msg: &DeltaMessage) -> Result<(), DeviceError> {
        self.check_addr(msg.addr)?;
        let width = self.info.width;
        if width > 0 && width < 64 && msg.delta >> width != 0 {
            return Err(DeviceError::Width {
                device: self.name.clone(),
                addr: msg.addr,
                delta: msg.delta,
                width,
            });
        }
        Ok(())
    }

    /// Applies a peer's message: XORs its delta into its context (the model's
    /// `DeltaStream::apply`). Refused, with nothing sent, when [`check_message`] refuses it.
    ///
    /// [`check_message`]: Device::check_message
    pub fn apply(&mut self, msg: &DeltaMessage) -> Result<(), DeviceError> {
        self.check_message(msg)?;
        self.accum(msg.addr, msg.delta)
    }

    /// Applies every message in order after checking them all: one bad record refuses the
    /// batch before anything is sent. A link failure part-way is a [`DeviceError::Link`]
    /// saying how many operations were acknowledged (each applied exactly once).
    pub fn apply_messages(&mut self, msgs: &[DeltaMessage]) -> Result<(), ApplyError> {
        for (index, msg) in msgs.iter().enumerate() {
            self.check_message(msg).map_err(|cause| {
                ApplyError::Record(RecordError {
                    index,
                    cause: Box::new(cause),
                })
            })?;
        }
        for msg in msgs {
            self.accum(msg.addr, msg.delta)
                .map_err(ApplyError::Device)?;
        }
        Ok(())
    }

    /// The state of each context in `addrs` as a record numbered 1, 2, … like a fresh
    /// stream's: applied to cleared contexts (or a fresh model table) they reproduce this
    /// device's state. Addresses are checked before anything is read.
    pub fn export(&mut self, addrs: &[u32]) -> Result<Vec<DeltaMessage>, DeviceError> {
        for &addr in addrs {
            self.check_addr(addr)?;
        }
        let mut out = Vec::with_capacity(addrs.len());
        for (i, &addr) in addrs.iter().enumerate() {
            out.push(DeltaMessage {
                addr,
                delta: self.read(addr)?,
                seq: i as u32 + 1,
            });
        }
        Ok(out)
    }
}

/// Why [`Device::apply_messages`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A record does not fit the device: nothing was sent.
    #[error(transparent)]
    Record(RecordError),
    /// The device failed part-way (see the count of acknowledged operations).
    #[error(transparent)]
    Device(DeviceError),
}

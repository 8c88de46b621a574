//! The one error type of the reference model.
//!
//! Every fallible operation of the model returns [`AtomikError`]. Each variant carries the
//! offending value so that its message names it, and every operation that fails leaves the
//! state it was called on unchanged.

use thiserror::Error;

/// An invalid argument or input given to the reference model.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AtomikError {
    /// An address outside `0..num_contexts` of a [`Table`](super::Table).
    #[error("address {addr} is out of range: valid addresses are 0..{num_contexts}")]
    AddressOutOfRange {
        /// The address that was asked for.
        addr: u64,
        /// The number of contexts of the table (valid addresses are `0..num_contexts`).
        num_contexts: u64,
    },

    /// A context or table width outside `1..=64` bits.
    #[error("invalid width {width}: the model supports widths of 1..=64 bits")]
    InvalidWidth {
        /// The width that was asked for, in bits.
        width: u32,
    },

    /// A table (or stream) with an unusable number of contexts.
    #[error(
        "invalid context count {count}: a table needs at least 1 context \
         (and a delta stream at most 2^32, its wire addresses being u32)"
    )]
    InvalidContextCount {
        /// The number of contexts that was asked for.
        count: u64,
    },

    /// A delta-message buffer that is not exactly 16 bytes long.
    #[error("a delta message is exactly 16 bytes, got {len}")]
    MessageLength {
        /// The length of the buffer that was given, in bytes.
        len: usize,
    },

    /// A fingerprint width that is not a multiple of 8 in `8..=64` (deviation 3 of
    /// docs/semantics.md).
    #[error("invalid fingerprint width {width}: it must be a multiple of 8 in 8..=64")]
    FingerprintWidth {
        /// The width that was asked for, in bits.
        width: u32,
    },

    /// A merge of two contexts of different widths.
    #[error("cannot merge a context of width {theirs} into one of width {ours}")]
    WidthMismatch {
        /// The width of the context merged into.
        ours: u32,
        /// The width of the context merged from.
        theirs: u32,
    },
}

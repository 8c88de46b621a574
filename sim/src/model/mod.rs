//! The ATOMiK algebra: the bit-exact reference model.
//!
//! It follows atomik-core 0.4.0 (the published Python package) except for the deviations of
//! docs/semantics.md, each documented where it is implemented:
//! 1. [`Table::batch_accum`] is atomic;
//! 2. [`DeltaStream::accum`] masks deltas to the width before they leave;
//! 3. [`Fingerprint::new`] rejects widths that are not a multiple of 8 in 8..=64.
//!
//! | file | what |
//! |---|---|
//! | `error.rs` | [`AtomikError`] |
//! | `context.rs` | [`Context`]: one address of state |
//! | `table.rs` | [`Table`]: `num_contexts` addresses |
//! | `message.rs` | [`DeltaMessage`] (16-byte wire record) and [`DeltaStream`] |
//! | `fingerprint.rs` | [`Fingerprint`] |
//! | `fold.rs` | [`xor_fold`], the fast multi-delta ACCUM |

mod context;
mod error;
mod fingerprint;
mod fold;
mod message;
mod table;

pub use context::Context;
pub use error::AtomikError;
pub use fingerprint::Fingerprint;
pub use fold::{xor_fold, xor_fold_path, xor_fold_portable, xor_fold_scalar, LANES};
pub use message::{DeltaMessage, DeltaStream, MESSAGE_LEN};
pub use table::{Table, DENSE_LIMIT};

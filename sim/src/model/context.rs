//! One ATOMiK context: the state of one address.
//!
//! A context holds a `reference`, an `accumulator` and a `delta_count`; its state is
//! `reference ^ accumulator`. Every stored value is masked to the context's width
//! (docs/semantics.md, "Context").

use super::error::AtomikError;
use super::fold::xor_fold;

/// The mask of a `width`-bit value (`2^width - 1`); `width` must be in `1..=64`.
///
/// Written as a right shift of all-ones so that width 64 does not overflow.
#[inline]
pub(crate) const fn mask_for(width: u32) -> u64 {
    u64::MAX >> (64 - width)
}

/// Checks that `width` is a model width (`1..=64`).
pub(crate) fn check_width(width: u32) -> Result<(), AtomikError> {
    if (1..=64).contains(&width) {
        Ok(())
    } else {
        Err(AtomikError::InvalidWidth { width })
    }
}

/// One ATOMiK context of `width` bits (1..=64).
///
/// Two contexts are equal when they have the same width and the same state ([`read`]),
/// whatever their reference/accumulator split and delta counts.
///
/// [`read`]: Context::read
#[derive(Debug, Clone, Copy)]
pub struct Context {
    width: u32,
    mask: u64,
    reference: u64,
    accumulator: u64,
    delta_count: u64,
}

impl Context {
    /// A clean context of `width` bits: reference 0, accumulator 0, no deltas.
    ///
    /// Fails with [`AtomikError::InvalidWidth`] unless `width` is in `1..=64`.
    pub fn new(width: u32) -> Result<Self, AtomikError> {
        check_width(width)?;
        Ok(Self::from_parts(width, 0, 0, 0))
    }

    /// Builds a context from already-validated parts; values are masked to the width.
    pub(crate) fn from_parts(width: u32, reference: u64, accumulator: u64, count: u64) -> Self {
        let mask = mask_for(width);
        Self {
            width,
            mask,
            reference: reference & mask,
            accumulator: accumulator & mask,
            delta_count: count,
        }
    }

    /// LOAD: `reference = value & mask`; clears the accumulator and the delta count.
    #[inline]
    pub fn load(&mut self, value: u64) {
        self.reference = value & self.mask;
        self.accumulator = 0;
        self.delta_count = 0;
    }

    /// ACCUM: `accumulator ^= delta & mask`; counts the delta (also a zero delta).
    #[inline]
    pub fn accum(&mut self, delta: u64) {
        self.accumulator ^= delta & self.mask;
        self.delta_count = self.delta_count.wrapping_add(1);
    }

    /// ACCUM of every delta of `deltas`, in one XOR-fold ([`xor_fold`]); counts
    /// `deltas.len()` deltas. Same result as calling [`accum`](Self::accum) for each.
    #[inline]
    pub fn accum_slice(&mut self, deltas: &[u64]) {
        self.accumulator ^= xor_fold(deltas) & self.mask;
        self.delta_count = self.delta_count.wrapping_add(deltas.len() as u64);
    }

    /// READ: the state, `reference ^ accumulator`.
    #[inline]
    pub fn read(&self) -> u64 {
        self.reference ^ self.accumulator
    }

    /// SWAP: returns the state before the swap and starts a new epoch from `value & mask`,
    /// or from that state when `value` is `None`; clears the accumulator and the delta count.
    #[inline]
    pub fn swap(&mut self, value: Option<u64>) -> u64 {
        let state = self.read();
        self.reference = value.map_or(state, |v| v & self.mask);
        self.accumulator = 0;
        self.delta_count = 0;
        state
    }

    /// ROLLBACK: undoes an earlier `accum(delta)`; identical to [`accum`](Self::accum)
    /// since XOR is self-inverse (it counts as a delta too, as in atomik-core).
    #[inline]
    pub fn rollback(&mut self, delta: u64) {
        self.accum(delta);
    }

    /// MERGE: XORs `other`'s accumulator into this one and adds its delta count.
    ///
    /// Fails with [`AtomikError::WidthMismatch`] (changing nothing) when the widths differ.
    pub fn merge(&mut self, other: &Context) -> Result<(), AtomikError> {
        if other.width != self.width {
            return Err(AtomikError::WidthMismatch {
                ours: self.width,
                theirs: other.width,
            });
        }
        self.accumulator ^= other.accumulator;
        self.delta_count = self.delta_count.wrapping_add(other.delta_count);
        Ok(())
    }

    /// `true` when no net delta is pending (the accumulator is zero).
    #[inline]
    pub fn is_clean(&self) -> bool {
        self.accumulator == 0
    }

    /// The width in bits (1..=64).
    #[inline]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The width mask, `2^width - 1`.
    #[inline]
    pub fn mask(&self) -> u64 {
        self.mask
    }

    /// The reference (set by LOAD and SWAP).
    #[inline]
    pub fn reference(&self) -> u64 {
        self.reference
    }

    /// The accumulator: the XOR of the deltas since the last LOAD or SWAP.
    #[inline]
    pub fn accumulator(&self) -> u64 {
        self.accumulator
    }

    /// The number of deltas absorbed since the last LOAD or SWAP (wraps at 2^64).
    #[inline]
    pub fn delta_count(&self) -> u64 {
        self.delta_count
    }

    /// Sets the accumulator to `value & mask` and clears the delta count (not an ACCUM; used
    /// by the fingerprint's `update`, as atomik-core does).
    #[inline]
    pub(crate) fn set_accumulator(&mut self, value: u64) {
        self.accumulator = value & self.mask;
        self.delta_count = 0;
    }
}

impl PartialEq for Context {
    fn eq(&self, other: &Self) -> bool {
        self.width == other.width && self.read() == other.read()
    }
}

impl Eq for Context {}

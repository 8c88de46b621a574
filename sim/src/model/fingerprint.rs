//! XOR fingerprints: change detection with the delta algebra.
//!
//! A fingerprint of width `w` reduces a byte buffer to one `w`-bit value, R(data): the XOR of
//! its consecutive `w/8`-byte little-endian words, a short final word zero-padded at its high
//! end, R(empty) = 0 (docs/semantics.md, "Fingerprint"). It is not a cryptographic hash.

use super::context::Context;
use super::error::AtomikError;

/// A fingerprint context of `width` bits (a multiple of 8 in 8..=64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    ctx: Context,
    /// Bytes per word, `width / 8`.
    chunk: usize,
}

impl Fingerprint {
    /// A fingerprint of `width` bits, reference 0, unchanged.
    ///
    /// Deviation 3 of docs/semantics.md: a width that is not a multiple of 8 in `8..=64` fails
    /// with [`AtomikError::FingerprintWidth`] (atomik-core loops forever below 8 bits).
    pub fn new(width: u32) -> Result<Self, AtomikError> {
        if !matches!(width, 8 | 16 | 24 | 32 | 40 | 48 | 56 | 64) {
            return Err(AtomikError::FingerprintWidth { width });
        }
        Ok(Self {
            ctx: Context::new(width)?,
            chunk: (width / 8) as usize,
        })
    }

    /// The width in bits.
    pub fn width(&self) -> u32 {
        self.ctx.width()
    }

    /// The reduction R(data) at this fingerprint's width (no state change).
    pub fn reduce(&self, data: &[u8]) -> u64 {
        match self.chunk {
            // Word sizes dividing 8: XOR 8-byte words, then fold the halves down to the width.
            // Each 8-byte little-endian word holds 8/chunk whole words at its bit offsets, and
            // zero-padding the tail to 8 bytes adds only zero words.
            1 | 2 | 4 | 8 => {
                let mut words = data.chunks_exact(8);
                let mut x = (&mut words).fold(0u64, |a, c| {
                    a ^ <[u8; 8]>::try_from(c).map_or(0, u64::from_le_bytes)
                });
                x ^= le_word(words.remainder());
                let mut bits = 64;
                while bits > self.ctx.width() {
                    bits /= 2;
                    x ^= x >> bits;
                }
                x & self.ctx.mask()
            }
            n => data.chunks(n).fold(0, |a, c| a ^ le_word(c)),
        }
    }

    /// Sets the reference to R(data), clears the accumulator, and returns R(data).
    pub fn load(&mut self, data: &[u8]) -> u64 {
        let r = self.reduce(data);
        self.ctx.load(r);
        r
    }

    /// Sets (not XORs) the accumulator to `reference ^ R(data)` and returns R(data); after it,
    /// [`value`](Self::value) is R(data) and [`changed`](Self::changed) tells whether it
    /// differs from the reference. Clears the delta count, as atomik-core does.
    pub fn update(&mut self, data: &[u8]) -> u64 {
        let r = self.reduce(data);
        self.ctx.set_accumulator(self.ctx.reference() ^ r);
        r
    }

    /// Incremental update when one word changes from `old` to `new`: `accum(old ^ new)`.
    pub fn accumulate_delta(&mut self, old: u64, new: u64) {
        self.ctx.accum(old ^ new);
    }

    /// `true` when the data differs from the reference (the accumulator is non-zero).
    pub fn changed(&self) -> bool {
        !self.ctx.is_clean()
    }

    /// The current fingerprint, `reference ^ accumulator`.
    pub fn value(&self) -> u64 {
        self.ctx.read()
    }

    /// The reference fingerprint (set by [`load`](Self::load)).
    pub fn reference(&self) -> u64 {
        self.ctx.reference()
    }

    /// The raw accumulator: the XOR difference between the reference and the current value.
    pub fn delta(&self) -> u64 {
        self.ctx.accumulator()
    }

    /// Marks the data as matching the reference again (accumulator cleared).
    pub fn reset(&mut self) {
        self.ctx.set_accumulator(0);
    }

    /// The underlying context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

/// The little-endian value of up to 8 bytes, zero-padded at its high end.
#[inline]
fn le_word(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |a, (i, &b)| a | (u64::from(b) << (8 * i)))
}

//! XOR-folding a slice of deltas into one delta.
//!
//! Because XOR is associative and commutative, absorbing `n` deltas one by one gives the same
//! accumulator as absorbing their XOR-fold once. This is the software twin of the hardware's
//! multi-lane structure (docs/semantics.md, "Hardware view"): independent partial accumulators
//! merged by an XOR tree at the end.
//!
//! [`xor_fold`] keeps [`LANES`]-wide groups of independent accumulators so that LLVM turns the
//! loop into several independent vector XOR chains, and on x86-64 picks an AVX-512 or AVX2 build
//! of the same loop at run time (`is_x86_feature_detected!`), since the crate is compiled for
//! baseline x86-64 (SSE2). [`xor_fold_scalar`] is the plain fold, kept as the benchmark's
//! baseline.

/// Number of independent `u64` accumulators of the portable (SSE2) build: 8 `xmm` registers.
pub const LANES: usize = 16;

/// Slices shorter than this are folded without the run-time feature dispatch.
const DISPATCH_MIN_LEN: usize = 64;

/// The XOR of all `deltas` (0 for an empty slice), computed fast.
///
/// Equal to [`xor_fold_scalar`] for every input; uses AVX-512 or AVX2 when the CPU has them.
#[inline]
pub fn xor_fold(deltas: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if deltas.len() >= DISPATCH_MIN_LEN {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU was just checked to support AVX-512F.
                return unsafe { xor_fold_avx512(deltas) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU was just checked to support AVX2.
                return unsafe { xor_fold_avx2(deltas) };
            }
        }
    }
    fold_lanes::<LANES>(deltas)
}

/// The plain XOR fold `deltas.iter().fold(0, |a, d| a ^ d)`: the benchmark baseline.
///
/// Not inlined so that the benchmark measures this exact loop as compiled for the baseline
/// target; LLVM is free to vectorise it (and does, with SSE2).
#[inline(never)]
pub fn xor_fold_scalar(deltas: &[u64]) -> u64 {
    deltas.iter().fold(0, |a, d| a ^ d)
}

/// The AVX-512 build of the lane fold: 64 accumulators = 8 `zmm` registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn xor_fold_avx512(deltas: &[u64]) -> u64 {
    fold_lanes::<64>(deltas)
}

/// The AVX2 build of the lane fold: 32 accumulators = 8 `ymm` registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn xor_fold_avx2(deltas: &[u64]) -> u64 {
    fold_lanes::<32>(deltas)
}

/// Folds `deltas` into `L` independent accumulators (one chunk of `L` per step), then XORs the
/// accumulators and the short tail together.
#[inline(always)]
fn fold_lanes<const L: usize>(deltas: &[u64]) -> u64 {
    let mut acc = [0u64; L];
    let mut chunks = deltas.chunks_exact(L);
    for chunk in &mut chunks {
        for (a, d) in acc.iter_mut().zip(chunk) {
            *a ^= d;
        }
    }
    let tail = chunks.remainder().iter().fold(0, |a, d| a ^ d);
    acc.iter().fold(tail, |a, d| a ^ d)
}

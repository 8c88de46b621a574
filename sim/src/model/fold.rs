//! XOR-folding a slice of deltas into one delta.
//!
//! Because XOR is associative and commutative, absorbing `n` deltas one by one gives the same
//! accumulator as absorbing their XOR-fold once. This is the software twin of the hardware's
//! multi-lane structure (docs/semantics.md, "Hardware view"): independent partial accumulators
//! merged by an XOR tree at the end.
//!
//! The crate is compiled for baseline x86-64 (SSE2). [`xor_fold`] checks once per call
//! (`is_x86_feature_detected!`, a cached flag) for AVX2 and then runs an explicit AVX2 loop:
//! 8 independent 256-bit accumulators (32 deltas per step), so loads, not the XOR dependency
//! chain, are the limit. Explicit intrinsics rather than an auto-vectorised loop because LLVM's
//! vectorisation of wide accumulator arrays is fragile (one variant tried here ran 10x slower).
//! AVX-512 is not used: it needs Rust 1.89 (the workspace's minimum is 1.80) and measured no
//! faster than AVX2 on this machine's Zen 4 (which splits 512-bit loads). Other CPUs get a
//! portable loop of [`LANES`] independent accumulators.
//!
//! [`xor_fold_scalar`] is the plain fold, kept as the benchmark's baseline.

/// Number of independent `u64` accumulators of the portable (non-AVX2) loop.
pub const LANES: usize = 8;

/// The XOR of all `deltas` (0 for an empty slice), computed fast.
///
/// Equal to [`xor_fold_scalar`] for every input; uses AVX2 when the CPU has it.
#[inline]
pub fn xor_fold(deltas: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if deltas.len() >= avx2::STEP && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU was just checked to support AVX2.
            return unsafe { avx2::xor_fold(deltas) };
        }
    }
    xor_fold_portable(deltas)
}

/// The loop [`xor_fold`] uses on CPUs without AVX2 (and for slices shorter than one AVX2
/// step): [`LANES`] independent accumulators, one chunk of [`LANES`] per step, then the
/// accumulators and the short tail XORed together. Public so that it is tested everywhere.
#[inline]
pub fn xor_fold_portable(deltas: &[u64]) -> u64 {
    let mut acc = [0u64; LANES];
    let mut chunks = deltas.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, d) in acc.iter_mut().zip(chunk) {
            *a ^= d;
        }
    }
    let tail = chunks.remainder().iter().fold(0, |a, d| a ^ d);
    acc.iter().fold(tail, |a, d| a ^ d)
}

/// Which loop [`xor_fold`] uses for long slices on this CPU: `"avx2"` or `"portable"`.
pub fn xor_fold_path() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
    }
    "portable"
}

/// The plain XOR fold `deltas.iter().fold(0, |a, d| a ^ d)`: the benchmark baseline.
///
/// Not inlined so that the benchmark measures this exact loop as compiled for the baseline
/// target; LLVM is free to vectorise it (and does, with SSE2).
#[inline(never)]
pub fn xor_fold_scalar(deltas: &[u64]) -> u64 {
    deltas.iter().fold(0, |a, d| a ^ d)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{__m256i, _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256};

    /// Number of 256-bit accumulators.
    const REGS: usize = 8;
    /// Deltas absorbed per step: 8 registers x 4 lanes.
    pub(super) const STEP: usize = REGS * 4;

    /// The XOR of all `deltas` with 8 independent 256-bit accumulators.
    ///
    /// The slice is split into an unaligned head, a 32-byte-aligned body and a tail: a `Vec`'s
    /// buffer is typically only 16-byte aligned, and then every other unaligned 32-byte load
    /// straddles a cache line, which halved the in-L1 rate when measured.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn xor_fold(deltas: &[u64]) -> u64 {
        // SAFETY: `__m256i` is four `u64`s with no invalid bit patterns, so viewing the
        // aligned middle of a `[u64]` as `[__m256i]` is sound.
        let (head, body, tail) = unsafe { deltas.align_to::<__m256i>() };
        let mut acc = [_mm256_setzero_si256(); REGS];
        let mut steps = body.chunks_exact(REGS);
        for step in &mut steps {
            for (a, d) in acc.iter_mut().zip(step) {
                *a = _mm256_xor_si256(*a, *d);
            }
        }
        for (a, d) in acc.iter_mut().zip(steps.remainder()) {
            *a = _mm256_xor_si256(*a, *d);
        }
        // XOR tree over the registers, then over the 4 lanes, then the head and the tail.
        let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
        let x = _mm256_xor_si256(
            _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3)),
            _mm256_xor_si256(_mm256_xor_si256(a4, a5), _mm256_xor_si256(a6, a7)),
        );
        let mut lanes = [0u64; 4];
        // SAFETY: `lanes` is 32 bytes; `storeu` has no alignment requirement.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast::<__m256i>(), x) };
        let edges = head.iter().chain(tail).fold(0, |a, d| a ^ d);
        lanes.iter().fold(edges, |a, d| a ^ d)
    }
}

//! Predicts what the on-chip generator feeds in a run, for any run length, far faster than the
//! hardware runs: every on-chip throughput figure is checked against this.
//!
//! A run of K clocks with seed `seed` and M active lanes (GEN_RUN's count, rounded up to whole
//! banks of twelve: `lane::active_lanes`) feeds, in clock t, lane i the delta
//! `lane_delta(i, x_s(t))`, s = `lane_source(i)`, where x_s(t) = L^t(seed ^ salt_s) and L is the sources' LFSR step
//! (`lfsr64`, a linear map over GF(2)). Every piece is linear, so the XOR of everything fed is
//! `XOR over the active lanes i of lane_delta(i, S_s)` with `S_s = (I + L + ... + L^(K-1)) (seed ^ salt_s)`,
//! and the sum of powers comes from doubling in O(64^2 log K) bit operations.

use atomik_hdl::lanes::lane::{active_lanes, lane_delta, lane_source};
use atomik_hdl::lanes::single::{source_count, source_salt};
use atomik_hdl::lanes::source::lfsr64;
use atomik_hdl::lanes::LaneMode;

/// A 64x64 matrix over GF(2), stored as its columns: `apply(x)` XORs column j for each set
/// bit j of x.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Gf2Matrix([u64; 64]);

impl Gf2Matrix {
    fn identity() -> Self {
        let mut cols = [0u64; 64];
        for (j, c) in cols.iter_mut().enumerate() {
            *c = 1u64 << j;
        }
        Gf2Matrix(cols)
    }

    fn zero() -> Self {
        Gf2Matrix([0; 64])
    }

    fn lfsr_step() -> Self {
        let mut cols = [0u64; 64];
        for (j, c) in cols.iter_mut().enumerate() {
            *c = lfsr64(1u64 << j);
        }
        Gf2Matrix(cols)
    }

    fn apply(&self, mut x: u64) -> u64 {
        let mut y = 0;
        while x != 0 {
            let j = x.trailing_zeros();
            y ^= self.0[j as usize];
            x &= x - 1;
        }
        y
    }

    /// self * other (apply `other` first).
    fn mul(&self, other: &Gf2Matrix) -> Gf2Matrix {
        let mut cols = [0u64; 64];
        for (c, o) in cols.iter_mut().zip(other.0.iter()) {
            *c = self.apply(*o);
        }
        Gf2Matrix(cols)
    }

    fn add(&self, other: &Gf2Matrix) -> Gf2Matrix {
        let mut cols = self.0;
        for (c, o) in cols.iter_mut().zip(other.0.iter()) {
            *c ^= o;
        }
        Gf2Matrix(cols)
    }
}

/// `x ^ L(x) ^ L^2(x) ^ ... ^ L^(k-1)(x)` for the LFSR step L, in O(log k).
pub fn step_sum(x: u64, k: u64) -> u64 {
    geometric_sum(&Gf2Matrix::lfsr_step(), x, k)
}

/// `M^e`, by squaring.
fn matrix_power(m: &Gf2Matrix, e: u64) -> Gf2Matrix {
    let mut result = Gf2Matrix::identity();
    for bit in (0..64).rev() {
        result = result.mul(&result);
        if e >> bit & 1 == 1 {
            result = result.mul(m);
        }
    }
    result
}

/// `x ^ M(x) ^ M^2(x) ^ ... ^ M^(k-1)(x)`, in O(64^2 log k).
fn geometric_sum(step: &Gf2Matrix, x: u64, k: u64) -> u64 {
    let step = *step;
    // Invariant: power = L^n, sum = I + L + ... + L^(n-1), for n = the bits of k seen so far.
    let mut power = Gf2Matrix::identity();
    let mut sum = Gf2Matrix::zero();
    for bit in (0..64).rev() {
        sum = sum.add(&power.mul(&sum));
        power = power.mul(&power);
        if k >> bit & 1 == 1 {
            sum = sum.add(&power);
            power = power.mul(&step);
        }
    }
    sum.apply(x)
}

/// One generator run, as commanded by GEN_SEED and GEN_RUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorRun {
    /// Lanes in the design.
    pub lanes: u32,
    /// Datapath width.
    pub width: u32,
    pub seed: u64,
    /// Clocks the generator feeds (K, < 2^40).
    pub clocks: u64,
    /// Active lanes requested (GEN_RUN's M; see [`Self::effective_lanes`]).
    pub active_lanes: u32,
}

impl GeneratorRun {
    /// Lanes that really take part: M rounded up to whole banks, at most `lanes`
    /// ([`active_lanes`], the hardware's rule).
    pub fn effective_lanes(&self) -> u32 {
        active_lanes(self.lanes, self.active_lanes)
    }

    /// Per source, the XOR of its words over the whole run, by doubling.
    fn source_sums(&self, m: usize) -> Vec<u64> {
        (0..source_count(m))
            .map(|s| step_sum(self.seed ^ source_salt(s), self.clocks))
            .collect()
    }

    /// Deltas fed in the whole run.
    pub fn deltas(&self) -> u64 {
        self.clocks * self.effective_lanes() as u64
    }

    /// What the run feeds each context of a table-mode core, where lane i writes context
    /// `(base + i) mod contexts`: one XOR per context, by doubling.
    pub fn predicted_per_context(&self, contexts: u32, base: u64) -> Vec<u64> {
        let m = self.effective_lanes() as usize;
        let sums = self.source_sums(m);
        let mut fed = vec![0u64; contexts as usize];
        for i in 0..m {
            fed[((base + i as u64) % contexts as u64) as usize] ^=
                lane_delta(i, sums[lane_source(i)], self.width);
        }
        fed
    }

    /// What the run feeds each context of a shared-table core, where every lane of the k-th
    /// feeding clock writes context `(base + k) mod contexts`: one XOR per context, by
    /// doubling. Context `(base + j) mod C` takes clocks j, j + C, j + 2C, ... below K, whose
    /// words sum to `L^j (I + L^C + L^2C + ...)(seed ^ salt)`; only two such sums differ
    /// (ceil and floor of K / C terms), the `L^j` is a step of the generator.
    pub fn predicted_per_context_shared(&self, contexts: u32, base: u64) -> Vec<u64> {
        let m = self.effective_lanes() as usize;
        let c = contexts as u64;
        let mut fed = vec![0u64; contexts as usize];
        let stride = matrix_power(&Gf2Matrix::lfsr_step(), c);
        let (q, r) = (self.clocks / c, self.clocks % c);
        for s in 0..source_count(m) {
            let x = self.seed ^ source_salt(s);
            let mut long = geometric_sum(&stride, x, q + 1);
            let mut short = geometric_sum(&stride, x, q);
            let lanes: Vec<usize> = (0..m).filter(|&i| lane_source(i) == s).collect();
            for j in 0..c {
                let sum = if j < r { long } else { short };
                let slot = &mut fed[((base + j) % c) as usize];
                for &i in &lanes {
                    *slot ^= lane_delta(i, sum, self.width);
                }
                long = lfsr64(long);
                short = lfsr64(short);
            }
        }
        fed
    }

    /// The same per-context XOR for the shared-table core by stepping every clock: the slow
    /// reference the doubling is checked against.
    pub fn stepped_per_context_shared(&self, contexts: u32, base: u64) -> Vec<u64> {
        let m = self.effective_lanes() as usize;
        let mut words: Vec<u64> = (0..source_count(m))
            .map(|s| self.seed ^ source_salt(s))
            .collect();
        let mut fed = vec![0u64; contexts as usize];
        for k in 0..self.clocks {
            let slot = &mut fed[((base + k) % contexts as u64) as usize];
            for i in 0..m {
                *slot ^= lane_delta(i, words[lane_source(i)], self.width);
            }
            for w in words.iter_mut() {
                *w = lfsr64(*w);
            }
        }
        fed
    }

    /// What the run feeds each context of a core in `mode` with `contexts` contexts, the run
    /// based at `base`: the table mode's per-lane spread, the shared mode's per-clock one (the
    /// single mode's one context is the table spread over one context).
    pub fn predicted_for_mode(&self, mode: LaneMode, contexts: u32, base: u64) -> Vec<u64> {
        match mode {
            LaneMode::Shared => self.predicted_per_context_shared(contexts, base),
            LaneMode::Single | LaneMode::Table => self.predicted_per_context(contexts, base),
        }
    }

    /// XOR of every delta fed in the run, by doubling (independent of the run length).
    pub fn predicted_xor(&self) -> u64 {
        let m = self.effective_lanes() as usize;
        let sums = self.source_sums(m);
        (0..m).fold(0, |total, i| {
            total ^ lane_delta(i, sums[lane_source(i)], self.width)
        })
    }

    /// The same XOR by stepping every clock: the slow reference the doubling is checked
    /// against.
    pub fn stepped_xor(&self) -> u64 {
        let m = self.effective_lanes() as usize;
        let mut words: Vec<u64> = (0..source_count(m))
            .map(|s| self.seed ^ source_salt(s))
            .collect();
        let mut total = 0;
        for _ in 0..self.clocks {
            for i in 0..m {
                total ^= lane_delta(i, words[lane_source(i)], self.width);
            }
            for w in words.iter_mut() {
                *w = lfsr64(*w);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources' step has order 2^64 - 1, so a nonzero seed runs through every nonzero
    /// word before it repeats: `L^(2^64 - 1) = I` and `L^((2^64 - 1) / p) != I` for each
    /// prime p of 2^64 - 1 = 3 * 5 * 17 * 257 * 641 * 65537 * 6700417.
    #[test]
    fn the_source_step_has_full_period() {
        let step = Gf2Matrix::lfsr_step();
        let period = u64::MAX;
        assert_eq!(matrix_power(&step, period), Gf2Matrix::identity());
        let primes = [3u64, 5, 17, 257, 641, 65537, 6700417];
        assert_eq!(primes.iter().product::<u64>(), period);
        for p in primes {
            assert_ne!(
                matrix_power(&step, period / p),
                Gf2Matrix::identity(),
                "p = {p}"
            );
        }
    }

    #[test]
    fn doubling_sum_equals_stepping() {
        for k in [0u64, 1, 2, 3, 7, 64, 1000, 4097] {
            let mut x = 0x0123_4567_89ab_cdefu64;
            let mut stepped = 0;
            for _ in 0..k {
                stepped ^= x;
                x = lfsr64(x);
            }
            assert_eq!(step_sum(0x0123_4567_89ab_cdef, k), stepped, "k = {k}");
        }
    }

    #[test]
    fn predicted_run_equals_stepped_run() {
        for (lanes, width, active, clocks) in [
            (1, 64, 1, 100),
            (16, 64, 16, 333),
            (128, 8, 100, 257),
            (256, 32, 300, 64),
        ] {
            let run = GeneratorRun {
                lanes,
                width,
                seed: 0xfeed_beef,
                clocks,
                active_lanes: active,
            };
            assert_eq!(run.predicted_xor(), run.stepped_xor(), "{run:?}");
        }
    }

    #[test]
    fn shared_prediction_equals_stepped_run() {
        // Runs shorter than, equal to and longer than the table, with and without a remainder,
        // and a base that wraps.
        for (lanes, active, clocks, contexts, base) in [
            (4, 4, 3, 8, 0),
            (16, 16, 8, 8, 5),
            (64, 64, 1000, 16, 13),
            (128, 100, 257, 4, 3),
            (2, 1, 0, 2, 1),
        ] {
            let run = GeneratorRun {
                lanes,
                width: 64,
                seed: 0x5eed_0001,
                clocks,
                active_lanes: active,
            };
            assert_eq!(
                run.predicted_per_context_shared(contexts, base),
                run.stepped_per_context_shared(contexts, base),
                "{run:?} contexts {contexts} base {base}"
            );
        }
    }
}

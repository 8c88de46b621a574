//! A table of ATOMiK contexts, one per address `0..num_contexts`.
//!
//! Storage is chosen at construction: a dense `Vec` up to [`DENSE_LIMIT`] contexts, and beyond
//! that a hash map holding only the addresses that differ from a fresh context (the model has no
//! upper bound on `num_contexts`). Both give O(1) reads; `snapshot` sorts in the sparse case.
//!
//! Every operation validates its address(es) first, so an error changes nothing.

use std::collections::HashMap;

use super::context::{check_width, mask_for, Context};
use super::error::AtomikError;
use super::fold::xor_fold;

/// Tables of at most this many contexts are stored densely (24 bytes per context).
pub const DENSE_LIMIT: u64 = 1 << 16;

/// The per-address state; `Slot::default()` is a fresh context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    reference: u64,
    accumulator: u64,
    delta_count: u64,
}

impl Slot {
    #[inline]
    fn read(&self) -> u64 {
        self.reference ^ self.accumulator
    }
}

/// Dense or sparse context storage.
#[derive(Debug, Clone)]
enum Storage {
    /// One slot per address.
    Dense(Vec<Slot>),
    /// Only the slots that differ from `Slot::default()`.
    Sparse(HashMap<u64, Slot>),
}

/// A table of `num_contexts` contexts of `width` bits, all starting at reference 0,
/// accumulator 0.
#[derive(Debug, Clone)]
pub struct Table {
    width: u32,
    mask: u64,
    num_contexts: u64,
    storage: Storage,
}

impl Table {
    /// A fresh table of `num_contexts` contexts of `width` bits.
    ///
    /// Fails with [`AtomikError::InvalidWidth`] unless `width` is in `1..=64`, and with
    /// [`AtomikError::InvalidContextCount`] when `num_contexts` is 0.
    pub fn new(width: u32, num_contexts: u64) -> Result<Self, AtomikError> {
        check_width(width)?;
        if num_contexts == 0 {
            return Err(AtomikError::InvalidContextCount {
                count: num_contexts,
            });
        }
        let storage = match usize::try_from(num_contexts) {
            Ok(n) if num_contexts <= DENSE_LIMIT => Storage::Dense(vec![Slot::default(); n]),
            _ => Storage::Sparse(HashMap::new()),
        };
        Ok(Self {
            width,
            mask: mask_for(width),
            num_contexts,
            storage,
        })
    }

    /// The width of every context, in bits.
    #[inline]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The width mask, `2^width - 1`.
    #[inline]
    pub fn mask(&self) -> u64 {
        self.mask
    }

    /// The number of contexts; valid addresses are `0..num_contexts`.
    #[inline]
    pub fn num_contexts(&self) -> u64 {
        self.num_contexts
    }

    /// The slot of `addr` (a copy; a fresh slot when absent from sparse storage).
    #[inline]
    fn slot(&self, addr: u64) -> Result<Slot, AtomikError> {
        match &self.storage {
            Storage::Dense(v) => usize::try_from(addr)
                .ok()
                .and_then(|i| v.get(i))
                .copied()
                .ok_or_else(|| self.out_of_range(addr)),
            Storage::Sparse(m) if addr < self.num_contexts => {
                Ok(m.get(&addr).copied().unwrap_or_default())
            }
            Storage::Sparse(_) => Err(self.out_of_range(addr)),
        }
    }

    /// The error for `addr` being out of range.
    #[cold]
    fn out_of_range(&self, addr: u64) -> AtomikError {
        AtomikError::AddressOutOfRange {
            addr,
            num_contexts: self.num_contexts,
        }
    }

    /// Applies `f` to the slot of `addr` after validating the address (nothing changes on
    /// error). Dense storage holds exactly `num_contexts` slots, so its bounds check is the
    /// address check. Sparse storage drops slots that become fresh again.
    #[inline]
    fn update<R>(&mut self, addr: u64, f: impl FnOnce(&mut Slot) -> R) -> Result<R, AtomikError> {
        match &mut self.storage {
            Storage::Dense(v) => match usize::try_from(addr).ok().and_then(|i| v.get_mut(i)) {
                Some(slot) => Ok(f(slot)),
                None => Err(self.out_of_range(addr)),
            },
            Storage::Sparse(m) => {
                if addr >= self.num_contexts {
                    return Err(self.out_of_range(addr));
                }
                let slot = m.entry(addr).or_default();
                let r = f(slot);
                if *slot == Slot::default() {
                    m.remove(&addr);
                }
                Ok(r)
            }
        }
    }

    /// LOAD at `addr`: reference = `value & mask`, accumulator and delta count cleared.
    pub fn load(&mut self, addr: u64, value: u64) -> Result<(), AtomikError> {
        let mask = self.mask;
        self.update(addr, |s| {
            *s = Slot {
                reference: value & mask,
                accumulator: 0,
                delta_count: 0,
            }
        })
    }

    /// ACCUM at `addr`: accumulator ^= `delta & mask`, one more delta counted.
    #[inline]
    pub fn accum(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        let mask = self.mask;
        self.update(addr, |s| {
            s.accumulator ^= delta & mask;
            s.delta_count = s.delta_count.wrapping_add(1);
        })
    }

    /// ACCUM of every delta of `deltas` at `addr`, in one XOR-fold; counts `deltas.len()`.
    pub fn accum_slice(&mut self, addr: u64, deltas: &[u64]) -> Result<(), AtomikError> {
        let mask = self.mask;
        self.update(addr, |s| {
            s.accumulator ^= xor_fold(deltas) & mask;
            s.delta_count = s.delta_count.wrapping_add(deltas.len() as u64);
        })
    }

    /// ROLLBACK at `addr`: identical to [`accum`](Self::accum) (XOR is self-inverse).
    #[inline]
    pub fn rollback(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        self.accum(addr, delta)
    }

    /// READ at `addr`: its state, `reference ^ accumulator`.
    #[inline]
    pub fn read(&self, addr: u64) -> Result<u64, AtomikError> {
        self.slot(addr).map(|s| s.read())
    }

    /// SWAP at `addr`: returns the state before the swap and starts a new epoch from
    /// `value & mask`, or from that state when `value` is `None`.
    pub fn swap(&mut self, addr: u64, value: Option<u64>) -> Result<u64, AtomikError> {
        let mask = self.mask;
        self.update(addr, |s| {
            let state = s.read();
            *s = Slot {
                reference: value.map_or(state, |v| v & mask),
                accumulator: 0,
                delta_count: 0,
            };
            state
        })
    }

    /// ACCUM of each `(addr, delta)` pair in order, atomically.
    ///
    /// Deviation 1 of docs/semantics.md: every address is validated before anything is
    /// applied, so on [`AtomikError::AddressOutOfRange`] (naming the first bad address) the
    /// table is unchanged. atomik-core applies the valid prefix and then raises.
    pub fn batch_accum(&mut self, deltas: &[(u64, u64)]) -> Result<(), AtomikError> {
        if let Some(&(addr, _)) = deltas.iter().find(|&&(a, _)| a >= self.num_contexts) {
            return Err(self.out_of_range(addr));
        }
        for &(addr, delta) in deltas {
            self.accum(addr, delta)?;
        }
        Ok(())
    }

    /// `(addr, state)` for every address whose state is non-zero, ascending by address.
    pub fn snapshot(&self) -> Vec<(u64, u64)> {
        match &self.storage {
            Storage::Dense(v) => (0u64..)
                .zip(v)
                .filter(|(_, s)| s.read() != 0)
                .map(|(a, s)| (a, s.read()))
                .collect(),
            Storage::Sparse(m) => {
                let mut out: Vec<(u64, u64)> = m
                    .iter()
                    .filter(|(_, s)| s.read() != 0)
                    .map(|(&a, s)| (a, s.read()))
                    .collect();
                out.sort_unstable_by_key(|&(a, _)| a);
                out
            }
        }
    }

    /// A copy of the context at `addr` (reference, accumulator, delta count).
    pub fn context(&self, addr: u64) -> Result<Context, AtomikError> {
        let s = self.slot(addr)?;
        Ok(Context::from_parts(
            self.width,
            s.reference,
            s.accumulator,
            s.delta_count,
        ))
    }
}

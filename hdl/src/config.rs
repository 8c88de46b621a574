//! Synthesis-time parameters of the ATOMiK core, validated before any hardware is built.
//!
//! rust-hdl signal widths are const generics, so a run-time configuration is turned into a
//! concrete type by [`crate::dispatch`]; the sets accepted here are exactly the ones that
//! dispatch knows how to build.

use thiserror::Error;

/// Datapath widths the RTL is built for. 64 is the default and the one the conformance
/// vectors exercise on the RTL; narrower widths serve small FPGAs and formal proofs.
pub const SUPPORTED_WIDTHS: &[u32] = &[8, 16, 32, 64];

/// Smallest and largest context-table size (entries); sizes are powers of two so the address
/// decodes without a bounds check in hardware. 4096 x 64 bit x 2 tables = 16 block RAMs on
/// an ECP5, more than that belongs to the multi-lane table mode.
pub const MIN_CONTEXTS: u32 = 2;
pub const MAX_CONTEXTS: u32 = 4096;

/// Depth of the response queue. Reading ops (READ, SWAP) are admitted only while fewer than
/// this many responses are outstanding, so the queue can never overflow. 4 covers the context
/// core's 2-cycle read latency plus the ready register, so back-to-back READs run there at one
/// per clock while the consumer keeps `rsp_ready` high; the multi-lane cores, whose responses
/// take L + 2 clocks, stream 4 per L + 3 clocks. No host link issues reads that fast (each
/// waits for its answer), and on the GW1NR-9 four more entries were worth eight lanes (see
/// `response_queue`).
pub const RESPONSE_QUEUE_DEPTH: u32 = 4;

/// A rejected parameter, naming the bad value and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("unsupported width {width}: the RTL is built for widths {SUPPORTED_WIDTHS:?}")]
    Width { width: u32 },
    #[error(
        "unsupported context count {contexts}: must be a power of two from {MIN_CONTEXTS} to {MAX_CONTEXTS}"
    )]
    Contexts { contexts: u32 },
}

/// Parameters of one ATOMiK core instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoreConfig {
    /// Bits per context state (reference, accumulator, deltas, responses).
    pub width: u32,
    /// Number of contexts in the table (power of two); addresses are `log2(contexts)` bits.
    pub contexts: u32,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            width: 64,
            contexts: 256,
        }
    }
}

impl CoreConfig {
    /// Validates and builds a configuration.
    pub fn new(width: u32, contexts: u32) -> Result<Self, ConfigError> {
        if !SUPPORTED_WIDTHS.contains(&width) {
            return Err(ConfigError::Width { width });
        }
        if !(MIN_CONTEXTS..=MAX_CONTEXTS).contains(&contexts) || !contexts.is_power_of_two() {
            return Err(ConfigError::Contexts { contexts });
        }
        Ok(CoreConfig { width, contexts })
    }

    /// Address bits: `log2(contexts)`.
    pub fn addr_bits(&self) -> u32 {
        self.contexts.trailing_zeros()
    }

    /// Mask of the datapath width.
    pub fn mask(&self) -> u64 {
        if self.width >= 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        }
    }

    /// A short name for caches, file names and reports, e.g. `core_w64_c256`.
    pub fn name(&self) -> String {
        format!("core_w{}_c{}", self.width, self.contexts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_64_bit_256_contexts() {
        assert_eq!(CoreConfig::default(), CoreConfig::new(64, 256).unwrap());
        assert_eq!(CoreConfig::default().addr_bits(), 8);
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let e = CoreConfig::new(12, 256).unwrap_err();
        assert!(e.to_string().contains("width 12"), "{e}");
        let e = CoreConfig::new(64, 100).unwrap_err();
        assert!(e.to_string().contains("context count 100"), "{e}");
        assert!(CoreConfig::new(64, 1).is_err());
        assert!(CoreConfig::new(64, 8192).is_err());
    }
}

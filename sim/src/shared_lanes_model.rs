//! The cycle-exact model of the shared-table multi-lane core
//! (`atomik_hdl::lanes::shared::SharedLaneCore`): the shared [`ContextTableModel`] with shared
//! mode's feeding.
//!
//! A command's response reaches the table stage L + 2 clocks after the command holds the
//! table's slot (visible L + 5 clocks after the handshake). In its k-th feeding clock a run
//! puts the XOR of every enabled lane's delta into context (base + k) mod contexts, base being
//! the address GEN_RUN was given. STATUS's FEED register reads [`FEED_PER_CLOCK`].

use crate::context_table_model::{ContextTableModel, FeedMode};
use crate::generator_model::GeneratorModel;
use crate::lanes_model::lane_xor;
use crate::model::Table;
use atomik_hdl::lanes::shared::FEED_PER_CLOCK;
use atomik_hdl::lanes::single::StatusReg;
use atomik_hdl::lanes::LanesConfig;

/// The model of `SharedLaneCore`.
pub type SharedLanesModel = ContextTableModel<SharedFeed>;

/// Shared mode's feeding: the reduction of every lane to one context, advancing each clock.
#[derive(Debug, Default)]
pub struct SharedFeed {
    /// The context the run's next feeding clock goes to.
    feed_addr: u64,
}

impl FeedMode for SharedFeed {
    /// `SharedLaneCore`'s delay line from S1 to the table's stage is L + 2 clocks (the RAM's
    /// output is registered before the read-modify-write).
    const STAGES_AFTER_TREE: usize = 2;

    fn status(index: u64) -> Option<u64> {
        (index == StatusReg::Feed as u64).then_some(FEED_PER_CLOCK)
    }

    fn launch(&mut self, base: u64) {
        self.feed_addr = base;
    }

    fn feed(&mut self, generator: &GeneratorModel, config: &LanesConfig, table: &mut Table) {
        let reduced = lane_xor(generator.words(), generator.rotation_masks(), config.width);
        // In range by construction.
        let _ = table.accum(self.feed_addr, reduced);
        self.feed_addr = (self.feed_addr + 1) % config.contexts as u64;
    }
}

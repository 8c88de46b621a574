//! The cycle-exact model of the table-mode multi-lane core
//! (`atomik_hdl::lanes::table::TableLaneCore`): the shared [`ContextTableModel`] with table
//! mode's feeding.
//!
//! A command's response reaches the reference stage L + 2 clocks after the command holds the
//! lanes (visible L + 5 clocks after the handshake). In each feeding clock lane i feeds its
//! delta to context (base + i) mod contexts, base being the address GEN_RUN was given.

use crate::context_table_model::{ContextTableModel, FeedMode};
use crate::generator_model::GeneratorModel;
use crate::model::Table;
use atomik_hdl::lanes::lane::{lane_delta, lane_source};
use atomik_hdl::lanes::LanesConfig;

/// The model of `TableLaneCore`.
pub type TableLanesModel = ContextTableModel<TableFeed>;

/// Table mode's feeding: every lane to its own context, from the run's base.
#[derive(Debug, Default)]
pub struct TableFeed {
    /// Context lane 0 feeds (GEN_RUN's address).
    base: u64,
}

impl FeedMode for TableFeed {
    /// `TableLaneCore`'s delay line from S1 to the reference stage is L + 2 clocks.
    const STAGES_AFTER_TREE: usize = 2;

    fn launch(&mut self, base: u64) {
        self.base = base;
    }

    fn feed(&mut self, generator: &GeneratorModel, config: &LanesConfig, table: &mut Table) {
        let contexts = config.contexts as u64;
        let words = generator.words();
        for i in 0..generator.enabled_lanes() {
            let delta = lane_delta(i, words[lane_source(i)], 64);
            let addr = (self.base + i as u64) % contexts;
            // In range by construction.
            let _ = table.accum(addr, delta);
        }
    }
}

//! Verilator model builder and driver (filled in by the Verilator work).

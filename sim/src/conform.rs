//! Conformance-vector runner (filled in by the model work).

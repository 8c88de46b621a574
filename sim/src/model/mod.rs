//! The ATOMiK algebra (filled in by the model work).

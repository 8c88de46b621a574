//! Boards as data (skeleton: filled by the boards issue).

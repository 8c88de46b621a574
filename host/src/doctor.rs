//! Tool discovery for `atomik doctor` (filled in by the doctor work).

//! Conformance-vector runner: replays `vectors.jsonl` (format in docs/VECTORS.md) against any
//! table-shaped target and reports each failing case with its first differing op.
//!
//! - [`TableOps`] is what a target implements: the model ([`Table`]) or a driver around
//!   simulated RTL.
//! - [`load_cases`] parses a vectors file; a parse error names the file and line.
//! - [`run_cases`] runs table cases on targets made by a factory (which may return `None` to
//!   skip a case it does not support, e.g. a width the RTL was not built for); fingerprint and
//!   wire cases always run against the model code.
//!
//! ```no_run
//! use atomik_sim::conform::{load_cases, model_target, run_cases};
//! let cases = load_cases("tests/data/vectors.jsonl".as_ref()).expect("vectors");
//! let report = run_cases(&cases, &mut model_target);
//! for failure in &report.failures {
//!     eprintln!("{failure}");
//! }
//! println!("{}", report.summary_line());
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::model::{AtomikError, DeltaMessage, Fingerprint, Table};

/// A table-shaped target: the model, or a driver around simulated RTL.
///
/// Every method mirrors the [`Table`] operation of the same name (docs/semantics.md, "Table");
/// an address outside `0..num_contexts` must fail with [`AtomikError::AddressOutOfRange`] and
/// change nothing.
pub trait TableOps {
    /// The width of every context, in bits.
    fn width(&self) -> u32;
    /// The number of contexts; valid addresses are `0..num_contexts`.
    fn num_contexts(&self) -> u64;
    /// LOAD: reference = `value` masked to the width; accumulator cleared.
    fn load(&mut self, addr: u64, value: u64) -> Result<(), AtomikError>;
    /// ACCUM: accumulator ^= `delta` masked to the width.
    fn accum(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError>;
    /// ROLLBACK: identical to ACCUM (XOR is self-inverse).
    fn rollback(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        self.accum(addr, delta)
    }
    /// READ: the state, reference ^ accumulator.
    fn read(&mut self, addr: u64) -> Result<u64, AtomikError>;
    /// SWAP: returns the pre-swap state; new reference `value` (masked) or that state.
    fn swap(&mut self, addr: u64, value: Option<u64>) -> Result<u64, AtomikError>;
    /// ACCUM of each pair in order, atomically (all addresses validated first).
    fn batch_accum(&mut self, deltas: &[(u64, u64)]) -> Result<(), AtomikError>;
    /// `(addr, state)` for every non-zero state, ascending by address.
    fn snapshot(&mut self) -> Result<Vec<(u64, u64)>, AtomikError>;
}

impl TableOps for Table {
    fn width(&self) -> u32 {
        Table::width(self)
    }
    fn num_contexts(&self) -> u64 {
        Table::num_contexts(self)
    }
    fn load(&mut self, addr: u64, value: u64) -> Result<(), AtomikError> {
        Table::load(self, addr, value)
    }
    fn accum(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        Table::accum(self, addr, delta)
    }
    fn rollback(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        Table::rollback(self, addr, delta)
    }
    fn read(&mut self, addr: u64) -> Result<u64, AtomikError> {
        Table::read(self, addr)
    }
    fn swap(&mut self, addr: u64, value: Option<u64>) -> Result<u64, AtomikError> {
        Table::swap(self, addr, value)
    }
    fn batch_accum(&mut self, deltas: &[(u64, u64)]) -> Result<(), AtomikError> {
        Table::batch_accum(self, deltas)
    }
    fn snapshot(&mut self) -> Result<Vec<(u64, u64)>, AtomikError> {
        Ok(Table::snapshot(self))
    }
}

/// The model as a conformance target: a fresh [`Table`] (`None` if the case's shape is not a
/// valid table, which [`load_cases`] already rejects).
pub fn model_target(width: u32, contexts: u64) -> Option<Box<dyn TableOps>> {
    Table::new(width, contexts)
        .ok()
        .map(|t| Box::new(t) as Box<dyn TableOps>)
}

// ---------------------------------------------------------------------------------------------
// Vector format
// ---------------------------------------------------------------------------------------------

/// A state value from a vectors file: a hex string (`"0x1f"`), or a JSON integer.
///
/// Hex strings may be wider than 64 bits; only the low 64 bits are kept (values wider than
/// the width are masked by the target anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hex(pub u64);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Parses a hex number (optional `0x`/`0X` prefix, at least one digit), keeping the low 64 bits.
fn parse_hex_u64(s: &str) -> Result<u64, String> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{s:?} is not a hex number"));
    }
    let low = &digits[digits.len().saturating_sub(16)..];
    u64::from_str_radix(low, 16).map_err(|e| format!("{s:?}: {e}"))
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HexVisitor;
        impl Visitor<'_> for HexVisitor {
            type Value = Hex;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hex string such as \"0x1f\" or a non-negative integer")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hex, E> {
                parse_hex_u64(s).map(Hex).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Hex, E> {
                Ok(Hex(v))
            }
        }
        d.deserialize_any(HexVisitor)
    }
}

/// A byte string from a vectors file, written as hex digits (`"00ff"`, no prefix needed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HexBytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for HexBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").unwrap_or(&s);
        if digits.len() % 2 != 0 {
            return Err(de::Error::custom(format!(
                "hex bytes {s:?} have an odd number of digits"
            )));
        }
        digits
            .as_bytes()
            .chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|p| u8::from_str_radix(p, 16).ok())
                    .ok_or_else(|| de::Error::custom(format!("{s:?} is not hex bytes")))
            })
            .collect::<Result<Vec<u8>, D::Error>>()
            .map(HexBytes)
    }
}

/// An error a table op is expected to fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedError {
    /// [`AtomikError::AddressOutOfRange`].
    AddressOutOfRange,
}

impl fmt::Display for ExpectedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedError::AddressOutOfRange => f.write_str("address_out_of_range"),
        }
    }
}

/// One op of a table case. An op with `error` must fail with that error and change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TableOp {
    /// `load(addr, value)`.
    Load {
        /// Address.
        addr: u64,
        /// Value (may be wider than the width).
        value: Hex,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `accum(addr, delta)`.
    Accum {
        /// Address.
        addr: u64,
        /// Delta.
        delta: Hex,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `rollback(addr, delta)`.
    Rollback {
        /// Address.
        addr: u64,
        /// Delta.
        delta: Hex,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `read(addr)` must return `expect`.
    Read {
        /// Address.
        addr: u64,
        /// Expected state (absent when an error is expected).
        #[serde(default)]
        expect: Option<Hex>,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `swap(addr, value)` must return `expect`.
    Swap {
        /// Address.
        addr: u64,
        /// New reference, or `null` to keep the current state.
        #[serde(default)]
        value: Option<Hex>,
        /// Expected pre-swap state (absent when an error is expected).
        #[serde(default)]
        expect: Option<Hex>,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `batch_accum(deltas)`.
    BatchAccum {
        /// `(addr, delta)` pairs, applied in order.
        deltas: Vec<(u64, Hex)>,
        /// Expected error, if any.
        #[serde(default)]
        error: Option<ExpectedError>,
    },
    /// `snapshot()` must return `expect`.
    Snapshot {
        /// Expected `(addr, state)` of every non-zero state, ascending.
        expect: Vec<(u64, Hex)>,
    },
}

/// Shows at most this many entries of a list in a failure message.
const SHOW_ENTRIES: usize = 6;

/// `[(a, 0x..), …]`, cut after [`SHOW_ENTRIES`] entries.
fn show_pairs(pairs: impl ExactSizeIterator<Item = (u64, u64)>) -> String {
    let n = pairs.len();
    let mut parts: Vec<String> = pairs
        .take(SHOW_ENTRIES)
        .map(|(a, v)| format!("({a}, {v:#x})"))
        .collect();
    if n > SHOW_ENTRIES {
        parts.push(format!("… {} more", n - SHOW_ENTRIES));
    }
    format!("[{}]", parts.join(", "))
}

impl TableOp {
    /// The op's name as in the vectors file (`"batch_accum"`).
    pub fn name(&self) -> &'static str {
        match self {
            TableOp::Load { .. } => "load",
            TableOp::Accum { .. } => "accum",
            TableOp::Rollback { .. } => "rollback",
            TableOp::Read { .. } => "read",
            TableOp::Swap { .. } => "swap",
            TableOp::BatchAccum { .. } => "batch_accum",
            TableOp::Snapshot { .. } => "snapshot",
        }
    }

    /// The error the op must fail with, if any.
    pub fn expected_error(&self) -> Option<ExpectedError> {
        match self {
            TableOp::Load { error, .. }
            | TableOp::Accum { error, .. }
            | TableOp::Rollback { error, .. }
            | TableOp::Read { error, .. }
            | TableOp::Swap { error, .. }
            | TableOp::BatchAccum { error, .. } => *error,
            TableOp::Snapshot { .. } => None,
        }
    }
}

impl fmt::Display for TableOp {
    /// The call, e.g. `accum(addr=3, delta=0x1f)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableOp::Load { addr, value, .. } => write!(f, "load(addr={addr}, value={value})"),
            TableOp::Accum { addr, delta, .. } => write!(f, "accum(addr={addr}, delta={delta})"),
            TableOp::Rollback { addr, delta, .. } => {
                write!(f, "rollback(addr={addr}, delta={delta})")
            }
            TableOp::Read { addr, .. } => write!(f, "read(addr={addr})"),
            TableOp::Swap { addr, value, .. } => match value {
                Some(v) => write!(f, "swap(addr={addr}, value={v})"),
                None => write!(f, "swap(addr={addr}, value=None)"),
            },
            TableOp::BatchAccum { deltas, .. } => write!(
                f,
                "batch_accum({})",
                show_pairs(deltas.iter().map(|&(a, d)| (a, d.0)))
            ),
            TableOp::Snapshot { .. } => f.write_str("snapshot()"),
        }
    }
}

/// `kind = "table"`: ops on a fresh table of `contexts` contexts of `width` bits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TableCase {
    /// Case name.
    pub name: String,
    /// Context width in bits (1..=64).
    pub width: u32,
    /// Number of contexts (>= 1).
    pub contexts: u64,
    /// The ops, applied in order.
    pub ops: Vec<TableOp>,
}

/// `kind = "fingerprint"`: `load(data)` returns `reference`; after `update(new)`, `changed`
/// and `value` match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FingerprintCase {
    /// Case name.
    pub name: String,
    /// Fingerprint width in bits.
    pub width: u32,
    /// The reference data.
    pub data: HexBytes,
    /// The possibly changed data.
    pub new: HexBytes,
    /// Expected R(data).
    pub reference: Hex,
    /// Expected `changed` after `update(new)`.
    pub changed: bool,
    /// Expected `value` after `update(new)`.
    pub value: Hex,
}

/// `kind = "wire"`: encoding `(addr, delta, seq)` gives exactly `bytes`, and back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WireCase {
    /// Case name.
    pub name: String,
    /// Message address.
    pub addr: u32,
    /// Message delta.
    pub delta: Hex,
    /// Message sequence number.
    pub seq: u32,
    /// The expected 16 wire bytes.
    pub bytes: HexBytes,
}

/// One conformance case (one line of `vectors.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Case {
    /// Table ops against a [`TableOps`] target.
    Table(TableCase),
    /// A fingerprint check against [`Fingerprint`].
    Fingerprint(FingerprintCase),
    /// A wire-format check against [`DeltaMessage`].
    Wire(WireCase),
}

impl Case {
    /// The case name.
    pub fn name(&self) -> &str {
        match self {
            Case::Table(c) => &c.name,
            Case::Fingerprint(c) => &c.name,
            Case::Wire(c) => &c.name,
        }
    }

    /// The case kind as in the file (`"table"`, `"fingerprint"`, `"wire"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Case::Table(_) => "table",
            Case::Fingerprint(_) => "fingerprint",
            Case::Wire(_) => "wire",
        }
    }

    /// Checks what serde cannot: a valid table shape, and an `expect` on every read/swap
    /// that is not expected to fail.
    fn validate(&self) -> Result<(), String> {
        let Case::Table(t) = self else {
            return Ok(());
        };
        if !(1..=64).contains(&t.width) {
            return Err(format!(
                "case {}: width {} is not in 1..=64",
                t.name, t.width
            ));
        }
        if t.contexts == 0 {
            return Err(format!("case {}: contexts must be >= 1", t.name));
        }
        for (i, op) in t.ops.iter().enumerate() {
            let missing = match op {
                TableOp::Read { expect, error, .. } | TableOp::Swap { expect, error, .. } => {
                    expect.is_none() && error.is_none()
                }
                _ => false,
            };
            if missing {
                return Err(format!(
                    "case {}: op {i} ({}) has neither `expect` nor `error`",
                    t.name,
                    op.name()
                ));
            }
        }
        Ok(())
    }
}

/// A vectors file that cannot be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConformError {
    /// The file could not be read.
    #[error("cannot read {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// A line is not a valid case.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
}

/// Reads and parses a vectors file (one JSON case per line; blank lines are ignored).
pub fn load_cases(path: &Path) -> Result<Vec<Case>, ConformError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConformError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_cases(&text, path)
}

/// Parses vectors from `text`; `source` only names the origin in errors.
pub fn parse_cases(text: &str, source: &Path) -> Result<Vec<Case>, ConformError> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parse_error = |message: String| ConformError::Parse {
            path: source.to_path_buf(),
            line: i + 1,
            message,
        };
        let case: Case = serde_json::from_str(line).map_err(|e| parse_error(e.to_string()))?;
        case.validate().map_err(parse_error)?;
        cases.push(case);
    }
    Ok(cases)
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

/// A failing case: its name and the first op whose result differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFailure {
    /// Case name.
    pub name: String,
    /// Index of the first differing op (for fingerprint cases: 0 new, 1 load, 2 update,
    /// 3 value; for wire cases: 0 encode, 1 decode).
    pub op_index: usize,
    /// The op, what was expected and what the target gave.
    pub detail: String,
}

impl fmt::Display for CaseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FAIL {}: op {}: {}",
            self.name, self.op_index, self.detail
        )
    }
}

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check matched.
    Passed,
    /// A check differed.
    Failed(CaseFailure),
    /// The factory declined the case (unsupported width or size).
    Skipped,
}

/// The result of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConformReport {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases the factory declined.
    pub skipped: usize,
    /// One entry per failed case, in file order.
    pub failures: Vec<CaseFailure>,
}

impl ConformReport {
    /// `"N passed, M failed"`, plus `", K skipped"` when K > 0.
    pub fn summary_line(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }

    /// Counts one outcome.
    pub fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Failed(f) => {
                self.failed += 1;
                self.failures.push(f);
            }
        }
    }
}

/// Runs every case: table cases on a target from `factory(width, contexts)` (a fresh target
/// per case; `None` skips the case), fingerprint and wire cases on the model.
pub fn run_cases<'t>(
    cases: &[Case],
    factory: &mut dyn FnMut(u32, u64) -> Option<Box<dyn TableOps + 't>>,
) -> ConformReport {
    run_cases_with_progress(cases, factory, &mut |_, _, _| {})
}

/// [`run_cases`], calling `progress(index, case, outcome)` after each case.
pub fn run_cases_with_progress<'t>(
    cases: &[Case],
    factory: &mut dyn FnMut(u32, u64) -> Option<Box<dyn TableOps + 't>>,
    progress: &mut dyn FnMut(usize, &Case, &Outcome),
) -> ConformReport {
    let mut report = ConformReport::default();
    for (i, case) in cases.iter().enumerate() {
        let outcome = run_case(case, factory);
        progress(i, case, &outcome);
        report.record(outcome);
    }
    report
}

/// Runs one case (see [`run_cases`]).
pub fn run_case<'t>(
    case: &Case,
    factory: &mut dyn FnMut(u32, u64) -> Option<Box<dyn TableOps + 't>>,
) -> Outcome {
    let result = match case {
        Case::Table(t) => match factory(t.width, t.contexts) {
            Some(mut target) => run_table_case(t, target.as_mut()),
            None => return Outcome::Skipped,
        },
        Case::Fingerprint(c) => run_fingerprint_case(c),
        Case::Wire(c) => run_wire_case(c),
    };
    match result {
        Ok(()) => Outcome::Passed,
        Err(f) => Outcome::Failed(f),
    }
}

/// Runs a table case on `target` (which must be fresh), stopping at the first differing op.
pub fn run_table_case(case: &TableCase, target: &mut dyn TableOps) -> Result<(), CaseFailure> {
    for (i, op) in case.ops.iter().enumerate() {
        check_table_op(case, op, target).map_err(|why| CaseFailure {
            name: case.name.clone(),
            op_index: i,
            detail: format!("{op}: {why}"),
        })?;
    }
    Ok(())
}

/// Runs one op and compares it with the vectors; `Err` says what differs.
fn check_table_op(case: &TableCase, op: &TableOp, t: &mut dyn TableOps) -> Result<(), String> {
    if let Some(expected) = op.expected_error() {
        let before = t
            .snapshot()
            .map_err(|e| format!("snapshot before the op failed: {e}"))?;
        let got = apply_op(op, t);
        check_expected_error(case, op, expected, got)?;
        let after = t
            .snapshot()
            .map_err(|e| format!("snapshot after the failed op failed: {e}"))?;
        if before != after {
            return Err(format!(
                "failed as expected but changed the state: snapshot before {}, after {}",
                show_pairs(before.into_iter()),
                show_pairs(after.into_iter())
            ));
        }
        return Ok(());
    }
    let got = apply_op(op, t).map_err(|e| format!("expected success, got error: {e}"))?;
    match (op, got) {
        (
            TableOp::Read {
                expect: Some(e), ..
            },
            Value::State(v),
        )
        | (
            TableOp::Swap {
                expect: Some(e), ..
            },
            Value::State(v),
        ) => {
            if e.0 == v {
                Ok(())
            } else {
                Err(format!("expected {e}, got {v:#x}"))
            }
        }
        (TableOp::Snapshot { expect }, Value::Snapshot(got)) => compare_snapshot(expect, &got),
        _ => Ok(()),
    }
}

/// What an op returned.
enum Value {
    None,
    State(u64),
    Snapshot(Vec<(u64, u64)>),
}

/// Applies `op` to the target.
fn apply_op(op: &TableOp, t: &mut dyn TableOps) -> Result<Value, AtomikError> {
    Ok(match op {
        TableOp::Load { addr, value, .. } => t.load(*addr, value.0).map(|()| Value::None)?,
        TableOp::Accum { addr, delta, .. } => t.accum(*addr, delta.0).map(|()| Value::None)?,
        TableOp::Rollback { addr, delta, .. } => {
            t.rollback(*addr, delta.0).map(|()| Value::None)?
        }
        TableOp::Read { addr, .. } => Value::State(t.read(*addr)?),
        TableOp::Swap { addr, value, .. } => Value::State(t.swap(*addr, value.map(|v| v.0))?),
        TableOp::BatchAccum { deltas, .. } => {
            let pairs: Vec<(u64, u64)> = deltas.iter().map(|&(a, d)| (a, d.0)).collect();
            t.batch_accum(&pairs).map(|()| Value::None)?
        }
        TableOp::Snapshot { .. } => Value::Snapshot(t.snapshot()?),
    })
}

/// Checks that `got` is the expected error, for the op's (first out-of-range) address and the
/// case's context count.
fn check_expected_error(
    case: &TableCase,
    op: &TableOp,
    expected: ExpectedError,
    got: Result<Value, AtomikError>,
) -> Result<(), String> {
    let ExpectedError::AddressOutOfRange = expected;
    let want_addr = match op {
        TableOp::Load { addr, .. }
        | TableOp::Accum { addr, .. }
        | TableOp::Rollback { addr, .. }
        | TableOp::Read { addr, .. }
        | TableOp::Swap { addr, .. } => Some(*addr),
        TableOp::BatchAccum { deltas, .. } => {
            deltas.iter().map(|&(a, _)| a).find(|&a| a >= case.contexts)
        }
        TableOp::Snapshot { .. } => None,
    };
    match got {
        Err(AtomikError::AddressOutOfRange { addr, num_contexts })
            if Some(addr) == want_addr && num_contexts == case.contexts =>
        {
            Ok(())
        }
        Err(e) => Err(format!(
            "expected error {expected} (address {} of 0..{}), got error: {e}",
            want_addr.map_or_else(|| "?".to_string(), |a| a.to_string()),
            case.contexts
        )),
        Ok(Value::State(v)) => Err(format!("expected error {expected}, got {v:#x}")),
        Ok(_) => Err(format!("expected error {expected}, got success")),
    }
}

/// Compares a snapshot with the expected one and names the first difference.
fn compare_snapshot(expect: &[(u64, Hex)], got: &[(u64, u64)]) -> Result<(), String> {
    let want: Vec<(u64, u64)> = expect.iter().map(|&(a, v)| (a, v.0)).collect();
    if want == got {
        return Ok(());
    }
    let first = want
        .iter()
        .zip(got)
        .position(|(w, g)| w != g)
        .unwrap_or(want.len().min(got.len()));
    let entry = |list: &[(u64, u64)]| {
        list.get(first)
            .map_or("nothing".to_string(), |(a, v)| format!("({a}, {v:#x})"))
    };
    Err(format!(
        "first difference at entry {first}: expected {}, got {}; expected {}, got {}",
        entry(&want),
        entry(got),
        show_pairs(want.iter().copied()),
        show_pairs(got.iter().copied())
    ))
}

/// Runs a fingerprint case on the model's [`Fingerprint`].
pub fn run_fingerprint_case(case: &FingerprintCase) -> Result<(), CaseFailure> {
    let fail = |op_index: usize, detail: String| CaseFailure {
        name: case.name.clone(),
        op_index,
        detail,
    };
    let mut fp = Fingerprint::new(case.width)
        .map_err(|e| fail(0, format!("new(width={}): {e}", case.width)))?;
    let reference = fp.load(&case.data.0);
    if reference != case.reference.0 {
        return Err(fail(
            1,
            format!(
                "load({} bytes): expected {}, got {reference:#x}",
                case.data.0.len(),
                case.reference
            ),
        ));
    }
    fp.update(&case.new.0);
    if fp.changed() != case.changed {
        return Err(fail(
            2,
            format!(
                "update({} bytes): expected changed = {}, got {}",
                case.new.0.len(),
                case.changed,
                fp.changed()
            ),
        ));
    }
    if fp.value() != case.value.0 {
        return Err(fail(
            3,
            format!("value: expected {}, got {:#x}", case.value, fp.value()),
        ));
    }
    Ok(())
}

/// Runs a wire case on the model's [`DeltaMessage`].
pub fn run_wire_case(case: &WireCase) -> Result<(), CaseFailure> {
    let fail = |op_index: usize, detail: String| CaseFailure {
        name: case.name.clone(),
        op_index,
        detail,
    };
    let msg = DeltaMessage {
        addr: case.addr,
        delta: case.delta.0,
        seq: case.seq,
    };
    let bytes = msg.to_bytes();
    if bytes[..] != case.bytes.0[..] {
        return Err(fail(
            0,
            format!(
                "encode {msg:?}: expected {}, got {}",
                hex_string(&case.bytes.0),
                hex_string(&bytes)
            ),
        ));
    }
    match DeltaMessage::from_bytes(&case.bytes.0) {
        Ok(decoded) if decoded == msg => Ok(()),
        Ok(decoded) => Err(fail(
            1,
            format!("decode: expected {msg:?}, got {decoded:?}"),
        )),
        Err(e) => Err(fail(1, format!("decode: expected {msg:?}, got error: {e}"))),
    }
}

/// Lower-case hex digits of `bytes`.
fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

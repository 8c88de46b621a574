//! The conformance runner catches wrong targets, names the case and first differing op,
//! skips what a factory declines, and reports parse errors with file and line.

use std::path::Path;

use atomik_sim::conform::{
    model_target, parse_cases, run_cases, Case, ConformError, ConformReport, Hex, TableOps,
};
use atomik_sim::model::{AtomikError, Table};

/// A model table with one injected fault.
struct Faulty {
    inner: Table,
    fault: Fault,
}

#[derive(Clone, Copy)]
enum Fault {
    /// READ of this address returns the state with bit 0 flipped.
    ReadFlip(u64),
    /// batch_accum applies the valid prefix before failing (atomik-core's bug).
    NonAtomicBatch,
    /// Out-of-range ACCUM is silently ignored instead of failing.
    IgnoreBadAccum,
}

impl TableOps for Faulty {
    fn width(&self) -> u32 {
        self.inner.width()
    }
    fn num_contexts(&self) -> u64 {
        self.inner.num_contexts()
    }
    fn load(&mut self, addr: u64, value: u64) -> Result<(), AtomikError> {
        self.inner.load(addr, value)
    }
    fn accum(&mut self, addr: u64, delta: u64) -> Result<(), AtomikError> {
        match self.fault {
            Fault::IgnoreBadAccum if addr >= self.inner.num_contexts() => Ok(()),
            _ => self.inner.accum(addr, delta),
        }
    }
    fn read(&mut self, addr: u64) -> Result<u64, AtomikError> {
        let v = self.inner.read(addr)?;
        Ok(match self.fault {
            Fault::ReadFlip(a) if a == addr => v ^ 1,
            _ => v,
        })
    }
    fn swap(&mut self, addr: u64, value: Option<u64>) -> Result<u64, AtomikError> {
        self.inner.swap(addr, value)
    }
    fn batch_accum(&mut self, deltas: &[(u64, u64)]) -> Result<(), AtomikError> {
        match self.fault {
            Fault::NonAtomicBatch => deltas.iter().try_for_each(|&(a, d)| self.inner.accum(a, d)),
            _ => self.inner.batch_accum(deltas),
        }
    }
    fn snapshot(&mut self) -> Result<Vec<(u64, u64)>, AtomikError> {
        Ok(self.inner.snapshot())
    }
}

fn cases(text: &str) -> Vec<Case> {
    parse_cases(text, Path::new("inline.jsonl")).unwrap_or_else(|e| panic!("{e}"))
}

fn run_faulty(cases: &[Case], fault: Fault) -> ConformReport {
    run_cases(cases, &mut |w, n| {
        Some(Box::new(Faulty {
            inner: Table::new(w, n).ok()?,
            fault,
        }) as Box<dyn TableOps>)
    })
}

const TABLE_CASE: &str = r#"{"name":"t","kind":"table","width":8,"contexts":4,"ops":[{"op":"load","addr":2,"value":"0x1ff"},{"op":"accum","addr":2,"delta":"0x0f"},{"op":"read","addr":1,"expect":"0x0"},{"op":"read","addr":2,"expect":"0xf0"}]}"#;

const BATCH_ERROR_CASE: &str = r#"{"name":"atomic","kind":"table","width":64,"contexts":2,"ops":[{"op":"batch_accum","deltas":[[0,"0x1"],[5,"0x1"]],"error":"address_out_of_range"},{"op":"read","addr":0,"expect":"0x0"}]}"#;

const ACCUM_ERROR_CASE: &str = r#"{"name":"oob","kind":"table","width":64,"contexts":1,"ops":[{"op":"accum","addr":1,"delta":"0x1","error":"address_out_of_range"},{"op":"read","addr":0,"expect":"0x0"}]}"#;

#[test]
fn the_model_passes_a_small_case_and_the_summary_has_no_skipped_part() {
    let report = run_cases(&cases(TABLE_CASE), &mut model_target);
    assert_eq!((report.passed, report.failed, report.skipped), (1, 0, 0));
    assert_eq!(report.summary_line(), "1 passed, 0 failed");
}

#[test]
fn a_wrong_read_is_reported_with_case_name_op_index_expected_and_got() {
    let report = run_faulty(&cases(TABLE_CASE), Fault::ReadFlip(2));
    assert_eq!(report.failed, 1);
    let f = &report.failures[0];
    assert_eq!(f.name, "t");
    assert_eq!(
        f.op_index, 3,
        "the first differing op is the read of address 2"
    );
    assert!(f.detail.contains("read(addr=2)"), "{}", f.detail);
    assert!(
        f.detail.contains("expected 0xf0") && f.detail.contains("got 0xf1"),
        "{}",
        f.detail
    );
    assert!(
        f.to_string().contains('t') && f.to_string().contains("op 3"),
        "{f}"
    );
    assert_eq!(report.summary_line(), "0 passed, 1 failed");
}

#[test]
fn a_non_atomic_batch_fails_the_state_unchanged_check() {
    assert_eq!(
        run_cases(&cases(BATCH_ERROR_CASE), &mut model_target).failed,
        0
    );
    let report = run_faulty(&cases(BATCH_ERROR_CASE), Fault::NonAtomicBatch);
    assert_eq!(report.failed, 1);
    let f = &report.failures[0];
    assert_eq!(f.op_index, 0);
    assert!(f.detail.contains("changed the state"), "{}", f.detail);
}

#[test]
fn a_missing_out_of_range_error_is_a_failure() {
    let report = run_faulty(&cases(ACCUM_ERROR_CASE), Fault::IgnoreBadAccum);
    assert_eq!(report.failed, 1);
    let f = &report.failures[0];
    assert_eq!((f.name.as_str(), f.op_index), ("oob", 0));
    assert!(
        f.detail
            .contains("expected error address_out_of_range, got success"),
        "{}",
        f.detail
    );
}

#[test]
fn declined_table_cases_are_skipped_but_wire_and_fingerprint_cases_still_run() {
    let text = format!(
        "{TABLE_CASE}\n{ACCUM_ERROR_CASE}\n\n{}\n{}\n",
        r#"{"name":"w","kind":"wire","addr":1,"delta":"0x2","seq":3,"bytes":"00000001000000000000000200000003"}"#,
        r#"{"name":"f","kind":"fingerprint","width":16,"data":"0102","new":"0103","reference":"0x201","changed":true,"value":"0x301"}"#
    );
    let all = cases(&text);
    assert_eq!(all.len(), 4, "blank lines are ignored");
    let only_64 = |w: u32, n: u64| (w == 64).then(|| model_target(w, n)).flatten();
    let report = run_cases(&all, &mut { only_64 });
    assert_eq!((report.passed, report.failed, report.skipped), (3, 0, 1));
    assert_eq!(report.summary_line(), "3 passed, 0 failed, 1 skipped");
}

#[test]
fn a_wrong_wire_or_fingerprint_expectation_names_the_op() {
    let text = [
        r#"{"name":"w","kind":"wire","addr":1,"delta":"0x2","seq":3,"bytes":"00000001000000000000000200000004"}"#,
        r#"{"name":"f","kind":"fingerprint","width":16,"data":"0102","new":"0103","reference":"0x201","changed":false,"value":"0x301"}"#,
    ]
    .join("\n");
    let report = run_cases(&cases(&text), &mut model_target);
    assert_eq!(report.failed, 2);
    assert_eq!(
        (
            report.failures[0].name.as_str(),
            report.failures[0].op_index
        ),
        ("w", 0)
    );
    assert!(
        report.failures[0].detail.starts_with("encode"),
        "{}",
        report.failures[0].detail
    );
    assert_eq!(
        (
            report.failures[1].name.as_str(),
            report.failures[1].op_index
        ),
        ("f", 2)
    );
    assert!(
        report.failures[1].detail.contains("changed"),
        "{}",
        report.failures[1].detail
    );
}

#[test]
fn parse_errors_name_the_file_and_line() {
    let text = format!("{TABLE_CASE}\n{{\"name\":\"x\",\"kind\":\"table\"\n");
    let err = parse_cases(&text, Path::new("v.jsonl")).expect_err("bad line accepted");
    assert!(
        matches!(err, ConformError::Parse { line: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("v.jsonl:2:"), "{err}");

    let bad_hex = r#"{"name":"h","kind":"table","width":8,"contexts":1,"ops":[{"op":"accum","addr":0,"delta":"0xzz"}]}"#;
    let err = parse_cases(bad_hex, Path::new("v.jsonl")).expect_err("bad hex accepted");
    assert!(err.to_string().contains("0xzz"), "{err}");

    let no_expect =
        r#"{"name":"r","kind":"table","width":8,"contexts":1,"ops":[{"op":"read","addr":0}]}"#;
    let err = parse_cases(no_expect, Path::new("v.jsonl")).expect_err("read without expect");
    assert!(
        err.to_string().contains("neither `expect` nor `error`"),
        "{err}"
    );

    let err = atomik_sim::conform::load_cases(Path::new("/nonexistent/v.jsonl"))
        .expect_err("missing file");
    assert!(matches!(err, ConformError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/v.jsonl"), "{err}");
}

#[test]
fn hex_values_wider_than_64_bits_keep_their_low_64_bits() {
    let case = r#"{"name":"wide","kind":"table","width":64,"contexts":1,"ops":[{"op":"load","addr":0,"value":"0x1230000000000000000abc"},{"op":"read","addr":0,"expect":"0xabc"}]}"#;
    let all = cases(case);
    let Case::Table(t) = &all[0] else {
        panic!("not a table case")
    };
    assert!(matches!(
        t.ops[0],
        atomik_sim::conform::TableOp::Load {
            value: Hex(0xabc),
            ..
        }
    ));
    assert_eq!(run_cases(&all, &mut model_target).passed, 1);
}

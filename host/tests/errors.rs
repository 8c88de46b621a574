//! Every error a user can meet, one test per row of the README's "When something goes wrong"
//! table: each checks the message the user sees, the exit code, and that nothing changed
//! (files absent or unchanged, device state read back unchanged, no operation sent).

mod support;

use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::Op;
use atomik_host::device::frame_link::FrameLink;
use atomik_host::device::messages::{decode_records, encode_records, ApplyError};
use atomik_host::device::sim_transport::{SimTransport, DEFAULT_CLOCKS_PER_BIT, DEFAULT_CLOCK_HZ};
use atomik_host::device::DeviceError;
use atomik_host::Device;
use atomik_sim::model::{DeltaMessage, DeltaStream};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::cli::{assert_refused, atomik, atomik_with_env, scratch, text};
use support::pty_board::PtyBoard;

/// The one-lane simulated board (64-bit, one context): the cheapest Verilator model.
const SIM_ONE_LANE: &str = "sim://?lanes=1";

fn record(addr: u32, delta: u64, seq: u32) -> DeltaMessage {
    DeltaMessage { addr, delta, seq }
}

/// Every file under `dir` with its content, sorted: what "nothing changed" is checked against.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(tree(&p));
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// An output file that already holds something: a refused command must leave it as it was.
fn existing_output(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("states.bin");
    std::fs::write(&out, b"earlier output").unwrap();
    out
}

fn assert_unchanged(out: &Path) {
    assert_eq!(
        std::fs::read(out).unwrap(),
        b"earlier output",
        "output was rewritten"
    );
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    assert!(!Path::new(&partial).exists(), "a partial file was left");
}

#[test]
fn bad_argument_names_the_argument_and_writes_nothing() {
    let dir = scratch("errors-argument");
    let d = dir.to_str().unwrap();
    // `atomik build --board B <options> --out-dir d`, and what the refusal must say.
    let build_refusals: [(&str, &[&str], &str); 7] = [
        (
            "alchitry-cu",
            &["--lanes", "three"],
            "invalid value 'three' for '--lanes <LANES>'",
        ),
        (
            "alchitry-cu",
            &["--lanes", "1025"],
            "unsupported lane count 1025",
        ),
        (
            "alchitry-cu",
            &["--router", "router3"],
            "unknown nextpnr router `router3`",
        ),
        (
            "ulx3s",
            &["--placer", "annealing"],
            "unknown nextpnr placer `annealing`",
        ),
        (
            "tang-nano-9k",
            &["--placer", "static"],
            "the static placer is not available for Gowin",
        ),
        (
            "ulx3s",
            &["--copy-fanout", "64"],
            "copy fan-out 64 out of range",
        ),
        (
            "ulx3s",
            &["--mode", "shared", "--copy-fanout", "8"],
            "copy fan-out 8 applies to single mode only",
        ),
    ];
    for (board, options, expected) in build_refusals {
        let mut args = vec!["build", "--board", board];
        args.extend_from_slice(options);
        args.extend_from_slice(&["--out-dir", d]);
        assert_refused(&atomik(&args), 2, expected);
    }
    // Refused before the device is opened or a build runs.
    let o = atomik(&["bench", "--mhz=-5", "--clocks", "10"]);
    assert_refused(&o, 2, "--mhz -5 is not a clock");
    let plot = dir.join("no-such-dir").join("sweep.svg");
    let o = atomik(&[
        "sweep",
        "--board",
        "alchitry-cu",
        "--plot",
        plot.to_str().unwrap(),
        "--out-dir",
        d,
    ]);
    assert_refused(&o, 2, "sweep.svg: the directory");
    assert!(tree(&dir).is_empty(), "nothing is written");
}

#[test]
fn unknown_board_lists_the_boards_and_writes_nothing() {
    let dir = scratch("errors-board");
    let o = atomik(&[
        "build",
        "--board",
        "arty",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_refused(
        &o,
        2,
        "unknown board `arty`; the boards are: alchitry-cu, ulx3s, tang-nano-9k",
    );
    assert!(tree(&dir).is_empty(), "nothing is written");
}

#[test]
fn missing_tool_names_it_and_how_to_install_it_before_writing_anything() {
    // The tools are hidden, not uninstalled: an empty PATH and an empty project venv.
    let dir = scratch("errors-tool");
    let empty = dir.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    // An earlier build's files in the output directory must survive the refused build.
    let out = dir.join("out");
    let earlier = out.join("alchitry-cu").join(format!(
        "single_l1_w64_r{}_100mhz",
        atomik_hdl::lanes::DEFAULT_REGISTER_EVERY
    ));
    std::fs::create_dir_all(&earlier).unwrap();
    std::fs::write(earlier.join("atomik_board.v"), "earlier sources").unwrap();
    std::fs::write(earlier.join("report.json"), "earlier report").unwrap();
    let before = tree(&dir);
    let e = empty.to_str().unwrap();
    let o = atomik_with_env(
        &[
            "build",
            "--board",
            "alchitry-cu",
            "--lanes",
            "1",
            "--out-dir",
            out.to_str().unwrap(),
        ],
        &[("PATH", e), ("ATOMIK_VENV", e)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("synthesis needs `yosys`, which was not found")
            && t.contains("scripts/setup.sh"),
        "{t}"
    );
    assert_eq!(tree(&dir), before, "nothing was written or removed");
}

#[test]
fn bad_device_uri_or_absent_port_is_named_and_no_output_is_written() {
    let dir = scratch("errors-uri");
    let records = dir.join("records.bin");
    std::fs::write(&records, encode_records(&[record(0, 1, 1)])).unwrap();
    let out = existing_output(&dir);
    for (uri, want) in [
        (
            "sim://?lanes=1025",
            "bad device URI: unsupported lane count 1025: must be from 1 to 1024",
        ),
        ("sim://?speed=9", "unknown option `speed`"),
        (
            "serial:///dev/atomik-no-such-port",
            "cannot open serial:///dev/atomik-no-such-port",
        ),
    ] {
        let o = atomik(&[
            "apply",
            "--device",
            uri,
            records.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{uri}: {}", text(&o));
        assert!(text(&o).contains(want), "{uri}: {}", text(&o));
        assert_unchanged(&out);
    }
}

#[test]
fn out_of_range_address_is_refused_on_the_host_before_anything_is_sent() {
    // What the RTL would do: the table core keeps only the address's low bits, so context
    // 16 + 3 of a 16-context design is context 3. Hence the host refuses such addresses.
    let lanes = LanesConfig::table(4, 16).unwrap();
    let transport = SimTransport::new(lanes, DEFAULT_CLOCK_HZ, DEFAULT_CLOCKS_PER_BIT).unwrap();
    let mut raw = FrameLink::new(transport, Duration::ZERO);
    raw.exchange(Op::Load as u8, 3, 0x11).unwrap();
    raw.exchange(Op::Accum as u8, 16 + 3, 0x04).unwrap();
    assert_eq!(
        raw.exchange(Op::Read as u8, 3, 0).unwrap().data,
        0x15,
        "the RTL aliases address 19 to context 3"
    );

    let mut d = Device::open("sim://?lanes=4&mode=table&contexts=16").unwrap();
    for c in 0..16 {
        d.load(c, 0x100 + c as u64).unwrap();
    }
    let acknowledged = d.acknowledged();
    let batch = [record(1, 0xF, 1), record(2, 0xF, 2), record(16, 0xF, 3)];
    let e = d.apply_messages(&batch).unwrap_err();
    assert!(matches!(&e, ApplyError::Record(r) if r.index == 2), "{e:?}");
    assert_eq!(
        e.to_string(),
        "record 2 (bytes 32..48): sim://?lanes=4&mode=table&contexts=16: context 16 is out of \
         range: the design has 16 contexts; nothing was applied"
    );
    let e = d.accum(16, 1).unwrap_err();
    assert!(
        matches!(
            e,
            DeviceError::Address {
                addr: 16,
                contexts: 16,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(d.acknowledged(), acknowledged, "no operation was sent");
    for c in 0..16 {
        assert_eq!(
            d.read(c).unwrap(),
            0x100 + c as u64,
            "context {c} unchanged"
        );
    }

    // The same through the CLI: refused, and the output file left as it was.
    let dir = scratch("errors-address");
    let records = dir.join("records.bin");
    std::fs::write(
        &records,
        encode_records(&[record(0, 1, 1), record(5, 1, 2)]),
    )
    .unwrap();
    let out = existing_output(&dir);
    let o = atomik(&[
        "apply",
        "--device",
        SIM_ONE_LANE,
        records.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_refused(
        &o,
        2,
        "record 1 (bytes 16..32): sim://?lanes=1: context 5 is out of range",
    );
    assert_unchanged(&out);
}

#[test]
fn width_mismatch_is_refused_naming_the_record_and_the_width() {
    let uri = "sim://?lanes=1&width=32";
    let mut d = Device::open(uri).unwrap();
    assert_eq!(d.info().width, 32);
    d.load(0, 0x1234).unwrap();
    let acknowledged = d.acknowledged();
    let wide = record(0, 0x1_0000_0001, 2);
    let e = d.apply_messages(&[record(0, 1, 1), wide]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "record 1 (bytes 16..32): sim://?lanes=1&width=32: the delta 0x100000001 for context 0 \
         has bits above the design's 32-bit width (made for wider contexts?); nothing was applied"
    );
    assert!(matches!(
        d.apply(&wide),
        Err(DeviceError::Width { width: 32, .. })
    ));
    assert_eq!(d.acknowledged(), acknowledged, "no operation was sent");
    assert_eq!(d.read(0).unwrap(), 0x1234, "state unchanged");
    // A record that fits is applied like the model's stream applies it.
    let mut model = DeltaStream::new(32, 1).unwrap();
    model.load(0, 0x1234).unwrap();
    let fits = model.accum(0, 0xFFFF_0000).unwrap();
    d.apply(&fits).unwrap();
    assert_eq!(d.read(0).unwrap(), model.read(0).unwrap());

    let dir = scratch("errors-width");
    let records = dir.join("records.bin");
    std::fs::write(&records, encode_records(&[wide])).unwrap();
    let out = existing_output(&dir);
    let o = atomik(&[
        "apply",
        "--device",
        uri,
        records.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_refused(&o, 2, "32-bit width");
    assert_unchanged(&out);
}

#[test]
fn corrupt_record_file_is_refused_before_the_device_is_touched() {
    let dir = scratch("errors-corrupt");
    let good = encode_records(&[record(0, 0xAA, 1), record(0, 0x0F, 2), record(0, 0xF0, 3)]);
    let truncated = dir.join("truncated.bin");
    std::fs::write(&truncated, &good[..40]).unwrap();
    let zeroed = dir.join("zeroed.bin");
    let mut z = good.clone();
    z[16..32].fill(0);
    std::fs::write(&zeroed, &z).unwrap();
    let out = existing_output(&dir);
    for (file, want) in [
        (
            &truncated,
            "truncated.bin: 40 bytes is not a whole number of 16-byte DeltaMessage records: \
             record 2 (bytes 32..40) has only 8 bytes (truncated or not a record file); nothing \
             was applied",
        ),
        (
            &zeroed,
            "zeroed.bin: record 1 (bytes 16..32) has sequence number 0, which no delta stream \
             produces (a zeroed or corrupt record); nothing was applied",
        ),
    ] {
        // A serial port that does not exist: reaching it would be a different error.
        let o = atomik(&[
            "apply",
            "--device",
            "serial:///dev/atomik-no-such-port",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(want), "{}", text(&o));
        assert_unchanged(&out);
    }
    assert!(decode_records(&good).is_ok());

    // The good file applies, and its output round-trips through the model.
    let records = dir.join("good.bin");
    std::fs::write(&records, &good).unwrap();
    let o = atomik(&[
        "apply",
        "--device",
        SIM_ONE_LANE,
        records.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["records"], 3);
    assert_eq!(j["contexts"][0]["state"], "0x0000000000000055");
    let states = decode_records(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(states, vec![record(0, 0xAA ^ 0x0F ^ 0xF0, 1)]);
}

#[test]
fn unwritable_output_leaves_no_partial_file() {
    let dir = scratch("errors-output");
    let out = dir.join("no-such-dir").join("states.bin");
    let o = atomik(&[
        "export",
        "--device",
        SIM_ONE_LANE,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("cannot write {}", out.display())),
        "{}",
        text(&o)
    );
    assert!(tree(&dir).is_empty(), "nothing is left behind");
}

#[test]
fn device_gone_mid_batch_says_how_much_was_applied() {
    let mut board = PtyBoard::start(LanesConfig::single(4, 64).unwrap());
    let uri = format!("serial://{}?baud=3000000", board.slave_path);
    let mut d = Device::open(&uri).unwrap();
    d.load(0, 7).unwrap();
    let batch: Vec<DeltaMessage> = (0..4).map(|i| record(0, 1 << i, i + 1)).collect();
    d.apply_messages(&batch).unwrap();
    assert_eq!(d.read(0).unwrap(), 7 ^ 0xF, "applied exactly once each");
    let before = d.acknowledged();
    board.unplug();
    let e = d.apply_messages(&batch).unwrap_err();
    let t = e.to_string();
    match e {
        ApplyError::Device(DeviceError::Link { acknowledged, .. }) => {
            assert_eq!(acknowledged, before)
        }
        other => panic!("expected a link error, got {other:?}"),
    }
    assert!(
        t.contains("ACCUM context 0 failed")
            && t.contains(&format!(
                "({before} operations were acknowledged before it; the last was READ context 0)"
            )),
        "{t}"
    );
}

#[test]
fn timing_missed_fails_and_leaves_no_bitstream_claiming_success() {
    // 1 lane on the iCE40 at 250 MHz: the cheapest build that cannot meet timing (~15 s CPU).
    let dir = scratch("errors-timing");
    let o = atomik(&[
        "build",
        "--board",
        "alchitry-cu",
        "--lanes",
        "1",
        "--mhz",
        "250",
        "--json",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("timing missed:")
            && t.contains("250.000 MHz needed")
            && t.contains("another placer seed with --seed 2 (")
            && t.contains("kept only for inspection"),
        "{t}"
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["timing_met"], false);
    let kept = Path::new(j["bitstream"].as_str().unwrap());
    assert!(kept.ends_with("atomik_board.timing-missed.bin"), "{kept:?}");
    assert!(std::fs::metadata(kept).unwrap().len() > 1000);
    let build_dir = kept.parent().unwrap();
    assert!(
        !build_dir.join("atomik_board.bin").exists(),
        "no bitstream under the good name"
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(build_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(saved["timing_met"], false);
    assert_eq!(saved["bitstream"], j["bitstream"]);
}

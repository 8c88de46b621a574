//! nextpnr's placer choice (`--placer`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which nextpnr placer places the design.
///
/// HeAP (nextpnr's default) solves for wire length analytically and then spreads cells
/// into the bins; the static placer spreads them electrostatically, as a charge density. It
/// is in the YoWASP nextpnr-ecp5 and nextpnr-ice40 (0.11), not in Debian's nextpnr-ice40 0.4
/// nor in nextpnr-himbaechel's Gowin architecture (the flow refuses it there). On the
/// 945-lane ULX3S top HeAP's placements left router1 stalled for hours where the static
/// placer's routed (docs/performance.md, "Session 20"), so the choice is the user's and the
/// report records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placer {
    /// No `--placer` flag: whatever this nextpnr build defaults to (HeAP).
    #[default]
    Default,
    Heap,
    Static,
    /// Simulated annealing: slow on large designs, kept for comparison.
    Sa,
}

impl Placer {
    const ALL: [Placer; 4] = [Placer::Default, Placer::Heap, Placer::Static, Placer::Sa];

    /// The name on the command line and in reports (`default`, `heap`, `static`, `sa`).
    pub fn name(self) -> &'static str {
        match self {
            Placer::Default => "default",
            Placer::Heap => "heap",
            Placer::Static => "static",
            Placer::Sa => "sa",
        }
    }

    /// nextpnr's `--placer` argument, or `None` to leave nextpnr's default.
    pub fn nextpnr_arg(self) -> Option<&'static str> {
        match self {
            Placer::Default => None,
            other => Some(other.name()),
        }
    }
}

impl fmt::Display for Placer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Placer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s_lower = s.to_ascii_lowercase();
        Placer::ALL
            .into_iter()
            .find(|p| p.name() == s_lower)
            .ok_or_else(|| {
                format!("unknown nextpnr placer `{s}` (known: default, heap, static, sa)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for p in Placer::ALL {
            assert_eq!(p.name().parse::<Placer>(), Ok(p));
        }
        assert_eq!("STATIC".parse::<Placer>(), Ok(Placer::Static));
        assert_eq!(Placer::Default.nextpnr_arg(), None);
        assert_eq!(Placer::Static.nextpnr_arg(), Some("static"));
        let e = "annealing".parse::<Placer>().unwrap_err();
        assert!(e.contains("annealing") && e.contains("static"), "{e}");
    }
}

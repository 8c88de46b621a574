//! nextpnr's router choice (`--router`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which nextpnr router routes the design.
///
/// router1 (nextpnr's default on iCE40 and ECP5) rips up and reroutes arc by arc; router2
/// negotiates congestion over whole nets. On large, congested designs router2 can converge
/// where router1 stalls, and the reverse happens too, so the choice is the user's and the
/// report records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Router {
    /// No `--router` flag: whatever this nextpnr build defaults to.
    #[default]
    Default,
    Router1,
    Router2,
}

impl Router {
    /// The name on the command line and in reports (`default`, `router1`, `router2`).
    pub fn name(self) -> &'static str {
        match self {
            Router::Default => "default",
            Router::Router1 => "router1",
            Router::Router2 => "router2",
        }
    }

    /// nextpnr's `--router` argument, or `None` to leave nextpnr's default.
    pub fn nextpnr_arg(self) -> Option<&'static str> {
        match self {
            Router::Default => None,
            other => Some(other.name()),
        }
    }
}

impl fmt::Display for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Router {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "default" => Ok(Router::Default),
            "router1" => Ok(Router::Router1),
            "router2" => Ok(Router::Router2),
            _ => Err(format!(
                "unknown nextpnr router `{s}` (known: default, router1, router2)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for r in [Router::Default, Router::Router1, Router::Router2] {
            assert_eq!(r.name().parse::<Router>(), Ok(r));
        }
        assert_eq!(Router::Default.nextpnr_arg(), None);
        assert_eq!(Router::Router2.nextpnr_arg(), Some("router2"));
        let e = "router3".parse::<Router>().unwrap_err();
        assert!(e.contains("router3") && e.contains("router2"), "{e}");
    }
}

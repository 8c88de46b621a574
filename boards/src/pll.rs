//! PLL settings per family: the closest achievable core clock not above the one asked for,
//! and the Verilog snippet that makes it (driving `clk` and `pll_locked` from `clk_in`, the
//! contract of [`atomik_hdl::board_top::ClockSource::Snippet`]).
//!
//! Never above the request: the request is the frequency the design was timed for, and a
//! bitstream clocked faster than its timing report is a bitstream nobody should trust.
//! Each search enumerates the divider ranges of the family's data sheet (the same ranges
//! `icepll`, `ecppll` and Gowin's IP generator use).

use crate::flow::Family;
use serde::Serialize;

/// A chosen PLL setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PllSetting {
    pub family: Family,
    pub input_mhz: f64,
    /// What was asked for.
    pub requested_mhz: f64,
    /// What the dividers give: the clock the design runs at and is timed against.
    pub output_mhz: f64,
    /// The VCO frequency.
    pub vco_mhz: f64,
    /// `(parameter, value)` in the primitive's own names.
    pub params: Vec<(&'static str, u32)>,
    /// The Verilog snippet.
    pub verilog: String,
}

/// Why no PLL setting was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "no {family} PLL setting gives a clock between {min_mhz} MHz and {requested_mhz} MHz from \
     the {input_mhz} MHz oscillator (ask for a frequency in that range)"
)]
pub struct PllError {
    pub family: Family,
    pub input_mhz: f64,
    pub requested_mhz: f64,
    pub min_mhz: f64,
}

/// The closest setting at or below `requested_mhz` for `family` from an `input_mhz` clock.
pub fn pll_for(family: Family, input_mhz: f64, requested_mhz: f64) -> Result<PllSetting, PllError> {
    let found = match family {
        Family::Ice40 => ice40(input_mhz, requested_mhz),
        Family::Ecp5 => ecp5(input_mhz, requested_mhz),
        Family::Gowin => gowin(input_mhz, requested_mhz),
    };
    found.ok_or(PllError {
        family,
        input_mhz,
        requested_mhz,
        min_mhz: match family {
            Family::Ice40 => 16.0,
            Family::Ecp5 => 3.125,
            Family::Gowin => 3.125,
        },
    })
}

/// Keeps the best candidate: highest output not above the request, then lowest VCO (less
/// jitter is not modelled; a lower VCO draws less power).
fn better(best: &Option<PllSetting>, out: f64, vco: f64, requested: f64) -> bool {
    if out > requested + 1e-9 {
        return false;
    }
    match best {
        None => true,
        Some(b) => {
            out > b.output_mhz + 1e-9 || ((out - b.output_mhz).abs() < 1e-9 && vco < b.vco_mhz)
        }
    }
}

/// iCE40 SB_PLL40_CORE: PFD 10–133 MHz, VCO 533–1066 MHz, out = VCO / 2^DIVQ (DIVQ 1..=6).
fn ice40(fin: f64, want: f64) -> Option<PllSetting> {
    let mut best: Option<PllSetting> = None;
    for divr in 0..16u32 {
        let pfd = fin / (divr + 1) as f64;
        if !(10.0..=133.0).contains(&pfd) {
            continue;
        }
        for divf in 0..128u32 {
            let vco = pfd * (divf + 1) as f64;
            if !(533.0..=1066.0).contains(&vco) {
                continue;
            }
            for divq in 1..7u32 {
                let out = vco / (1u32 << divq) as f64;
                if !(16.0..=275.0).contains(&out) || !better(&best, out, vco, want) {
                    continue;
                }
                // icepll's loop-filter table, by PFD frequency.
                let filter = match pfd {
                    p if p < 17.0 => 1,
                    p if p < 26.0 => 2,
                    p if p < 44.0 => 3,
                    p if p < 66.0 => 4,
                    p if p < 101.0 => 5,
                    _ => 6,
                };
                best = Some(PllSetting {
                    family: Family::Ice40,
                    input_mhz: fin,
                    requested_mhz: want,
                    output_mhz: out,
                    vco_mhz: vco,
                    params: vec![
                        ("DIVR", divr),
                        ("DIVF", divf),
                        ("DIVQ", divq),
                        ("FILTER_RANGE", filter),
                    ],
                    verilog: format!(
                        "// iCE40 PLL: {fin} MHz -> {out:.3} MHz (VCO {vco:.1} MHz).\n\
                         SB_PLL40_CORE #(\n    .FEEDBACK_PATH(\"SIMPLE\"), .DIVR(4'd{divr}), \
                         .DIVF(7'd{divf}), .DIVQ(3'd{divq}), .FILTER_RANGE(3'd{filter})\n) pll (\n    \
                         .REFERENCECLK(clk_in), .PLLOUTGLOBAL(clk), .LOCK(pll_locked),\n    \
                         .RESETB(1'b1), .BYPASS(1'b0)\n);"
                    ),
                });
            }
        }
    }
    best
}

/// ECP5 EHXPLLL, feedback from CLKOP: PFD >= 3.125 MHz, VCO 400–800 MHz.
fn ecp5(fin: f64, want: f64) -> Option<PllSetting> {
    let mut best: Option<PllSetting> = None;
    for idiv in 1..=128u32 {
        let pfd = fin / idiv as f64;
        if !(3.125..=400.0).contains(&pfd) {
            continue;
        }
        for fbdiv in 1..=80u32 {
            let out = pfd * fbdiv as f64;
            if !(3.125..=400.0).contains(&out) {
                continue;
            }
            for odiv in 1..=128u32 {
                let vco = out * odiv as f64;
                if !(400.0..=800.0).contains(&vco) || !better(&best, out, vco, want) {
                    continue;
                }
                let cphase = (odiv / 2).saturating_sub(1);
                best = Some(PllSetting {
                    family: Family::Ecp5,
                    input_mhz: fin,
                    requested_mhz: want,
                    output_mhz: out,
                    vco_mhz: vco,
                    params: vec![
                        ("CLKI_DIV", idiv),
                        ("CLKFB_DIV", fbdiv),
                        ("CLKOP_DIV", odiv),
                        ("CLKOP_CPHASE", cphase),
                    ],
                    verilog: format!(
                        "// ECP5 PLL: {fin} MHz -> {out:.3} MHz (VCO {vco:.1} MHz).\n\
                         wire pll_feedback;\nassign pll_feedback = clk;\n\
                         (* FREQUENCY_PIN_CLKI=\"{fin}\" *)\n(* FREQUENCY_PIN_CLKOP=\"{out:.3}\" *)\n\
                         (* ICP_CURRENT=\"12\" *) (* LPF_RESISTOR=\"8\" *) \
                         (* MFG_ENABLE_FILTEROPAMP=\"1\" *) (* MFG_GMCREF_SEL=\"2\" *)\n\
                         EHXPLLL #(\n    .PLLRST_ENA(\"DISABLED\"), .INTFB_WAKE(\"DISABLED\"), \
                         .STDBY_ENABLE(\"DISABLED\"), .DPHASE_SOURCE(\"DISABLED\"),\n    \
                         .OUTDIVIDER_MUXA(\"DIVA\"), .CLKOP_ENABLE(\"ENABLED\"), \
                         .CLKOP_DIV({odiv}), .CLKOP_CPHASE({cphase}), .CLKOP_FPHASE(0),\n    \
                         .FEEDBK_PATH(\"CLKOP\"), .CLKI_DIV({idiv}), .CLKFB_DIV({fbdiv})\n) pll (\n    \
                         .RST(1'b0), .STDBY(1'b0), .CLKI(clk_in), .CLKOP(clk), \
                         .CLKFB(pll_feedback),\n    .PHASESEL0(1'b0), .PHASESEL1(1'b0), \
                         .PHASEDIR(1'b0), .PHASESTEP(1'b0), .PHASELOADREG(1'b0),\n    \
                         .PLLWAKESYNC(1'b0), .ENCLKOP(1'b0), .LOCK(pll_locked)\n);"
                    ),
                });
            }
        }
    }
    best
}

/// Gowin rPLL (GW1NR-9, speed grade C6/I5): PFD 3–400 MHz, VCO 400–1200 MHz, output at most
/// 600 MHz, ODIV one of 2, 4, 8, ..., 128.
fn gowin(fin: f64, want: f64) -> Option<PllSetting> {
    const ODIV: [u32; 11] = [2, 4, 8, 16, 32, 48, 64, 80, 96, 112, 128];
    let mut best: Option<PllSetting> = None;
    for idiv in 0..64u32 {
        let pfd = fin / (idiv + 1) as f64;
        if !(3.0..=400.0).contains(&pfd) {
            continue;
        }
        for fbdiv in 0..64u32 {
            let out = pfd * (fbdiv + 1) as f64;
            if !(3.125..=600.0).contains(&out) {
                continue;
            }
            for odiv in ODIV {
                let vco = out * odiv as f64;
                if !(400.0..=1200.0).contains(&vco) || !better(&best, out, vco, want) {
                    continue;
                }
                best = Some(PllSetting {
                    family: Family::Gowin,
                    input_mhz: fin,
                    requested_mhz: want,
                    output_mhz: out,
                    vco_mhz: vco,
                    params: vec![("IDIV_SEL", idiv), ("FBDIV_SEL", fbdiv), ("ODIV_SEL", odiv)],
                    verilog: format!(
                        "// Gowin rPLL: {fin} MHz -> {out:.3} MHz (VCO {vco:.1} MHz).\n\
                         rPLL #(\n    .FCLKIN(\"{fin}\"), .DEVICE(\"GW1NR-9C\"), \
                         .IDIV_SEL({idiv}), .FBDIV_SEL({fbdiv}), .ODIV_SEL({odiv}),\n    \
                         .DYN_IDIV_SEL(\"false\"), .DYN_FBDIV_SEL(\"false\"), \
                         .DYN_ODIV_SEL(\"false\"), .DYN_DA_EN(\"false\"),\n    \
                         .PSDA_SEL(\"0000\"), .DUTYDA_SEL(\"1000\"), .CLKOUT_FT_DIR(1'b1), \
                         .CLKOUTP_FT_DIR(1'b1),\n    .CLKOUT_DLY_STEP(0), .CLKOUTP_DLY_STEP(0), \
                         .CLKFB_SEL(\"internal\"), .CLKOUT_BYPASS(\"false\"),\n    \
                         .CLKOUTP_BYPASS(\"false\"), .CLKOUTD_BYPASS(\"false\"), \
                         .DYN_SDIV_SEL(2), .CLKOUTD_SRC(\"CLKOUT\"),\n    \
                         .CLKOUTD3_SRC(\"CLKOUT\")\n) pll (\n    .CLKOUT(clk), .LOCK(pll_locked), \
                         .CLKOUTP(), .CLKOUTD(), .CLKOUTD3(), .RESET(1'b0),\n    \
                         .RESET_P(1'b0), .CLKIN(clk_in), .CLKFB(1'b0), .FBDSEL(6'b0), \
                         .IDSEL(6'b0), .ODSEL(6'b0),\n    .PSDA(4'b0), .DUTYDA(4'b0), \
                         .FDLY(4'b0)\n);"
                    ),
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(family: Family, fin: f64, want: f64) -> PllSetting {
        let s = pll_for(family, fin, want).unwrap();
        assert!(s.output_mhz <= want + 1e-9, "{s:?}");
        s
    }

    #[test]
    fn settings_match_known_good_ones_and_never_exceed_the_request() {
        // icepll -i 100 -o 200: DIVR 0, DIVF 7, DIVQ 2, FILTER_RANGE 5 (PFD 100 MHz).
        let s = check(Family::Ice40, 100.0, 200.0);
        assert_eq!(s.output_mhz, 200.0);
        assert_eq!(
            s.params,
            vec![("DIVR", 0), ("DIVF", 7), ("DIVQ", 2), ("FILTER_RANGE", 5)]
        );
        // ecppll -i 25 -o 100: out = 25 * 4, VCO in range.
        let s = check(Family::Ecp5, 25.0, 100.0);
        assert_eq!(s.output_mhz, 100.0);
        assert!((400.0..=800.0).contains(&s.vco_mhz));
        // Gowin 27 MHz -> 162 MHz = 27 * 6 exactly.
        let s = check(Family::Gowin, 27.0, 162.0);
        assert_eq!(s.output_mhz, 162.0);
        assert!(
            s.verilog.contains("rPLL") && s.verilog.contains(".FBDIV_SEL(5)"),
            "{}",
            s.verilog
        );
        // Unreachable exactly: the closest below.
        let s = check(Family::Gowin, 27.0, 250.0);
        assert!(s.output_mhz > 240.0, "{s:?}");
    }

    #[test]
    fn impossible_requests_name_the_range() {
        let e = pll_for(Family::Ice40, 100.0, 5.0).unwrap_err().to_string();
        assert!(e.contains("5 MHz") && e.contains("16 MHz"), "{e}");
    }
}

//! The Verilog of a one-byte CRC step from its XOR equations (used by [`super::crc32`]; kept
//! apart so the emitter is independent of the width).

use std::fmt::Write as _;

/// One `always @(*)` line per output bit: `out[bit]` is the XOR of the `crc` bits in
/// `crc_mask` and the `data_in` bits in `byte_mask` (`equations[bit] = (crc_mask, byte_mask)`).
pub(crate) fn step_verilog(
    crc_bits: u32,
    equations: impl IntoIterator<Item = (u64, u8)>,
) -> String {
    let mut v = String::new();
    for (bit, (crc_mask, byte_mask)) in equations.into_iter().enumerate() {
        let terms: Vec<String> = (0..crc_bits)
            .filter(|i| crc_mask >> i & 1 == 1)
            .map(|i| format!("crc[{i}]"))
            .chain(
                (0..8)
                    .filter(|i| byte_mask >> i & 1 == 1)
                    .map(|i| format!("data_in[{i}]")),
            )
            .collect();
        let rhs = if terms.is_empty() {
            "1'b0".to_string()
        } else {
            terms.join(" ^ ")
        };
        // Writing to a String cannot fail.
        let _ = writeln!(v, "always @(*) out[{bit}] = {rhs};");
    }
    v
}

//! Turns a run-time [`CoreConfig`] into a concrete `AtomikCore<W, A>` type.
//!
//! rust-hdl widths are const generics, and Rust cannot compute `log2(contexts)` in a const
//! generic, so every supported (width, address bits) pair is listed here once. Callers write a
//! [`CoreVisitor`] whose generic method receives the concrete parameters.

use crate::config::CoreConfig;

/// Something to do with a concrete core type; `W` is the width, `A` the address bits.
pub trait CoreVisitor {
    type Output;
    fn visit<const W: usize, const A: usize>(self, config: CoreConfig) -> Self::Output;
}

macro_rules! by_addr_bits {
    ($w:literal, $config:ident, $visitor:ident) => {
        match $config.addr_bits() {
            1 => $visitor.visit::<$w, 1>($config),
            2 => $visitor.visit::<$w, 2>($config),
            3 => $visitor.visit::<$w, 3>($config),
            4 => $visitor.visit::<$w, 4>($config),
            5 => $visitor.visit::<$w, 5>($config),
            6 => $visitor.visit::<$w, 6>($config),
            7 => $visitor.visit::<$w, 7>($config),
            8 => $visitor.visit::<$w, 8>($config),
            9 => $visitor.visit::<$w, 9>($config),
            10 => $visitor.visit::<$w, 10>($config),
            11 => $visitor.visit::<$w, 11>($config),
            12 => $visitor.visit::<$w, 12>($config),
            other => unreachable!("CoreConfig admitted {other} address bits"),
        }
    };
}

/// Calls `visitor.visit::<W, A>()` for the configuration's parameters. The configuration was
/// validated by [`CoreConfig::new`], so every value reaching here has an arm.
pub fn dispatch<V: CoreVisitor>(config: CoreConfig, visitor: V) -> V::Output {
    match config.width {
        8 => by_addr_bits!(8, config, visitor),
        16 => by_addr_bits!(16, config, visitor),
        32 => by_addr_bits!(32, config, visitor),
        64 => by_addr_bits!(64, config, visitor),
        other => unreachable!("CoreConfig admitted width {other}"),
    }
}

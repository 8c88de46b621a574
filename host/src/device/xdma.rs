//! `xdma:///dev/xdma0`: a board behind Xilinx's XDMA PCIe bridge and its Linux driver. The
//! driver exposes the user BAR (the AXI-Lite master side, where the register window sits) as
//! the character device `<prefix>_user`, which maps like a sysfs `resource0`: the same
//! [`PcieTransport`] (volatile 32-bit accesses to the register window) drives it.
//!
//! Not used: the DMA channels (`<prefix>_h2c_N`, `<prefix>_c2h_N`). Frames are small and
//! stop-and-wait, so the window's rings are the whole link; a DMA path would need an AXI-Stream
//! front on the bridge, which the RTL does not have.

use super::pcie_transport::{PcieTransport, WallClock, WindowClock};
use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// The user-BAR node of an XDMA device prefix (`/dev/xdma0` → `/dev/xdma0_user`).
pub fn user_node(prefix: &str) -> String {
    format!("{prefix}_user")
}

/// What a failed open of `<prefix>_user` means, with what to do.
pub fn node_error(prefix: &str, e: io::Error) -> io::Error {
    let node = user_node(prefix);
    let message = match e.kind() {
        io::ErrorKind::NotFound => format!(
            "no XDMA device: {node} does not exist (is Xilinx's XDMA driver loaded, \
             `lsmod | grep xdma`, and the board enumerated? the driver makes {prefix}_user, \
             {prefix}_h2c_0, {prefix}_c2h_0, ...)"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "{node}: permission denied: the XDMA nodes need root, or a udev rule such as \
             KERNEL==\"xdma[0-9]*\", MODE=\"0660\", GROUP=\"plugdev\""
        ),
        _ => format!("{node}: {e}"),
    };
    io::Error::new(e.kind(), message)
}

/// Maps `<prefix>_user` and checks the register window behind it; a missing node or a denied
/// open is named with what to do.
pub fn open(prefix: &str, clock_hz: f64) -> io::Result<PcieTransport> {
    open_with_clock(prefix, clock_hz, Box::<WallClock>::default())
}

/// [`open`] with the transport's clock given (a test's simulated window services the node
/// after each read).
pub fn open_with_clock(
    prefix: &str,
    clock_hz: f64,
    clock: Box<dyn WindowClock>,
) -> io::Result<PcieTransport> {
    let node = user_node(prefix);
    let path = Path::new(&node);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| node_error(prefix, e))?;
    PcieTransport::map_file(file, path, format!("xdma://{prefix}"), clock_hz, clock)
}

//! What the Opal Kelly link needs of FrontPanel: open a module by serial number, write
//! block-throttled pipe-in blocks, read block-throttled pipe-out blocks, update and read wire
//! outs, and reset the link. Two implementations sit behind the one [`FrontPanel`] trait:
//! - [`super::frontpanel_sim::SimFrontPanel`] (`ok://sim`, always built): the pipe board top in
//!   Verilator with a clock-by-clock okHost on its endpoints ([`atomik_sim::ok_host`]).
//! - `hardware::OkFrontPanel` (`ok://SERIAL`, cargo feature `opalkelly`): the FrontPanel SDK's
//!   C API (`libokFrontPanel.so`), loaded at run time with `libloading`, so no SDK is needed to
//!   build.

use std::time::Duration;

/// Why a FrontPanel call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrontPanelError {
    /// The SDK's library could not be loaded, or lacks a function.
    #[error("{0}")]
    Library(String),
    #[error(
        "no Opal Kelly module with serial `{serial}` could be opened (FrontPanel error {code}: \
         {name}); `ok://` takes the module's serial number, as FrontPanel's device list shows it"
    )]
    NotFound {
        serial: String,
        code: i32,
        name: &'static str,
    },
    /// The module went away (unplugged, closed) during a call.
    #[error("{call}: the device is gone (unplugged or closed)")]
    Gone { call: &'static str },
    #[error("{call} timed out after {waited:?}")]
    Timeout {
        call: &'static str,
        waited: Duration,
    },
    #[error("{call} failed with FrontPanel error {code} ({name})")]
    Code {
        call: &'static str,
        code: i32,
        name: &'static str,
    },
    /// A call the board cannot serve (wrong endpoint, block size, length).
    #[error("{0}")]
    Usage(String),
}

/// A FrontPanel module with the ATOMiK pipe link (see `atomik_hdl::link::ok_pipe`).
pub trait FrontPanel {
    /// For messages: which module, and how it is reached.
    fn describe(&self) -> String;
    /// `WriteToBlockPipeIn`: `data` (whole blocks of `block_size` bytes) to pipe `ep`; returns
    /// when every block has gone.
    fn write_block_pipe_in(
        &mut self,
        ep: u8,
        block_size: usize,
        data: &[u8],
    ) -> Result<(), FrontPanelError>;
    /// `ReadFromBlockPipeOut`: fills `buf` (whole blocks of `block_size` bytes) from pipe `ep`,
    /// waiting at most `timeout` for the board to offer each block. Returns the bytes read,
    /// or [`FrontPanelError::Timeout`] when no block came.
    fn read_block_pipe_out(
        &mut self,
        ep: u8,
        block_size: usize,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, FrontPanelError>;
    /// `UpdateWireOuts`: latches every WireOut.
    fn update_wire_outs(&mut self) -> Result<(), FrontPanelError>;
    /// `GetWireOutValue` as of the last update.
    fn get_wire_out(&self, ep: u8) -> u32;
    /// Resets the link: the reset WireIn's bit 0 high, then low (pipe buffers emptied, frame
    /// decoder hunting).
    fn reset(&mut self) -> Result<(), FrontPanelError>;
    /// Time on the module's clock since it was opened (simulated time for `ok://sim`).
    fn elapsed(&self) -> Duration;
    /// What the pipes sustain over USB each way, bytes per second.
    fn usb_bytes_per_sec(&self) -> f64;
    /// Whether [`Self::elapsed`] is simulated time.
    fn simulated(&self) -> bool;
    /// The board clock when known (the simulated board runs on the FrontPanel clock).
    fn board_clock_hz(&self) -> Option<f64>;
}

/// FrontPanel's error codes (`ok_ErrorCode` in okFrontPanelDLL.h) by name.
pub fn error_name(code: i32) -> &'static str {
    match code {
        0 => "NoError",
        -1 => "Failed",
        -2 => "Timeout",
        -3 => "DoneNotHigh",
        -4 => "TransferError",
        -5 => "CommunicationError",
        -6 => "InvalidBitstream",
        -7 => "FileError",
        -8 => "DeviceNotOpen",
        -9 => "InvalidEndpoint",
        -10 => "InvalidBlockSize",
        -11 => "I2CRestrictedAddress",
        -12 => "I2CBitError",
        -13 => "I2CNack",
        -14 => "I2CUnknownStatus",
        -15 => "UnsupportedFeature",
        -16 => "FIFOUnderflow",
        -17 => "FIFOOverflow",
        -18 => "DataAlignmentError",
        -19 => "InvalidResetProfile",
        -20 => "InvalidParameter",
        _ => "unknown error code",
    }
}

/// The FrontPanel library's file name.
pub const LIBRARY: &str = "libokFrontPanel.so";

/// Opens a real module by serial number; without the `opalkelly` feature, an error naming the
/// feature.
/// `usb_bytes_per_sec` is the pipe rate the module's USB sustains (the link's ceiling).
pub fn open_hardware(
    serial: &str,
    usb_bytes_per_sec: f64,
) -> Result<Box<dyn FrontPanel>, FrontPanelError> {
    #[cfg(feature = "opalkelly")]
    {
        Ok(Box::new(hardware::OkFrontPanel::open(
            serial,
            usb_bytes_per_sec,
        )?))
    }
    #[cfg(not(feature = "opalkelly"))]
    {
        let _ = usb_bytes_per_sec;
        Err(FrontPanelError::Library(format!(
            "this build has no Opal Kelly FrontPanel support (asked for module `{serial}`): \
             rebuild with `cargo build --release -p atomik-host --features opalkelly`, which \
             loads {LIBRARY} from Opal Kelly's FrontPanel SDK at run time; `ok://sim` simulates \
             the same link"
        )))
    }
}

#[cfg(feature = "opalkelly")]
mod hardware {
    //! The FrontPanel SDK's C API through `libloading`: `okFrontPanel_Construct`,
    //! `OpenBySerial`, `WriteToBlockPipeIn`, `ReadFromBlockPipeOut`, `UpdateWireOuts`,
    //! `GetWireOutValue`, `SetWireInValue`, `UpdateWireIns`, `SetTimeout`, `Destruct`.
    use super::{error_name, FrontPanel, FrontPanelError, LIBRARY};
    use atomik_hdl::link::ok_pipe::WIRE_RESET_ADDR;
    use libloading::{Library, Symbol};
    use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void, CString};
    use std::time::{Duration, Instant};

    type Handle = *mut c_void;

    pub struct OkFrontPanel {
        lib: Library,
        handle: Handle,
        serial: String,
        opened: Instant,
        timeout_ms: u32,
        usb_bytes_per_sec: f64,
    }

    fn lib_error(what: String) -> FrontPanelError {
        FrontPanelError::Library(what)
    }

    impl OkFrontPanel {
        pub fn open(serial: &str, usb_bytes_per_sec: f64) -> Result<OkFrontPanel, FrontPanelError> {
            // SAFETY: loading the vendor's library runs its initialisers; that is what the
            // SDK expects of its users.
            let lib = unsafe { Library::new(LIBRARY) }.map_err(|e| {
                lib_error(format!(
                    "cannot load {LIBRARY} ({e}): install Opal Kelly's FrontPanel SDK and put \
                     its library directory on LD_LIBRARY_PATH"
                ))
            })?;
            let handle = unsafe {
                let construct: Symbol<unsafe extern "C" fn() -> Handle> =
                    sym(&lib, b"okFrontPanel_Construct\0")?;
                construct()
            };
            if handle.is_null() {
                return Err(lib_error(format!(
                    "{LIBRARY}: okFrontPanel_Construct returned no handle"
                )));
            }
            let mut fp = OkFrontPanel {
                lib,
                handle,
                serial: serial.to_string(),
                opened: Instant::now(),
                timeout_ms: 0,
                usb_bytes_per_sec,
            };
            let c = CString::new(serial)
                .map_err(|_| FrontPanelError::Usage(format!("serial `{serial}` has a NUL")))?;
            let code = unsafe {
                let f: Symbol<unsafe extern "C" fn(Handle, *const c_char) -> c_int> =
                    sym(&fp.lib, b"okFrontPanel_OpenBySerial\0")?;
                f(fp.handle, c.as_ptr())
            };
            if code != 0 {
                return Err(FrontPanelError::NotFound {
                    serial: serial.into(),
                    code,
                    name: error_name(code),
                });
            }
            fp.opened = Instant::now();
            Ok(fp)
        }

        fn check(&self, call: &'static str, code: c_long) -> Result<c_long, FrontPanelError> {
            match code {
                c if c >= 0 => Ok(c),
                -2 => Err(FrontPanelError::Timeout {
                    call,
                    waited: Duration::from_millis(self.timeout_ms as u64),
                }),
                -8 | -5 => Err(FrontPanelError::Gone { call }),
                c => Err(FrontPanelError::Code {
                    call,
                    code: c as i32,
                    name: error_name(c as i32),
                }),
            }
        }

        fn set_timeout(&mut self, timeout: Duration) -> Result<(), FrontPanelError> {
            let ms = timeout.as_millis().clamp(1, u32::MAX as u128) as u32;
            if ms != self.timeout_ms {
                unsafe {
                    let f: Symbol<unsafe extern "C" fn(Handle, c_int)> =
                        sym(&self.lib, b"okFrontPanel_SetTimeout\0")?;
                    f(self.handle, ms.min(i32::MAX as u32) as c_int);
                }
                self.timeout_ms = ms;
            }
            Ok(())
        }

        fn wire_in(&mut self, ep: u8, value: u32) -> Result<(), FrontPanelError> {
            let code = unsafe {
                let set: Symbol<unsafe extern "C" fn(Handle, c_int, c_ulong, c_ulong) -> c_int> =
                    sym(&self.lib, b"okFrontPanel_SetWireInValue\0")?;
                let update: Symbol<unsafe extern "C" fn(Handle) -> c_int> =
                    sym(&self.lib, b"okFrontPanel_UpdateWireIns\0")?;
                let c = set(self.handle, ep as c_int, value as c_ulong, 0xFFFF_FFFF);
                if c != 0 {
                    c
                } else {
                    update(self.handle)
                }
            };
            self.check("SetWireInValue/UpdateWireIns", code as c_long)
                .map(|_| ())
        }
    }

    /// A function of the library, or an error naming it.
    unsafe fn sym<'l, T>(lib: &'l Library, name: &[u8]) -> Result<Symbol<'l, T>, FrontPanelError> {
        lib.get(name).map_err(|e| {
            lib_error(format!(
                "{LIBRARY} has no {} ({e}): an SDK older than the C API this uses?",
                String::from_utf8_lossy(&name[..name.len() - 1])
            ))
        })
    }

    impl Drop for OkFrontPanel {
        fn drop(&mut self) {
            unsafe {
                if let Ok(f) = self
                    .lib
                    .get::<unsafe extern "C" fn(Handle)>(b"okFrontPanel_Destruct\0")
                {
                    f(self.handle);
                }
            }
        }
    }

    impl FrontPanel for OkFrontPanel {
        fn describe(&self) -> String {
            format!("ok://{} (Opal Kelly FrontPanel, {LIBRARY})", self.serial)
        }

        fn write_block_pipe_in(
            &mut self,
            ep: u8,
            block_size: usize,
            data: &[u8],
        ) -> Result<(), FrontPanelError> {
            self.set_timeout(Duration::from_secs(1))?;
            let n = unsafe {
                let f: Symbol<
                    unsafe extern "C" fn(Handle, c_int, c_int, c_long, *const u8) -> c_long,
                > = sym(&self.lib, b"okFrontPanel_WriteToBlockPipeIn\0")?;
                f(
                    self.handle,
                    ep as c_int,
                    block_size as c_int,
                    data.len() as c_long,
                    data.as_ptr(),
                )
            };
            let n = self.check("WriteToBlockPipeIn", n)?;
            if n as usize != data.len() {
                return Err(FrontPanelError::Usage(format!(
                    "WriteToBlockPipeIn wrote {n} of {} bytes",
                    data.len()
                )));
            }
            Ok(())
        }

        fn read_block_pipe_out(
            &mut self,
            ep: u8,
            block_size: usize,
            buf: &mut [u8],
            timeout: Duration,
        ) -> Result<usize, FrontPanelError> {
            self.set_timeout(timeout)?;
            let n = unsafe {
                let f: Symbol<
                    unsafe extern "C" fn(Handle, c_int, c_int, c_long, *mut u8) -> c_long,
                > = sym(&self.lib, b"okFrontPanel_ReadFromBlockPipeOut\0")?;
                f(
                    self.handle,
                    ep as c_int,
                    block_size as c_int,
                    buf.len() as c_long,
                    buf.as_mut_ptr(),
                )
            };
            Ok(self.check("ReadFromBlockPipeOut", n)? as usize)
        }

        fn update_wire_outs(&mut self) -> Result<(), FrontPanelError> {
            let code = unsafe {
                let f: Symbol<unsafe extern "C" fn(Handle) -> c_int> =
                    sym(&self.lib, b"okFrontPanel_UpdateWireOuts\0")?;
                f(self.handle)
            };
            self.check("UpdateWireOuts", code as c_long).map(|_| ())
        }

        fn get_wire_out(&self, ep: u8) -> u32 {
            unsafe {
                match self
                    .lib
                    .get::<unsafe extern "C" fn(Handle, c_int) -> c_uint>(
                        b"okFrontPanel_GetWireOutValue\0",
                    ) {
                    Ok(f) => f(self.handle, ep as c_int),
                    Err(_) => 0,
                }
            }
        }

        fn reset(&mut self) -> Result<(), FrontPanelError> {
            self.wire_in(WIRE_RESET_ADDR, 1)?;
            self.wire_in(WIRE_RESET_ADDR, 0)
        }

        fn elapsed(&self) -> Duration {
            self.opened.elapsed()
        }

        fn usb_bytes_per_sec(&self) -> f64 {
            self.usb_bytes_per_sec
        }

        fn simulated(&self) -> bool {
            false
        }

        fn board_clock_hz(&self) -> Option<f64> {
            None
        }
    }
}

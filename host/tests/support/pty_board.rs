//! A simulated board behind a pseudo-terminal: the `serial://` code path without hardware,
//! and a board that can be unplugged mid-run. Shared by the host tests (`mod support;`).

use atomik_hdl::lanes::LanesConfig;
use atomik_hdl::link::LinkConfig;
use atomik_sim::sim_board::SimBoard;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A simulated board serving the master end of a pseudo-terminal, bit-level through its UART.
pub struct PtyBoard {
    pub slave_path: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PtyBoard {
    pub fn start(lanes: LanesConfig) -> PtyBoard {
        let (mut master, mut slave) = (0, 0);
        let mut name = [0 as libc::c_char; 128];
        // SAFETY: openpty writes two descriptors and a NUL-terminated name into the buffers.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                name.as_mut_ptr(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: `name` was NUL-terminated by openpty.
        let slave_path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        // Raw mode on the master side's line discipline (the slave is the host's port).
        // SAFETY: valid descriptors from openpty; termios is plain data.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            libc::tcgetattr(slave, &mut t);
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(slave, libc::TCSANOW, &t);
            let flags = libc::fcntl(master, libc::F_GETFL);
            libc::fcntl(master, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        // SAFETY: we own `slave` and close it here: the host opens the path itself.
        drop(unsafe { OwnedFd::from_raw_fd(slave) });
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            // SAFETY: we own `master` from here on.
            let master = unsafe { OwnedFd::from_raw_fd(master) };
            let mut file = std::fs::File::from(master);
            let mut board = SimBoard::new(lanes, LinkConfig::with_clocks_per_bit(4).unwrap())
                .expect("board model builds");
            board.idle(64);
            ready_tx.send(()).unwrap();
            let mut buf = [0u8; 256];
            use std::io::{Read, Write};
            while !stop2.load(Ordering::Relaxed) {
                match file.read(&mut buf) {
                    Ok(n) if n > 0 => board.send(&buf[..n]),
                    _ => {}
                }
                let out = board.idle(400);
                if !out.is_empty() {
                    let _ = file.write_all(&out);
                }
                if board.send_backlog() == 0 && out.is_empty() {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
            }
        });
        // The model may be built (seconds) before the board can answer.
        ready_rx.recv().expect("the board thread starts");
        PtyBoard {
            slave_path,
            stop,
            thread: Some(thread),
        }
    }

    /// The board vanishes: its thread stops and the pty's master side closes.
    pub fn unplug(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for PtyBoard {
    fn drop(&mut self) {
        self.unplug();
    }
}

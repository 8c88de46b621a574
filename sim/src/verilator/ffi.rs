//! Loading a built `libmodel.so` and resolving the shim's C ABI.
//!
//! Each library is opened once per process and kept in a registry for the life of the process:
//! every model instance holds an `Arc` of it, and the registry's own reference means a Verilator
//! runtime (with its static and thread-local objects) is never `dlclose`d under a thread that
//! used it. Instances built from the same library share the code but nothing else: each has its
//! own `VerilatedContext` and model object.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use libloading::Library;

use super::shim::ABI_VERSION;
use super::VerilatorError;

pub(crate) type NewFn = unsafe extern "C" fn(out: *mut u64) -> *mut c_void;
pub(crate) type StepFn = unsafe extern "C" fn(h: *mut c_void, input: *const u64, out: *mut u64);
pub(crate) type RunLoopFn = unsafe extern "C" fn(
    h: *mut c_void,
    cycles: u64,
    seed: u64,
    masks: *const u64,
    out: *mut u64,
) -> u64;
pub(crate) type RunTraceFn =
    unsafe extern "C" fn(h: *mut c_void, cycles: u64, trace: *const u64, out: *mut u64) -> u64;
pub(crate) type FreeFn = unsafe extern "C" fn(h: *mut c_void);
pub(crate) type VcdOpenFn = unsafe extern "C" fn(h: *mut c_void, path: *const c_char) -> c_int;
pub(crate) type VcdCloseFn = unsafe extern "C" fn(h: *mut c_void);
type CountFn = unsafe extern "C" fn() -> u32;

/// The resolved entry points of one loaded library. The function pointers stay valid while
/// `_lib` is alive, which is as long as this struct.
pub(crate) struct Shim {
    pub new: NewFn,
    pub step: StepFn,
    pub run_loop: RunLoopFn,
    pub run_trace: RunTraceFn,
    pub free: FreeFn,
    pub vcd_open: VcdOpenFn,
    pub vcd_close: VcdCloseFn,
    pub n_inputs: usize,
    pub n_outputs: usize,
    pub traced: bool,
    _lib: Library,
}

static LOADED: Mutex<Option<HashMap<PathBuf, Arc<Shim>>>> = Mutex::new(None);

/// Loads (or finds already loaded) the library at `path`.
pub(crate) fn load(path: &Path) -> Result<Arc<Shim>, VerilatorError> {
    let mut guard = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(shim) = map.get(path) {
        return Ok(shim.clone());
    }
    let shim = Arc::new(open(path)?);
    map.insert(path.to_path_buf(), shim.clone());
    Ok(shim)
}

fn open(path: &Path) -> Result<Shim, VerilatorError> {
    let load_err = |source| VerilatorError::Load {
        path: path.to_path_buf(),
        source,
    };
    // SAFETY: the library is one we built from generated sources; its initialisers are the
    // Verilator runtime's and the C++ standard library's static constructors.
    let lib = unsafe { Library::new(path) }.map_err(load_err)?;
    // SAFETY (all `get`s): the symbol types match the `ATOMIK_EXPORT` declarations generated in
    // `shim.rs` for ABI_VERSION, which is checked first.
    unsafe {
        let abi: CountFn = *lib
            .get::<CountFn>(b"atomik_abi_version\0")
            .map_err(load_err)?;
        let found = abi();
        if found != ABI_VERSION {
            return Err(VerilatorError::Abi {
                path: path.to_path_buf(),
                found,
                expected: ABI_VERSION,
            });
        }
        let n_inputs = (*lib
            .get::<CountFn>(b"atomik_num_inputs\0")
            .map_err(load_err)?)() as usize;
        let n_outputs = (*lib
            .get::<CountFn>(b"atomik_num_outputs\0")
            .map_err(load_err)?)() as usize;
        let traced = (*lib.get::<CountFn>(b"atomik_traced\0").map_err(load_err)?)() != 0;
        Ok(Shim {
            new: *lib.get::<NewFn>(b"atomik_new\0").map_err(load_err)?,
            step: *lib.get::<StepFn>(b"atomik_step\0").map_err(load_err)?,
            run_loop: *lib
                .get::<RunLoopFn>(b"atomik_run_loop\0")
                .map_err(load_err)?,
            run_trace: *lib
                .get::<RunTraceFn>(b"atomik_run_trace\0")
                .map_err(load_err)?,
            free: *lib.get::<FreeFn>(b"atomik_free\0").map_err(load_err)?,
            vcd_open: *lib
                .get::<VcdOpenFn>(b"atomik_vcd_open\0")
                .map_err(load_err)?,
            vcd_close: *lib
                .get::<VcdCloseFn>(b"atomik_vcd_close\0")
                .map_err(load_err)?,
            n_inputs,
            n_outputs,
            traced,
            _lib: lib,
        })
    }
}

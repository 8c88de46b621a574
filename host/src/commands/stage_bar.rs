//! Progress for long tool runs: `[=====>     ] 2/3 place and route  41 s` redrawn on stderr
//! twice a second while a stage runs, so a ten-minute nextpnr run visibly lives. When stderr
//! is not a terminal (CI, logs) it prints one plain line per stage instead.

use atomik_boards::Stage;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared {
    label: String,
    stage: Option<(usize, Stage, Instant)>,
}

/// A stage progress bar for one flow run; call [`StageBar::stage`] from the flow's progress
/// callback and drop (or [`StageBar::finish`]) when done.
pub struct StageBar {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
    terminal: bool,
    start: Instant,
}

const WIDTH: usize = 24;

fn draw(s: &Shared) -> String {
    let Some((index, stage, since)) = s.stage else {
        return String::new();
    };
    let total = Stage::ALL.len();
    let filled = WIDTH * index / total;
    format!(
        "{} [{}>{}] {}/{} {:<17} {:>4} s",
        s.label,
        "=".repeat(filled),
        " ".repeat(WIDTH - filled),
        index + 1,
        total,
        stage.to_string(),
        since.elapsed().as_secs()
    )
}

impl StageBar {
    /// A bar labelled `label` (e.g. the board and configuration).
    pub fn new(label: &str) -> StageBar {
        let terminal = std::io::stderr().is_terminal();
        let shared = Arc::new(Mutex::new(Shared {
            label: label.to_string(),
            stage: None,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = terminal.then(|| {
            let (shared, stop) = (shared.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(s) = shared.lock() {
                        let line = draw(&s);
                        if !line.is_empty() {
                            eprint!("\r\x1b[2K{line}");
                            let _ = std::io::stderr().flush();
                        }
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })
        });
        StageBar {
            shared,
            stop,
            ticker,
            terminal,
            start: Instant::now(),
        }
    }

    /// A stage starts.
    pub fn stage(&self, stage: Stage) {
        let index = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        if let Ok(mut s) = self.shared.lock() {
            s.stage = Some((index, stage, Instant::now()));
            if !self.terminal {
                eprintln!(
                    "{}: {}/{} {} (+{:.1} s)",
                    s.label,
                    index + 1,
                    Stage::ALL.len(),
                    stage,
                    self.start.elapsed().as_secs_f64()
                );
            }
        }
    }

    /// Stops the ticker and clears the line.
    pub fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}

impl Drop for StageBar {
    fn drop(&mut self) {
        self.finish();
    }
}

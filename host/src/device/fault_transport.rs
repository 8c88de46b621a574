//! A [`Transport`] wrapper that injects link faults at set rates, seeded, counting every fault
//! it injects: whole chunks (a frame the host sends, or what one `receive` brought back) and
//! single bytes can be dropped, duplicated, corrupted, delayed or reordered, in both
//! directions.
//!
//! Delays keep the line's order (a delayed chunk holds back what follows it, as a stalled USB
//! buffer does): a UART never reorders. Reordering is therefore explicit:
//! - bytes: a byte swaps places with the next byte of its chunk;
//! - frames sent: a frame is held and goes out right after the next frame sent, whatever that
//!   is (protocol v2's sequence rule refuses a frame older than the board's last);
//! - stale copies ([`FaultRates::stale`]): before a frame goes out, a copy of one of the
//!   [`STALE_HISTORY`] different frames sent before it arrives, as a copy delayed somewhere
//!   on the way would (the frame itself waits until the board has answered the copy). The bound matters: the seq is 8 bits, so a copy older than 255 frames
//!   could carry the seq the board expects next; no real link holds a frame that long;
//! - chunks received: a chunk is held and returned after the next one.

use super::transport::Transport;
use crate::device::frame_link::ATTEMPTS;
use atomik_hdl::link::frame::{decode_response, RESPONSE_LEN, RESPONSE_SYNC};
use atomik_sim::cosim::SplitMix64;
use atomik_sim::fuzz::protocol_model::{scan, Scan};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// How far back a stale copy reaches: one of the last this many different frames sent.
pub const STALE_HISTORY: usize = 16;

/// What can happen to a chunk or a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    Drop,
    Duplicate,
    /// One to three bits flipped (a chunk) or the byte replaced by another value (a byte).
    Corrupt,
    /// Held for up to [`FaultRates::max_delay`] on the link's clock; what follows waits too.
    Delay,
    Reorder,
}

pub const FAULTS: [Fault; 5] = [
    Fault::Drop,
    Fault::Duplicate,
    Fault::Corrupt,
    Fault::Delay,
    Fault::Reorder,
];

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Duplicate => "duplicate",
            Fault::Corrupt => "corrupt",
            Fault::Delay => "delay",
            Fault::Reorder => "reorder",
        }
    }
}

/// Probabilities per chunk and per byte, in each direction, of each [`Fault`] (in
/// [`FAULTS`] order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRates {
    pub chunk: [f64; 5],
    pub byte: [f64; 5],
    pub max_delay: Duration,
    /// Probability per frame sent that a stale copy of an older frame arrives just before it.
    pub stale: f64,
}

impl FaultRates {
    /// Every chunk fault at `chunk`; byte drop, corrupt and delay at `byte`; byte duplicate
    /// and reorder at `byte_shift`. Validated (each rate in 0..=0.2, so that a frame still
    /// gets through within the host's attempts).
    ///
    /// Byte shifts (a duplicated byte shifts the rest of a frame; two swapped bytes are a
    /// 16-bit error burst) have their own rate because protocol v1's CRC-8 let about 1 in 256
    /// such frames through; v2's CRC-32 catches every burst up to 32 bits and lets other
    /// damage through with probability 2^-32. No stale copies ([`Self::with_stale`] adds them).
    pub fn new(
        chunk: f64,
        byte: f64,
        byte_shift: f64,
        max_delay: Duration,
    ) -> Result<FaultRates, String> {
        let r = FaultRates {
            chunk: [chunk; 5],
            byte: [byte, byte_shift, byte, byte, byte_shift],
            max_delay,
            stale: 0.0,
        };
        r.validate()?;
        Ok(r)
    }

    /// The same rates with stale copies of older frames at `stale` per frame sent (validated
    /// like the others).
    pub fn with_stale(self, stale: f64) -> Result<FaultRates, String> {
        let r = FaultRates { stale, ..self };
        r.validate()?;
        Ok(r)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=0.2).contains(&self.stale) {
            return Err(format!(
                "stale-copy rate {} out of range: 0 to 0.2 (a stale copy costs the next frame \
                 a retransmission when it overlaps it)",
                self.stale
            ));
        }
        for (what, rates) in [("chunk", &self.chunk), ("byte", &self.byte)] {
            for (f, &p) in FAULTS.iter().zip(rates.iter()) {
                if !(0.0..=0.2).contains(&p) {
                    return Err(format!(
                        "{what} {} rate {p} out of range: 0 to 0.2 (higher rates make a frame \
                         fail all {ATTEMPTS} attempts most of the time)",
                        f.name()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Faults injected so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// By `direction.granularity.fault` (e.g. `sent.byte.corrupt`).
    pub by_kind: BTreeMap<String, u64>,
    /// Damaged frames that still pass the CRC-32 (checked by the injector on each damaged
    /// chunk: a sent chunk the board's decoder would take as a different frame, a received
    /// chunk holding a valid response that was not in it before). The protocol cannot catch
    /// these; any wrong state or answer a run finds should be one of them.
    pub crc_escapes: u64,
}

impl FaultCounts {
    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }

    fn add(&mut self, direction: &str, granularity: &str, fault: Fault) {
        *self
            .by_kind
            .entry(format!("{direction}.{granularity}.{}", fault.name()))
            .or_default() += 1;
    }
}

/// Whether damaged bytes sent to the board hold a frame the decoder takes that the original
/// bytes did not.
fn command_escapes(original: &[u8], damaged: &[u8]) -> bool {
    match scan(damaged) {
        Scan::Accepted { start, end, .. } => original != &damaged[start..end],
        _ => false,
    }
}

/// Whether damaged bytes from the board hold a valid response that the original bytes did not.
fn response_escapes(original: &[u8], damaged: &[u8]) -> bool {
    damaged.windows(RESPONSE_LEN).any(|w| {
        w[0] == RESPONSE_SYNC
            && decode_response(w).is_ok()
            && !original.windows(RESPONSE_LEN).any(|o| o == w)
    })
}

pub struct FaultTransport<T: Transport> {
    inner: T,
    rates: FaultRates,
    rng: SplitMix64,
    counts: Rc<RefCell<FaultCounts>>,
    /// Chunks on their way to the board, with the link time each may go out.
    outbox: VecDeque<(Duration, Vec<u8>)>,
    /// A sent frame held for reordering.
    held_out: Option<Vec<u8>>,
    /// The last [`STALE_HISTORY`] different frames sent, for stale copies.
    history: VecDeque<Vec<u8>>,
    /// Bytes from the board with the link time each may be handed to the host.
    inbox: VecDeque<(Duration, u8)>,
    /// A received chunk held for reordering.
    held_in: Option<Vec<u8>>,
}

impl<T: Transport> FaultTransport<T> {
    pub fn new(inner: T, rates: FaultRates, seed: u64) -> FaultTransport<T> {
        FaultTransport {
            inner,
            rates,
            rng: SplitMix64::new(seed),
            counts: Rc::default(),
            outbox: VecDeque::new(),
            held_out: None,
            history: VecDeque::new(),
            inbox: VecDeque::new(),
            held_in: None,
        }
    }

    /// A handle on the counters that stays valid after the transport is boxed into a device.
    pub fn counts(&self) -> Rc<RefCell<FaultCounts>> {
        self.counts.clone()
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }

    fn delay(&mut self) -> Duration {
        self.rates
            .max_delay
            .mul_f64((self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// Draws the chunk-level fault for one chunk (at most one).
    fn chunk_fault(&mut self) -> Option<Fault> {
        FAULTS
            .into_iter()
            .zip(self.rates.chunk)
            .find(|&(_, p)| self.chance(p))
            .map(|(f, _)| f)
    }

    /// Byte-level faults on `bytes`; returns the bytes and, if a byte was delayed, where the
    /// delayed part starts and for how long.
    fn byte_faults(
        &mut self,
        direction: &str,
        bytes: &[u8],
    ) -> (Vec<u8>, Option<(usize, Duration)>) {
        let mut out = Vec::with_capacity(bytes.len() + 2);
        let mut delayed = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            let fault = FAULTS
                .into_iter()
                .zip(self.rates.byte)
                .find(|&(_, p)| self.chance(p))
                .map(|(f, _)| f);
            match fault {
                None => out.push(b),
                Some(Fault::Drop) => {}
                Some(Fault::Duplicate) => out.extend([b, b]),
                Some(Fault::Corrupt) => out.push(b ^ (1 + (self.rng.next_u64() % 255) as u8)),
                Some(Fault::Delay) => {
                    if delayed.is_none() {
                        delayed = Some((out.len(), self.delay()));
                    }
                    out.push(b);
                }
                Some(Fault::Reorder) => {
                    if i < bytes.len() {
                        out.extend([bytes[i], b]);
                        i += 1;
                    } else {
                        out.push(b);
                        continue; // nothing to swap with: no fault
                    }
                }
            }
            if let Some(f) = fault {
                self.counts.borrow_mut().add(direction, "byte", f);
            }
        }
        (out, delayed)
    }

    fn flip_bits(&mut self, bytes: &mut [u8]) {
        if bytes.is_empty() {
            return;
        }
        for _ in 0..1 + self.rng.next_u64() % 3 {
            let bit = (self.rng.next_u64() % (bytes.len() as u64 * 8)) as usize;
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
    }

    /// Queues `bytes` for the board, no earlier than what is queued before them.
    fn queue_out(&mut self, bytes: Vec<u8>, delay: Duration) {
        let now = self.inner.link_time();
        let after = self.outbox.back().map_or(now, |(t, _)| *t);
        self.outbox.push_back(((now + delay).max(after), bytes));
    }

    /// Sends whatever is due.
    fn flush_out(&mut self) -> io::Result<()> {
        let now = self.inner.link_time();
        while self.outbox.front().is_some_and(|(t, _)| *t <= now) {
            let (_, bytes) = self.outbox.pop_front().expect("front exists");
            self.inner.send(&bytes)?;
        }
        Ok(())
    }

    fn queue_in(&mut self, bytes: &[u8], delay: Duration) {
        let now = self.inner.link_time();
        let after = self.inbox.back().map_or(now, |(t, _)| *t);
        let at = (now + delay).max(after);
        self.inbox.extend(bytes.iter().map(|&b| (at, b)));
    }

    /// Faults on a chunk the inner transport returned, then into the inbox.
    fn arrive(&mut self, chunk: Vec<u8>) {
        let fault = self.chunk_fault();
        if let Some(f) = fault {
            self.counts.borrow_mut().add("received", "chunk", f);
        }
        let original = chunk.clone();
        let mut chunk = chunk;
        let mut delay = Duration::ZERO;
        match fault {
            Some(Fault::Drop) => return,
            Some(Fault::Duplicate) => chunk.extend_from_within(..),
            Some(Fault::Corrupt) => self.flip_bits(&mut chunk),
            Some(Fault::Delay) => delay = self.delay(),
            Some(Fault::Reorder) => {
                if let Some(old) = self.held_in.replace(chunk) {
                    self.queue_in(&old, Duration::ZERO);
                }
                return;
            }
            None => {}
        }
        let (bytes, split) = self.byte_faults("received", &chunk);
        if bytes != original && response_escapes(&original, &bytes) {
            self.counts.borrow_mut().crc_escapes += 1;
        }
        match split {
            Some((at, d)) => {
                self.queue_in(&bytes[..at], delay);
                self.queue_in(&bytes[at..], delay + d);
            }
            None => self.queue_in(&bytes, delay),
        }
        if let Some(old) = self.held_in.take() {
            self.queue_in(&old, Duration::ZERO);
        }
    }
}

impl<T: Transport> Transport for FaultTransport<T> {
    fn describe(&self) -> String {
        format!("{} with injected faults", self.inner.describe())
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        // A held frame goes out after this one.
        let held = self.held_out.take();
        // A stale copy of an older, different frame goes out first, and this frame only once
        // the board has had the time to take the copy whole and answer it (on a UART it drops
        // bytes that arrive while it answers, which would mangle the copy instead).
        let mut delay = Duration::ZERO;
        if !self.history.is_empty() && self.chance(self.rates.stale) {
            let i = (self.rng.next_u64() % self.history.len() as u64) as usize;
            let old = self.history[i].clone();
            let byte = 1.0 / self.inner.raw_bytes_per_sec();
            delay = Duration::from_secs_f64((old.len() + RESPONSE_LEN + 2) as f64 * byte);
            self.queue_out(old, Duration::ZERO);
            *self
                .counts
                .borrow_mut()
                .by_kind
                .entry("sent.frame.stale_copy".into())
                .or_default() += 1;
        }
        let fault = self.chunk_fault();
        if let Some(f) = fault {
            self.counts.borrow_mut().add("sent", "chunk", f);
        }
        let mut frame = bytes.to_vec();
        let mut copies = 1;
        match fault {
            Some(Fault::Drop) => copies = 0,
            Some(Fault::Duplicate) => copies = 2,
            Some(Fault::Corrupt) => self.flip_bits(&mut frame),
            Some(Fault::Delay) => delay += self.delay(),
            Some(Fault::Reorder) => {
                self.held_out = Some(frame.clone());
                copies = 0;
            }
            None => {}
        }
        for _ in 0..copies {
            let (out, split) = self.byte_faults("sent", &frame);
            if command_escapes(bytes, &out) {
                self.counts.borrow_mut().crc_escapes += 1;
            }
            match split {
                Some((at, d)) => {
                    self.queue_out(out[..at].to_vec(), delay);
                    self.queue_out(out[at..].to_vec(), delay + d);
                }
                None => self.queue_out(out, delay),
            }
        }
        if let Some(h) = held {
            self.queue_out(h, Duration::ZERO);
        }
        if self
            .history
            .back()
            .is_none_or(|last| last.as_slice() != bytes)
        {
            if self.history.len() == STALE_HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(bytes.to_vec());
        }
        self.flush_out()
    }

    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = self.inner.link_time() + timeout;
        // The finest step: one byte time, so delayed bytes go out close to their time.
        let step = Duration::from_secs_f64(1.0 / self.inner.raw_bytes_per_sec());
        let mut got = Vec::new();
        loop {
            self.flush_out()?;
            let now = self.inner.link_time();
            while got.len() < want && self.inbox.front().is_some_and(|(t, _)| *t <= now) {
                got.push(self.inbox.pop_front().expect("front exists").1);
            }
            if got.len() >= want || now >= deadline {
                return Ok(got);
            }
            // Wait no longer than the next queued release.
            let mut until = deadline;
            if let Some((t, _)) = self.outbox.front() {
                until = until.min(*t);
            }
            if let Some((t, _)) = self.inbox.front() {
                until = until.min(*t);
            }
            let wait = until.saturating_sub(now).max(step);
            let need = want - got.len() - self.inbox.len().min(want - got.len());
            let chunk = self.inner.receive(need.max(1), wait)?;
            if !chunk.is_empty() {
                self.arrive(chunk);
            }
        }
    }

    fn link_time(&self) -> Duration {
        self.inner.link_time()
    }

    fn raw_bytes_per_sec(&self) -> f64 {
        self.inner.raw_bytes_per_sec()
    }

    fn simulated(&self) -> bool {
        self.inner.simulated()
    }

    fn max_frames_in_flight(&self) -> usize {
        self.inner.max_frames_in_flight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atomik_hdl::link::frame::{encode_command, COMMAND_LEN};

    /// Records what reaches the board; time passes only while receiving.
    #[derive(Default)]
    struct Recorder {
        sent: Vec<u8>,
        now: Duration,
    }

    impl Transport for Recorder {
        fn describe(&self) -> String {
            "recorder".into()
        }
        fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.sent.extend_from_slice(bytes);
            Ok(())
        }
        fn receive(&mut self, _want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
            self.now += timeout;
            Ok(Vec::new())
        }
        fn link_time(&self) -> Duration {
            self.now
        }
        fn raw_bytes_per_sec(&self) -> f64 {
            300_000.0
        }
        fn simulated(&self) -> bool {
            true
        }
    }

    fn only(fault: Fault, chunk: f64, byte: f64) -> FaultRates {
        let i = FAULTS.iter().position(|&f| f == fault).unwrap();
        let mut r = FaultRates::new(0.0, 0.0, 0.0, Duration::from_micros(300)).unwrap();
        r.chunk[i] = chunk;
        r.byte[i] = byte;
        r.validate().unwrap();
        r
    }

    #[test]
    fn rates_are_validated_with_the_bad_value_named() {
        let e = FaultRates::new(0.5, 0.0, 0.0, Duration::ZERO).unwrap_err();
        assert!(e.contains("chunk drop rate 0.5"), "{e}");
        let e = FaultRates::new(0.0, 0.0, -0.1, Duration::ZERO).unwrap_err();
        assert!(e.contains("byte duplicate rate -0.1"), "{e}");
    }

    #[test]
    fn delays_keep_the_line_order_and_everything_arrives() {
        let mut t = FaultTransport::new(Recorder::default(), only(Fault::Delay, 0.2, 0.02), 3);
        let frames: Vec<_> = (0..200u8)
            .map(|s| encode_command(s, 2, 0, s as u64))
            .collect();
        for f in &frames {
            t.send(f).unwrap();
            t.receive(12, Duration::from_micros(100)).unwrap();
        }
        t.receive(12, Duration::from_millis(10)).unwrap();
        assert!(t.counts().borrow().total() > 20);
        assert_eq!(t.inner.sent, frames.concat());
    }

    #[test]
    fn a_reordered_frame_goes_after_the_next_one() {
        let mut t = FaultTransport::new(Recorder::default(), only(Fault::Reorder, 0.2, 0.0), 5);
        let frames: Vec<_> = (0..300u32)
            .map(|s| encode_command(s as u8, 2, 0, s as u64))
            .collect();
        for f in &frames {
            t.send(f).unwrap();
        }
        t.send(&frames[0]).unwrap();
        let reordered = t.counts().borrow().total();
        assert!(reordered > 20, "{reordered}");
        // Every frame reaches the board once; a held frame goes out right after the next.
        let index = |f: &[u8]| u32::from_le_bytes(f[5..9].try_into().unwrap());
        let got: Vec<u32> = t.inner.sent.chunks(COMMAND_LEN).map(index).collect();
        let swapped = got.windows(2).filter(|w| w[0] == w[1] + 1).count();
        assert!(swapped > 20, "{swapped}");
        let mut sorted = got.clone();
        sorted.sort();
        let want: Vec<u32> = std::iter::once(0).chain(0..300).collect();
        assert_eq!(sorted, want);
    }

    #[test]
    fn stale_copies_of_older_frames_follow_newer_ones() {
        let rates = FaultRates::new(0.0, 0.0, 0.0, Duration::ZERO)
            .unwrap()
            .with_stale(0.2)
            .unwrap();
        let mut t = FaultTransport::new(Recorder::default(), rates, 11);
        let frames: Vec<_> = (0..500u32)
            .map(|s| encode_command(s as u8, 2, 0, s as u64))
            .collect();
        for f in &frames {
            t.send(f).unwrap();
        }
        let c = t.counts().borrow().clone();
        let stale = c.by_kind["sent.frame.stale_copy"];
        assert!((50..150).contains(&stale), "{c:?}");
        // Each copy is of one of the last STALE_HISTORY frames, and comes after its original.
        t.receive(1, Duration::from_millis(10)).unwrap();
        let index = |f: &[u8]| u32::from_le_bytes(f[5..9].try_into().unwrap()) as usize;
        let mut newest: Option<usize> = None;
        let mut copies = 0;
        for f in t.inner.sent.chunks(COMMAND_LEN) {
            let i = index(f);
            match newest {
                Some(n) if i <= n => {
                    assert!(n - i <= STALE_HISTORY, "copy of {i} after {n}");
                    copies += 1;
                }
                _ => newest = Some(i),
            }
        }
        assert_eq!(copies, stale);
        assert!(FaultRates::new(0.0, 0.0, 0.0, Duration::ZERO)
            .unwrap()
            .with_stale(0.5)
            .unwrap_err()
            .contains("stale-copy rate 0.5"));
    }

    #[test]
    fn byte_shifts_no_longer_pass_the_crc() {
        let mut t = FaultTransport::new(Recorder::default(), only(Fault::Duplicate, 0.0, 0.2), 9);
        for s in 0..20_000u32 {
            t.send(&encode_command(s as u8, 2, 3, s as u64 * 0x9E37_79B9))
                .unwrap();
        }
        let c = t.counts().borrow().clone();
        // Some 19 000 shifted frames; with v1's CRC-8 about 75 passed, with CRC-32 none.
        assert!(c.by_kind["sent.byte.duplicate"] > 19_000, "{c:?}");
        assert_eq!(c.crc_escapes, 0, "{c:?}");
    }
}

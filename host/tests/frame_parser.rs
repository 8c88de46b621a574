//! Property tests of the host-side parsers: the response-frame decoder, the frame layer over
//! a link returning arbitrary bytes, and the device-URI parser. None may panic; the decoder
//! accepts exactly the well-formed frames; every refusal names what is wrong.

use atomik_hdl::link::frame::{
    crc32, decode_response, encode_response, FrameError, Response, CRC_LEN, RESPONSE_LEN,
    RESPONSE_SYNC,
};
use atomik_host::device::frame_link::{ExchangeError, FrameLink, ATTEMPTS};
use atomik_host::device::transport::Transport;
use atomik_host::device::uri::DeviceUri;
use proptest::prelude::*;
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

/// Whether `bytes` is a response frame, by the definition in docs/protocol.md.
fn well_formed(bytes: &[u8]) -> bool {
    bytes.len() == RESPONSE_LEN && bytes[0] == RESPONSE_SYNC && crc32(&bytes[1..]) == 0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn decode_accepts_exactly_the_well_formed_frames(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        match decode_response(&bytes) {
            Ok(r) => {
                prop_assert!(well_formed(&bytes));
                let again = encode_response(r.seq, r.status, r.data);
                prop_assert_eq!(&again[..], &bytes[..]);
            }
            Err(e) => {
                prop_assert!(!well_formed(&bytes));
                let text = e.to_string();
                match e {
                    FrameError::Length(n) => {
                        prop_assert_eq!(n, bytes.len());
                        prop_assert!(text.contains(&format!("{n} bytes")), "{}", text);
                    }
                    FrameError::Sync(b) => {
                        prop_assert_eq!(b, bytes[0]);
                        prop_assert!(text.contains("expected 0x5a"), "{}", text);
                    }
                    FrameError::Crc { got, expected } => {
                        let body = RESPONSE_LEN - CRC_LEN;
                        prop_assert_eq!(got, u32::from_be_bytes(bytes[body..].try_into().unwrap()));
                        prop_assert_eq!(expected, crc32(&bytes[1..body]));
                        prop_assert!(text.contains("CRC"), "{}", text);
                    }
                }
            }
        }
    }

    #[test]
    fn decode_round_trips_and_refuses_every_single_bit_flip(seq: u8, status: u8, data: u64, bit in 0usize..RESPONSE_LEN * 8) {
        let f = encode_response(seq, status, data);
        prop_assert_eq!(decode_response(&f), Ok(Response { seq, status, data }));
        let mut bad = f;
        bad[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(decode_response(&bad).is_err());
    }

    #[test]
    fn the_frame_layer_takes_only_its_own_valid_answer(
        replies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..30), 1..=ATTEMPTS as usize),
        answer_at in prop::option::of(0usize..ATTEMPTS as usize),
    ) {
        // Scripted answers: arbitrary bytes (an empty chunk is a receive that timed out),
        // and perhaps the right frame as one chunk.
        let mut script: VecDeque<Vec<u8>> = replies.into();
        let right = encode_response(1, 0, 0xFEED).to_vec();
        if let Some(i) = answer_at {
            let i = i.min(script.len());
            script.insert(i, right.clone());
        }
        // The frame layer's contract: it reads the byte stream until a receive times out
        // (then it retransmits, at most ATTEMPTS times), sliding past bytes that are not a
        // frame for it; so it finds the right frame if fewer than ATTEMPTS timeouts come
        // before it.
        let expect_ok = match script.iter().position(|c| *c == right) {
            Some(at) => script.iter().take(at).filter(|c| c.is_empty()).count() < ATTEMPTS as usize,
            None => false,
        };
        let mut link = FrameLink::new(Scripted { script, now: Duration::ZERO }, Duration::ZERO);
        match link.exchange(2, 0, 1) {
            Ok(r) => {
                prop_assert!(expect_ok, "took {:?}", r);
                prop_assert_eq!(r, Response { seq: 1, status: 0, data: 0xFEED });
            }
            Err(ExchangeError::NoResponse { attempts, last_problem }) => {
                prop_assert!(!expect_ok);
                prop_assert_eq!(attempts, ATTEMPTS);
                prop_assert!(!last_problem.is_empty());
            }
            Err(ExchangeError::Io(e)) => prop_assert!(false, "scripted link cannot fail: {}", e),
        }
    }

    #[test]
    fn uri_parser_never_panics_and_names_what_it_refuses(uri in "[a-z:/?=&.0-9]{0,40}") {
        if let Err(e) = DeviceUri::parse(&uri) {
            prop_assert!(!e.is_empty());
        }
    }
}

/// A link whose receive calls return scripted chunks in order (a chunk longer than asked is
/// returned over several calls); an empty chunk, or the end of the script, is a receive that
/// waited its whole timeout.
struct Scripted {
    script: VecDeque<Vec<u8>>,
    now: Duration,
}

impl Transport for Scripted {
    fn describe(&self) -> String {
        "scripted".into()
    }
    fn send(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn receive(&mut self, want: usize, timeout: Duration) -> io::Result<Vec<u8>> {
        let mut chunk = self.script.pop_front().unwrap_or_default();
        if chunk.is_empty() {
            self.now += timeout;
        }
        if chunk.len() > want {
            self.script.push_front(chunk.split_off(want));
        }
        Ok(chunk)
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

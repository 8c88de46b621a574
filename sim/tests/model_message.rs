//! Delta messages on the wire, and the delta stream: docs/semantics.md, "Delta message",
//! and deviation 2.

use atomik_sim::model::{AtomikError, DeltaMessage, DeltaStream, Table, MESSAGE_LEN};
use proptest::prelude::*;

#[test]
fn wire_layout_is_big_endian_addr_delta_seq() {
    let m = DeltaMessage {
        addr: 0x0102_0304,
        delta: 0x1112_1314_1516_1718,
        seq: 0x2122_2324,
    };
    assert_eq!(
        m.to_bytes(),
        [
            0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x21, 0x22,
            0x23, 0x24
        ]
    );
}

#[test]
fn decoding_rejects_every_length_but_16_naming_it() {
    for len in [0usize, 1, 15, 17, 32] {
        let buf = vec![0u8; len];
        let err = DeltaMessage::from_bytes(&buf).expect_err("wrong length accepted");
        assert_eq!(err, AtomikError::MessageLength { len });
        assert!(err.to_string().contains(&len.to_string()), "{err}");
    }
    assert!(DeltaMessage::from_bytes(&[0u8; MESSAGE_LEN]).is_ok());
}

#[test]
fn stream_numbers_messages_from_1_and_masks_deltas_to_the_width() {
    let mut s = DeltaStream::new(8, 4).expect("valid");
    assert_eq!(s.next_seq(), 1);
    let m1 = s.accum(2, 0xffff_0f0f).expect("in range");
    let m2 = s.accum(3, 0x1).expect("in range");
    assert_eq!(
        m1,
        DeltaMessage {
            addr: 2,
            delta: 0x0f,
            seq: 1
        }
    );
    assert_eq!(
        m2,
        DeltaMessage {
            addr: 3,
            delta: 0x01,
            seq: 2
        }
    );
    assert_eq!(
        s.read(2),
        Ok(0x0f),
        "the local table got the masked delta too"
    );
    assert_eq!(s.take_pending(), vec![m1, m2]);
    assert!(s.take_pending().is_empty(), "take_pending drains");
}

#[test]
fn stream_error_produces_no_message_and_consumes_no_sequence_number() {
    let mut s = DeltaStream::new(64, 4).expect("valid");
    assert_eq!(
        s.accum(4, 1),
        Err(AtomikError::AddressOutOfRange {
            addr: 4,
            num_contexts: 4
        })
    );
    assert_eq!(s.next_seq(), 1);
    assert!(s.take_pending().is_empty());
    assert_eq!(s.table().snapshot(), vec![]);
}

#[test]
fn stream_rejects_more_contexts_than_u32_addresses() {
    assert!(DeltaStream::new(64, 1 << 32).is_ok());
    assert_eq!(
        DeltaStream::new(64, (1 << 32) + 1).map(drop),
        Err(AtomikError::InvalidContextCount {
            count: (1 << 32) + 1
        })
    );
}

#[test]
fn applying_a_message_out_of_range_fails_and_leaves_the_table_unchanged() {
    let mut t = Table::new(16, 8).expect("valid");
    t.load(1, 0xabcd).expect("in range");
    let m = DeltaMessage {
        addr: 8,
        delta: 1,
        seq: 1,
    };
    assert_eq!(
        m.apply_to(&mut t),
        Err(AtomikError::AddressOutOfRange {
            addr: 8,
            num_contexts: 8
        })
    );
    assert_eq!(t.snapshot(), vec![(1, 0xabcd)]);
}

#[test]
fn a_duplicated_message_cancels_as_in_atomik_core() {
    let mut t = Table::new(64, 2).expect("valid");
    let m = DeltaMessage {
        addr: 1,
        delta: 0x55,
        seq: 7,
    };
    m.apply_to(&mut t).expect("in range");
    assert_eq!(t.read(1), Ok(0x55));
    m.apply_to(&mut t).expect("in range");
    assert_eq!(t.read(1), Ok(0), "no de-duplication in the model");
}

proptest! {
    #[test]
    fn wire_round_trip_is_exact(addr in any::<u32>(), delta in any::<u64>(), seq in any::<u32>()) {
        let m = DeltaMessage { addr, delta, seq };
        let bytes = m.to_bytes();
        prop_assert_eq!(DeltaMessage::from_bytes(&bytes), Ok(m));
        prop_assert_eq!(DeltaMessage::from_bytes(&bytes).map(|d| d.to_bytes()), Ok(bytes));
    }

    #[test]
    fn a_peer_applying_the_stream_converges_to_the_sender(
        width in 1u32..=64,
        init in any::<u64>(),
        deltas in prop::collection::vec((0u32..8, any::<u64>()), 0..50),
    ) {
        let mut sender = DeltaStream::new(width, 8).expect("valid");
        let mut receiver = DeltaStream::new(width, 8).expect("valid");
        for a in 0..8 {
            sender.load(a, init).expect("in range");
            receiver.load(a, init).expect("in range");
        }
        for &(a, d) in &deltas {
            sender.accum(a, d).expect("in range");
        }
        let msgs = sender.take_pending();
        prop_assert_eq!(msgs.len(), deltas.len());
        // Over the wire and in reverse order: XOR commutes.
        for m in msgs.iter().rev() {
            let wire = DeltaMessage::from_bytes(&m.to_bytes()).expect("16 bytes");
            prop_assert_eq!(wire.delta & !sender.table().mask(), 0, "delta masked (deviation 2)");
            receiver.apply(&wire).expect("in range");
        }
        for (i, m) in msgs.iter().enumerate() {
            prop_assert_eq!(m.seq as usize, i + 1);
        }
        prop_assert_eq!(receiver.table().snapshot(), sender.table().snapshot());
    }
}

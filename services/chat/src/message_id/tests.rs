use std::{collections::HashSet, sync::Arc};

use super::*;

const T0: i64 = EPOCH_MS + 1_000_000;

#[test]
fn encodes_time_node_and_sequence() {
    let generator = MessageIdGenerator::new(7).unwrap();
    let first = generator.next_at(T0);
    assert_eq!(first.unix_ms(), T0);
    assert_eq!(first.node_id(), 7);
    assert_eq!(first.seq(), 0);
    let second = generator.next_at(T0);
    assert_eq!((second.unix_ms(), second.seq()), (T0, 1));
    let later = generator.next_at(T0 + 5);
    assert_eq!((later.unix_ms(), later.seq()), (T0 + 5, 0));
}

#[test]
fn stays_monotonic_when_the_clock_steps_back() {
    let generator = MessageIdGenerator::new(1).unwrap();
    let a = generator.next_at(T0 + 1_000);
    let b = generator.next_at(T0);
    let c = generator.next_at(T0 - 60_000);
    assert!(a < b && b < c, "{a} {b} {c}");
    assert_eq!(
        c.unix_ms(),
        T0 + 1_000,
        "keeps counting on its last millisecond"
    );
}

#[test]
fn borrows_the_next_millisecond_when_the_sequence_runs_out() {
    let generator = MessageIdGenerator::new(0).unwrap();
    let ids: Vec<_> = (0..4097).map(|_| generator.next_at(T0)).collect();
    assert_eq!(ids[4095].seq(), 4095);
    assert_eq!((ids[4096].unix_ms(), ids[4096].seq()), (T0 + 1, 0));
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn string_order_is_numeric_order() {
    let generator = MessageIdGenerator::new(1023).unwrap();
    let mut ids: Vec<_> = [T0, T0 + 1, T0 + 16, T0 + 4096, T0 + (1 << 20)]
        .iter()
        .flat_map(|&t| [generator.next_at(t), generator.next_at(t)])
        .collect();
    ids.sort();
    let strings: Vec<_> = ids.iter().map(ToString::to_string).collect();
    let mut sorted = strings.clone();
    sorted.sort();
    assert_eq!(strings, sorted);
    assert!(strings.iter().all(|s| s.len() == 16));
}

#[test]
fn parses_exactly_what_it_prints() {
    let id = MessageId::from_parts(123_456, 42, 9);
    assert_eq!(id.to_string().parse::<MessageId>(), Ok(id));
    assert_eq!(
        "00000000000000ff".parse::<MessageId>(),
        Ok(MessageId::from_raw(255))
    );
    for bad in [
        "",
        "ff",
        "00000000000000FF",
        "0000000000000000f",
        "000000000000000g",
        " 000000000000000",
    ] {
        assert!(bad.parse::<MessageId>().is_err(), "{bad:?} parsed");
    }
}

#[test]
fn rejects_node_ids_over_ten_bits() {
    assert_eq!(
        MessageIdGenerator::new(1024).unwrap_err(),
        InvalidNodeId(1024)
    );
    assert!(MessageIdGenerator::new(MAX_NODE_ID).is_ok());
}

#[test]
fn first_at_bounds_the_ids_of_a_millisecond() {
    let generator = MessageIdGenerator::new(5).unwrap();
    let id = generator.next_at(T0);
    assert!(MessageId::first_at(T0) <= id);
    assert!(MessageId::first_at(T0 + 1) > id);
    assert_eq!(
        MessageId::first_at(0),
        MessageId::from_raw(0),
        "before the epoch"
    );
}

#[test]
fn concurrent_callers_never_share_an_id() {
    let generator = Arc::new(MessageIdGenerator::new(3).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let generator = Arc::clone(&generator);
            std::thread::spawn(move || {
                (0..5_000)
                    .map(|_| generator.next_at(T0))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        let ids = thread.join().unwrap();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "each caller sees increasing ids"
        );
        for id in ids {
            assert!(seen.insert(id), "duplicate {id}");
        }
    }
    assert_eq!(seen.len(), 20_000);
}

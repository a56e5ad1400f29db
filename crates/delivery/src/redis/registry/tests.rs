use bytes::Bytes;
use flume::TryRecvError;

use super::*;

fn event(seq: u64) -> Event {
    Event {
        id: EventId::new(1, seq),
        payload: Bytes::from(seq.to_string()),
    }
}

fn events(seqs: std::ops::Range<u64>) -> Vec<Event> {
    seqs.map(event).collect()
}

#[test]
fn each_subscription_gets_only_what_follows_its_cursor() {
    let registry = Registry::new(16);
    let (
        Receivers {
            events: mut early, ..
        },
        _,
    ) = registry.begin("u").finish(EventId::new(1, 0));
    let (
        Receivers {
            events: mut late, ..
        },
        _,
    ) = registry.begin("u").finish(EventId::new(1, 2));
    assert_eq!(registry.read_from("u"), Some(EventId::new(1, 0)));
    let pushed = registry.push("u", EventId::new(1, 0), &events(1..4), false);
    assert_eq!(pushed, Pushed::Done);
    let seqs = |rx: &mut flume::Receiver<Event>| {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| e.id.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(&mut early), [1, 2, 3]);
    assert_eq!(seqs(&mut late), [3]);

    // A second read of an overlapping range hands out nothing twice.
    registry.push("u", EventId::new(1, 0), &events(1..5), false);
    assert_eq!(seqs(&mut early), [4]);
    assert_eq!(seqs(&mut late), [4]);
}

#[test]
fn a_subscription_behind_the_read_asks_for_another_round() {
    let registry = Registry::new(16);
    let (Receivers { events: ahead, .. }, _) = registry.begin("u").finish(EventId::new(1, 5));
    let (Receivers { events: behind, .. }, _) = registry.begin("u").finish(EventId::new(1, 2));
    let pushed = registry.push("u", EventId::new(1, 5), &events(6..8), false);
    assert_eq!(pushed, Pushed::More(EventId::new(1, 2)));
    assert!(matches!(behind.try_recv(), Err(TryRecvError::Empty)));
    assert_eq!(ahead.try_recv().unwrap().id.seq, 6);
    registry.push("u", EventId::new(1, 2), &events(3..8), false);
    assert_eq!(behind.try_recv().unwrap().id.seq, 3);

    let full = registry.push("u", EventId::new(1, 7), &events(8..10), true);
    assert_eq!(
        full,
        Pushed::More(EventId::new(1, 9)),
        "a full page reads on"
    );
}

#[test]
fn a_full_subscription_is_ended_after_what_it_buffered() {
    let registry = Registry::new(2);
    let (Receivers { events: slow, .. }, _) = registry.begin("u").finish(EventId::ZERO);
    registry.push("u", EventId::ZERO, &events(1..4), false);
    assert_eq!(registry.count("u"), 0);
    assert_eq!(slow.try_recv().unwrap().id.seq, 1);
    assert_eq!(slow.try_recv().unwrap().id.seq, 2);
    assert!(matches!(slow.try_recv(), Err(TryRecvError::Disconnected)));
    assert_eq!(registry.read_from("u"), None);
}

#[test]
fn deliveries_during_a_subscribe_are_reported_to_it() {
    let registry = Registry::new(4);
    let pending = registry.begin("u");
    assert_eq!(
        registry.present_users(),
        ["u"],
        "presence is kept while subscribing"
    );
    assert_eq!(registry.read_from("u"), None);
    let (_rx, missed) = pending.finish(EventId::ZERO);
    assert!(missed);
    let (_rx2, missed) = registry.begin("u").finish(EventId::ZERO);
    assert!(!missed);
}

#[test]
fn a_failed_subscribe_leaves_nothing_behind() {
    let registry = Registry::new(4);
    drop(registry.begin("u"));
    assert!(registry.present_users().is_empty());
    assert_eq!(registry.prune(), ["u"]);
    assert!(registry.present_users().is_empty());
}

#[test]
fn pruning_returns_users_whose_subscriptions_all_dropped() {
    let registry = Registry::new(4);
    let (kept, _) = registry.begin("a").finish(EventId::ZERO);
    let (gone, _) = registry.begin("b").finish(EventId::ZERO);
    drop(gone);
    assert_eq!(registry.count("b"), 0);
    assert_eq!(registry.prune(), ["b"]);
    assert_eq!(registry.present_users(), ["a"]);
    drop(kept);
    assert_eq!(registry.prune(), ["a"]);
}

#[test]
fn sweeping_walks_all_users_round_robin() {
    let registry = Registry::new(1);
    let _subs: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|user| registry.begin(user).finish(EventId::ZERO))
        .collect();
    assert_eq!(registry.users_after(None, 2), ["a", "b"]);
    assert_eq!(registry.users_after(Some("b"), 2), ["c"]);
    assert_eq!(registry.users_after(Some("c"), 2), ["a", "b"]);
    assert_eq!(
        Registry::new(1).users_after(Some("x"), 2),
        Vec::<String>::new()
    );
}

#[test]
fn signals_reach_every_live_subscription_and_overflow_is_dropped() {
    let registry = Registry::new(4);
    let (first, _) = registry.begin("u").finish(EventId::ZERO);
    let (second, _) = registry.begin("u").finish(EventId::ZERO);
    assert!(registry.is_present("u"));
    assert!(!registry.is_present("v"));
    for n in 0..SIGNAL_CAPACITY + 2 {
        registry.signal("u", &Bytes::from(n.to_string()));
    }
    registry.signal("v", &Bytes::from_static(b"nobody"));
    assert_eq!(first.signals.len(), SIGNAL_CAPACITY);
    assert_eq!(second.signals.try_recv().unwrap(), Bytes::from("0"));
    assert_eq!(registry.count("u"), 2, "a full signal buffer ends nothing");
    drop((first, second));
    assert!(!registry.is_present("u"));
}

use super::*;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn members_dedupe_and_put_the_creator_first() {
    assert_eq!(
        members("me", &ids(&["b", "me", "a", "b"])).unwrap(),
        ids(&["me", "b", "a"])
    );
    assert_eq!(members("me", &ids(&["you"])).unwrap(), ids(&["me", "you"]));
}

#[test]
fn members_need_someone_else_and_no_empty_ids() {
    for (creator, listed) in [
        ("me", ids(&[])),
        ("me", ids(&["me", "me"])),
        ("", ids(&["x"])),
        ("me", ids(&["x", ""])),
    ] {
        let err = members(creator, &listed).unwrap_err();
        assert_eq!(
            err.code().as_str(),
            "invalid_members",
            "{creator:?} {listed:?}"
        );
    }
}

#[test]
fn members_allow_255_others_not_256() {
    let others: Vec<String> = (0..255).map(|n| format!("u{n}")).collect();
    assert_eq!(members("me", &others).unwrap().len(), 256);
    let mut with_dupes = others.clone();
    with_dupes.extend(others.iter().take(10).cloned());
    with_dupes.push("me".into());
    assert_eq!(
        members("me", &with_dupes).unwrap().len(),
        256,
        "duplicates do not count"
    );
    let mut too_many = others;
    too_many.push("one more".into());
    assert_eq!(
        members("me", &too_many).unwrap_err().code().as_str(),
        "invalid_members"
    );
}

#[test]
fn titles_are_trimmed_optional_and_bounded() {
    assert_eq!(title(None).unwrap(), None);
    assert_eq!(title(Some("   ")).unwrap(), None);
    assert_eq!(title(Some("  Team  ")).unwrap(), Some("Team".into()));
    let longest = "é".repeat(128);
    assert_eq!(
        title(Some(&format!(" {longest} "))).unwrap(),
        Some(longest.clone())
    );
    let err = title(Some(&format!("{longest}x"))).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_request");
}

#[test]
fn bodies_count_characters_not_bytes() {
    assert!(body(&"ü".repeat(4096)).is_ok());
    assert_eq!(
        body(&"a".repeat(4097)).unwrap_err().code().as_str(),
        "invalid_body"
    );
    for blank in ["", " ", "\n\t "] {
        assert_eq!(
            body(blank).unwrap_err().code().as_str(),
            "invalid_body",
            "{blank:?}"
        );
    }
    assert!(body(" hi ").is_ok());
}

#[test]
fn client_msg_ids_are_required_and_bounded() {
    assert!(client_msg_id(&"k".repeat(128)).is_ok());
    assert_eq!(
        client_msg_id("").unwrap_err().code().as_str(),
        "invalid_request"
    );
    assert_eq!(
        client_msg_id(&"k".repeat(129)).unwrap_err().code().as_str(),
        "invalid_request"
    );
}

#[test]
fn cursors_and_limits() {
    assert_eq!(before("").unwrap(), None);
    assert_eq!(
        before("00000000000000ff").unwrap(),
        Some(MessageId::from_raw(255))
    );
    assert_eq!(
        before("nope").unwrap_err().code().as_str(),
        "invalid_request"
    );
    assert_eq!(
        (
            page_size(0),
            page_size(1),
            page_size(100),
            page_size(u32::MAX)
        ),
        (50, 1, 100, 100)
    );
    assert_eq!(
        (since_size(0), since_size(7), since_size(5000)),
        (1000, 7, 1000)
    );
    assert!(is_conversation_id("0192f0c4-5c9e-7b6a-8d3e-1a2b3c4d5e6f"));
    assert!(!is_conversation_id("../etc"));
}

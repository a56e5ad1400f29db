use super::*;

#[test]
fn email_table() {
    let long_local = "a".repeat(MAX_EMAIL_CHARS - "@x.io".len());
    let accepted: &[(&str, &str)] = &[
        ("alice@example.com", "alice@example.com"),
        ("  Alice@Example.COM \n", "alice@example.com"),
        ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
        ("ünï@exämple.de", "ünï@exämple.de"),
    ];
    for (raw, want) in accepted {
        assert_eq!(normalize_email(raw).as_deref(), Ok(*want), "{raw:?}");
    }
    let at_limit = format!("{long_local}@x.io");
    assert_eq!(at_limit.len(), MAX_EMAIL_CHARS);
    assert!(normalize_email(&at_limit).is_ok());
    // Characters count, not bytes; and the address as given, spaces included.
    let wide = format!("{}@x.io", "ü".repeat(MAX_EMAIL_CHARS - "@x.io".len()));
    assert!(normalize_email(&wide).is_ok(), "254 characters of 2 bytes");
    let padded = format!(" {at_limit}");
    let over_limit = format!("{long_local}a@x.io");
    let rejected = [
        "",
        "   ",
        "plain",
        "@example.com",
        "alice@",
        "alice@localhost",
        "alice@@example.com",
        "a@b@example.com",
        "al ice@example.com",
        "alice@exa\tmple.com",
        "alice\u{0}@example.com",
        "al<ice@example.com",
        "alice@exa;mple.com",
        "a,b@example.com",
        "alice@example.",
        "alice@.example.com",
        "alice@example..com",
        over_limit.as_str(),
        padded.as_str(),
    ];
    for raw in rejected {
        assert_eq!(normalize_email(raw), Err(Invalid::Email), "{raw:?}");
    }
}

#[test]
fn password_table() {
    assert_eq!(check_password("1234567"), Err(Invalid::WeakPassword));
    assert_eq!(check_password(""), Err(Invalid::WeakPassword));
    assert_eq!(check_password("12345678"), Ok(()));
    // Eight characters but more bytes: characters are what count.
    assert_eq!(check_password("ééééééé"), Err(Invalid::WeakPassword));
    assert_eq!(check_password("éééééééé"), Ok(()));
    assert_eq!(check_password("        "), Ok(()));
    assert_eq!(check_password(&"x".repeat(MAX_PASSWORD_CHARS)), Ok(()));
    assert_eq!(
        check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)),
        Err(Invalid::PasswordTooLong)
    );
    // Characters count, not bytes: 1024 two-byte characters are accepted.
    assert_eq!(check_password(&"é".repeat(MAX_PASSWORD_CHARS)), Ok(()));
}

#[test]
fn display_name_table() {
    assert_eq!(normalize_display_name("  Alice  ").as_deref(), Ok("Alice"));
    assert_eq!(
        normalize_display_name(&"é".repeat(64)).as_deref(),
        Ok("é".repeat(64).as_str())
    );
    assert_eq!(normalize_display_name(""), Err(Invalid::DisplayName));
    assert_eq!(normalize_display_name(" \t "), Err(Invalid::DisplayName));
    assert_eq!(
        normalize_display_name(&"x".repeat(65)),
        Err(Invalid::DisplayName)
    );
    assert_eq!(normalize_display_name("Al\nice"), Err(Invalid::DisplayName));
}

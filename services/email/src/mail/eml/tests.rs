use chrono::TimeZone;

use super::*;

fn mail(to: &str, subject: &str, text: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.into(),
        subject: subject.into(),
        text: text.into(),
    }
}

fn date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 5, 7, 8, 9).single().unwrap()
}

#[test]
fn renders_headers_blank_line_and_crlf_body() {
    let eml = render_eml(
        "gochat <no-reply@gochat.local>",
        &mail("a@b.c", "Hi", "one\ntwo\r\nthree\rfour\n"),
        date(),
        "x@gochat.local",
    )
    .unwrap();
    let expected = "From: gochat <no-reply@gochat.local>\r\n\
        To: a@b.c\r\n\
        Subject: Hi\r\n\
        Date: Tue, 5 Mar 2024 07:08:09 +0000\r\n\
        Message-ID: <x@gochat.local>\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: 8bit\r\n\
        \r\n\
        one\r\ntwo\r\nthree\r\nfour\r\n";
    assert_eq!(eml, expected);
}

#[test]
fn rejects_header_injection_and_empty_recipient() {
    let from = "gochat <no-reply@gochat.local>";
    for (m, header) in [
        (mail("a@b.c\r\nBcc: e@evil.test", "Hi", ""), "To"),
        (mail("a@b.c", "Hi\nBcc: e@evil.test", ""), "Subject"),
        (mail("a@b.c", "Hi\u{0}", ""), "Subject"),
    ] {
        let err = render_eml(from, &m, date(), "id@x").unwrap_err();
        assert!(
            matches!(err, EmlError::ControlCharacter(h) if h == header),
            "{err}"
        );
    }
    assert!(matches!(
        render_eml(from, &mail(" ", "Hi", ""), date(), "id@x"),
        Err(EmlError::Empty("To"))
    ));
}

#[test]
fn long_lines_are_split_at_char_boundaries() {
    let long = "é".repeat(1500); // 3000 octets
    let eml = render_eml("f <f@x>", &mail("a@b.c", "s", &long), date(), "id@x").unwrap();
    let body = eml.split_once("\r\n\r\n").unwrap().1;
    assert!(body.split("\r\n").all(|l| l.len() <= MAX_LINE));
    assert_eq!(body.replace("\r\n", ""), long);
}

use super::*;

#[test]
fn folded_headers_are_joined() {
    let headers = parse_headers("To: Alice\r\n <alice@example.com>\r\nSubject: hi");
    assert_eq!(header(&headers, "to"), Some("Alice <alice@example.com>"));
    assert_eq!(header(&headers, "SUBJECT"), Some("hi"));
}

#[test]
fn quoted_printable_soft_breaks_and_escapes() {
    let raw = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour code is 12=\r\n3456 =3D ok";
    let parts = text_parts(raw);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].text, "Your code is 123456 = ok");
}

#[test]
fn base64_multipart_parts_are_decoded() {
    let raw = "Content-Type: multipart/alternative; boundary=\"XyZ\"\r\n\r\n--XyZ\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nY29kZSA2NTQzMjE=\r\n--XyZ\r\nContent-Type: text/html\r\n\r\n<b>654321</b>\r\n--XyZ--\r\n";
    let parts = text_parts(raw);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].media_type, "text/plain");
    assert_eq!(parts[0].text, "code 654321");
    assert_eq!(parts[1].media_type, "text/html");
    assert!(parts[1].text.contains("<b>654321</b>"));
}

#[test]
fn encoded_words_are_decoded() {
    assert_eq!(
        decode_words("=?utf-8?B?Q29kZTogMTExMjIy?= now"),
        "Code: 111222 now"
    );
    assert_eq!(decode_words("=?UTF-8?Q?Code=3A_333444?="), "Code: 333444");
    assert_eq!(decode_words("plain"), "plain");
}

#[test]
fn non_text_parts_are_skipped() {
    let raw = "Content-Type: application/pdf\r\n\r\n123456";
    assert!(text_parts(raw).is_empty());
}

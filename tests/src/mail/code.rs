//! Spotting the 6-digit verification code in a mail's text.

use super::mime;

/// The first standalone run of exactly six ASCII digits in `text` (not part of a longer number,
/// a word, or an HTML colour/entity such as `#333333`).
pub fn find_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i).copied();
        let glued = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'#');
        if i - start == 6 && !glued(before) && !after.is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Some(text[start..i].to_owned());
        }
    }
    None
}

/// The code in a whole message: plain-text parts first, then the subject, then HTML parts
/// with their tags removed.
pub fn code_in_message(raw: &str) -> Option<String> {
    let parts = mime::text_parts(raw);
    let (head, _) = mime::split_head_body(raw);
    let headers = mime::parse_headers(head);
    let subject = mime::decode_words(mime::header(&headers, "Subject").unwrap_or_default());
    parts
        .iter()
        .filter(|p| p.media_type == "text/plain")
        .find_map(|p| find_code(&p.text))
        .or_else(|| find_code(&subject))
        .or_else(|| {
            parts
                .iter()
                .filter(|p| p.media_type != "text/plain")
                .find_map(|p| find_code(&strip_tags(&p.text)))
        })
}

/// Text outside `<...>` tags.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_standalone_six_digit_run() {
        assert_eq!(find_code("Your code: 042917."), Some("042917".into()));
        assert_eq!(find_code("code\n123456\n"), Some("123456".into()));
    }

    #[test]
    fn skips_longer_numbers_colours_and_words() {
        assert_eq!(
            find_code("order 1234567 then 654321"),
            Some("654321".into())
        );
        assert_eq!(find_code("color:#333333; id a123456"), None);
        assert_eq!(find_code("12345 and 2026"), None);
    }

    #[test]
    fn prefers_plain_text_over_html() {
        let raw = "Subject: Your code\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p style=\"color:#111111\">999999</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nCode 123123\r\n--b--\r\n";
        assert_eq!(code_in_message(raw), Some("123123".into()));
    }

    #[test]
    fn falls_back_to_html_without_plain_text() {
        let raw = "Content-Type: text/html\r\n\r\n<td width=\"100000\">Code <b>777888</b></td>";
        assert_eq!(code_in_message(raw), Some("777888".into()));
    }
}

//! Just enough RFC 5322 / MIME reading to get the text out of a verification mail: unfolded
//! headers, RFC 2047 encoded words, multipart bodies, base64 and quoted-printable.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A decoded text part of a message: its media type (lower-cased) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPart {
    /// `text/plain`, `text/html`, ...
    pub media_type: String,
    /// The decoded body.
    pub text: String,
}

/// Header fields in order, names as written, values unfolded.
pub type Headers = Vec<(String, String)>;

/// Splits a message at the first empty line into header block and body.
pub fn split_head_body(raw: &str) -> (&str, &str) {
    let crlf = raw.find("\r\n\r\n").map(|i| (i, 4));
    let lf = raw.find("\n\n").map(|i| (i, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => {
            let (i, n) = if a.0 <= b.0 { a } else { b };
            (&raw[..i], &raw[i + n..])
        }
        (Some((i, n)), None) | (None, Some((i, n))) => (&raw[..i], &raw[i + n..]),
        (None, None) => (raw, ""),
    }
}

/// Parses a header block, joining folded continuation lines.
pub fn parse_headers(head: &str) -> Headers {
    let mut headers: Headers = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

/// The first value of header `name` (case-insensitive).
pub fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A parameter (`boundary`, `charset`) of a structured header value.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Every text part of `raw` (the whole message when it is not multipart), decoded.
pub fn text_parts(raw: &str) -> Vec<TextPart> {
    let (head, body) = split_head_body(raw);
    let headers = parse_headers(head);
    let content_type = header(&headers, "Content-Type").unwrap_or("text/plain");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type.starts_with("multipart/") {
        let Some(boundary) = param(content_type, "boundary") else {
            return Vec::new();
        };
        return split_multipart(body, &boundary)
            .into_iter()
            .flat_map(|part| text_parts(&part))
            .collect();
    }
    if !media_type.starts_with("text/") {
        return Vec::new();
    }
    let encoding = header(&headers, "Content-Transfer-Encoding").unwrap_or("7bit");
    let text = String::from_utf8_lossy(&decode_transfer(body, encoding)).into_owned();
    vec![TextPart { media_type, text }]
}

/// The bodies between `--boundary` delimiter lines.
fn split_multipart(body: &str, boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut current: Option<String> = None;
    for line in body.split('\n') {
        let bare = line.trim_end_matches('\r').trim_end();
        if bare == delimiter || bare == format!("{delimiter}--") {
            if let Some(done) = current.take() {
                parts.push(done);
            }
            if bare != delimiter {
                break;
            }
            current = Some(String::new());
        } else if let Some(part) = current.as_mut() {
            part.push_str(line);
            part.push('\n');
        }
    }
    parts
}

/// Undoes a Content-Transfer-Encoding.
fn decode_transfer(body: &str, encoding: &str) -> Vec<u8> {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD
                .decode(compact)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        "quoted-printable" => quoted_printable(body, false),
        _ => body.as_bytes().to_vec(),
    }
}

/// Decodes quoted-printable; `underscore_space` for RFC 2047 "Q" words.
fn quoted_printable(text: &str, underscore_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match bytes.get(i + 1..i + 3).and_then(hex_byte) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b'_' if underscore_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(text, 16).ok()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?utf-8?Q?...?=`) in a header value.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let decoded = rest[start + 2..].splitn(3, '?').collect::<Vec<_>>();
        let [charset, kind, tail] = decoded.as_slice() else {
            break;
        };
        let Some(end) = tail.find("?=") else { break };
        let payload = &tail[..end];
        let bytes = if kind.eq_ignore_ascii_case("b") {
            STANDARD.decode(payload).unwrap_or_default()
        } else {
            quoted_printable(payload, true)
        };
        out.push_str(&rest[..start]);
        out.push_str(&String::from_utf8_lossy(&bytes));
        let consumed = start + 2 + charset.len() + 1 + kind.len() + 1 + end + 2;
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;

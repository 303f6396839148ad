//! RFC 5322 test messages, CRLF throughout.
//!
//! `simple` covers most tests; `MessageBuilder` makes the awkward ones: multipart with an HTML
//! alternative, attachments up to tens of MB (built cheaply), encoded or raw 8-bit headers,
//! a missing Date or Message-ID.

use rand::Rng;

/// A plain-text message with Date (now) and a unique Message-ID. Non-ASCII in `subject` is
/// RFC 2047-encoded; non-ASCII in `body` is sent as UTF-8 8bit.
pub fn simple(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    MessageBuilder::new().from(from).to(to).subject(subject).text(body).build()
}

#[derive(Debug, Clone)]
struct Attachment {
    filename: String,
    content_type: String,
    data: AttachmentData,
}

#[derive(Debug, Clone)]
enum AttachmentData {
    Bytes(Vec<u8>),
    /// `n` bytes of a repeating pattern, encoded lazily (see `with_attachment_bytes`).
    Pattern(usize),
}

/// Builder for less simple messages. Defaults: from `Sender <sender@example.com>`, to
/// `alice@example.com`, subject `Test message`, a short text body, Date now, fresh Message-ID.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    from: String,
    to: String,
    /// Complete raw header value (already encoded, or deliberately raw 8-bit).
    subject: Vec<u8>,
    date: Option<String>,
    message_id: Option<String>,
    extra_headers: Vec<(String, Vec<u8>)>,
    text: String,
    html: Option<String>,
    attachments: Vec<Attachment>,
}

impl Default for MessageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl MessageBuilder {
    pub fn new() -> Self {
        MessageBuilder {
            from: "Sender <sender@example.com>".to_string(),
            to: "alice@example.com".to_string(),
            subject: b"Test message".to_vec(),
            date: Some(chrono::Utc::now().to_rfc2822()),
            message_id: Some(new_message_id()),
            extra_headers: Vec::new(),
            text: "Hello from the Mailbell test harness.\n".to_string(),
            html: None,
            attachments: Vec::new(),
        }
    }

    pub fn from(mut self, from: &str) -> Self {
        self.from = from.to_string();
        self
    }

    pub fn to(mut self, to: &str) -> Self {
        self.to = to.to_string();
        self
    }

    /// Subject text; non-ASCII is RFC 2047 B-encoded as UTF-8, as a well-behaved client does.
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = encode_header_text(subject).into_bytes();
        self
    }

    /// Subject as raw bytes, unencoded: e.g. UTF-8 or Latin-1 straight in the header, as
    /// broken mailers send it.
    pub fn subject_raw(mut self, raw: &[u8]) -> Self {
        self.subject = raw.to_vec();
        self
    }

    /// Date header value, verbatim (so a test can also send garbage).
    pub fn date(mut self, date: &str) -> Self {
        self.date = Some(date.to_string());
        self
    }

    pub fn date_time(mut self, date: chrono::DateTime<chrono::Utc>) -> Self {
        self.date = Some(date.to_rfc2822());
        self
    }

    pub fn no_date(mut self) -> Self {
        self.date = None;
        self
    }

    /// Message-ID verbatim, including the angle brackets.
    pub fn message_id(mut self, id: &str) -> Self {
        self.message_id = Some(id.to_string());
        self
    }

    pub fn no_message_id(mut self) -> Self {
        self.message_id = None;
        self
    }

    /// Any extra header; the value is raw bytes, so 8-bit headers are possible.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.extra_headers.push((name.to_string(), value.as_ref().to_vec()));
        self
    }

    /// The text/plain body (LF or CRLF line ends both fine).
    pub fn text(mut self, text: &str) -> Self {
        self.text = text.to_string();
        self
    }

    /// Adds an HTML alternative: the text and HTML become multipart/alternative.
    pub fn html(mut self, html: &str) -> Self {
        self.html = Some(html.to_string());
        self
    }

    /// Adds an attachment (base64-encoded).
    pub fn attachment(mut self, filename: &str, content_type: &str, data: Vec<u8>) -> Self {
        self.attachments.push(Attachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            data: AttachmentData::Bytes(data),
        });
        self
    }

    /// Adds an `n`-byte binary attachment cheaply: the content repeats a 57-byte pattern, so
    /// every base64 line is the same and is encoded once. `n = 20 << 20` gives a ~27 MB message.
    pub fn with_attachment_bytes(mut self, n: usize) -> Self {
        self.attachments.push(Attachment {
            filename: format!("blob-{n}.bin"),
            content_type: "application/octet-stream".to_string(),
            data: AttachmentData::Pattern(n),
        });
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.estimated_size());
        header(&mut out, "From", self.from.as_bytes());
        header(&mut out, "To", self.to.as_bytes());
        header(&mut out, "Subject", &self.subject);
        if let Some(date) = &self.date {
            header(&mut out, "Date", date.as_bytes());
        }
        if let Some(id) = &self.message_id {
            header(&mut out, "Message-ID", id.as_bytes());
        }
        for (name, value) in &self.extra_headers {
            header(&mut out, name, value);
        }
        header(&mut out, "MIME-Version", b"1.0");

        if self.attachments.is_empty() {
            self.write_body_part(&mut out);
            return out;
        }
        let boundary = new_boundary("mixed");
        header(&mut out, "Content-Type", format!("multipart/mixed; boundary=\"{boundary}\"").as_bytes());
        out.extend_from_slice(b"\r\nThis is a multi-part message in MIME format.\r\n");
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        self.write_body_part(&mut out);
        for attachment in &self.attachments {
            out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
            write_attachment(&mut out, attachment);
        }
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        out
    }

    /// The readable part: text/plain, or multipart/alternative with HTML. Writes its own
    /// Content-* headers, the blank line and the body.
    fn write_body_part(&self, out: &mut Vec<u8>) {
        match &self.html {
            None => write_text_part(out, "text/plain", &self.text),
            Some(html) => {
                let boundary = new_boundary("alt");
                header(out, "Content-Type", format!("multipart/alternative; boundary=\"{boundary}\"").as_bytes());
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                write_text_part(out, "text/plain", &self.text);
                out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
                write_text_part(out, "text/html", html);
                out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            }
        }
    }

    fn estimated_size(&self) -> usize {
        let attachments: usize = self
            .attachments
            .iter()
            .map(|a| match &a.data {
                AttachmentData::Bytes(b) => b.len(),
                AttachmentData::Pattern(n) => *n,
            })
            .sum();
        1024 + self.text.len() + self.html.as_ref().map_or(0, String::len) + attachments / 57 * 78 + 200
    }
}

fn header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

fn write_text_part(out: &mut Vec<u8>, content_type: &str, text: &str) {
    let cte = if text.is_ascii() { "7bit" } else { "8bit" };
    header(out, "Content-Type", format!("{content_type}; charset=utf-8").as_bytes());
    header(out, "Content-Transfer-Encoding", cte.as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(crlf(text).as_bytes());
    if !text.ends_with('\n') {
        out.extend_from_slice(b"\r\n");
    }
}

fn write_attachment(out: &mut Vec<u8>, attachment: &Attachment) {
    header(out, "Content-Type", format!("{}; name=\"{}\"", attachment.content_type, attachment.filename).as_bytes());
    header(out, "Content-Transfer-Encoding", b"base64");
    header(out, "Content-Disposition", format!("attachment; filename=\"{}\"", attachment.filename).as_bytes());
    out.extend_from_slice(b"\r\n");
    match &attachment.data {
        AttachmentData::Bytes(data) => {
            for line in data.chunks(57) {
                out.extend_from_slice(base64(line).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        AttachmentData::Pattern(n) => {
            // 57 input bytes are exactly one 76-character base64 line.
            let block: Vec<u8> = (0..57u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
            let line = format!("{}\r\n", base64(&block));
            for _ in 0..n / 57 {
                out.extend_from_slice(line.as_bytes());
            }
            let rest = n % 57;
            if rest > 0 {
                out.extend_from_slice(base64(&block[..rest]).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// Normalises every line end to CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// RFC 2047 B encoding for non-ASCII header text, split so each encoded word stays within the
/// 75-character limit and never splits a UTF-8 character.
pub fn encode_header_text(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    // "=?utf-8?B?" + "?=" is 12 characters; 45 bytes of input give 60 of base64.
    const MAX_CHUNK: usize = 45;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for ch in text.chars() {
        if chunk.len() + ch.len_utf8() > MAX_CHUNK {
            words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(ch);
    }
    if !chunk.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
    }
    // Folding whitespace between encoded words is ignored by decoders.
    words.join("\r\n ")
}

/// Standard base64 with padding (no line breaks).
pub fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(TABLE[(n >> 18) as usize & 63] as char);
        out.push(TABLE[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { TABLE[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { TABLE[n as usize & 63] as char } else { '=' });
    }
    out
}

fn new_message_id() -> String {
    let n: u128 = rand::rng().random();
    format!("<{n:032x}@mailbell.test>")
}

fn new_boundary(kind: &str) -> String {
    let n: u64 = rand::rng().random();
    format!("=_mailbell_{kind}_{n:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn every_line_ends_in_crlf() {
        let msg = MessageBuilder::new().text("a\nb\r\nc").html("<p>x</p>").with_attachment_bytes(1000).build();
        for (i, &byte) in msg.iter().enumerate() {
            if byte == b'\n' {
                assert_eq!(msg[i - 1], b'\r', "bare LF at byte {i}");
            }
        }
    }

    #[test]
    fn encoded_subject_words_stay_short() {
        let subject = encode_header_text(&"Grüße aus Köln ".repeat(10));
        for word in subject.split("\r\n ") {
            assert!(word.len() <= 75, "encoded word too long: {word}");
        }
    }

    #[test]
    fn no_date_omits_the_header() {
        let msg = MessageBuilder::new().no_date().build();
        assert!(!String::from_utf8_lossy(&msg).contains("\r\nDate:"));
    }
}

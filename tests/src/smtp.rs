//! A local SMTP server for tests: it speaks enough SMTP for a real client (lettre in the
//! server) to deliver, and keeps each message for the test to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received: envelope recipients, headers and the decoded text body.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub headers: String,
    pub body: String,
}

impl Received {
    /// A header's value (first one, unfolded), as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.headers.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_string();
                while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                    value.push_str(next.trim_start());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }

    /// The first link in the body that contains `part`.
    pub fn link(&self, part: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(part))
            .map(str::to_string)
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, store.clone()));
            }
        });
        SmtpSink { port, messages }
    }

    /// `smtp://127.0.0.1:PORT`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn all(&self) -> Vec<Received> {
        self.messages.lock().expect("messages").clone()
    }

    /// Waits for a message to `to` whose subject or body contains `text`.
    pub async fn wait_for(&self, to: &str, text: &str) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.all().into_iter().find(|m| {
                m.to.iter().any(|t| t.eq_ignore_ascii_case(to))
                    && (m.body.contains(text)
                        || m.header("subject").is_some_and(|s| s.contains(text)))
            });
            if let Some(m) = found {
                return m;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("no mail to {to} with {text:?}; received: {:#?}", self.all());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many messages went to `to`.
    pub fn count_to(&self, to: &str) -> usize {
        self.all()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .count()
    }
}

async fn session(stream: tokio::net::TcpStream, store: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO") || command.starts_with("MAIL FROM") {
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            to.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store
                .lock()
                .expect("messages")
                .push(parse(std::mem::take(&mut to), &raw));
            b"250 queued\r\n"
        } else if command == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn parse(to: Vec<String>, raw: &str) -> Received {
    let (headers, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut message = Received {
        to,
        headers: headers.to_string(),
        body: String::new(),
    };
    let encoding = message
        .header("content-transfer-encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    message.body = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes).expect("utf-8 body")
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.to_string(),
    };
    message
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = joined.get(i + 1..i + 3).unwrap_or_default();
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

//! A scripted SMTP server on `127.0.0.1:0`: answers `RCPT` with queued replies (then
//! `250`), keeps every message it accepts, and counts the `RCPT` commands it saw.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

#[derive(Default)]
struct State {
    rcpt_replies: VecDeque<String>,
    rcpts: usize,
    messages: Vec<String>,
}

/// The running server; it stops with the test's runtime.
#[derive(Clone)]
pub struct FakeSmtp {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeSmtp {
    /// Starts a server whose first `RCPT`s get `replies` (e.g. `"451 4.3.0 later"`).
    pub async fn start(replies: &[&str]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            rcpt_replies: replies.iter().map(|r| (*r).to_owned()).collect(),
            ..State::default()
        }));
        let server = Self { port, state };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(accepting.clone().serve(socket));
            }
        });
        server
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// `RCPT` commands seen so far.
    pub fn rcpts(&self) -> usize {
        self.with(|s| s.rcpts)
    }

    /// Messages accepted so far (the DATA, dot-stuffing undone).
    pub fn messages(&self) -> Vec<String> {
        self.with(|s| s.messages.clone())
    }

    async fn serve(self, socket: TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        if write.write_all(b"220 fake ESMTP\r\n").await.is_err() {
            return;
        }
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply = match verb.as_str() {
                "EHLO" | "HELO" => "250 fake".to_owned(),
                "MAIL" | "RSET" | "NOOP" => "250 ok".to_owned(),
                "RCPT" => self.with(|s| {
                    s.rcpts += 1;
                    s.rcpt_replies
                        .pop_front()
                        .unwrap_or_else(|| "250 ok".into())
                }),
                "DATA" => {
                    if write.write_all(b"354 go on\r\n").await.is_err() {
                        return;
                    }
                    let mut message = String::new();
                    while let Ok(Some(data)) = lines.next_line().await {
                        if data == "." {
                            break;
                        }
                        message.push_str(data.strip_prefix('.').unwrap_or(&data));
                        message.push('\n');
                    }
                    self.with(|s| s.messages.push(message));
                    "250 queued".to_owned()
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => "500 unknown command".to_owned(),
            };
            if write
                .write_all(format!("{reply}\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

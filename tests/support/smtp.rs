//! A real SMTP server inside the test process: `mailin` speaks the protocol, a thread
//! per connection reads lines off a TCP socket, and every accepted message is kept.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder, response};

use super::Email;

/// A message as the server received it: the envelope and the parsed content.
#[derive(Debug, Clone)]
pub struct Received {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub email: Email,
}

#[derive(Clone, Default)]
struct Collector {
    inbox: Arc<Mutex<Vec<Received>>>,
    /// How long to think before accepting each message, to catch senders mid-delivery.
    delay: Duration,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        std::thread::sleep(self.delay);
        let received = Received {
            envelope_from: std::mem::take(&mut self.from),
            envelope_to: std::mem::take(&mut self.to),
            email: Email::parse(&self.data),
        };
        self.inbox.lock().unwrap().push(received);
        response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(0)
    }

    /// Starts on a given port (0 = any free port).
    pub fn start_on(port: u16) -> SmtpServer {
        SmtpServer::start_with(port, Duration::ZERO)
    }

    /// A server on `port` that takes `delay` to accept each message.
    pub fn start_with(port: u16, delay: Duration) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let collector = Collector {
            inbox: inbox.clone(),
            delay,
            ..Collector::default()
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let collector = collector.clone();
                std::thread::spawn(move || serve(stream, collector));
            }
        });
        SmtpServer { port, inbox }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..100 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {count} messages at the SMTP server, got {}",
            self.received().len()
        );
    }
}

fn serve(stream: TcpStream, collector: Collector) {
    let peer = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut session = SessionBuilder::new("test.smtp").build(peer, collector);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = session.process(&line);
        match reply.action {
            Action::NoReply => {}
            Action::Close => {
                let _ = reply.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
            Action::Reply | Action::UpgradeTls => {
                if reply.write_to(&mut writer).is_err() {
                    return;
                }
            }
        }
    }
}

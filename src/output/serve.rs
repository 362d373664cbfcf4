//! A minimal HTTP endpoint serving the live metrics text at `/metrics`, for a real Prometheus scrape.
//!
//! One background thread accepts connections on a loopback (or any given) address and hands each to a
//! thread of its own, so a slow or silent client ties up only its own thread, never other scrapers or
//! the run. Each connection reads one request head, answers it and closes (`Connection: close`):
//!
//! - `GET` or `HEAD` `/metrics` (any query string ignored): `200` with the latest text handed to
//!   [`MetricsServer::publish`];
//! - `GET`/`HEAD` of any other path: `404`; any other method: `405`; a malformed request line: `400`;
//! - a request head over [`MAX_HEAD_BYTES`]: `431`;
//! - beyond [`MAX_CONNECTIONS`] connections in flight: `503`, answered by the accept thread without
//!   reading the request;
//! - a client silent for [`IO_TIMEOUT`] (reading or writing), or not done within
//!   [`CONNECTION_DEADLINE`], is disconnected without an answer.
//!
//! [`MetricsServer::publish`] swaps an [`Arc<str>`] under a lock held only for the swap; connections
//! clone the `Arc`, so publishing never waits for a client. Dropping the server stops the accept loop
//! (within about 10 ms) without waiting for connection threads: those end on their own timeouts.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Most connections served at once; one more is answered `503 Service Unavailable` and closed.
pub const MAX_CONNECTIONS: usize = 64;

/// Most bytes of a request head (request line and all headers, up to and including the blank line);
/// a longer head is answered `431 Request Header Fields Too Large`. Also the only buffer a connection
/// allocates from client input.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// Longest a connection waits on any one read or write before the client is disconnected.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest a connection lives in all (reading the head, answering), however the client trickles.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(10);

/// After an error answer, how long (at most) the rest of the request is read and discarded, so that
/// the client sees the answer rather than a connection reset.
const LINGER: Duration = Duration::from_secs(1);

/// Most bytes discarded while lingering.
const LINGER_BYTES: usize = 64 * 1024;

/// How long the accept loop sleeps when no connection is waiting (so a drop stops it this quickly).
const ACCEPT_POLL: Duration = Duration::from_millis(10);

/// The limits a server applies; [`Limits::default`] is the documented constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`MAX_HEAD_BYTES`].
    pub max_head_bytes: usize,
    /// See [`IO_TIMEOUT`].
    pub io_timeout: Duration,
    /// See [`CONNECTION_DEADLINE`].
    pub connection_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            max_head_bytes: MAX_HEAD_BYTES,
            io_timeout: IO_TIMEOUT,
            connection_deadline: CONNECTION_DEADLINE,
        }
    }
}

/// A running metrics endpoint.
pub struct MetricsServer {
    addr: SocketAddr,
    text: Arc<Mutex<Arc<str>>>,
    slots: Arc<Slots>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks a free port) and starts serving an empty text, with the default
    /// [`Limits`].
    pub fn start(addr: &str) -> io::Result<Self> {
        Self::start_with(addr, Limits::default())
    }

    /// As [`MetricsServer::start`], with the given limits.
    pub fn start_with(addr: &str, limits: Limits) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let text: Arc<Mutex<Arc<str>>> = Arc::new(Mutex::new(Arc::from("")));
        let slots = Arc::new(Slots::new(limits.max_connections));
        let stop = Arc::new(AtomicBool::new(false));
        let (t, sl, s) = (Arc::clone(&text), Arc::clone(&slots), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("metrics-accept".into())
            .spawn(move || accept_loop(&listener, &t, &sl, &s, limits))?;
        Ok(Self { addr, text, slots, stop, thread: Some(thread) })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the text served from now on. Never waits for a client.
    pub fn publish(&self, text: String) {
        let new: Arc<str> = Arc::from(text);
        let old = std::mem::replace(&mut *self.text.lock().unwrap_or_else(PoisonError::into_inner), new);
        // The old text (possibly the last reference) is freed outside the lock.
        drop(old);
    }

    /// How many connections are being served right now.
    pub fn connections(&self) -> usize {
        self.slots.in_use()
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Only the accept loop is joined: it polls `stop`. Connection threads end on their timeouts.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Catches the requests to stop the process (Ctrl-C, which sends SIGINT; on Unix also SIGTERM and SIGHUP) so
/// that the process ends its own way: `run --serve-metrics ADDR --hold` waits here, then prints the run's
/// verdict and exits with it.
pub struct Interrupts(std::sync::mpsc::Receiver<()>);

impl Interrupts {
    /// From now on, a request to stop no longer ends the process: [`Interrupts::wait`] returns instead. Once per
    /// process (a second call is an error).
    pub fn catch() -> Result<Self, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        ctrlc::set_handler(move || {
            let _ = tx.send(());
        })
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
        Ok(Self(rx))
    }

    /// Waits for a request to stop.
    pub fn wait(&self) {
        let _ = self.0.recv();
    }
}

/// Counts the connections in flight, up to a maximum.
struct Slots {
    max: usize,
    in_use: AtomicUsize,
}

/// One connection's place among the [`Slots`], given back when dropped.
struct Slot(Arc<Slots>);

impl Slots {
    fn new(max: usize) -> Self {
        Self { max, in_use: AtomicUsize::new(0) }
    }

    /// A slot if fewer than the maximum are in use, else `None` (answer 503).
    fn try_acquire(self: &Arc<Self>) -> Option<Slot> {
        self.in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
            .ok()
            .map(|_| Slot(Arc::clone(self)))
    }

    fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_use.fetch_sub(1, Ordering::AcqRel);
    }
}

fn accept_loop(
    listener: &TcpListener,
    text: &Arc<Mutex<Arc<str>>>,
    slots: &Arc<Slots>,
    stop: &AtomicBool,
    limits: Limits,
) {
    while !stop.load(Ordering::Relaxed) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            // WouldBlock: nobody waiting. Anything else (for example out of file descriptors): back off.
            Err(_) => {
                std::thread::sleep(ACCEPT_POLL);
                continue;
            }
        };
        let Some(slot) = slots.try_acquire() else {
            refuse(&stream);
            continue;
        };
        let text = Arc::clone(text);
        let spawned = std::thread::Builder::new().name("metrics-conn".into()).spawn(move || {
            let _slot = slot;
            let _ = serve_connection(&stream, &text, limits);
        });
        if let Err(e) = spawned {
            eprintln!("warning: metrics endpoint: cannot start a connection thread: {e}");
        }
    }
}

/// Answers 503 from the accept thread: nonblocking, without reading the request.
fn refuse(stream: &TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let response = Response::error(Status::Unavailable);
        let _ = (&*stream).write(&response.to_bytes());
        let _ = stream.shutdown(Shutdown::Write);
    }
}

/// Reads one request head, answers it and closes; every wait bounded by the limits.
fn serve_connection(stream: &TcpStream, text: &Mutex<Arc<str>>, limits: Limits) -> io::Result<()> {
    let deadline = Instant::now() + limits.connection_deadline;
    // Accepted sockets inherit nonblocking mode from the listener on some platforms.
    stream.set_nonblocking(false)?;
    let mut buf = vec![0; limits.max_head_bytes];
    let response = match read_head(stream, &mut buf, limits.io_timeout, deadline)? {
        Head::Complete(len) => match route(&buf[..len]) {
            Route::Metrics { head_only } => {
                let body = Arc::clone(&text.lock().unwrap_or_else(PoisonError::into_inner));
                Response { status: Status::Ok, body: Body::Metrics(body), head_only }
            }
            Route::Error(status) => Response::error(status),
        },
        Head::TooLarge => Response::error(Status::HeaderTooLarge),
        Head::Gone => return Ok(()),
    };
    write_by(stream, &response.to_bytes(), limits.io_timeout, deadline)?;
    if response.status != Status::Ok {
        linger(stream, limits.io_timeout, deadline);
    }
    Ok(())
}

/// What reading a request head came to.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// The head is `buf[..len]`: up to its blank line, or all the client sent before closing.
    Complete(usize),
    /// The buffer filled without a blank line.
    TooLarge,
    /// The client closed without sending anything, or timed out: no answer.
    Gone,
}

/// The time left before `deadline`, capped at `timeout`; `None` once it has passed.
fn wait_for(timeout: Duration, deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now()).min(timeout);
    (!left.is_zero()).then_some(left)
}

fn read_head(stream: &TcpStream, buf: &mut [u8], timeout: Duration, deadline: Instant) -> io::Result<Head> {
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Ok(Head::TooLarge);
        }
        let Some(wait) = wait_for(timeout, deadline) else { return Ok(Head::Gone) };
        stream.set_read_timeout(Some(wait))?;
        match (&*stream).read(&mut buf[len..]) {
            Ok(0) if len == 0 => return Ok(Head::Gone),
            Ok(0) => return Ok(Head::Complete(len)),
            Ok(n) => {
                let from = len.saturating_sub(2);
                len += n;
                if let Some(end) = head_end(&buf[..len], from) {
                    return Ok(Head::Complete(end));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Ok(Head::Gone);
            }
            Err(e) => return Err(e),
        }
    }
}

/// The end of the head (just past its blank line: `\r\n\r\n`, or a bare `\n\n`), looking for a line
/// end at or after `from`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find_map(|i| match (buf[i], buf.get(i + 1), buf.get(i + 2)) {
        (b'\n', Some(b'\n'), _) => Some(i + 2),
        (b'\n', Some(b'\r'), Some(b'\n')) => Some(i + 3),
        _ => None,
    })
}

/// Writes everything, each write waiting at most `timeout` and all done by `deadline`.
fn write_by(stream: &TcpStream, mut bytes: &[u8], timeout: Duration, deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let wait = wait_for(timeout, deadline).ok_or(io::ErrorKind::TimedOut)?;
        stream.set_write_timeout(Some(wait))?;
        match (&*stream).write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Half-closes, then reads and discards what the client still sends (bounded by [`LINGER`] and
/// [`LINGER_BYTES`]), so that closing with unread input does not reset the connection under the answer.
fn linger(stream: &TcpStream, timeout: Duration, deadline: Instant) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = deadline.min(Instant::now() + LINGER);
    let mut sink = [0; 1024];
    let mut discarded = 0;
    while discarded < LINGER_BYTES {
        let Some(wait) = wait_for(timeout, deadline) else { return };
        if stream.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match (&*stream).read(&mut sink) {
            Ok(0) => return,
            Ok(n) => discarded += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// The metrics text (`HEAD`: only its headers).
    Metrics { head_only: bool },
    /// An error answer.
    Error(Status),
}

/// Routes a request head by its request line (`METHOD TARGET HTTP/x.y`).
fn route(head: &[u8]) -> Route {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(line) = std::str::from_utf8(line) else { return Route::Error(Status::BadRequest) };
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else { return Route::Error(Status::BadRequest) };
    let is_token =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !is_token(method)
        || !target.starts_with('/')
        || target.bytes().any(|b| b.is_ascii_control())
        || version.strip_prefix("HTTP/").is_none_or(|v| v.is_empty())
    {
        return Route::Error(Status::BadRequest);
    }
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => Route::Metrics { head_only: method == "HEAD" },
        ("GET" | "HEAD", _) => Route::Error(Status::NotFound),
        _ => Route::Error(Status::MethodNotAllowed),
    }
}

/// The statuses the endpoint answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    HeaderTooLarge,
    Unavailable,
}

impl Status {
    fn line(self) -> &'static str {
        match self {
            Status::Ok => "200 OK",
            Status::BadRequest => "400 Bad Request",
            Status::NotFound => "404 Not Found",
            Status::MethodNotAllowed => "405 Method Not Allowed",
            Status::HeaderTooLarge => "431 Request Header Fields Too Large",
            Status::Unavailable => "503 Service Unavailable",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Status::Ok => "",
            Status::BadRequest => "bad request: expected GET /metrics HTTP/1.1\n",
            Status::NotFound => "not found: metrics are at /metrics\n",
            Status::MethodNotAllowed => "use GET /metrics\n",
            Status::HeaderTooLarge => "request head too large\n",
            Status::Unavailable => "too many connections: try again\n",
        }
    }
}

enum Body {
    Metrics(Arc<str>),
    Message(&'static str),
}

struct Response {
    status: Status,
    body: Body,
    head_only: bool,
}

impl Response {
    fn error(status: Status) -> Self {
        Self { status, body: Body::Message(status.message()), head_only: false }
    }

    /// Head and body, to be sent in one write.
    fn to_bytes(&self) -> Vec<u8> {
        let (content_type, body) = match &self.body {
            Body::Metrics(text) => (CONTENT_TYPE, text.as_bytes()),
            Body::Message(text) => ("text/plain; charset=utf-8", text.as_bytes()),
        };
        let allow = if self.status == Status::MethodNotAllowed { "Allow: GET, HEAD\r\n" } else { "" };
        let mut out = format!(
            "HTTP/1.1 {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
            self.status.line(),
            body.len()
        )
        .into_bytes();
        if !self.head_only {
            out.extend_from_slice(body);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Generous bounds: a test fails on them only when something is stuck.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Sends `request` and reads the whole answer (until the server closes).
    fn exchange(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
    }

    /// Polls `f` until it holds, panicking after [`PATIENCE`].
    fn wait_until(what: &str, f: impl Fn() -> bool) {
        let start = Instant::now();
        while !f() {
            assert!(start.elapsed() < PATIENCE, "gave up waiting until {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Limits under which no client is disconnected during a test.
    fn patient(max_connections: usize) -> Limits {
        Limits {
            max_connections,
            io_timeout: Duration::from_secs(60),
            connection_deadline: Duration::from_secs(60),
            ..Limits::default()
        }
    }

    #[test]
    fn serves_the_latest_text_and_404_elsewhere() {
        let server = MetricsServer::start("127.0.0.1:0").unwrap();
        server.publish("a_total 1\n".into());
        let r = get(server.addr(), "/metrics");
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("\r\n\r\na_total 1\n"), "{r}");
        assert!(r.contains("Content-Type: text/plain; version=0.0.4"));
        server.publish("a_total 2\n".into());
        assert!(get(server.addr(), "/metrics?x=1").ends_with("a_total 2\n"));
        assert!(get(server.addr(), "/").starts_with("HTTP/1.1 404"));
        let r = exchange(server.addr(), b"HEAD /metrics HTTP/1.0\r\n\r\n");
        assert!(
            r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("Content-Length: 10\r\nConnection: close\r\n\r\n"),
            "{r}"
        );
    }

    #[test]
    fn routes_by_the_request_line() {
        let cases: [(&[u8], Route); 14] = [
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", Route::Metrics { head_only: false }),
            (b"GET /metrics?name[]=up HTTP/1.0\n\n", Route::Metrics { head_only: false }),
            (b"HEAD /metrics HTTP/1.1\r\n\r\n", Route::Metrics { head_only: true }),
            (b"GET /other HTTP/1.1\r\n\r\n", Route::Error(Status::NotFound)),
            (b"GET /metrics/ HTTP/1.1\r\n\r\n", Route::Error(Status::NotFound)),
            (b"HEAD / HTTP/1.1\r\n\r\n", Route::Error(Status::NotFound)),
            (b"POST /metrics HTTP/1.1\r\n\r\n", Route::Error(Status::MethodNotAllowed)),
            (b"get /metrics HTTP/1.1\r\n\r\n", Route::Error(Status::MethodNotAllowed)),
            (b"garbage\r\n\r\n", Route::Error(Status::BadRequest)),
            (b"GET /metrics\r\n\r\n", Route::Error(Status::BadRequest)),
            (b"GET  /metrics HTTP/1.1\r\n\r\n", Route::Error(Status::BadRequest)),
            (b"GET metrics HTTP/1.1\r\n\r\n", Route::Error(Status::BadRequest)),
            (b"GET /metrics FTP/1\r\n\r\n", Route::Error(Status::BadRequest)),
            (b"G\xffT /metrics HTTP/1.1\r\n\r\n", Route::Error(Status::BadRequest)),
        ];
        for (head, expected) in cases {
            assert_eq!(route(head), expected, "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nbody", 0), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        // Resuming the scan two bytes back still finds a terminator split across reads.
        let head = b"GET / HTTP/1.1\r\n\r\n";
        for split in 1..head.len() {
            assert_eq!(head_end(head, split.saturating_sub(2)), Some(head.len()), "split at {split}");
        }
    }

    #[test]
    fn slots_admit_up_to_the_maximum_and_free_on_drop() {
        let slots = Arc::new(Slots::new(2));
        let (a, b) = (slots.try_acquire(), slots.try_acquire());
        assert!(a.is_some() && b.is_some());
        assert!(slots.try_acquire().is_none(), "a third is refused");
        drop(a);
        assert_eq!(slots.in_use(), 1);
        assert!(slots.try_acquire().is_some(), "a freed slot is reusable");
        assert_eq!(slots.in_use(), 1, "and freed again when dropped");
    }

    #[test]
    fn bad_requests_get_their_status() {
        let server = MetricsServer::start("127.0.0.1:0").unwrap();
        let addr = server.addr();
        // Headers adding up to more than the cap, sent as well-formed lines.
        let mut big = b"GET /metrics HTTP/1.1\r\n".to_vec();
        while big.len() <= MAX_HEAD_BYTES {
            big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        big.extend_from_slice(b"\r\n");
        assert!(exchange(addr, &big).starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        // Just under the cap is fine.
        let mut fits = b"GET /metrics HTTP/1.1\r\nX-Filler: ".to_vec();
        fits.resize(MAX_HEAD_BYTES - 4, b'a');
        fits.extend_from_slice(b"\r\n\r\n");
        assert!(exchange(addr, &fits).starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(get(addr, "/other").starts_with("HTTP/1.1 404 Not Found\r\n"));
        let r = exchange(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\na=1");
        assert!(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n") && r.contains("Allow: GET, HEAD\r\n"), "{r}");
        assert!(exchange(addr, b"garbage\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(exchange(addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n").starts_with("HTTP/1.1 400 "));
        // A request line then end of input (no blank line) is still answered.
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.0\r\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    }

    #[test]
    fn silent_and_slow_clients_stall_neither_scrapers_nor_publish_nor_drop() {
        // The server never disconnects a client during this test: the scrapers are served while the
        // silent and slow clients are still connected, or not at all (a serving loop that waits on the
        // silent client would leave them without an answer past their PATIENCE).
        let server = MetricsServer::start_with("127.0.0.1:0", patient(MAX_CONNECTIONS)).unwrap();
        let addr = server.addr();
        let mut silent = TcpStream::connect(addr).unwrap();
        // The slow client sends half its request a byte at a time, then waits to be told to finish.
        let (half_sent, go) = (mpsc::channel(), mpsc::channel::<()>());
        let slow = std::thread::spawn(move || {
            let request = b"GET /metrics HTTP/1.1\r\nHost: slow\r\n\r\n";
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(PATIENCE)).unwrap();
            let (first, rest) = request.split_at(request.len() / 2);
            for b in first {
                s.write_all(&[*b]).unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
            half_sent.0.send(()).unwrap();
            go.1.recv().unwrap();
            for b in rest {
                s.write_all(&[*b]).unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        });
        half_sent.1.recv_timeout(PATIENCE).unwrap();
        wait_until("both clients are accepted", || server.connections() == 2);

        // Publishing completes while the silent client is connected.
        let text: String = (0..5000).map(|i| format!("g6_test_total{{n=\"{i}\"}} {i}\n")).collect();
        let server = Arc::new(server);
        let (done, published) = mpsc::channel();
        let (s, t) = (Arc::clone(&server), text.clone());
        std::thread::spawn(move || {
            s.publish(t);
            drop(s);
            done.send(()).unwrap();
        });
        published.recv_timeout(Duration::from_secs(5)).expect("publish returns while a client is silent");

        // 16 concurrent scrapers each get the full text.
        let (tx, rx) = mpsc::channel();
        for _ in 0..16 {
            let tx = tx.clone();
            std::thread::spawn(move || tx.send(get(addr, "/metrics")).unwrap());
        }
        for _ in 0..16 {
            let r = rx.recv_timeout(PATIENCE).expect("every scraper is answered");
            let (head, body) = r.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
            assert!(head.contains(&format!("Content-Length: {}\r\n", text.len())), "{head}");
            assert!(body == text, "a scraper got {} of {} bytes", body.len(), text.len());
        }

        // The silent client was connected all along (not answered, not closed).
        silent.set_nonblocking(true).unwrap();
        let mut byte = [0];
        let e = silent.read(&mut byte).expect_err("the silent client got nothing");
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        // The slow client finishes and is answered too.
        go.0.send(()).unwrap();
        let r = slow.join().unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with(&text), "{}", &r[..r.len().min(200)]);

        // Dropping the server with the silent client still connected does not wait for it.
        let (done, dropped) = mpsc::channel();
        std::thread::spawn(move || {
            drop(Arc::into_inner(server).expect("the only reference"));
            done.send(()).unwrap();
        });
        dropped.recv_timeout(Duration::from_secs(5)).expect("drop returns while a client is silent");
        assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
        drop(silent);
    }

    #[test]
    fn silent_and_trickling_clients_are_disconnected_on_their_timeouts() {
        let limits = Limits {
            io_timeout: Duration::from_millis(200),
            connection_deadline: Duration::from_millis(600),
            ..Limits::default()
        };
        let server = MetricsServer::start_with("127.0.0.1:0", limits).unwrap();
        // Silent: closed without an answer after io_timeout (a read with PATIENCE sees the end).
        let mut silent = TcpStream::connect(server.addr()).unwrap();
        silent.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut out = Vec::new();
        silent.read_to_end(&mut out).expect("the server closes a silent client");
        assert!(out.is_empty());
        // Trickling a byte every 50 ms (never silent for io_timeout): cut off at the deadline, so a
        // write eventually fails, long before the 200 bytes (10 s) run out.
        let mut trickle = TcpStream::connect(server.addr()).unwrap();
        let cut = (b"GET /metrics HTTP/1.1\r\nX: ".iter().chain([b'a'; 174].iter())).any(|b| {
            std::thread::sleep(Duration::from_millis(50));
            trickle.write_all(&[*b]).is_err()
        });
        assert!(cut, "a trickling client is disconnected at the connection deadline");
        wait_until("no connection is left", || server.connections() == 0);
    }

    #[test]
    fn connections_beyond_the_cap_get_503_without_a_wait() {
        let server = MetricsServer::start_with("127.0.0.1:0", patient(4)).unwrap();
        let addr = server.addr();
        let silent: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
        wait_until("the cap is reached", || server.connections() == 4);
        // Refused without reading: the 503 comes though this client never sends.
        let mut extra = TcpStream::connect(addr).unwrap();
        extra.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut r = String::new();
        extra.read_to_string(&mut r).unwrap();
        assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{r}");
        assert_eq!(server.connections(), 4);
        // Closing a client frees its slot.
        drop(silent);
        wait_until("the slots are free", || server.connections() == 0);
        assert!(get(addr, "/metrics").starts_with("HTTP/1.1 200 OK\r\n"));
    }
}

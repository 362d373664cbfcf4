//! A minimal HTTP endpoint serving the live metrics text at `/metrics`, for a real Prometheus scrape.
//!
//! One background thread runs a single-threaded tokio runtime in which hyper serves every connection as
//! a task of its own: a connection waiting for its client costs a socket and a little memory, never a
//! thread, so silent or slow clients hold up neither other scrapers nor the run. Each connection reads
//! one request head, answers it and closes (`Connection: close`):
//!
//! - `GET` or `HEAD` `/metrics` (any query string ignored): `200` with the latest text handed to
//!   [`MetricsServer::publish`];
//! - `GET`/`HEAD` of any other path: `404`; any other method: `405`; a malformed request: `400`;
//! - a request head over `MAX_HEAD_BYTES`, or with more than `MAX_HEADERS` header fields: `431`; a
//!   head cut short by the client closing: no answer;
//! - beyond [`MAX_CONNECTIONS`] connections in flight: `503`, answered without reading the request;
//! - a client that has not sent its whole request head within `HEADER_READ_TIMEOUT`, or is not done
//!   within `CONNECTION_DEADLINE` (reading the answer included), is disconnected.
//!
//! [`MetricsServer::publish`] swaps an [`Arc<str>`] under a lock held only for the swap; a request
//! clones the `Arc` and its answer's body shares the text, so publishing never waits for a client and a
//! scrape copies nothing. Dropping the server signals its thread, which closes the listener and every
//! connection before the drop returns.

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{ALLOW, CONTENT_TYPE as CONTENT_TYPE_HEADER, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWrite;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// The content type of the Prometheus text format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Most connections served at once; one more is answered `503 Service Unavailable` and closed. A waiting
/// connection costs only a socket, so the cap is far above any number of scrapers: it bounds the file
/// descriptors and memory a flood of clients can take.
pub const MAX_CONNECTIONS: usize = 4096;

/// Most bytes of a request head (request line and all headers, up to and including the blank line); a
/// longer head is answered `431 Request Header Fields Too Large`. Also the most a connection buffers of
/// its client's input.
pub(crate) const MAX_HEAD_BYTES: usize = 8 * 1024;

/// Most header fields in a request head; more are answered `431 Request Header Fields Too Large`.
pub(crate) const MAX_HEADERS: usize = 100;

/// Longest a connection waits for the whole request head, counted from its acceptance; then the client is
/// disconnected without an answer.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a connection lives in all (reading the head, answering, closing), however the client trickles
/// or however slowly it reads the answer.
pub(crate) const CONNECTION_DEADLINE: Duration = Duration::from_secs(10);

/// After answering, how long (at most) what the client still sends is read and discarded, so that closing
/// with unread input does not reset the connection under the answer.
const LINGER: Duration = Duration::from_secs(1);

/// Most bytes discarded while lingering.
const LINGER_BYTES: usize = 64 * 1024;

/// How long accepting pauses after a failure (for example out of file descriptors), rather than retrying
/// at once in a busy loop.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Connections the kernel queues for the listener before they are accepted.
const LISTEN_BACKLOG: u32 = 1024;

/// The smallest read buffer hyper accepts (its `max_buf_size` panics below this).
const MIN_READ_BUFFER_BYTES: usize = 8192;

/// The limits a server applies; [`Limits::default`] is the documented constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See `MAX_HEAD_BYTES`.
    pub max_head_bytes: usize,
    /// See `HEADER_READ_TIMEOUT`.
    pub header_read_timeout: Duration,
    /// See `CONNECTION_DEADLINE`.
    pub connection_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            max_head_bytes: MAX_HEAD_BYTES,
            header_read_timeout: HEADER_READ_TIMEOUT,
            connection_deadline: CONNECTION_DEADLINE,
        }
    }
}

/// A running metrics endpoint.
pub struct MetricsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Dropped to stop the server.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the server's thread and the [`MetricsServer`] handle share.
struct Shared {
    text: Mutex<Arc<str>>,
    /// One permit per connection in flight.
    slots: Arc<Semaphore>,
    limits: Limits,
    http: http1::Builder,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks a free port) and starts serving an empty text, with the default
    /// [`Limits`].
    pub fn start(addr: &str) -> io::Result<Self> {
        Self::start_with(addr, Limits::default())
    }

    /// As [`MetricsServer::start`], with the given limits.
    pub fn start_with(addr: &str, limits: Limits) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build()?;
        let listener = {
            // The listener registers with this runtime's reactor.
            let _context = runtime.enter();
            bind(addr)?
        };
        let addr = listener.local_addr()?;
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(false)
            .max_header_size(limits.max_head_bytes)
            .max_buf_size(limits.max_head_bytes.max(MIN_READ_BUFFER_BYTES))
            .max_headers(MAX_HEADERS)
            .title_case_headers(true);
        let shared = Arc::new(Shared {
            text: Mutex::new(Arc::from("")),
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
            http,
        });
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("metrics-serve".into()).spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(accept_loop(listener, serving));
                let _ = stopped.await;
            });
            // Dropping the runtime drops the accept loop and every connection: their sockets close.
            drop(runtime);
        })?;
        Ok(Self { addr, shared, stop: Some(stop), thread: Some(thread) })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the text served from now on. Never waits for a client.
    pub fn publish(&self, text: String) {
        let new: Arc<str> = Arc::from(text);
        let old = std::mem::replace(&mut *self.shared.text.lock().unwrap_or_else(PoisonError::into_inner), new);
        // The old text (possibly the last reference) is freed outside the lock.
        drop(old);
    }

    /// How many connections are being served right now.
    pub fn connections(&self) -> usize {
        self.shared.limits.max_connections - self.shared.slots.available_permits()
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        // Closing the channel ends the thread's wait; it then drops the runtime with every connection.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Catches the requests to stop the process (Ctrl-C, which sends SIGINT; on Unix also SIGTERM and SIGHUP) so
/// that the process ends its own way: `run --serve-metrics ADDR --hold` waits here, then prints the run's
/// verdict and exits with it.
pub struct Interrupts(std::sync::mpsc::Receiver<()>, std::sync::atomic::AtomicBool);

/// Why the requests to stop cannot be caught (a handler is set already, or the system refused).
#[derive(Debug, thiserror::Error)]
#[error("cannot catch Ctrl-C: {0}")]
pub struct CatchError(pub ctrlc::Error);

impl Interrupts {
    /// From now on, a request to stop no longer ends the process: [`Interrupts::wait`] returns instead. Once per
    /// process (a second call is an error).
    pub fn catch() -> Result<Self, CatchError> {
        let (tx, rx) = std::sync::mpsc::channel();
        ctrlc::set_handler(move || {
            let _ = tx.send(());
        })
        .map_err(CatchError)?;
        Ok(Self(rx, std::sync::atomic::AtomicBool::new(false)))
    }

    /// Whether a request to stop has come (without waiting): once one has, always.
    pub fn requested(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.0.try_recv().is_ok() {
            self.1.store(true, Ordering::Relaxed);
        }
        self.1.load(Ordering::Relaxed)
    }

    /// Waits for a request to stop.
    pub fn wait(&self) {
        let _ = self.0.recv();
    }
}

/// Binds the first of `addr`'s resolutions that can be bound, as [`std::net::TcpListener::bind`] does,
/// with a backlog of [`LISTEN_BACKLOG`] and the address reusable at once after a previous server.
fn bind(addr: &str) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        match socket.set_reuseaddr(true).and_then(|()| socket.bind(addr)) {
            Ok(()) => return socket.listen(LISTEN_BACKLOG),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolves to nothing")))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        match Arc::clone(&shared.slots).try_acquire_owned() {
            Ok(slot) => {
                tokio::spawn(serve_connection(stream, slot, Arc::clone(&shared)));
            }
            Err(_) => refuse(&stream),
        }
    }
}

/// Answers 503 without reading the request, in one nonblocking write, then closes.
fn refuse(stream: &TcpStream) {
    let body = "too many connections: try again\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.try_write(response.as_bytes());
}

/// Serves one request on `stream`, then lingers; all within the connection deadline, holding `_slot`.
async fn serve_connection(mut stream: TcpStream, _slot: OwnedSemaphorePermit, shared: Arc<Shared>) {
    let _ = tokio::time::timeout(shared.limits.connection_deadline, async {
        let service = service_fn(|request| {
            let response = respond(&request, &shared.text);
            async move { Ok::<_, Infallible>(response) }
        });
        // An error here is the client's (a malformed head, answered by hyper, a timeout, a reset): nothing
        // to report.
        let _ = shared.http.serve_connection(TokioIo::new(&mut stream), service).await;
        linger(&mut stream).await;
    })
    .await;
}

/// Half-closes, then reads and discards what the client still sends (bounded by [`LINGER`] and
/// [`LINGER_BYTES`]), so that closing with unread input does not reset the connection under the answer.
async fn linger(stream: &mut TcpStream) {
    let _ = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_shutdown(cx)).await;
    let _ = tokio::time::timeout(LINGER, async {
        let mut sink = [0; 1024];
        let mut discarded = 0;
        while discarded < LINGER_BYTES {
            if stream.readable().await.is_err() {
                return;
            }
            match stream.try_read(&mut sink) {
                Ok(0) => return,
                Ok(n) => discarded += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    })
    .await;
}

/// The answer to a request whose head hyper has parsed.
fn respond<B>(request: &Request<B>, text: &Mutex<Arc<str>>) -> Response<Full<Bytes>> {
    let uri = request.uri();
    // A target without a path (authority form, `host:port`) is for CONNECT only.
    if uri.path_and_query().is_none() {
        return error(StatusCode::BAD_REQUEST, "bad request: expected GET /metrics HTTP/1.1\n");
    }
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "use GET /metrics\n");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if uri.path() != "/metrics" {
        return error(StatusCode::NOT_FOUND, "not found: metrics are at /metrics\n");
    }
    let text = Arc::clone(&text.lock().unwrap_or_else(PoisonError::into_inner));
    // hyper sends the headers only (with the body's length) to a HEAD request.
    let mut response = Response::new(Full::new(Bytes::from_owner(Text(text))));
    response.headers_mut().insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn error(status: StatusCode, message: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE_HEADER, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// A published text as the bytes of an answer's body, sharing it rather than copying it.
struct Text(Arc<str>);

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpStream};
    use std::sync::mpsc;
    use std::time::Instant;

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
            header_read_timeout: Duration::from_secs(60),
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
        assert!(r.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "{r}");
        assert!(r.contains("\r\nConnection: close\r\n"), "{r}");
        server.publish("a_total 2\n".into());
        assert!(get(server.addr(), "/metrics?x=1").ends_with("\r\n\r\na_total 2\n"));
        assert!(get(server.addr(), "/").starts_with("HTTP/1.1 404 Not Found\r\n"));
        let r = exchange(server.addr(), b"HEAD /metrics HTTP/1.0\r\n\r\n");
        assert!(r.starts_with("HTTP/1.") && r.contains(" 200 OK\r\n"), "{r}");
        assert!(r.contains("\r\nContent-Length: 10\r\n") && r.ends_with("\r\n\r\n"), "headers only: {r}");
    }

    #[test]
    fn routes_by_method_and_path() {
        let text = Mutex::new(Arc::from("a_total 1\n"));
        let cases = [
            ("GET", "/metrics", StatusCode::OK),
            ("GET", "/metrics?name[]=up", StatusCode::OK),
            ("HEAD", "/metrics", StatusCode::OK),
            ("GET", "http://localhost:9108/metrics", StatusCode::OK),
            ("GET", "/other", StatusCode::NOT_FOUND),
            ("GET", "/metrics/", StatusCode::NOT_FOUND),
            ("HEAD", "/", StatusCode::NOT_FOUND),
            ("POST", "/metrics", StatusCode::METHOD_NOT_ALLOWED),
            ("get", "/metrics", StatusCode::METHOD_NOT_ALLOWED),
            ("OPTIONS", "*", StatusCode::METHOD_NOT_ALLOWED),
            ("GET", "localhost:9108", StatusCode::BAD_REQUEST),
        ];
        for (method, target, status) in cases {
            let request = Request::builder().method(method).uri(target).body(()).unwrap();
            let response = respond(&request, &text);
            assert_eq!(response.status(), status, "{method} {target}");
            let allow = response.headers().get(ALLOW).map(|v| v.to_str().unwrap());
            assert_eq!(allow, (status == StatusCode::METHOD_NOT_ALLOWED).then_some("GET, HEAD"), "{method} {target}");
            let content_type = response.headers()[CONTENT_TYPE_HEADER].to_str().unwrap();
            assert_eq!(content_type == CONTENT_TYPE, status == StatusCode::OK, "{method} {target}: {content_type}");
        }
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
        // A head that never ends is cut at the cap and answered the same.
        let endless = [b"GET /metrics HTTP/1.1\r\nX-Filler: ".as_slice(), &[b'a'; 3 * MAX_HEAD_BYTES]].concat();
        assert!(exchange(addr, &endless).starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        // Just at the cap is fine.
        let mut fits = b"GET /metrics HTTP/1.1\r\nX-Filler: ".to_vec();
        fits.resize(MAX_HEAD_BYTES - 4, b'a');
        fits.extend_from_slice(b"\r\n\r\n");
        assert!(exchange(addr, &fits).starts_with("HTTP/1.1 200 OK\r\n"));
        // Too many header fields, though short.
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: a\r\n")).collect();
        let r = exchange(addr, format!("GET /metrics HTTP/1.1\r\n{many}\r\n").as_bytes());
        assert!(r.starts_with("HTTP/1.1 431 "), "{r}");
        assert!(get(addr, "/other").starts_with("HTTP/1.1 404 Not Found\r\n"));
        let r = exchange(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\na=1");
        assert!(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n") && r.contains("\r\nAllow: GET, HEAD\r\n"), "{r}");
        assert!(exchange(addr, b"garbage\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(exchange(addr, b"GET /metrics FTP/1\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(exchange(addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n").starts_with("HTTP/1.1 400 "));
        // A request head cut short by the client closing gets no answer.
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.0\r\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        assert_eq!(r, "");
    }

    #[test]
    fn silent_and_slow_clients_stall_neither_scrapers_nor_publish_and_drop_closes_them() {
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
        published.recv_timeout(PATIENCE).expect("publish returns while a client is silent");

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
            assert!(head.contains(&format!("\r\nContent-Length: {}\r\n", text.len())), "{head}");
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

        // Dropping the server with the silent client still connected returns, closing the listener and
        // the silent client's connection.
        let (done, dropped) = mpsc::channel();
        std::thread::spawn(move || {
            drop(Arc::into_inner(server).expect("the only reference"));
            done.send(()).unwrap();
        });
        dropped.recv_timeout(PATIENCE).expect("drop returns while a client is silent");
        assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
        silent.set_nonblocking(false).unwrap();
        silent.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut out = Vec::new();
        silent.read_to_end(&mut out).expect("the silent client's connection is closed");
        assert!(out.is_empty());
    }

    #[test]
    fn silent_and_trickling_clients_are_disconnected_on_the_header_timeout() {
        let limits = Limits { header_read_timeout: Duration::from_millis(200), ..patient(MAX_CONNECTIONS) };
        let server = MetricsServer::start_with("127.0.0.1:0", limits).unwrap();
        // Silent: closed without an answer (a read with PATIENCE sees the end).
        let mut silent = TcpStream::connect(server.addr()).unwrap();
        silent.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut out = Vec::new();
        silent.read_to_end(&mut out).expect("the server closes a silent client");
        assert!(out.is_empty());
        // Trickling a byte every 50 ms (never silent for long, never done): cut off, so a write eventually
        // fails, long before the 200 bytes (10 s) run out.
        let mut trickle = TcpStream::connect(server.addr()).unwrap();
        let cut = (b"GET /metrics HTTP/1.1\r\nX: ".iter().chain([b'a'; 174].iter())).any(|b| {
            std::thread::sleep(Duration::from_millis(50));
            trickle.write_all(&[*b]).is_err()
        });
        assert!(cut, "a trickling client is disconnected on the header timeout");
        wait_until("no connection is left", || server.connections() == 0);
    }

    #[test]
    fn a_client_reading_the_answer_too_slowly_is_cut_off_at_the_deadline() {
        let limits = Limits { connection_deadline: Duration::from_millis(500), ..patient(MAX_CONNECTIONS) };
        let server = MetricsServer::start_with("127.0.0.1:0", limits).unwrap();
        // Far more than the socket buffers of both ends hold, so the answer waits on the client.
        let text = "a".repeat(64 << 20);
        server.publish(text.clone());
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
        // The answer has begun (so the connection was accepted), and the client reads no more of it until
        // the server has let the connection go.
        let mut status = [0; 17];
        s.read_exact(&mut status).unwrap();
        assert_eq!(&status, b"HTTP/1.1 200 OK\r\n");
        wait_until("the connection is cut off", || server.connections() == 0);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        assert!(out.len() < text.len(), "the answer is cut short: {} of {} bytes", out.len(), text.len());
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
        assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n") && r.ends_with("try again\n"), "{r}");
        assert_eq!(server.connections(), 4);
        // Closing a client frees its slot.
        drop(silent);
        wait_until("the slots are free", || server.connections() == 0);
        assert!(get(addr, "/metrics").starts_with("HTTP/1.1 200 OK\r\n"));
    }
}

//! The live metrics endpoint under load, over loopback: connections that never send anything hold nothing
//! a scraper needs.

use g6sim::output::serve::{Limits, MAX_CONNECTIONS, MetricsServer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

/// Silent connections held open while the scrapers run.
const IDLE: usize = 1_000;
/// Scrapers running at once.
const SCRAPERS: usize = 400;
/// Open files kept free for the rest of the suite, which runs alongside.
const SPARE_FILES: u64 = 256;
/// Generous bounds: the test fails on them only when something is stuck.
const PATIENCE: Duration = Duration::from_secs(30);

/// The soft and hard limits on open files (`None` where `/proc/self/limits` is not there to tell).
fn open_files_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    let mut limit = || fields.next().map(|f| f.parse().unwrap_or(u64::MAX));
    Some((limit()?, limit()?))
}

/// How many silent connections and scrapers the open-files limit allows, each connection taking a file
/// at both ends: [`IDLE`] and [`SCRAPERS`] when it allows them, raising the soft limit with `prlimit(1)`
/// if that is what it takes, else both scaled down alike (and said so).
fn sized_for_the_open_files_limit() -> (usize, usize) {
    let wanted = 2 * (IDLE + SCRAPERS) as u64 + SPARE_FILES;
    let Some((soft, hard)) = open_files_limits() else { return (IDLE, SCRAPERS) };
    if soft >= wanted {
        return (IDLE, SCRAPERS);
    }
    let raised = format!("--nofile={}:{hard}", wanted.min(hard));
    let _ = std::process::Command::new("prlimit").args(["--pid", &std::process::id().to_string(), &raised]).status();
    let (was, soft) = (soft, open_files_limits().map_or(soft, |(soft, _)| soft));
    if soft >= wanted {
        eprintln!("note: raised the soft open-files limit from {was} to {soft} with prlimit");
        return (IDLE, SCRAPERS);
    }
    let connections = soft.saturating_sub(SPARE_FILES) as usize / 2;
    let (idle, scrapers) = (connections * IDLE / (IDLE + SCRAPERS), connections * SCRAPERS / (IDLE + SCRAPERS));
    eprintln!(
        "note: the open-files limit is {soft} (wanted {wanted}): {idle} silent connections and {scrapers} scrapers \
         instead of {IDLE} and {SCRAPERS}"
    );
    assert!(idle > 64 && scrapers > 0, "the open-files limit ({soft}) is too low for this test");
    (idle, scrapers)
}

/// Polls `f` until it holds, panicking after [`PATIENCE`].
fn wait_until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One scrape: the whole answer, or what went wrong.
fn scrape(addr: SocketAddr) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(PATIENCE)).map_err(|e| e.to_string())?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: scraper\r\n\r\n").map_err(|e| format!("write: {e}"))?;
    let mut response = String::new();
    s.read_to_string(&mut response).map_err(|e| format!("read: {e}"))?;
    Ok(response)
}

#[test]
fn a_thousand_silent_connections_leave_every_one_of_400_concurrent_scrapers_served() {
    let (idle, scrapers) = sized_for_the_open_files_limit();
    // The default cap; no client is disconnected on a timeout while the test runs, however loaded the
    // machine: the silent connections stay open throughout.
    let limits = Limits {
        header_read_timeout: Duration::from_secs(120),
        connection_deadline: Duration::from_secs(120),
        ..Limits::default()
    };
    assert_eq!(limits.max_connections, MAX_CONNECTIONS);
    let server = MetricsServer::start_with("127.0.0.1:0", limits).unwrap();
    let addr = server.addr();
    let text: String = (0..200).map(|i| format!("g6_test_total{{n=\"{i}\"}} {i}\n")).collect();
    server.publish(text.clone());

    let start = Instant::now();
    let silent: Vec<TcpStream> = (0..idle).map(|_| TcpStream::connect(addr).unwrap()).collect();
    wait_until("every silent connection is accepted", || server.connections() == idle);
    let opened = start.elapsed();

    // All scrapers connect at once (past the barrier), while the silent connections are held.
    let barrier = Arc::new(Barrier::new(scrapers));
    let (tx, rx) = mpsc::channel();
    for _ in 0..scrapers {
        let (barrier, tx) = (Arc::clone(&barrier), tx.clone());
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                barrier.wait();
                let _ = tx.send(scrape(addr));
            })
            .unwrap();
    }
    drop(tx);
    let scraping = Instant::now();
    let mut served = 0;
    for _ in 0..scrapers {
        let response = rx.recv_timeout(PATIENCE).expect("every scraper finishes").unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(body == text, "a scraper got {} of {} bytes", body.len(), text.len());
        served += 1;
    }
    let scraped = scraping.elapsed();
    assert_eq!(served, scrapers);

    // The silent connections were held all along: none was answered or closed.
    assert!(server.connections() >= idle, "{} connections", server.connections());
    for s in &silent {
        s.set_nonblocking(true).unwrap();
        let e = (&*s).read(&mut [0]).expect_err("a silent client got nothing");
        assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    }
    eprintln!(
        "{idle} silent connections opened in {:.2} s; {scrapers} concurrent scrapers all served in {:.2} s",
        opened.as_secs_f64(),
        scraped.as_secs_f64()
    );
    drop(silent);
    drop(server);
}

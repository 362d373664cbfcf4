//! The report pages in a real browser: Debian's Chromium, headless, with no network (a network namespace of
//! its own when `unshare` can make one, and a proxy that goes nowhere in any case), loads a run's and a sweep's
//! page; the DOM it builds holds the verdict rows, one `<svg>` per chart and the collapsed cycle table, the page
//! asks for nothing the policy refuses, and its screenshot is a page, not a blank. The screenshots stay in
//! `<target>/tmp/browser-*/` for a person to look at.
//!
//! The browser is `G6SIM_CHROMIUM`, else `chromium` on the `PATH`; when neither is there and the tests run as
//! root on a machine with `apt-get`, Debian's `chromium` package is installed first (once, under a lock), as
//! the Python packages are; otherwise the test fails saying what to install.

use crate::common::*;
use crate::report::{assert_self_contained, section, small_sweep};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The variable naming the browser to use instead of `chromium` on the `PATH`.
const CHROMIUM_VAR: &str = "G6SIM_CHROMIUM";

/// `name` on the `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// The browser, installed when missing (see the module's doc).
fn chromium() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        if let Some(explicit) = std::env::var_os(CHROMIUM_VAR).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(explicit));
        }
        if let Some(found) = on_path("chromium") {
            return Ok(found);
        }
        let hint = format!(
            "install Debian's chromium package (`apt-get install chromium`), or set {CHROMIUM_VAR} to a Chromium"
        );
        let root_user = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        if !root_user || on_path("apt-get").is_none() {
            return Err(format!("no chromium on the PATH: {hint}"));
        }
        let lock_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-install.lock");
        std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).unwrap();
        lock.lock().unwrap();
        if let Some(found) = on_path("chromium") {
            return Ok(found);
        }
        let script = "apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium";
        let out = Command::new("sh").args(["-c", script]).env("DEBIAN_FRONTEND", "noninteractive").output().unwrap();
        match on_path("chromium") {
            Some(found) if out.status.success() => Ok(found),
            _ => Err(format!("`{script}` failed ({}): {hint}\n{}", out.status, String::from_utf8_lossy(&out.stderr))),
        }
    });
    found.clone().unwrap_or_else(|message| panic!("{message}"))
}

/// Whether this process may make a network namespace (`unshare --net`, as root).
fn can_unshare() -> bool {
    Command::new("unshare").args(["--net", "true"]).output().is_ok_and(|o| o.status.success())
}

/// Chromium, headless and offline, on `page` with `args`; its standard output and error.
fn browse(page: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let mut cmd = if can_unshare() {
        let mut cmd = Command::new("unshare");
        cmd.arg("--net").arg(chromium());
        cmd
    } else {
        Command::new(chromium())
    };
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.canonicalize().unwrap().display()));
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Opens `page` in the browser: the DOM it builds, after checking the page asked for nothing its policy
/// refuses; and a screenshot of its first 2,400 pixels, checked to be a drawn page.
fn open(page: &Path, dir: &Path) -> String {
    let (dom, log) = browse(page, &dir.join("profile"), &["--dump-dom"]);
    assert!(!log.contains("Refused to"), "the page asked for what its policy refuses:\n{log}");
    assert!(dom.contains("</html>"), "no page:\n{dom}");
    let shot = dir.join(format!("{}.png", page.parent().unwrap().file_name().unwrap().to_string_lossy()));
    browse(page, &dir.join("profile"), &["--window-size=1280,2400", &format!("--screenshot={}", shot.display())]);
    let image = image::open(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display())).to_rgb8();
    assert_eq!(image.dimensions(), (1280, 2400));
    let drawn = image.pixels().filter(|p| p.0.iter().any(|&c| c < 235)).count();
    let share = drawn as f64 / f64::from(1280 * 2400);
    assert!(share > 0.05, "{}: only {:.1}% of the screenshot is drawn", shot.display(), share * 100.0);
    eprintln!("screenshot: {}", shot.display());
    dom
}

#[test]
fn a_browser_offline_shows_a_runs_page_its_verdict_charts_and_cycles() {
    let dir = temp_dir("browser-run");
    let out = dir.join("memory_pressure");
    let ran =
        g6sim(&["run", "scenarios/memory_pressure.ron", "-q", "--no-env", "--out", out.to_str().unwrap(), "--report"]);
    assert_eq!(ran.status.code(), Some(0));
    let page = out.join("report.html");
    assert_self_contained(&std::fs::read_to_string(&page).unwrap());
    let dom = open(&page, &dir);
    assert!(dom.contains("<title>g6sim run: memory_pressure</title>"));
    let verdict = section(&dom, "verdict");
    assert!(verdict.contains("PASS"));
    assert_eq!(verdict.matches("<tr>").count(), 8 + 1, "eight expectations and the header");
    assert_eq!(section(&dom, "charts").matches("<svg ").count(), 4, "one svg per chart");
    let cycles = section(&dom, "cycles");
    assert!(cycles.contains("<details>") && cycles.matches("<tr").count() == 25 + 1, "25 cycles of one index");
}

#[test]
fn a_browser_offline_shows_a_sweeps_page_with_its_recommendation_and_charts() {
    let dir = temp_dir("browser-sweep");
    let out = dir.join("sweep");
    small_sweep(&out);
    assert_eq!(g6sim(&["report", out.to_str().unwrap()]).status.code(), Some(0));
    let dom = open(&out.join("report.html"), &dir);
    assert!(section(&dom, "recommendation").contains("setting 0: contract_ok_cycles=1 contract_cooldown=0"));
    assert_eq!(section(&dom, "results").matches("<tr class=\"best\">").count(), 1);
    assert_eq!(section(&dom, "charts").matches("<svg ").count(), 4, "one heat map and three Pareto charts");
}

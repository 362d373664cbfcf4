//! Printing that never panics: once a reader goes away (`g6sim run ... | head -1`, a closed terminal), the
//! stream stops quietly and the job goes on (a run still writes its files and exits with its verdict).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static OUT_CLOSED: AtomicBool = AtomicBool::new(false);
static ERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn write(closed: &AtomicBool, mut stream: impl Write, args: std::fmt::Arguments) {
    if !closed.load(Ordering::Relaxed) && stream.write_fmt(args).and_then(|()| stream.flush()).is_err() {
        closed.store(true, Ordering::Relaxed);
    }
}

pub fn out(args: std::fmt::Arguments) {
    write(&OUT_CLOSED, std::io::stdout().lock(), args);
}

pub fn err(args: std::fmt::Arguments) {
    write(&ERR_CLOSED, std::io::stderr().lock(), args);
}

/// `print!` to standard output, quietly dropped once the reader is gone.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::say::out(format_args!($($arg)*)) };
}

/// `println!` to standard output, quietly dropped once the reader is gone.
macro_rules! outln {
    () => { $crate::cli::say::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::say::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!`, quietly dropped once standard error is gone.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::say::err(format_args!($($arg)*)) };
}

/// `eprintln!`, quietly dropped once standard error is gone.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::say::err(format_args!("{}\n", format_args!($($arg)*))) };
}

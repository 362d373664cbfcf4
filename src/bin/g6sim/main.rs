//! The `g6sim` binary: the command line of [`cli`] over the library's facade.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main(std::env::args_os().collect()).into()
}

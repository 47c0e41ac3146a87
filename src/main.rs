//! The `undersigned` command: parse arguments, call the library, print, map to exit codes.
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

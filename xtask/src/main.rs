//! `cargo xtask codegen [--check]`: regenerate (or check) the client from the fragment.

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask codegen [--check]

  codegen          regenerate the client crate from openapi/messages.yaml
  codegen --check  regenerate in memory; fail with a diff if a checked-in file is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => xtask::Mode::Write,
        ["codegen", "--check"] => xtask::Mode::Check,
        ["--help"] | ["-h"] | ["help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = xtask::workspace_root();
    let started = Instant::now();
    match xtask::codegen(&root, mode) {
        Ok(changed) => {
            let took = started.elapsed();
            match (mode, changed.is_empty()) {
                (xtask::Mode::Check, _) => println!("generated code is up to date ({took:.1?})"),
                (_, true) => println!("nothing changed ({took:.1?})"),
                (_, false) => {
                    for f in changed {
                        println!("wrote {f}");
                    }
                    println!("done in {took:.1?}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

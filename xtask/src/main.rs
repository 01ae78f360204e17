//! `cargo xtask codegen [--check]`: regenerate (or check) the client from the fragment.
//! `cargo xtask upstream-diff OLD.yaml NEW.yaml`: what changed for `POST /messages`
//! between two of Intercom's descriptions.

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask codegen [--check]
       cargo xtask upstream-diff OLD.yaml NEW.yaml

  codegen          regenerate the client crate from openapi/messages.yaml
  codegen --check  regenerate in memory; fail with a diff if a checked-in file is stale
  upstream-diff    print a Markdown report of what changed for POST /messages between
                   two of Intercom's published descriptions; exit 0 when nothing did,
                   1 when something did, 2 on an error";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["upstream-diff", old, new] => return upstream_diff(old, new),
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

fn upstream_diff(old: &str, new: &str) -> ExitCode {
    let read = |p: &str| xtask::upstream::load(std::path::Path::new(p));
    match (read(old), read(new)) {
        (Ok(a), Ok(b)) => match xtask::upstream::report(&a, &b) {
            Some(report) => {
                print!("{report}");
                ExitCode::from(1)
            }
            None => {
                println!("No change to `POST /messages`.");
                ExitCode::SUCCESS
            }
        },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

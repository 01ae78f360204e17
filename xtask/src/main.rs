//! `cargo xtask codegen [--check]`: regenerate (or check) the client from the fragment.
//! `cargo xtask upstream-diff OLD.yaml NEW.yaml`: what changed for `POST /messages`
//! (and the fragment's other operations, such as the search) between two of Intercom's descriptions.
//! `cargo xtask conformance [--write]`: the fragment against the vendored descriptions.
//! `cargo xtask vendor FULL.yaml [OUT.yaml]`: cut a published description to the fragment's operations.

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask codegen [--check]
       cargo xtask upstream-diff OLD.yaml NEW.yaml
       cargo xtask conformance [--write]
       cargo xtask vendor FULL.yaml [OUT.yaml]

  codegen          regenerate the client crate from openapi/messages.yaml
  codegen --check  regenerate in memory; fail with a diff if a checked-in file is stale
  upstream-diff    print a Markdown report of what changed for POST /messages (and for
                   the fragment's other operations, such as POST /conversations/search)
                   between two of Intercom's published descriptions; exit 0 when nothing did,
                   1 when something did, 2 on an error
  conformance      compare the fragment with every description in openapi/upstream/, fact by
                   fact; fail on a difference openapi/deviations.yaml does not record, on a
                   recorded deviation that no longer exists, on an example missing or altered,
                   and on a stale deviation table in openapi/README.md (--write rewrites it)
  vendor           cut one of Intercom's full published descriptions down to the fragment's
                   operations (POST /messages, POST /conversations/search) and what they reference, keeping the published lines as they are; print
                   the cut, or write it to OUT.yaml (e.g. openapi/upstream/2.17.yaml)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["upstream-diff", old, new] => return upstream_diff(old, new),
        ["vendor", full] => return vendor(full, None),
        ["vendor", full, out] => return vendor(full, Some(out)),
        ["conformance"] => return conformance(false),
        ["conformance", "--write"] => return conformance(true),
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
    // Every operation of the fragment, `POST /messages` first.
    let operations = xtask::load_spec(&xtask::workspace_root().join(xtask::SPEC))
        .and_then(|spec| xtask::operations::operations(&spec))
        .map(|ops| {
            ops.iter()
                .map(|o| (format!("{} {}", o.method, o.path), o.pointer()))
                .collect::<Vec<_>>()
        });
    let report = operations.and_then(|ops| {
        xtask::upstream::report_operations(
            std::path::Path::new(old),
            std::path::Path::new(new),
            &ops,
        )
    });
    match report {
        Ok(Some(report)) => {
            print!("{report}");
            ExitCode::from(1)
        }
        Ok(None) => {
            println!("No change to `POST /messages`.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn conformance(write: bool) -> ExitCode {
    match xtask::conformance::run(&xtask::workspace_root(), write) {
        Ok((report, table_fresh)) => {
            print!("{}", report.render());
            if !table_fresh {
                eprintln!(
                    "error: the deviation table in {} is stale: run `cargo xtask conformance --write`",
                    xtask::conformance::README
                );
            }
            if report.passed() && table_fresh {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn vendor(full: &str, out: Option<&str>) -> ExitCode {
    let cut = std::fs::read_to_string(full)
        .map_err(|e| format!("{full}: cannot read: {e}"))
        .and_then(|text| xtask::vendor::cut(&text).map_err(|e| format!("{full}: {e}")));
    match (cut, out) {
        (Ok(cut), None) => {
            print!("{cut}");
            ExitCode::SUCCESS
        }
        (Ok(cut), Some(out)) => match std::fs::write(out, cut) {
            Ok(()) => {
                println!("wrote {out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {out}: {e}");
                ExitCode::FAILURE
            }
        },
        (Err(e), _) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

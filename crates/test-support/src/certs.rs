//! A scratch directory and TLS certificates for 127.0.0.1, made with
//! `openssl` at test time (Debian package `openssl`, installed by
//! `tools/install-test-deps`): for the TLS servers of the workspace tests
//! (an HTTP/2 server) and of the Redis budget's tests (a TLS Redis).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system's temporary directory, removed when dropped.
pub struct Scratch(pub PathBuf);

/// Scratch directories made by this process so far (their names differ).
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Scratch {
    /// A new directory whose name holds `what`.
    pub fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "intercom-messages-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a program to its end; a missing program or a failure panics with its output.
pub fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` ({e}): tools/install-test-deps installs it")
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority and a server certificate for 127.0.0.1, made with `openssl`.
pub struct Certs {
    /// Where the files are.
    pub dir: Scratch,
}

impl Certs {
    /// A new CA and a server certificate it signed, in a scratch directory.
    pub fn make() -> Self {
        let dir = Scratch::new("certs");
        let p = |f: &str| dir.0.join(f).to_string_lossy().into_owned();
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=intercom-messages test CA",
                "-keyout",
                &p("ca.key"),
                "-out",
                &p("ca.crt"),
            ],
        );
        run(
            "openssl",
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                &p("server.key"),
                "-out",
                &p("server.csr"),
            ],
        );
        std::fs::write(dir.0.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        run(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &p("server.csr"),
                "-CA",
                &p("ca.crt"),
                "-CAkey",
                &p("ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &p("san.ext"),
                "-out",
                &p("server.crt"),
            ],
        );
        Certs { dir }
    }

    /// The CA certificate, for `SSL_CERT_FILE`.
    pub fn ca(&self) -> PathBuf {
        self.dir.0.join("ca.crt")
    }

    /// The server's certificate (for 127.0.0.1) and its key, PEM.
    pub fn server(&self) -> (PathBuf, PathBuf) {
        (self.dir.0.join("server.crt"), self.dir.0.join("server.key"))
    }

    /// The path of one of the files (`ca.crt`, `server.crt`, `server.key`), as text.
    pub fn file(&self, f: &str) -> String {
        self.dir.0.join(f).to_string_lossy().into_owned()
    }
}

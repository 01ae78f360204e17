//! The crates as a user outside this workspace has them: a new crate that
//! depends only on `intercom-messages-api` (by path) runs the crate's
//! front-page example, against a loopback server that answers only a request
//! carrying the token and the version the example chose; another that
//! depends only on the facade sends through a `reqwest::Client` of its own,
//! built with the facade's re-export.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate-level example of `intercom-messages-api`, as a program: the
/// doc comment's code block with its hidden lines shown, and `demo` run.
fn example_program() -> String {
    let lib = std::fs::read_to_string(workspace().join("crates/intercom-messages-api/src/lib.rs"))
        .unwrap();
    let code: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .collect();
    assert!(
        code.iter().any(|l| l.contains("Client::with_token")),
        "the front page's example no longer builds an authenticated client: {code:#?}"
    );
    format!(
        "{}\n\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n    demo().await.unwrap();\n}}\n",
        code.join("\n")
    )
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One request read whole: its head (lower-cased) and its body.
fn read_request(stream: &mut std::net::TcpStream) -> (String, String) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

/// A server on loopback that answers one request: created (id 42) when its
/// head (lower-cased) passes `accept`, a 401 otherwise. Gives the base URL,
/// and the request's head and body once joined.
fn serve_once(accept: fn(&str) -> bool) -> (String, std::thread::JoinHandle<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let (head, body) = read_request(&mut stream);
        let (status, answer) = if accept(&head) {
            (
                "200 OK",
                r#"{"type":"admin_message","id":"42","created_at":1,"body":"Hello","message_type":"inapp"}"#,
            )
        } else {
            (
                "401 Unauthorized",
                r#"{"type":"error.list","errors":[{"code":"unauthorized"}]}"#,
            )
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        (head, body)
    });
    (base, server)
}

/// Builds and runs `program` as the binary of a new crate outside the
/// workspace whose only dependencies are `dependencies` (and tokio), with
/// `INTERCOM_TOKEN=tok_downstream`; gives its stdout, or fails with its
/// output.
fn run_downstream(dependencies: &str, program: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path();
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{dependencies}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    // The workspace's lock pins the same versions, so nothing is fetched.
    std::fs::copy(workspace().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(krate.join("src/main.rs"), program).unwrap();

    // A target of its own beside this build's, warm between runs.
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().join("downstream");
    let out = Command::new(env!("CARGO"))
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", &target)
        .env("INTERCOM_TOKEN", "tok_downstream")
        .args(["run", "--offline", "--quiet"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stdout.into_owned()
}

fn authorised(head: &str) -> bool {
    head.contains("authorization: bearer tok_downstream\r\n")
}

#[test]
fn a_crate_outside_the_workspace_sends_with_the_generated_crate_alone() {
    let (base, server) = serve_once(authorised);
    let api = workspace().join("crates/intercom-messages-api");
    let program = example_program().replace("\"https://api.intercom.io\"", &format!("{base:?}"));
    let stdout = run_downstream(
        &format!("intercom-messages-api = {{ path = {api:?} }}\nserde_json = \"1\""),
        &program,
    );
    assert!(stdout.contains("created 42"), "{stdout}");
    let (head, body) = server.join().unwrap();
    assert!(head.starts_with("post /messages http/1.1"), "{head}");
    assert!(head.contains("intercom-version: 2.14\r\n"), "{head}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["from"]["id"], 394051);
}

/// A crate that depends on the facade alone (no `reqwest` of its own) sets
/// up its own `reqwest::Client` through the facade's re-export and sends
/// with it: the server sees the header only that client adds.
#[test]
fn a_crate_with_the_facade_alone_sends_through_its_own_reqwest_client() {
    let (base, server) =
        serve_once(|head| authorised(head) && head.contains("x-downstream: custom\r\n"));
    let facade = workspace().join("crates/intercom-messages");
    let program = r#"
use intercom_messages::reqwest;
use intercom_messages::{Client, Contact, Message};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-downstream", reqwest::header::HeaderValue::from_static("custom"));
    let http: reqwest::Client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder(std::env::var("INTERCOM_TOKEN").unwrap())
        .base_url(BASE)
        .http_client(http)
        .build()
        .unwrap();
    let message = Message::from_admin(394051)
        .to(Contact::user_id("70"))
        .in_app("Hello");
    let sent = client.send(message).await.unwrap();
    println!("created {}", sent.message.id);
}
"#
    .replace("BASE", &format!("{base:?}"));
    let stdout = run_downstream(
        &format!("intercom-messages = {{ path = {facade:?} }}"),
        &program,
    );
    assert!(stdout.contains("created 42"), "{stdout}");
    let (head, _) = server.join().unwrap();
    assert!(head.starts_with("post /messages http/1.1"), "{head}");
}

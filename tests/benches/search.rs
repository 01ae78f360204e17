//! What a search costs: `Client::find_conversation_by_message_id` against a
//! hand-written reqwest request of the same search, in paired rounds on
//! loopback; and `MockIntercom` answering searches under load.
//!
//! `cargo bench -p intercom-messages-tests --bench search` prints both tables.

use std::sync::Arc;
use std::time::Instant;

use intercom_messages::{Client, Contact, Message, Version};
use intercom_messages_mock::MockIntercom;
use intercom_messages_tests::server::{self, Action};
use serde::Deserialize;

/// The 2.14 description's published answer to a search, with its source id
/// set to the message searched for.
fn answer() -> Vec<u8> {
    let published = r#"{"type": "conversation.list", "pages": {"type": "pages", "page": 1, "per_page": 5, "total_pages": 1}, "total_count": 1, "conversations": [{"type": "conversation", "id": "515", "created_at": 1734537546, "updated_at": 1734537546, "waiting_since": null, "snoozed_until": null, "source": {"type": "conversation", "id": "403918346", "delivered_as": "admin_initiated", "subject": "", "body": "<p>this is the message body</p>", "author": {"type": "admin", "id": "991267691", "name": "Ciaran210 Lee", "email": "admin210@email.com"}, "attachments": [], "url": null, "redacted": false}, "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "6762f14a1bb69f9f2193bbb3", "external_id": "70"}]}, "first_contact_reply": null, "admin_assignee_id": 991267715, "team_assignee_id": 5017691, "open": false, "state": "closed", "read": false, "tags": {"type": "tag.list", "tags": []}, "priority": "not_priority", "sla_applied": null, "statistics": null, "conversation_rating": null, "teammates": null, "title": null, "custom_attributes": {}, "topics": {}, "ticket": null, "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false}, "ai_agent": null, "ai_agent_participated": false}]}"#;
    published.replace("403918346", "19").into_bytes()
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainSource {
    id: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainConversation {
    id: String,
    source: Option<PlainSource>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainList {
    conversations: Vec<PlainConversation>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} µs", ns / 1e3)
    }
}

/// 40 alternating rounds of 50 calls of each: ours, baseline, and the ratios.
fn rounds(ours: &mut dyn FnMut(), base: &mut dyn FnMut()) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let batch = 50u32;
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        t.elapsed().as_nanos() as f64 / f64::from(batch)
    };
    let (mut o, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..40 {
        let (x, y) = if round % 2 == 0 {
            let x = time(ours);
            (x, time(base))
        } else {
            let y = time(base);
            (time(ours), y)
        };
        o.push(x);
        b.push(y);
        r.push(x / y);
    }
    (o, b, r)
}

/// Ours against raw reqwest in 40 alternating rounds of 50 searches.
fn paired(rt: &tokio::runtime::Runtime) -> String {
    let body = answer();
    let addr = rt.block_on(server::start(Arc::new(move |_: &[u8]| {
        Action::respond(200, body.clone())
    })));
    let base = format!("http://{addr}");
    let ours = Client::builder("bench-token")
        .base_url(&base)
        .version(Version::V2_14)
        .build()
        .unwrap();
    let raw = intercom_messages::api::client_builder().build().unwrap();
    let url = format!("{base}/conversations/search");
    let query = br#"{"query":{"field":"source.id","operator":"=","value":"19"}}"#;
    let mut ours_search = || {
        rt.block_on(ours.find_conversation_by_message_id("19"))
            .unwrap()
            .unwrap();
    };
    let mut raw_search = || {
        rt.block_on(async {
            let r = raw
                .post(&url)
                .header("authorization", "Bearer bench-token")
                .header("intercom-version", "2.14")
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header("user-agent", intercom_messages::USER_AGENT_VALUE)
                .body(&query[..])
                .send()
                .await
                .unwrap();
            let body = r.bytes().await.unwrap();
            serde_json::from_slice::<PlainList>(&body).unwrap()
        });
    };
    let (mut o, mut b, mut r) = rounds(&mut ours_search, &mut raw_search);
    format!(
        "| end_to_end/search | {} | {} | {:.2}× |\n",
        human(median(&mut o)),
        human(median(&mut b)),
        median(&mut r)
    )
}

/// `MockIntercom` with `messages` replied-to messages, searched by
/// `tasks` concurrent tasks, `per_task` searches each.
fn mock_under_load(
    rt: &tokio::runtime::Runtime,
    messages: usize,
    tasks: usize,
    per_task: usize,
) -> String {
    rt.block_on(async {
        let mock = MockIntercom::start().await;
        let client = mock.client(Version::V2_14);
        let mut ids = Vec::new();
        for i in 0..messages {
            let sent = client
                .send(Message::from_admin(1).to(Contact::user_id(i.to_string())).in_app("Hi"))
                .await
                .unwrap();
            mock.contact_replies(&sent, "Thanks!");
            ids.push(sent.id().to_string());
        }
        let ids = Arc::new(ids);
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let (client, ids) = (client.clone(), ids.clone());
            handles.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_task);
                for i in 0..per_task {
                    let id = &ids[(t * per_task + i) % ids.len()];
                    let t0 = Instant::now();
                    let found = client.find_conversation_by_message_id(id).await.unwrap();
                    assert!(found.is_some());
                    lat.push(t0.elapsed().as_nanos() as f64);
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for h in handles {
            lat.extend(h.await.unwrap());
        }
        let total = started.elapsed();
        lat.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
        format!(
            "| {messages} messages, {tasks} tasks × {per_task} searches | {:.0}/s | {} | {} | {} |\n",
            lat.len() as f64 / total.as_secs_f64(),
            human(p(0.5)),
            human(p(0.99)),
            human(*lat.last().unwrap())
        )
    })
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Warm the connection pools and the mock's validators.
    let _ = paired(&rt);
    let mut out = String::from(
        "| benchmark | ours: median of 40 rounds | raw reqwest: median | ratio (median of round ratios) |\n| --- | --- | --- | --- |\n",
    );
    out.push_str(&paired(&rt));
    out.push_str("\n| MockIntercom search load | throughput | p50 | p99 | max |\n| --- | --- | --- | --- | --- |\n");
    for (messages, tasks) in [(100, 1), (1_000, 16)] {
        out.push_str(&mock_under_load(&rt, messages, tasks, 200));
    }
    print!("{out}");
}

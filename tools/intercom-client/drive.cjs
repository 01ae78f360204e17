// Drives Intercom's official Node SDK (intercom-client, pinned in
// package-lock.json) against a running MockIntercom and prints one verdict
// per request as a JSON line:
//   {case, version, body, status, answer, misfits}
// `body` is what the SDK was asked to send, `status` the HTTP status (0 when
// no answer came), `answer` the created message or the error body, and
// `misfits` what in the answer the SDK's declared types cannot hold.
//
// Usage: node drive.cjs BASE_URL TOKEN [RECORDED.json]
// RECORDED.json, when given, maps a version the SDK offers to the request
// examples Intercom's description of that version records; each is sent
// verbatim at its version.
// The forms sent: every form the SDK's CreateMessageRequest allows (each
// message_type, recipient type and optional property), at every version the
// SDK offers; the docstring examples of messages.create at every version;
// the docstring examples of unstable.messages.createMessage (Intercom's
// recorded requests, valid and invalid ones) and the recorded refused
// requests verbatim (with their `body: null`) at every version.
"use strict";

const { IntercomClient, IntercomError } = require("intercom-client");

const [baseUrl, token, recordedPath] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error("usage: node drive.cjs BASE_URL TOKEN");
  process.exit(2);
}

// The versions the SDK's `version` option offers.
const VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5",
  "2.6", "2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "Unstable"];

// Every form CreateMessageRequest (Email | Inapp) allows: the required
// properties, each recipient type, each subset of the optional properties.
function typedForms() {
  const forms = [];
  const from = { type: "admin", id: 394051 };
  const optional = { created_at: 1590000000, create_conversation_without_contact_reply: true };
  for (const toType of ["user", "lead"]) {
    const to = { type: toType, id: "536e564f316c83104c000020" };
    for (const subset of subsets(Object.keys(optional))) {
      const extra = pick(optional, subset);
      forms.push({
        name: `typed email to ${toType} with [${subset}]`,
        body: { message_type: "email", subject: "Thanks", body: "Hello there", template: "plain", from, to, ...extra },
      });
      const inappOptional = { subject: "Hi", template: "plain" };
      for (const inner of subsets(Object.keys(inappOptional))) {
        forms.push({
          name: `typed inapp to ${toType} with [${inner.concat(subset)}]`,
          body: { message_type: "inapp", body: "Hello there", from, to, ...pick(inappOptional, inner), ...extra },
        });
      }
    }
  }
  return forms;
}

// The @example blocks of messages.create, verbatim.
const CREATE_EXAMPLES = [
  { message_type: "email", subject: "Thanks for everything", body: "Hello there", template: "plain",
    from: { type: "admin", id: 394051 }, to: { type: "user", id: "536e564f316c83104c000020" } },
  { message_type: "inapp", subject: "heyy", body: "Hello there", template: "plain",
    from: { type: "admin", id: 394051 }, to: { type: "user", id: "6762f23b1bb69f9f2193bc1a" },
    created_at: 1590000000, create_conversation_without_contact_reply: true },
  { message_type: "email", subject: "Thanks for everything", body: "hey there", template: "plain",
    from: { type: "admin", id: 394051 }, to: { type: "user", id: "536e564f316c83104c000020" },
    created_at: 1590000000, create_conversation_without_contact_reply: true },
  { message_type: "email", subject: "heyy", body: "Hello there", template: "plain",
    from: { type: "admin", id: 394051 }, to: { type: "user", id: "6762f23d1bb69f9f2193bc1c" },
    created_at: 1590000000, create_conversation_without_contact_reply: true },
];

// The @example blocks of unstable.messages.createMessage, verbatim: Intercom's
// recorded requests, the refused ones included.
const UNSTABLE_EXAMPLES = [
  { from: { type: "user", id: "6762f2341bb69f9f2193bc17" }, body: "heyy", referer: "https://twitter.com/bob" },
  { from: { type: "lead", id: "6762f2371bb69f9f2193bc18" }, body: "heyy", referer: "https://twitter.com/bob" },
  { from: { type: "admin", id: "991267816" },
    to: [{ type: "user", id: "6762f2391bb69f9f2193bc19" }, { type: "lead", id: "6762f23c1bb69f9f2193bc1b" },
      { type: "user", id: "6762f23d1bb69f9f2193bc1c" }],
    cc: [{ type: "user", id: "6762f23e1bb69f9f2193bc1d" }, { type: "user", id: "6762f23f1bb69f9f2193bc1e" }],
    bcc: [{ type: "user", id: "6762f23e1bb69f9f2193bc2f" }],
    message_type: "conversation", body: "heyy" },
  { from: { type: "admin", id: "991267817" }, to: { type: "user", id: "6762f23a1bb69f9f2193bc1a" },
    message_type: "sms", body: "heyy" },
  { from: { type: "admin", id: "991267817" }, to: { phone: 5547999998888, name: "John Doe" },
    message_type: "whatsapp", components: [{ type: "BODY", parameters: [{ type: "text", text: "Username 123" }] }],
    template: "keep_live", locale: "en" },
  { from: { type: "admin", id: "991267818" }, to: { type: "user", id: "6762f23b1bb69f9f2193bc1a" },
    message_type: "inapp", subject: "heyy" },
  { from: { type: "admin", id: "991267819" }, to: { type: "user", user_id: "70" },
    message_type: "email", body: "hey there" },
  { from: { type: "admin", id: "991267820" }, to: { type: "user", id: "6762f23d1bb69f9f2193bc1c" },
    message_type: "email", subject: "heyy" },
  { from: { type: "admin", id: "991267821" }, to: { type: "user", id: "6762f23b1bb69f9f2193bc1d" },
    message_type: "sms", body: "heyy https://picsum.photos/200/300" },
];

// Intercom's recorded refused requests as its descriptions have them: the
// docstrings above drop their `body: null`.
const RECORDED_REFUSED = [
  { from: { type: "admin", id: "991267818" }, to: { type: "user", id: "6762f23b1bb69f9f2193bc1a" },
    message_type: "inapp", body: null, subject: "heyy" },
  { from: { type: "admin", id: "991267820" }, to: { type: "user", id: "6762f23d1bb69f9f2193bc1c" },
    message_type: "email", body: null, subject: "heyy" },
];

function subsets(keys) {
  return keys.reduce((all, k) => all.concat(all.map((s) => s.concat(k))), [[]]);
}

function pick(object, keys) {
  return Object.fromEntries(keys.map((k) => [k, object[k]]));
}

// What in a created message the SDK's `Message` type cannot hold.
function messageMisfits(m) {
  const out = [];
  const want = { type: "string", id: "string", created_at: "number", body: "string", message_type: "string" };
  for (const [key, type] of Object.entries(want)) {
    if (typeof m[key] !== type) out.push(`${key} is ${JSON.stringify(m[key])}, not a ${type}`);
  }
  for (const key of ["subject", "conversation_id"]) {
    if (key in m && typeof m[key] !== "string") out.push(`${key} is ${JSON.stringify(m[key])}, not absent or a string`);
  }
  const kinds = ["email", "inapp", "facebook", "twitter", "sms", "whatsapp"];
  if (!kinds.includes(m.message_type)) out.push(`message_type ${JSON.stringify(m.message_type)} is not one of ${kinds}`);
  return out;
}

// What in an error body the SDK's `Error_` type cannot hold.
function errorMisfits(e) {
  const out = [];
  if (e === null || typeof e !== "object") return [`the error body is ${JSON.stringify(e)}, not an error list`];
  if (e.type !== "error.list") out.push(`type is ${JSON.stringify(e.type)}, not "error.list"`);
  if ("request_id" in e && typeof e.request_id !== "string") out.push("request_id is not absent or a string");
  if (!Array.isArray(e.errors) || e.errors.length === 0) return out.concat("errors is not a list of errors");
  for (const item of e.errors) {
    if (typeof item.code !== "string") out.push("an error has no string code");
    for (const key of ["message", "field"]) {
      if (key in item && typeof item[key] !== "string") out.push(`an error's ${key} is not absent or a string`);
    }
  }
  return out;
}

async function send(client, kase, version, body, unstable) {
  const options = { version, maxRetries: 0 };
  const line = { case: kase, version, body };
  try {
    const answer = unstable
      ? await client.unstable.messages.createMessage(body, options)
      : await client.messages.create(body, options);
    Object.assign(line, { status: 200, answer, misfits: messageMisfits(answer) });
  } catch (e) {
    if (!(e instanceof IntercomError)) throw e;
    Object.assign(line, { status: e.statusCode ?? 0, answer: e.body ?? null, misfits: errorMisfits(e.body) });
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main() {
  const client = new IntercomClient({ token, baseUrl, maxRetries: 0 });
  const recorded = recordedPath ? JSON.parse(require("node:fs").readFileSync(recordedPath, "utf8")) : {};
  for (const [version, examples] of Object.entries(recorded)) {
    for (const [name, body] of Object.entries(examples)) {
      await send(client, `recorded request ${name}`, version, body, true);
    }
  }
  for (const version of VERSIONS) {
    for (const { name, body } of typedForms()) await send(client, name, version, body, false);
    for (const [i, body] of CREATE_EXAMPLES.entries()) {
      await send(client, `messages.create example ${i + 1}`, version, body, false);
    }
    for (const [i, body] of UNSTABLE_EXAMPLES.entries()) {
      await send(client, `unstable.messages.createMessage example ${i + 1}`, version, body, true);
    }
    for (const [i, body] of RECORDED_REFUSED.entries()) {
      await send(client, `recorded refused request ${i + 1}`, version, body, true);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

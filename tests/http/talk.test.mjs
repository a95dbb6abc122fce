// tests/http/talk.test.mjs — conversations end to end over HTTP (C5.2-C5.9).
//
// One daemon over a database seeded by `lexgate people seed-demo`, with a
// virtual-number pool and a telephony HMAC key file from the environment.
// Each scenario takes a fresh labor lead from Beijing (offered to the bj
// firm, claimed by its lawyer) with its own phone number.
//
//  - Messages: an ordinary lawyer message is delivered; a threat is 201
//    blocked with clause C5.2 and never reaches the user; the user sees the
//    delivered one as from a "lawyer"; the 4th unanswered attempt is a 403
//    problem with clause C5.3 and retry_at; after the user's opt-out the
//    next message is 403 C5.3 (opted_out).
//  - Quotes: create, accept, charge within and beyond (hidden_markup),
//    a revision; a contingency fee in a criminal matter is 403 C5.6 with
//    findings; bad input is 400 naming the field.
//  - Calls: a binding gives a number of the pool and never the user's
//    number; the webhook refuses a bad signature (401) and a key without
//    scope telephony (403), records a new event (201) and answers a
//    redelivery with duplicate (200).
//  - Nothing personal in the log: a canary string sent in a message never
//    appears in the daemon's stderr. Every route is in GET /v1/openapi.yaml.
//
// Quiet hours (21:00-08:00 +08:00) are lifted for 30 minutes by a user
// message, so each scenario starts with the user writing: the tests pass
// at any time of day with the contract's default limits.
//
// Runs on both backends (CTest registers talk@postgres with
// LX_TEST_BACKEND=postgres; dbUrl gives a fresh schema there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dbUrl } from './lib.mjs';

const LEXGATE = process.env.LEXGATE;
assert.ok(LEXGATE, 'LEXGATE must name the lexgate binary');

const POOL = ['95013000101', '95013000102'];
const HMAC_KEY = crypto.randomBytes(32);
// A unique string no conduct rule looks at (no digits or Latin letters,
// which the off-platform rules read as account names).
const STEMS = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥';
const CANARY = `案卷代号${[...crypto.randomBytes(10)].map((b) => STEMS[b % STEMS.length]).join('')}`;
const ORDINARY = '您好，我是负责您案件的律师，请把劳动合同和工资条准备好。';
const THREAT = '你等着，我会让你付出代价';

let top;
let d;
let staff;
let phoneSeq = 40;

async function startDaemon() {
  const dir = fs.mkdtempSync(path.join(top, 'd-'));
  const keys = path.join(top, 'keys');
  const keyFile = path.join(top, 'telephony.key');
  fs.writeFileSync(keyFile, HMAC_KEY, { mode: 0o600 });
  const db = dbUrl(dir);
  const seeded = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString();
  const accounts = seeded.trim().split('\n').map((l) => JSON.parse(l));
  const env = {
    ...process.env,
    LEXGATE_TALK_VIRTUAL_NUMBERS: POOL.join(','),
    LEXGATE_TALK_TELEPHONY_KEY_FILE: keyFile,
  };
  const child = spawn(LEXGATE, ['serve', '--port', '0', '--db', db, '--keys', keys],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (b) => { err += b; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port; stderr: ${err}`)), 20000);
    child.stdout.on('data', (b) => {
      out += b;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err}`)); });
  });
  return {
    dir,
    accounts,
    url: `http://127.0.0.1:${port}`,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const r = await exited;
      clearTimeout(killer);
      assert.equal(r.code, 0, `daemon exit ${r.code} ${r.signal}: ${err.slice(-2000)}`);
    },
  };
}

async function api(method, p, { token, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) {
    h.Authorization = `Bearer ${token}`;
  }
  let payload;
  if (raw !== undefined) {
    payload = raw;
    h['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const r = await fetch(d.url + p, { method, headers: h, body: payload });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, json, text, type: r.headers.get('content-type') };
}

async function signIn(role, orgPart) {
  const a = d.accounts.find((x) => x.role === role && x.email.includes(orgPart));
  assert.ok(a, `no demo account ${role} ${orgPart}`);
  const r = await api('POST', '/v1/auth/sign-in', { body: { email: a.email, password: a.password } });
  assert.equal(r.status, 200, `sign-in ${role}: ${r.text}`);
  const me = await api('GET', '/v1/me', { token: r.json.token });
  assert.equal(me.status, 200, me.text);
  return { token: r.json.token, id: me.json.staff.id, org: me.json.staff.org_id };
}

async function userToken(phone) {
  let r = await api('POST', '/v1/auth/otp', { body: { phone } });
  assert.equal(r.status, 202, r.text);
  const lines = fs.readFileSync(path.join(d.dir, 'otp-outbox.jsonl'), 'utf8').trim().split('\n');
  const mine = lines.map((l) => JSON.parse(l)).filter((m) => m.to === phone);
  r = await api('POST', '/v1/auth/otp/verify', { body: { phone, code: mine[mine.length - 1].code } });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

// A lead of a new user, claimed by the bj lawyer; the user has written
// first (which also lifts the quiet hours).
async function claimedLead() {
  phoneSeq += 1;
  const phone = `138001380${phoneSeq}`;
  const user = await userToken(phone);
  let r = await api('POST', '/v1/leads', {
    token: user,
    body: {
      area: 'labor',
      region: '110105',
      description: '公司拖欠工资三个月，想申请劳动仲裁。',
      phone,
      name: '赵六',
      consent: { notice_version: 'pn-2026-01', at: new Date().toISOString(), share_with_firm: true },
    },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'offered', r.text);
  const id = r.json.id;
  r = await api('POST', `/v1/leads/${id}/claim`, { token: staff.law.token });
  assert.equal(r.status, 200, r.text);
  r = await api('POST', `/v1/leads/${id}/messages`, { token: user, body: { text: '您好，我想咨询拖欠工资的问题。' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'delivered');
  assert.equal(r.json.opted_out, false);
  return { id, user, phone };
}

function problem(r, status, clause) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.type, 'application/problem+json', r.text);
  assert.match(r.json.type, /^urn:lexgate:problem:[a-z-]+$/);
  if (clause !== undefined) {
    assert.equal(r.json.clause, clause, r.text);
  }
}

before(async () => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-talk-'));
  execFileSync(LEXGATE, ['init', '--keys', path.join(top, 'keys')], { stdio: 'ignore' });
  d = await startDaemon();
  staff = {
    law: await signIn('lawyer', 'firm-bj'),
    lawSh: await signIn('lawyer', 'firm-sh'),
    admin: await signIn('platform_admin', 'platform'),
    compliance: await signIn('platform_compliance', 'platform'),
  };
});

after(async () => {
  if (d) {
    await d.stop();
  }
  fs.rmSync(top, { recursive: true, force: true });
});

test('messages: delivered, blocked with its clause, the user view, the C5.3 limit', async () => {
  const lead = await claimedLead();
  const url = `/v1/leads/${lead.id}/messages`;

  // Anonymous 401; another firm's lawyer 404 (the lead is not visible).
  problem(await api('POST', url, { body: { text: ORDINARY, purpose: 'consultation' } }), 401);
  problem(await api('POST', url, { token: staff.lawSh.token, body: { text: ORDINARY, purpose: 'consultation' } }), 404);
  // Bad input names the field, never echoes the text.
  let r = await api('POST', url, { token: staff.law.token, body: { text: CANARY, purpose: 'gossip' } });
  problem(r, 400);
  assert.equal(r.json.field, '/purpose');
  assert.ok(!r.text.includes(CANARY));
  r = await api('POST', url, { token: staff.law.token, body: { text: ORDINARY, extra: 1 } });
  problem(r, 400);

  // 1: an ordinary message, delivered (with the canary in it).
  r = await api('POST', url, { token: staff.law.token, body: { text: `${ORDINARY}${CANARY}`, purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'delivered', r.text);
  assert.equal(r.json.verdict, 'allow');
  assert.match(r.json.pack_version, /^[0-9a-f]{16}$/);
  assert.deepEqual(r.json.findings, []);
  const delivered = r.json.id;
  assert.ok(delivered > 0);

  // 2: a threat, stored but blocked; the sender sees the clause.
  r = await api('POST', url, { token: staff.law.token, body: { text: THREAT, purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'blocked');
  assert.equal(r.json.verdict, 'block');
  assert.ok(r.json.findings.length > 0, r.text);
  for (const f of r.json.findings) {
    assert.deepEqual(Object.keys(f).sort(), ['category', 'clause', 'end', 'rule', 'start']);
  }
  assert.ok(r.json.findings.some((f) => f.clause === 'C5.2' && f.category === 'threat'), r.text);
  assert.ok(!r.text.includes(THREAT));
  const blocked = r.json.id;

  // The user sees their own message and the delivered one, as from a
  // lawyer, never the blocked one nor any finding.
  r = await api('GET', url, { token: lead.user });
  assert.equal(r.status, 200, r.text);
  const ids = r.json.messages.map((m) => m.id);
  assert.ok(ids.includes(delivered), r.text);
  assert.ok(!ids.includes(blocked), r.text);
  assert.ok(!r.text.includes(THREAT));
  const m = r.json.messages.find((x) => x.id === delivered);
  assert.equal(m.sender_role, 'lawyer');
  assert.equal(m.direction, 'to_user');
  assert.equal(m.text, `${ORDINARY}${CANARY}`);
  assert.ok(r.json.messages.some((x) => x.direction === 'from_user' && x.sender_role === 'user'), r.text);
  for (const x of r.json.messages) {
    assert.deepEqual(x.findings, []);
    assert.ok(Date.parse(x.created_at) > 0);
    assert.match(x.created_at, /\+08:00$/);
  }
  assert.equal(r.json.next_after, null);
  // Paging: one at a time.
  r = await api('GET', `${url}?limit=1`, { token: lead.user });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.messages.length, 1);
  assert.equal(r.json.next_after, r.json.messages[0].id);
  problem(await api('GET', `${url}?limit=0`, { token: lead.user }), 400);

  // The firm sees the whole conversation with verdicts.
  r = await api('GET', url, { token: staff.law.token });
  assert.equal(r.status, 200, r.text);
  const b = r.json.messages.find((x) => x.id === blocked);
  assert.ok(b, r.text);
  assert.equal(b.status, 'blocked');
  assert.ok(b.findings.some((f) => f.clause === 'C5.2'), r.text);
  problem(await api('GET', url, { token: staff.lawSh.token }), 404);

  // 3: still allowed; 4: the third unanswered attempt in 24 h was the last.
  r = await api('POST', url, { token: staff.law.token, body: { text: ORDINARY, purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  r = await api('POST', url, { token: staff.law.token, body: { text: `${ORDINARY}${CANARY}`, purpose: 'consultation' } });
  problem(r, 403, 'C5.3');
  assert.equal(r.json.type, 'urn:lexgate:problem:access-denied');
  assert.equal(r.json.reason, 'unanswered_limit');
  assert.match(r.json.retry_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.ok(Date.parse(r.json.retry_at) > Date.now(), r.text);
  assert.ok(!r.text.includes(CANARY));
  const retryAt = r.json.retry_at;
  // A call is refused by the same rule, with the same reason and instant.
  r = await api('POST', `/v1/leads/${lead.id}/bindings`, { token: staff.law.token, body: { purpose: 'consultation' } });
  problem(r, 403, 'C5.3');
  assert.equal(r.json.reason, 'unanswered_limit');
  assert.equal(r.json.retry_at, retryAt, r.text);
  assert.equal(r.json.virtual_number, undefined, r.text);

  // A user reply resets the count.
  r = await api('POST', url, { token: lead.user, body: { text: '好的，我明天把材料发给您。' } });
  assert.equal(r.status, 201, r.text);
  r = await api('POST', url, { token: staff.law.token, body: { text: ORDINARY, purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'delivered');
});

test('opt-out: the user\'s button stops the firm (C5.3)', async () => {
  const lead = await claimedLead();
  const url = `/v1/leads/${lead.id}/messages`;

  problem(await api('POST', `/v1/leads/${lead.id}/optout`, { token: staff.law.token }), 403);
  let r = await api('POST', `/v1/leads/${lead.id}/optout`, { token: lead.user });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json, { lead_id: lead.id, opted_out: true });

  r = await api('POST', url, { token: staff.law.token, body: { text: ORDINARY, purpose: 'consultation' } });
  problem(r, 403, 'C5.3');
  assert.equal(r.json.reason, 'opted_out');
  assert.equal(r.json.retry_at, undefined, r.text);
  // A binding is a contact attempt too.
  r = await api('POST', `/v1/leads/${lead.id}/bindings`, { token: staff.law.token, body: { purpose: 'consultation' } });
  problem(r, 403, 'C5.3');
  assert.equal(r.json.reason, 'opted_out');
  assert.equal(r.json.retry_at, undefined, r.text);
});

test('quotes: accept, charge beyond it, revision; refusals carry findings', async () => {
  const lead = await claimedLead();
  const now = Date.now();
  const quote = {
    method: 'fixed',
    matter: 'civil',
    total_fen: 500000,
    items: [{ name: '一审代理费', amount_fen: 500000 }],
    included: '劳动仲裁一审代理，含文书与出庭',
    valid_from: new Date(now - 60000).toISOString(),
    valid_until: new Date(now + 7 * 86400000).toISOString(),
  };
  const url = `/v1/leads/${lead.id}/quotes`;

  // Bad input: 400 naming the field.
  let r = await api('POST', url, { token: staff.law.token, body: { ...quote, method: 'barter' } });
  problem(r, 400);
  assert.equal(r.json.field, '/method');
  r = await api('POST', url, { token: staff.law.token, body: { ...quote, valid_until: 'tomorrow' } });
  problem(r, 400);
  assert.equal(r.json.field, '/valid_until');

  // A contingency fee in a criminal matter is refused (C5.6), with findings.
  r = await api('POST', url, {
    token: staff.law.token,
    body: {
      ...quote, method: 'contingency', matter: 'criminal', total_fen: 0, items: [],
      base_fen: 100000, rate_bp: 1000, claim_fen: 10000000,
    },
  });
  problem(r, 403, 'C5.6');
  assert.ok(Array.isArray(r.json.findings) && r.json.findings.length > 0, r.text);
  assert.ok(r.json.findings.some((f) => f.refuse === true && f.clause === 'C5.6'), r.text);

  // Sent, seen by the user, accepted.
  r = await api('POST', url, { token: staff.law.token, body: quote });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'sent');
  const qid = r.json.id;
  r = await api('GET', `/v1/quotes/${qid}`, { token: lead.user });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.method, 'fixed');
  assert.equal(r.json.total_fen, 500000);
  assert.equal(r.json.items[0].name, '一审代理费');
  assert.equal(r.json.ceiling_fen, 500000);
  problem(await api('GET', `/v1/quotes/${qid}`, { token: staff.lawSh.token }), 404);
  problem(await api('POST', `/v1/quotes/${qid}/answer`, { token: lead.user, body: { accept: 'yes' } }), 400);
  r = await api('POST', `/v1/quotes/${qid}/answer`, { token: lead.user, body: { accept: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'accepted');
  problem(await api('POST', `/v1/quotes/${qid}/answer`, { token: lead.user, body: { accept: true } }), 409);

  // Within the quote, then beyond it: a hidden mark-up.
  r = await api('POST', `/v1/quotes/${qid}/charges`, { token: staff.law.token, body: { amount_fen: 300000 } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.hidden_markup, false);
  assert.equal(r.json.allowed_fen, 500000);
  r = await api('POST', `/v1/quotes/${qid}/charges`, { token: staff.law.token, body: { amount_fen: 300000 } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.hidden_markup, true);
  assert.equal(r.json.charged_fen, 600000);
  assert.equal(r.json.excess_fen, 100000);
  problem(await api('POST', `/v1/quotes/${qid}/charges`, { token: staff.law.token, body: { amount_fen: 0 } }), 400);

  // A revision the user accepts raises what may be charged.
  r = await api('POST', `/v1/quotes/${qid}/revisions`, {
    token: staff.law.token, body: { add_fen: 200000, reason: '增加二审代理' },
  });
  assert.equal(r.status, 201, r.text);
  const rev = r.json.id;
  r = await api('POST', `/v1/revisions/${rev}/accept`, { token: lead.user });
  assert.equal(r.status, 200, r.text);
  r = await api('GET', `/v1/quotes/${qid}`, { token: staff.law.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.allowed_fen, 700000);
  assert.equal(r.json.charged_fen, 600000);
  assert.equal(r.json.state, 'accepted');
});

function sign(body, key = HMAC_KEY) {
  return crypto.createHmac('sha256', key).update(body).digest('hex');
}

test('calls: a binding from the pool, the signed telephony webhook', async () => {
  const lead = await claimedLead();
  let r = await api('POST', `/v1/leads/${lead.id}/bindings`, { token: staff.law.token, body: { purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  assert.ok(POOL.includes(r.json.virtual_number), r.text);
  assert.equal(r.json.lead_id, lead.id);
  assert.equal(r.json.max_call_s, 3600);
  const ttl = Date.parse(r.json.expires_at) - Date.parse(r.json.created_at);
  assert.equal(ttl, 600000, r.text);
  // Not one run of 7 digits of the user's number anywhere in the answer.
  for (let i = 0; i + 7 <= lead.phone.length; i++) {
    assert.ok(!r.text.includes(lead.phone.slice(i, i + 7)), r.text);
  }
  const number = r.json.virtual_number;
  problem(await api('POST', `/v1/leads/${lead.id}/bindings`, { token: staff.law.token, body: {} }), 400);

  // The provider's key.
  r = await api('POST', '/v1/api-keys', { token: staff.admin.token, body: { name: 'telephony provider', scopes: 'telephony' } });
  assert.equal(r.status, 201, r.text);
  const key = r.json.key;
  r = await api('POST', '/v1/api-keys', { token: staff.admin.token, body: { name: 'web form', scopes: 'intake' } });
  assert.equal(r.status, 201, r.text);
  const intakeKey = r.json.key;

  const event = JSON.stringify({
    event_id: `ev-${crypto.randomBytes(6).toString('hex')}`,
    call_id: 'call-1',
    virtual_number: number,
    kind: 'answered',
    at: new Date().toISOString(),
  });
  const hook = '/v1/telephony/events';
  // No signature, a wrong one, a signature under another key: 401.
  problem(await api('POST', hook, { token: key, raw: event }), 401);
  problem(await api('POST', hook, { token: key, raw: event, headers: { 'X-Lexgate-Signature': 'zz' } }), 401);
  problem(await api('POST', hook, {
    token: key, raw: event, headers: { 'X-Lexgate-Signature': sign(event, crypto.randomBytes(32)) },
  }), 401);
  // A body changed after signing: 401.
  problem(await api('POST', hook, {
    token: key, raw: event.replace('answered', 'ringing'), headers: { 'X-Lexgate-Signature': sign(event) },
  }), 401);
  // The right signature without the telephony scope: anonymous 401, others 403.
  problem(await api('POST', hook, { raw: event, headers: { 'X-Lexgate-Signature': sign(event) } }), 401);
  problem(await api('POST', hook, { token: intakeKey, raw: event, headers: { 'X-Lexgate-Signature': sign(event) } }), 403);
  problem(await api('POST', hook, { token: staff.admin.token, raw: event, headers: { 'X-Lexgate-Signature': sign(event) } }), 403);

  r = await api('POST', hook, { token: key, raw: event, headers: { 'X-Lexgate-Signature': sign(event) } });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json, { duplicate: false });
  r = await api('POST', hook, { token: key, raw: event, headers: { 'X-Lexgate-Signature': `sha256=${sign(event).toUpperCase()}` } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { duplicate: true });

  // A number no binding holds; a bad kind.
  const stray = JSON.stringify({ ...JSON.parse(event), event_id: 'ev-stray', call_id: 'call-stray', virtual_number: '95013999999' });
  problem(await api('POST', hook, { token: key, raw: stray, headers: { 'X-Lexgate-Signature': sign(stray) } }), 404);
  const bad = JSON.stringify({ ...JSON.parse(event), event_id: 'ev-bad', kind: 'hung' });
  r = await api('POST', hook, { token: key, raw: bad, headers: { 'X-Lexgate-Signature': sign(bad) } });
  problem(r, 400);
  assert.equal(r.json.field, '/kind');
});

test('review: a flagged message is delivered, queued without its text, confirmed once', async () => {
  const lead = await claimedLead();
  const flagged = '我们的收费以后再说，先把案子接了';
  let r = await api('POST', `/v1/leads/${lead.id}/messages`, {
    token: staff.law.token, body: { text: flagged, purpose: 'consultation' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.verdict, 'review');
  assert.equal(r.json.status, 'delivered');
  assert.ok(r.json.findings.some((f) => f.clause === 'C5.6' && f.category === 'fee_opacity'), r.text);
  const id = r.json.id;

  r = await api('GET', '/v1/reviews/messages?limit=100', { token: staff.compliance.token });
  assert.equal(r.status, 200, r.text);
  const queued = r.json.messages.find((m) => m.id === id);
  assert.ok(queued, r.text);
  assert.equal(queued.review, 'pending');
  assert.ok(queued.findings.some((f) => f.clause === 'C5.6'), r.text);
  for (const m of r.json.messages) {
    assert.equal(m.text, undefined);
  }
  assert.ok(!r.text.includes(flagged));
  assert.equal(r.json.next_after, null, r.text);
  problem(await api('GET', '/v1/reviews/messages', {}), 401);

  // Paging: a second flagged message; one a page, the marker leads on and
  // is null on the last page even when it is full.
  r = await api('POST', `/v1/leads/${lead.id}/messages`, {
    token: staff.law.token, body: { text: flagged, purpose: 'consultation' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.verdict, 'review');
  const id2 = r.json.id;
  r = await api('GET', `/v1/reviews/messages?after=${id - 1}&limit=1`, { token: staff.compliance.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.messages.map((m) => m.id), [id]);
  assert.equal(r.json.next_after, id, r.text);
  r = await api('GET', `/v1/reviews/messages?after=${r.json.next_after}&limit=1`, { token: staff.compliance.token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.messages.map((m) => m.id), [id2]);
  assert.equal(r.json.next_after, null, r.text);

  r = await api('POST', `/v1/reviews/messages/${id}`, { token: staff.compliance.token, body: { decision: 'confirm' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { id, review: 'confirmed' });
  problem(await api('POST', `/v1/reviews/messages/${id}`, {
    token: staff.compliance.token, body: { decision: 'dismiss' },
  }), 409);
  r = await api('GET', '/v1/reviews/messages?limit=100', { token: staff.compliance.token });
  assert.ok(!r.json.messages.some((m) => m.id === id), r.text);

  // A credential claim beyond the verified facts is a C5.4 finding.
  r = await api('PUT', `/v1/staff/${staff.law.id}/verified-facts`, {
    token: staff.compliance.token, body: { former_judge: false },
  });
  assert.equal(r.status, 200, r.text);
  r = await api('POST', `/v1/leads/${lead.id}/messages`, {
    token: staff.law.token, body: { text: '我曾任法官，对这类案子很熟悉', purpose: 'consultation' },
  });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.findings.some((f) => f.clause === 'C5.4' && f.category === 'fake_credentials'), r.text);
});

test('verified facts are platform business', async () => {
  let r;
  problem(await api('GET', '/v1/reviews/messages', {}), 401);
  problem(await api('GET', '/v1/reviews/messages', { token: staff.law.token }), 403);
  problem(await api('POST', '/v1/reviews/messages/1', { token: staff.compliance.token, body: { decision: 'maybe' } }), 400);

  r = await api('PUT', `/v1/staff/${staff.law.id}/verified-facts`, {
    token: staff.compliance.token,
    body: { former_judge: false, former_prosecutor: false, case_count: 120, honours: ['十佳律师'] },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    staff_id: staff.law.id, former_judge: false, former_prosecutor: false, case_count: 120, honours: ['十佳律师'],
  });
  problem(await api('PUT', `/v1/staff/${staff.law.id}/verified-facts`, {
    token: staff.law.token, body: { former_judge: true },
  }), 403);
  r = await api('PUT', `/v1/staff/${staff.law.id}/verified-facts`, {
    token: staff.compliance.token, body: { honours: 'all of them' },
  });
  problem(r, 400);
  assert.equal(r.json.field, '/honours');
});

test('every conversation route is in the OpenAPI description', async () => {
  const r = await api('GET', '/v1/openapi.yaml');
  assert.equal(r.status, 200);
  const routes = execFileSync(LEXGATE, ['routes']).toString().trim().split('\n');
  const mine = [
    'POST /v1/leads/{id}/messages', 'GET /v1/leads/{id}/messages', 'POST /v1/leads/{id}/optout',
    'POST /v1/leads/{id}/quotes', 'POST /v1/leads/{id}/bindings', 'GET /v1/reviews/messages',
    'POST /v1/reviews/messages/{id}', 'PUT /v1/staff/{id}/verified-facts', 'GET /v1/quotes/{id}',
    'POST /v1/quotes/{id}/answer', 'POST /v1/quotes/{id}/revisions', 'POST /v1/revisions/{id}/accept',
    'POST /v1/quotes/{id}/charges', 'POST /v1/telephony/events',
  ];
  for (const row of mine) {
    assert.ok(routes.includes(row), `${row} not in lexgate routes`);
    const [method, tmpl] = row.split(' ');
    const at = r.text.indexOf(`\n  ${tmpl}:\n`);
    assert.ok(at >= 0, `${tmpl} not in openapi.yaml`);
    const next = r.text.slice(at + 1).search(/\n {2}[/a-z]/);
    const block = r.text.slice(at, at + 1 + (next < 0 ? r.text.length : next));
    assert.ok(block.includes(`\n    ${method.toLowerCase()}:\n`), `${row} not in openapi.yaml`);
  }
});

test('a telephony key file readable by others stops the daemon at start', () => {
  const dir = fs.mkdtempSync(path.join(top, 'k-'));
  const keyFile = path.join(dir, 'telephony.key');
  fs.writeFileSync(keyFile, HMAC_KEY, { mode: 0o644 });
  fs.chmodSync(keyFile, 0o644);
  let failed = null;
  try {
    execFileSync(LEXGATE, ['serve', '--port', '0', '--db', dbUrl(dir), '--keys', path.join(top, 'keys')], {
      cwd: dir,
      env: { ...process.env, LEXGATE_TALK_TELEPHONY_KEY_FILE: keyFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20000,
    });
  } catch (e) {
    failed = e;
  }
  assert.ok(failed, 'the daemon started with a world-readable key file');
  assert.equal(failed.status, 1);
  const lines = failed.stderr.toString().trim().split('\n');
  assert.equal(lines.length, 1, failed.stderr.toString());
  assert.match(lines[0], /^lexgate: .*chmod 600/);
});

test('nothing sent in a message reaches the log', async () => {
  // Runs last (node --test runs tests of a file in order): every scenario
  // above has written its lines by now.
  const err = d.stderr();
  assert.ok(err.length > 0, 'the daemon logged nothing');
  assert.ok(err.includes('http_request'), 'no access log');
  // Raw, \u-escaped (as a JSON writer may put it) or cut short.
  const escaped = [...CANARY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  assert.ok(!err.includes(CANARY.slice(-6)), 'the canary reached the log');
  assert.ok(!err.toLowerCase().includes(escaped.slice(-36)), 'the canary reached the log, escaped');
  assert.ok(!err.includes(THREAT), 'message text reached the log');
  assert.ok(!err.includes('一审代理费'), 'quote text reached the log');
});

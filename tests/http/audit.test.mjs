// tests/http/audit.test.mjs — the audit log over HTTP (C4.3): who may read
// entries, the firm narrowing, the read itself audited, the checkpoint
// route. Runs on both backends (LX_TEST_BACKEND, see lib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dbUrl } from './lib.mjs';

const LEXGATE = process.env.LEXGATE;
let top;
let daemon;
let base;
const accounts = {};

before(async () => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-audit-http-'));
  const keys = path.join(top, 'keys');
  const db = dbUrl(top);
  execFileSync(LEXGATE, ['init', '--keys', keys], { stdio: 'ignore' });
  execFileSync(LEXGATE, ['db', 'migrate', '--db', db], { stdio: 'ignore' });
  const seeded = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString();
  for (const line of seeded.trim().split('\n')) {
    const a = JSON.parse(line);
    accounts[a.email] = a;
  }
  daemon = spawn(LEXGATE, ['serve', '--port', '0', '--db', db, '--keys', keys],
    { env: { ...process.env, LEXGATE_AUDIT_CHECKPOINT_EVERY_S: '1' },
      stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stderr.on('data', () => {});
  base = await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('daemon did not start')), 20000);
    daemon.stdout.on('data', (b) => {
      out += b;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
});

after(async () => {
  if (daemon) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.on('exit', r));
  }
  fs.rmSync(top, { recursive: true, force: true });
});

async function signIn(email) {
  const res = await fetch(`${base}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: accounts[email].password }),
  });
  assert.equal(res.status, 200, `sign-in ${email}`);
  return (await res.json()).token;
}

const get = (p, token) => fetch(`${base}${p}`,
  { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('compliance reads every firm; the entries hold no personal data', async () => {
  await signIn('lawyer@firm-bj.example.invalid');
  await signIn('lawyer@firm-sh.example.invalid');
  const t = await signIn('compliance@platform.example.invalid');
  const res = await get('/v1/audit/entries?purpose=legal_duty&limit=1000', t);
  assert.equal(res.status, 200);
  const text = await res.text();
  const body = JSON.parse(text);
  assert.ok(body.entries.length > 0);
  const firms = new Set(body.entries.map((e) => e.actor.firm).filter((f) => f !== 0));
  assert.ok(firms.size >= 2, 'entries of several firms');
  for (const a of Object.values(accounts)) {
    assert.ok(!text.includes(a.password), 'no password in the log');
    assert.ok(!text.includes(a.email), 'no email in the log');
  }
});

test('a firm admin sees only its own firm, whatever it asks for', async () => {
  const t = await signIn('firm_admin@firm-bj.example.invalid');
  const me = await (await get('/v1/me', t)).json();
  const firm = me.staff.org_id;
  assert.ok(firm > 0);
  const res = await get(`/v1/audit/entries?purpose=legal_duty&firm=${firm + 1}`, t);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.ok(body.entries.length > 0);
  for (const e of body.entries) {
    assert.equal(e.actor.firm, firm);
  }
});

test('lawyers and the platform admin are refused, and every read is audited', async () => {
  for (const [email, reason] of [['lawyer@firm-bj.example.invalid', null],
    ['admin@platform.example.invalid', 'separation_of_duties']]) {
    const t = await signIn(email);
    const res = await get('/v1/audit/entries?purpose=legal_duty', t);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p = await res.json();
    assert.equal(p.type, 'urn:lexgate:problem:access-denied');
    if (reason) {
      assert.equal(p.detail, reason);
    }
  }
  const c = await signIn('compliance@platform.example.invalid');
  const res = await get('/v1/audit/entries?purpose=legal_duty&action=read_audit&limit=1000', c);
  const body = await res.json();
  assert.ok(body.entries.some((e) => e.decision === 'deny'), 'a denied read is on the log');
  assert.ok(body.entries.some((e) => e.decision === 'allow'), 'an allowed read is on the log');
});

test('bad and missing input', async () => {
  assert.equal((await get('/v1/audit/entries?purpose=legal_duty')).status, 401);
  const t = await signIn('compliance@platform.example.invalid');
  for (const q of ['', '?purpose=curiosity', '?purpose=legal_duty&limit=0',
    '?purpose=legal_duty&since=2026-02-30T00:00:00Z', '?purpose=legal_duty&kind=gossip']) {
    const res = await get(`/v1/audit/entries${q}`, t);
    assert.equal(res.status, 400, q);
    assert.equal((await res.json()).type, 'urn:lexgate:problem:invalid-input');
  }
});

test('paging walks every entry once', async () => {
  const t = await signIn('compliance@platform.example.invalid');
  const all = await (await get('/v1/audit/entries?purpose=legal_duty&limit=1000', t)).json();
  const seen = [];
  let after = 0;
  for (let i = 0; i < 1000; i++) {
    const page = await (await get(`/v1/audit/entries?purpose=legal_duty&limit=3&after=${after}`, t)).json();
    seen.push(...page.entries.map((e) => e.seq));
    if (page.next_after === null) break;
    after = page.next_after;
  }
  const first = all.entries.map((e) => e.seq);
  assert.deepEqual(seen.slice(0, first.length), first);
  assert.equal(new Set(seen).size, seen.length);
});

test('the checkpoint route serves a signed note to a signed-in partner', async () => {
  assert.equal((await get('/v1/audit/checkpoint')).status, 401);
  const t = await signIn('firm_admin@firm-sh.example.invalid');
  let res;
  for (let i = 0; i < 50; i++) {
    res = await get('/v1/audit/checkpoint', t);
    if (res.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(res.status, 200);
  const note = await res.text();
  const lines = note.split('\n');
  assert.match(lines[0], /^lexgate\//);
  assert.match(lines[1], /^\d+$/);
  assert.ok(note.includes('\n\n\u2014 '), 'a signature line');
});

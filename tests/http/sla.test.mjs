// tests/http/sla.test.mjs — the SLA board over HTTP: who sees which firm,
// deadlines soonest first, fired breaches counted, figures per firm, bad
// input. Runs on both backends (LX_TEST_BACKEND, see lib.mjs).
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
let db;
const accounts = {};
const firms = {};

const iso = (ms) => new Date(ms).toISOString();

async function signIn(email) {
  const res = await fetch(`${base}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: accounts[email].password }),
  });
  assert.equal(res.status, 200, `sign-in ${email}`);
  return (await res.json()).token;
}

const get = async (p, token) => fetch(`${base}${p}`,
  { headers: token ? { authorization: `Bearer ${token}` } : {} });

before(async () => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-sla-http-'));
  const keys = path.join(top, 'keys');
  db = dbUrl(top);
  execFileSync(LEXGATE, ['init', '--keys', keys], { stdio: 'ignore' });
  execFileSync(LEXGATE, ['db', 'migrate', '--db', db], { stdio: 'ignore' });
  const seeded = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString();
  for (const line of seeded.trim().split('\n')) {
    const a = JSON.parse(line);
    accounts[a.email] = a;
  }
  daemon = spawn(LEXGATE, ['serve', '--port', '0', '--db', db, '--keys', keys],
    { env: { ...process.env, LEXGATE_SLA_POLL_MS: '100' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  for (const city of ['bj', 'sh']) {
    const t = await signIn(`firm_admin@firm-${city}.example.invalid`);
    firms[city] = (await (await get('/v1/me', t)).json()).staff.org_id;
  }
  // Two deadlines already past (they fire: breaches) and one far ahead, per firm.
  const now = Date.now();
  let object = 1;
  for (const city of ['bj', 'sh']) {
    for (const due of [now - 60000, now - 30000, now + 3600000]) {
      execFileSync(LEXGATE, ['sla', 'schedule', '--db', db, '--kind', 'first_response',
        '--object', String(object++), '--firm', String(firms[city]), '--due', iso(due)],
      { stdio: 'ignore' });
    }
  }
});

after(async () => {
  if (daemon) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.on('exit', r));
  }
  fs.rmSync(top, { recursive: true, force: true });
});

async function waitFired(token, want) {
  for (let i = 0; i < 100; i++) {
    const b = await (await get('/v1/sla/breaches', token)).json();
    const n = b.breaches.reduce((s, x) => s + x.count, 0);
    if (n >= want) return b;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('deadlines did not fire');
}

test('platform ops see every firm: open deadlines soonest first, breaches counted', async () => {
  const t = await signIn('ops@platform.example.invalid');
  const b = await waitFired(t, 4);
  const byFirm = Object.fromEntries(b.breaches.map((x) => [x.firm_id, x]));
  assert.equal(byFirm[firms.bj].count, 2);
  assert.equal(byFirm[firms.sh].count, 2);
  assert.equal(byFirm[firms.bj].clause, 'C5.1');
  const all = await (await get('/v1/sla/deadlines', t)).json();
  assert.equal(all.deadlines.length, 6);
  const dues = all.deadlines.map((d) => d.due);
  assert.deepEqual([...dues].sort(), dues, 'soonest first');
  const open = await (await get('/v1/sla/deadlines?open=1', t)).json();
  assert.equal(open.deadlines.length, 2);
  assert.ok(open.deadlines.every((d) => d.state === 'open'));
  const fig = await (await get('/v1/sla/figures?kind=first_response', t)).json();
  assert.equal(fig.figures.length, 2);
  for (const f of fig.figures) {
    assert.equal(f.total, 3);
    assert.equal(f.breached, 2);
    assert.equal(f.open, 1);
  }
});

test('a firm admin sees only its own firm, whatever it asks for', async () => {
  const t = await signIn('firm_admin@firm-bj.example.invalid');
  await waitFired(t, 2);
  const d = await (await get(`/v1/sla/deadlines?firm=${firms.sh}`, t)).json();
  assert.equal(d.deadlines.length, 3);
  assert.ok(d.deadlines.every((x) => x.firm_id === firms.bj));
  const b = await (await get('/v1/sla/breaches', t)).json();
  assert.deepEqual(b.breaches.map((x) => x.firm_id), [firms.bj]);
  const f = await (await get('/v1/sla/figures?kind=first_response', t)).json();
  assert.deepEqual(f.figures.map((x) => x.firm_id), [firms.bj]);
});

test('others are refused; bad input is 400', async () => {
  assert.equal((await get('/v1/sla/deadlines')).status, 401);
  const lawyer = await signIn('lawyer@firm-bj.example.invalid');
  const res = await get('/v1/sla/deadlines', lawyer);
  assert.equal(res.status, 403);
  assert.equal((await res.json()).type, 'urn:lexgate:problem:access-denied');
  const t = await signIn('ops@platform.example.invalid');
  for (const q of ['/v1/sla/figures', '/v1/sla/figures?kind=nap',
    '/v1/sla/deadlines?open=2', '/v1/sla/deadlines?limit=0',
    '/v1/sla/breaches?since=2026-13-01T00:00:00Z']) {
    const r = await get(q, t);
    assert.equal(r.status, 400, q);
    assert.equal((await r.json()).type, 'urn:lexgate:problem:invalid-input');
  }
});

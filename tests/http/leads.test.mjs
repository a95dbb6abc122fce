// tests/http/leads.test.mjs — leads end to end over HTTP.
//
// A daemon over a database seeded by `lexgate people seed-demo` (the
// platform; firms bj = Beijing 110000, sh = Shanghai 310000, sz = Shenzhen
// 440300; one member per role). A labor lead from Beijing can only go to
// the bj firm.
//
//  - The flow: intake (user session) -> offered to exactly one firm ->
//    claim -> assign -> acknowledge -> reveal (audited) -> close.
//  - An invalid transition is a 409 problem naming the lead's state;
//    another firm's lead is 404; intake needs a user or an "intake" key.
//  - Confidentiality (C1.2): every partner-facing response is walked, at
//    every depth, for keys of the distribution logic (score, weight,
//    credit, deficit, rank, queue, position, candidates, …) and for other
//    firms' ids.
//
// Runs on both backends (CTest registers leads@postgres with
// LX_TEST_BACKEND=postgres; dbUrl gives a fresh schema there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dbUrl } from './lib.mjs';

const LEXGATE = process.env.LEXGATE;
assert.ok(LEXGATE, 'LEXGATE must name the lexgate binary');

let top;
let keys;

before(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-leads-'));
  keys = path.join(top, 'keys');
  execFileSync(LEXGATE, ['init', '--keys', keys], { stdio: 'ignore' });
});

after(() => {
  fs.rmSync(top, { recursive: true, force: true });
});

async function startDaemon(env = {}) {
  const dir = fs.mkdtempSync(path.join(top, 'd-'));
  const db = dbUrl(dir);
  const seeded = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString();
  const accounts = [];
  for (const line of seeded.trim().split('\n')) {
    accounts.push(JSON.parse(line));
  }
  const child = spawn(LEXGATE, ['serve', '--port', '0', '--db', db, '--keys', keys],
    { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

// Every response a partner firm's staff receives, for the C1.2 walk.
const partnerBodies = [];

async function api(d, method, p, { token, body, partner } = {}) {
  const headers = {};
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(d.url + p, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (partner) {
    partnerBodies.push({ what: `${method} ${p} ${r.status}`, text, json });
  }
  return { status: r.status, json, text };
}

async function signIn(d, role, orgPart) {
  const a = d.accounts.find((x) => x.role === role && x.email.includes(orgPart));
  assert.ok(a, `no demo account ${role} ${orgPart}`);
  const r = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: a.email, password: a.password } });
  assert.equal(r.status, 200, `sign-in ${role}: ${r.text}`);
  const me = await api(d, 'GET', '/v1/me', { token: r.json.token });
  assert.equal(me.status, 200, me.text);
  return { token: r.json.token, id: me.json.staff.id, org: me.json.staff.org_id };
}

async function userToken(d, phone) {
  let r = await api(d, 'POST', '/v1/auth/otp', { body: { phone } });
  assert.equal(r.status, 202, r.text);
  const lines = fs.readFileSync(path.join(d.dir, 'otp-outbox.jsonl'), 'utf8').trim().split('\n');
  const mine = lines.map((l) => JSON.parse(l)).filter((m) => m.to === phone);
  r = await api(d, 'POST', '/v1/auth/otp/verify', { body: { phone, code: mine[mine.length - 1].code } });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

function leadBody(phone, extra = {}) {
  return {
    area: 'labor',
    region: '110105',
    description: '公司拖欠工资三个月，我的电话13800138000，想申请劳动仲裁。',
    phone,
    name: '王五',
    consent: { notice_version: 'pn-2026-01', at: new Date().toISOString(), share_with_firm: true },
    ...extra,
  };
}

// Keys of the distribution logic that no partner may ever see (C1.2).
const FORBIDDEN = ['score', 'weight', 'credit', 'deficit', 'rank', 'queue', 'position',
  'candidates', 'covering', 'tied', 'accrual', 'draw', 'firms', 'other_firms', 'firm_id',
  'attempts', 'traffic'];

function walk(v, visit, at = '') {
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, visit, `${at}/${i}`));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      visit(k, x, `${at}/${k}`);
      walk(x, visit, `${at}/${k}`);
    }
  }
}

test('intake, offer to one firm, claim, assign, acknowledge, reveal, close', async () => {
  // A two-minute offer window from the configuration.
  const d = await startDaemon({ LEXGATE_LEADS_OFFER_WINDOW_S: '120' });
  try {
    const adminBj = await signIn(d, 'firm_admin', 'firm-bj');
    const lawBj = await signIn(d, 'lawyer', 'firm-bj');
    const asBj = await signIn(d, 'assistant', 'firm-bj');
    const adminSh = await signIn(d, 'firm_admin', 'firm-sh');
    const lawSh = await signIn(d, 'lawyer', 'firm-sh');
    const admin = await signIn(d, 'platform_admin', 'platform');
    const compliance = await signIn(d, 'platform_compliance', 'platform');
    const user = await userToken(d, '13800138021');

    // Intake: anonymous 401, staff 403, a bad field 400 naming it.
    assert.equal((await api(d, 'POST', '/v1/leads', { body: leadBody('13800138021') })).status, 401);
    let r = await api(d, 'POST', '/v1/leads', { token: adminBj.token, body: leadBody('13800138021'), partner: true });
    assert.equal(r.status, 403, r.text);
    r = await api(d, 'POST', '/v1/leads', { token: user, body: leadBody('13800138021', { region: '999999' }) });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.field, '/region');
    assert.ok(!r.text.includes('13800138021'));
    r = await api(d, 'POST', '/v1/leads', { token: user, body: leadBody('13800138021', { rank: 1 }) });
    assert.equal(r.status, 400, r.text);

    r = await api(d, 'POST', '/v1/leads', { token: user, body: leadBody('13800138021') });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.state, 'offered');
    const id = r.json.id;

    // Offered to exactly one firm: bj sees it, sh does not.
    r = await api(d, 'GET', '/v1/leads', { token: adminBj.token, partner: true });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((x) => x.id), [id]);
    const lead = r.json.items[0];
    assert.equal(lead.state, 'offered');
    assert.equal(lead.contact, '138****8021');
    assert.ok(!lead.preview.includes('13800138000'));
    assert.ok(lead.offer_expires_at);
    const window = Date.parse(lead.offer_expires_at) - Date.parse(lead.created_at);
    assert.ok(window >= 119000 && window <= 121000, `offer window ${window} ms`);
    // The offer window is an SLA deadline of the bj firm, scheduled with the offer.
    r = await api(d, 'GET', '/v1/sla/deadlines?kind=lead_offer', { token: admin.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.deadlines.length, 1, r.text);
    assert.equal(r.json.deadlines[0].firm_id, adminBj.org);
    assert.equal(r.json.deadlines[0].state, 'open');
    r = await api(d, 'GET', '/v1/leads', { token: adminSh.token, partner: true });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items, []);
    for (const who of [adminSh, lawSh]) {
      r = await api(d, 'GET', `/v1/leads/${id}`, { token: who.token, partner: true });
      assert.equal(r.status, 404, r.text);
      r = await api(d, 'POST', `/v1/leads/${id}/claim`, { token: who.token, partner: true });
      assert.equal(r.status, 404, r.text);
    }
    // The user sees their own lead.
    r = await api(d, 'GET', `/v1/leads/${id}`, { token: user });
    assert.equal(r.status, 200, r.text);

    // The optional body names a minor's per-access approval (C2.4): an
    // access_id that is no positive integer is a 400 naming it, and the
    // lead stays offered.
    for (const bad of ['x', 0, -3, 1.5]) {
      r = await api(d, 'POST', `/v1/leads/${id}/claim`, { token: lawBj.token, body: { access_id: bad }, partner: true });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.field, '/access_id', r.text);
    }
    r = await api(d, 'POST', `/v1/leads/${id}/claim`, { token: lawBj.token, body: { access: 1 }, partner: true });
    assert.equal(r.status, 400, r.text);
    r = await api(d, 'GET', `/v1/leads/${id}`, { token: lawBj.token, partner: true });
    assert.equal(r.json.state, 'offered', r.text);

    // Claim by the bj lawyer; a second claim is a 409 naming the state.
    r = await api(d, 'POST', `/v1/leads/${id}/claim`, { token: lawBj.token, partner: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'claimed');
    assert.equal(r.json.holder_staff_id, lawBj.id);
    assert.equal(r.json.offer_expires_at, null);
    r = await api(d, 'POST', `/v1/leads/${id}/claim`, { token: lawBj.token, partner: true });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.type, 'urn:lexgate:problem:conflict');
    assert.match(r.json.detail, /claimed/);
    r = await api(d, 'POST', `/v1/leads/${id}/acknowledge`, { token: lawBj.token, partner: true });
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.detail, /claimed/);

    // Assign to the assistant (a handover record), acknowledged by them.
    r = await api(d, 'POST', `/v1/leads/${id}/assign`, {
      token: adminBj.token, body: { to: lawSh.id, reason: 'wrong firm' }, partner: true,
    });
    assert.equal(r.status, 403, r.text);
    r = await api(d, 'POST', `/v1/leads/${id}/assign`, {
      token: adminBj.token, body: { to: asBj.id, reason: 'prepare the file', purpose: 'consultation' }, partner: true,
    });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.json.handover_id > 0);
    r = await api(d, 'POST', `/v1/leads/${id}/acknowledge`, { token: asBj.token, partner: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'assigned');
    assert.equal(r.json.holder_staff_id, asBj.id);

    // Reveal the phone for a declared purpose: audited.
    r = await api(d, 'POST', `/v1/leads/${id}/reveal`, {
      token: asBj.token, body: { field: 'phone', purpose: 'marketing' }, partner: true,
    });
    assert.equal(r.status, 400, r.text);
    r = await api(d, 'POST', `/v1/leads/${id}/reveal`, {
      token: asBj.token, body: { field: 'phone', purpose: 'consultation' }, partner: true,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { field: 'phone', value: '13800138021' });
    r = await api(d, 'GET', '/v1/audit/entries?action=reveal&purpose=legal_duty', { token: compliance.token });
    assert.equal(r.status, 200, r.text);
    const reveals = r.json.entries.filter((e) => e.actor.id === asBj.id && e.decision === 'allow');
    assert.equal(reveals.length, 1, r.text);
    assert.equal(reveals[0].purpose, 'consultation');
    assert.ok(!r.text.includes('13800138021'));
    r = await api(d, 'GET', '/v1/audit/entries?action=assign&purpose=legal_duty', { token: compliance.token });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.entries.some((e) => e.kind === 'handover' && e.decision === 'allow'), r.text);

    // Who accessed my data (PIPL Art. 44-45): the user sees the reveal, by
    // firm and role, never by person; others see nothing; reading is audited.
    r = await api(d, 'GET', `/v1/leads/${id}/accesses`, { token: user });
    assert.equal(r.status, 200, r.text);
    const mine = r.json.accesses.filter((x) => x.action === 'reveal' && x.decision === 'allow');
    assert.equal(mine.length, 1, r.text);
    assert.equal(mine[0].firm_id, adminBj.org);
    assert.equal(mine[0].role, 'assistant');
    assert.equal(mine[0].field, 'phone');
    assert.equal(mine[0].purpose, 'consultation');
    for (const a of r.json.accesses) {
      assert.deepEqual(Object.keys(a).sort(),
        ['action', 'clause', 'decision', 'field', 'firm_id', 'purpose', 'reason', 'role', 'seq', 'time']);
    }
    assert.ok(!r.text.includes('13800138021'));
    const other = await userToken(d, '13800138029');
    r = await api(d, 'GET', `/v1/leads/${id}/accesses`, { token: other });
    assert.equal(r.status, 404, r.text);
    r = await api(d, 'GET', `/v1/leads/${id}/accesses`, { token: lawSh.token, partner: true });
    assert.equal(r.status, 404, r.text);
    r = await api(d, 'GET', `/v1/leads/${id}/accesses`, { token: lawBj.token, partner: true });
    assert.equal(r.status, 404, r.text);
    r = await api(d, 'GET', `/v1/leads/${id}/accesses?purpose=consultation`, { token: user });
    assert.equal(r.status, 403, r.text);
    r = await api(d, 'GET', '/v1/audit/entries?action=read_audit&purpose=legal_duty', { token: compliance.token });
    assert.ok(r.json.entries.some((e) => e.actor.kind === 3 && e.decision === 'allow'), r.text);

    // Close with an outcome; then nothing more moves.
    r = await api(d, 'POST', `/v1/leads/${id}/close`, { token: asBj.token, body: { outcome: 'won' }, partner: true });
    assert.equal(r.status, 400, r.text);
    r = await api(d, 'POST', `/v1/leads/${id}/close`, { token: asBj.token, body: { outcome: 'engaged' }, partner: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'closed');
    assert.equal(r.json.outcome, 'engaged');
    r = await api(d, 'POST', `/v1/leads/${id}/return`, { token: adminBj.token, body: { reason: 'other' }, partner: true });
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.detail, /closed/);

    // A duplicate within the window is linked, not offered.
    r = await api(d, 'POST', '/v1/leads', { token: user, body: leadBody('13800138021') });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.state, 'duplicate');
    assert.equal(r.json.duplicate_of, id);

    // An intake channel: a key with scope "intake" may, one without may not.
    r = await api(d, 'POST', '/v1/api-keys', { token: admin.token, body: { name: 'web form', scopes: 'intake' } });
    assert.equal(r.status, 201, r.text);
    const key = r.json.key;
    r = await api(d, 'POST', '/v1/api-keys', { token: admin.token, body: { name: 'phone line', scopes: 'telephony' } });
    assert.equal(r.status, 201, r.text);
    const otherKey = r.json.key;
    r = await api(d, 'POST', '/v1/leads', { token: otherKey, body: leadBody('13800138022') });
    assert.equal(r.status, 403, r.text);
    r = await api(d, 'POST', '/v1/leads', { token: key, body: leadBody('13800138022') });
    assert.equal(r.status, 201, r.text);
    const id2 = r.json.id;
    r = await api(d, 'POST', `/v1/leads/${id2}/decline`, { token: adminBj.token, body: { reason: 'because' }, partner: true });
    assert.equal(r.status, 400, r.text);
    r = await api(d, 'POST', `/v1/leads/${id2}/decline`, { token: adminBj.token, body: { reason: 'no_capacity' }, partner: true });
    assert.equal(r.status, 204, r.text);
    // No other firm covers labor in Beijing: the lead is gone from bj.
    r = await api(d, 'GET', `/v1/leads/${id2}`, { token: adminBj.token, partner: true });
    assert.equal(r.status, 404, r.text);

    // C1.2: no partner-facing response names the distribution logic or
    // another firm, at any depth.
    assert.ok(partnerBodies.length >= 18, `${partnerBodies.length} partner responses`);
    for (const b of partnerBodies) {
      for (const word of FORBIDDEN) {
        assert.ok(!new RegExp(`"${word}"\\s*:`).test(b.text), `${b.what}: "${word}" in ${b.text}`);
      }
      walk(b.json, (k, _v, at) => {
        assert.ok(!FORBIDDEN.includes(k), `${b.what}: ${at}`);
        assert.ok(!/firm/i.test(k), `${b.what}: ${at} names a firm`);
      });
    }
    // Nothing personal reached the log.
    assert.ok(!d.stderr().includes('13800138021'));
    assert.ok(!d.stderr().includes('王五'));
  } finally {
    await d.stop();
  }
});

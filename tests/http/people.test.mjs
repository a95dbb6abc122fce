// tests/http/people.test.mjs — people, sign-in and sessions end to end.
//
// A daemon over a database seeded by `lexgate people seed-demo` (the
// platform, firms A = Beijing and B = Shanghai, one member per role).
//
//  - The object-level authorisation matrix (OWASP API1:2023): every
//    endpoint that takes an id x every role (platform admin, firm A lawyer,
//    firm A assistant, firm B lawyer, user, anonymous) x every object (own,
//    same firm, other firm, deleted) x every method, against the literal
//    table below; 0 cells may differ, and no denial leaks data.
//  - Mass assignment: fields a caller may not set are refused and the
//    stored values stay as they were.
//  - Sessions: rotation, sign-out, revocation on disable and on firm
//    suspension, within one request.
//  - Brute force, on a daemon of its own: 1,000 wrong passwords on one
//    account and one password across 1,000 accounts are throttled (429)
//    while other endpoints stay responsive; a burst of concurrent
//    sign-ins is refused at once (the hashing gate, the throttle).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dbUrl } from './lib.mjs';

const LEXGATE = process.env.LEXGATE;
assert.ok(LEXGATE, 'LEXGATE must name the lexgate binary');
// Runs on both backends (CTest registers people@postgres: LX_TEST_BACKEND).
// The demo one-time-code sender writes otp-outbox.jsonl next to a SQLite
// database, or in the daemon's working directory: the test's dir either way.

let top;
let keys;

before(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-people-'));
  keys = path.join(top, 'keys');
  execFileSync(LEXGATE, ['init', '--keys', keys], { stdio: 'ignore' });
});

after(() => {
  fs.rmSync(top, { recursive: true, force: true });
});

// ---- daemon and client -------------------------------------------------------

async function startDaemon(env = {}) {
  const dir = fs.mkdtempSync(path.join(top, 'd-'));
  const db = dbUrl(dir);
  const seeded = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString();
  const accounts = {};
  for (const line of seeded.trim().split('\n')) {
    const a = JSON.parse(line);
    accounts[a.email] = a;
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

async function api(d, method, p, { token, body, raw } = {}) {
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
    body: body === undefined ? undefined : (raw ? body : JSON.stringify(body)),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, json, text, headers: r.headers };
}

async function signIn(d, email, password) {
  const r = await api(d, 'POST', '/v1/auth/sign-in', { body: { email, password } });
  assert.equal(r.status, 200, `sign-in ${email}: ${r.text}`);
  return r.json.token;
}

async function me(d, token) {
  const r = await api(d, 'GET', '/v1/me', { token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// A user signs in with a one-time code read from the demo outbox.
async function userToken(d, phone) {
  let r = await api(d, 'POST', '/v1/auth/otp', { body: { phone } });
  assert.equal(r.status, 202, r.text);
  const lines = fs.readFileSync(path.join(d.dir, 'otp-outbox.jsonl'), 'utf8').trim().split('\n');
  const mine = lines.map((l) => JSON.parse(l)).filter((m) => m.to === phone);
  r = await api(d, 'POST', '/v1/auth/otp/verify', { body: { phone, code: mine[mine.length - 1].code } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.actor.kind, 'user');
  return r.json.token;
}

// GB 32100-2015 check character, written independently of the C code.
const USCC_ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function uscc(body17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += USCC_ALPHA.indexOf(body17[i]) * USCC_W[i];
  }
  return body17 + USCC_ALPHA[(31 - (sum % 31)) % 31];
}
let usccSeq = 100;
const freshUscc = () => uscc(`91320000MA${String(usccSeq++).padStart(7, '0')}`);

const inDays = (n) => new Date(Date.now() + n * 86400000).toISOString();
const inHours = (n) => new Date(Date.now() + n * 3600000).toISOString();

// ---- the world of the matrix ------------------------------------------------

const ROLES = ['admin', 'lawA', 'asA', 'lawB', 'user', 'anon'];
const OBJECTS = ['own', 'same', 'other', 'deleted'];

async function buildWorld(d) {
  const A = d.accounts;
  const w = { tok: {}, id: {}, pw: {} };
  const who = {
    admin: 'admin@platform.example.invalid',
    ops: 'ops@platform.example.invalid',
    adminA: 'firm_admin@firm-bj.example.invalid',
    lawA: 'lawyer@firm-bj.example.invalid',
    asA: 'assistant@firm-bj.example.invalid',
    csA: 'customer_service@firm-bj.example.invalid',
    adminB: 'firm_admin@firm-sh.example.invalid',
    lawB: 'lawyer@firm-sh.example.invalid',
    asB: 'assistant@firm-sh.example.invalid',
  };
  w.email = who;
  for (const [k, email] of Object.entries(who)) {
    w.pw[k] = A[email].password;
    w.tok[k] = await signIn(d, email, w.pw[k]);
    const m = await me(d, w.tok[k]);
    w.id[k] = m.staff.id;
    w.org = w.org || {};
    w.org[k] = m.staff.org_id;
  }
  w.tok.user = await userToken(d, '13800138000');
  w.tok.anon = null;
  w.firmA = w.org.lawA;
  w.firmB = w.org.lawB;
  w.platform = w.org.admin;
  w.manager = (orgId) => (orgId === w.firmA ? w.tok.adminA : orgId === w.firmB ? w.tok.adminB : w.tok.admin);

  // A staff member of firm A who is deleted after leaving a grant and an
  // approval behind.
  let r = await api(d, 'POST', '/v1/staff', {
    token: w.tok.adminA,
    body: { org_id: w.firmA, role: 'assistant', display_name: 'Gone', email: 'gone@firm-bj.example.invalid', password: 'gone-password-1' },
  });
  assert.equal(r.status, 201, r.text);
  w.id.gone = r.json.id;
  const goneTok = await signIn(d, 'gone@firm-bj.example.invalid', 'gone-password-1');
  w.goneGrant = await grant(d, w, w.id.gone, w.firmA);
  w.goneApproval = await approval(d, goneTok);
  r = await api(d, 'DELETE', `/v1/staff/${w.id.gone}`, { token: w.tok.adminA });
  assert.equal(r.status, 204, r.text);

  // A firm that ran the whole ladder and was deleted.
  r = await api(d, 'POST', '/v1/firms', { token: w.tok.admin, body: { name: 'Ended firm', uscc: freshUscc(), regions: ['320000'] } });
  assert.equal(r.status, 201, r.text);
  w.firmD = r.json.id;
  for (const status of ['terminating', 'terminated']) {
    r = await api(d, 'POST', `/v1/firms/${w.firmD}/status`, { token: w.tok.admin, body: { status, clause: 'C7.1' } });
    assert.equal(r.status, 200, r.text);
  }
  r = await api(d, 'DELETE', `/v1/firms/${w.firmD}`, { token: w.tok.admin });
  assert.equal(r.status, 204, r.text);

  // Who is "own", "same firm" and "other firm" for each role.
  const I = w.id;
  w.staffOf = {
    own: { admin: I.admin, lawA: I.lawA, asA: I.asA, lawB: I.lawB, user: I.lawA, anon: I.lawA },
    same: { admin: I.ops, lawA: I.csA, asA: I.csA, lawB: I.asB, user: I.csA, anon: I.csA },
    other: { admin: I.lawB, lawA: I.lawB, asA: I.lawB, lawB: I.lawA, user: I.lawB, anon: I.lawB },
    deleted: Object.fromEntries(ROLES.map((r0) => [r0, I.gone])),
  };
  const orgOfStaff = new Map([
    [I.admin, w.platform], [I.ops, w.platform], [I.lawA, w.firmA], [I.asA, w.firmA],
    [I.csA, w.firmA], [I.lawB, w.firmB], [I.asB, w.firmB], [I.gone, w.firmA],
  ]);
  w.orgOfStaff = (s) => orgOfStaff.get(s);
  const tokOfStaff = new Map([
    [I.admin, 'admin'], [I.ops, 'ops'], [I.lawA, 'lawA'], [I.asA, 'asA'],
    [I.csA, 'csA'], [I.lawB, 'lawB'], [I.asB, 'asB'],
  ]);
  w.tokOfStaff = (s) => w.tok[tokOfStaff.get(s)];
  w.firmOf = {
    own: { admin: w.platform, lawA: w.firmA, asA: w.firmA, lawB: w.firmB, user: w.firmA, anon: w.firmA },
    other: { admin: w.firmB, lawA: w.firmB, asA: w.firmB, lawB: w.firmA, user: w.firmB, anon: w.firmB },
  };
  w.firmOf.same = w.firmOf.own;
  w.firmOf.deleted = Object.fromEntries(ROLES.map((r0) => [r0, w.firmD]));

  // One standing grant and approval per staff member involved.
  w.grantOf = new Map([[I.gone, w.goneGrant]]);
  w.approvalOf = new Map([[I.gone, w.goneApproval]]);
  for (const k of ['admin', 'ops', 'lawA', 'asA', 'csA', 'lawB', 'asB']) {
    w.grantOf.set(I[k], await grant(d, w, I[k], w.orgOfStaff(I[k])));
    w.approvalOf.set(I[k], await approval(d, w.tok[k]));
  }
  return w;
}

async function grant(d, w, staffId, orgId) {
  const r = await api(d, 'POST', '/v1/grants', {
    token: w.manager(orgId),
    body: { staff_id: staffId, purpose: 'consultation', expires_at: inDays(7) },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function approval(d, token) {
  const r = await api(d, 'POST', '/v1/approvals', { token, body: { lead_id: 4242, purpose: 'consultation' } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

// A fresh staff member in the firm of 'like' (for destructive cells).
let freshSeq = 0;
async function freshStaff(d, w, like) {
  const org = w.orgOfStaff(like);
  const role = org === w.platform ? 'platform_ops' : 'admin_staff';
  freshSeq += 1;
  const r = await api(d, 'POST', '/v1/staff', {
    token: w.manager(org),
    body: { org_id: org, role, display_name: `Fresh ${freshSeq}`, email: `fresh${freshSeq}@x.example.invalid` },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

// ---- the expected table ------------------------------------------------------
//
// One row per endpoint and method; per role the statuses for the objects
// own, same firm, other firm, deleted. 'fresh' objects are made anew for
// the cell (destructive methods), for the objects listed.

const TABLE = [
  {
    m: 'GET', p: '/v1/staff/{id}', kind: 'staff',
    want: { admin: '200 200 200 404', lawA: '200 403 404 404', asA: '200 403 404 404', lawB: '200 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'PATCH', p: '/v1/staff/{id}', kind: 'staff', body: () => ({ display_name: 'Renamed' }),
    want: { admin: '200 200 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'DELETE', p: '/v1/staff/{id}', kind: 'staff', fresh: ['same', 'other'],
    want: { admin: '409 204 204 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/staff/{id}/password', kind: 'staff', fresh: ['same', 'other'], password: true,
    want: { admin: '204 204 204 404', lawA: '204 403 404 404', asA: '204 403 404 404', lawB: '204 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'GET', p: '/v1/staff/{id}/training', kind: 'staff',
    want: { admin: '200 200 200 404', lawA: '200 403 404 404', asA: '200 403 404 404', lawB: '200 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/staff/{id}/training', kind: 'staff',
    body: () => ({ course: 'privacy', version: '2', passed_at: inDays(-1), expires_at: inDays(300) }),
    want: { admin: '201 201 201 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'GET', p: '/v1/staff/{id}/licence', kind: 'staff',
    want: { admin: '404 404 200 404', lawA: '200 403 404 404', asA: '404 403 404 404', lawB: '200 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'PUT', p: '/v1/staff/{id}/licence', kind: 'staff', body: () => ({ number: '31000020269999999' }),
    want: { admin: '409 409 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/staff/{id}/licence/verification', kind: 'staff',
    body: () => ({ status: 'verified', evidence_ref: 'registry:test', recheck_at: inDays(90) }),
    want: { admin: '404 404 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'GET', p: '/v1/firms/{id}', kind: 'firm',
    want: { admin: '200 200 200 404', lawA: '200 200 404 404', asA: '200 200 404 404', lawB: '200 200 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'PATCH', p: '/v1/firms/{id}', kind: 'firm', body: () => ({ daily_capacity: 15 }),
    want: { admin: '200 200 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'DELETE', p: '/v1/firms/{id}', kind: 'firm',
    want: { admin: '409 409 409 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/firms/{id}/status', kind: 'firm', fresh: ['other'], body: () => ({ status: 'restricted' }),
    want: { admin: '409 409 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'GET', p: '/v1/grants/{id}', kind: 'grant',
    want: { admin: '200 200 200 404', lawA: '200 403 404 404', asA: '200 403 404 404', lawB: '200 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/grants/{id}/decision', kind: 'grant', fresh: ['own', 'same', 'other'], body: () => ({ approve: true }),
    want: { admin: '403 403 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'DELETE', p: '/v1/grants/{id}', kind: 'grant', fresh: ['own', 'same', 'other'],
    want: { admin: '204 204 204 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'GET', p: '/v1/approvals/{id}', kind: 'approval',
    want: { admin: '200 200 200 404', lawA: '200 403 404 404', asA: '200 403 404 404', lawB: '200 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
  {
    m: 'POST', p: '/v1/approvals/{id}/decision', kind: 'approval', fresh: ['own', 'same', 'other'],
    body: () => ({ approve: true, expires_at: inHours(1) }),
    want: { admin: '403 200 200 404', lawA: '403 403 404 404', asA: '403 403 404 404', lawB: '403 403 404 404', user: '403 403 403 403', anon: '401 401 401 401' },
  },
];

// The object id for one cell.
async function objectFor(d, w, row, role, obj) {
  const fresh = (row.fresh || []).includes(obj);
  if (row.kind === 'staff') {
    const s = w.staffOf[obj][role];
    return fresh ? freshStaff(d, w, s) : s;
  }
  if (row.kind === 'firm') {
    if (fresh) {
      const r = await api(d, 'POST', '/v1/firms', { token: w.tok.admin, body: { name: 'Fresh firm', uscc: freshUscc() } });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    }
    return w.firmOf[obj][role];
  }
  const s = w.staffOf[obj][role];
  if (row.kind === 'grant') {
    return fresh ? grant(d, w, s, w.orgOfStaff(s)) : w.grantOf.get(s);
  }
  return fresh ? approval(d, w.tokOfStaff(s)) : w.approvalOf.get(s);
}

test('the object-level authorisation matrix has 0 differing cells', async () => {
  const d = await startDaemon();
  try {
    const w = await buildWorld(d);
    const diffs = [];
    let cells = 0;
    for (const row of TABLE) {
      for (const role of ROLES) {
        const want = row.want[role].split(' ').map(Number);
        for (let i = 0; i < OBJECTS.length; i++) {
          const obj = OBJECTS[i];
          const id = await objectFor(d, w, row, role, obj);
          const body = row.password ? { password: `N3w-${role}-${cells}-pw` } : row.body ? row.body() : undefined;
          const r = await api(d, row.m, row.p.replace('{id}', String(id)), { token: w.tok[role], body });
          cells += 1;
          if (r.status !== want[i]) {
            diffs.push(`${row.m} ${row.p} ${role} ${obj}: got ${r.status}, want ${want[i]} (${r.text.slice(0, 160)})`);
          }
          if (r.status >= 400) {
            // A denial names no person, firm or object content.
            assert.equal(r.headers.get('content-type'), 'application/problem+json');
            assert.ok(!/@|律师|Demo |Fresh|Renamed|[0-9]{17}/.test(JSON.stringify({ ...r.json, instance: null })), `leak in ${row.m} ${row.p} ${role} ${obj}: ${r.text}`);
          }
          if (row.password && r.status === 204 && obj === 'own') {
            // Setting a password ends the member's sessions: sign in again.
            const k = role;
            w.tok[k] = await signIn(d, w.email[k], body.password);
          }
        }
      }
    }
    assert.equal(cells, TABLE.length * ROLES.length * OBJECTS.length);
    assert.deepEqual(diffs, [], `${diffs.length} of ${cells} cells differ:\n${diffs.join('\n')}`);

    // A 404 for another firm's object reads exactly like one for an id
    // that does not exist.
    const other = await api(d, 'GET', `/v1/staff/${w.id.lawB}`, { token: w.tok.lawA });
    const none = await api(d, 'GET', '/v1/staff/987654321', { token: w.tok.lawA });
    assert.equal(other.status, 404);
    assert.equal(none.status, 404);
    assert.equal(other.json.detail, none.json.detail);
    assert.equal(other.json.title, none.json.title);
    for (const bad of ['0', 'abc', '-1', '99999999999999999999']) {
      const r = await api(d, 'GET', `/v1/staff/${bad}`, { token: w.tok.admin });
      assert.equal(r.status, 404, bad);
    }
  } finally {
    await d.stop();
  }
});

// ---- mass assignment ---------------------------------------------------------

test('write endpoints refuse fields the caller may not set; nothing changes', async () => {
  const d = await startDaemon();
  try {
    const w = await buildWorld(d);
    const before = (await api(d, 'GET', `/v1/staff/${w.id.lawA}`, { token: w.tok.adminA })).json;
    const refused = [
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { role: 'firm_admin' }, '/role'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { org_id: w.firmB }, '/org_id'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { firm_id: w.firmB }, '/firm_id'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { display_name: 'X', created_at: '2020-01-01T00:00:00Z' }, '/created_at'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { email: 'x@y.example.invalid' }, '/email'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.lawA, { role: 'firm_admin' }, '/role'],
      ['PATCH', `/v1/staff/${w.id.lawA}`, w.tok.adminA, { id: 1 }, '/id'],
      ['PATCH', `/v1/firms/${w.firmA}`, w.tok.admin, { status: 'active' }, '/status'],
      ['PATCH', `/v1/firms/${w.firmA}`, w.tok.admin, { uscc: freshUscc() }, '/uscc'],
      ['PATCH', `/v1/firms/${w.firmA}`, w.tok.admin, { created_at: '2020-01-01T00:00:00Z' }, '/created_at'],
      ['POST', '/v1/firms', w.tok.admin, { name: 'F', uscc: freshUscc(), status: 'active' }, '/status'],
      ['POST', '/v1/firms', w.tok.admin, { name: 'F', uscc: freshUscc(), id: 77 }, '/id'],
      ['POST', '/v1/staff', w.tok.adminA, { org_id: w.firmA, role: 'lawyer', display_name: 'M', email: 'm@a.example.invalid', status: 'active' }, '/status'],
      ['POST', '/v1/staff', w.tok.adminA, { org_id: w.firmA, role: 'lawyer', display_name: 'M', email: 'm@a.example.invalid', created_at: '2020-01-01T00:00:00Z' }, '/created_at'],
      ['POST', '/v1/grants', w.tok.adminA, { staff_id: w.id.lawA, purpose: 'consultation', expires_at: inDays(3), approver_id: w.id.adminA }, '/approver_id'],
      ['POST', '/v1/grants', w.tok.adminA, { staff_id: w.id.lawA, purpose: 'consultation', expires_at: inDays(3), status: 'approved' }, '/status'],
      ['POST', '/v1/approvals', w.tok.lawA, { lead_id: 1, purpose: 'consultation', staff_id: w.id.asA }, '/staff_id'],
      ['POST', '/v1/approvals', w.tok.lawA, { lead_id: 1, purpose: 'consultation', status: 'approved' }, '/status'],
      ['POST', `/v1/staff/${w.id.lawA}/training`, w.tok.adminA, { course: 'c', version: '1', passed_at: inDays(-1), expires_at: inDays(9), staff_id: w.id.asA }, '/staff_id'],
      ['PUT', `/v1/staff/${w.id.lawA}/licence`, w.tok.adminA, { number: '11000020260000042', status: 'verified' }, '/status'],
      ['PUT', `/v1/staff/${w.id.lawA}/licence`, w.tok.adminA, { number: '11000020260000042', verified_by: w.id.admin }, '/verified_by'],
      ['POST', `/v1/grants/${w.grantOf.get(w.id.lawA)}/decision`, w.tok.admin, { approve: true, approver_id: w.id.ops }, '/approver_id'],
      ['POST', '/v1/api-keys', w.tok.admin, { name: 'k', scopes: 'intake', key_id: 'abc' }, '/key_id'],
      ['POST', '/v1/auth/sign-in', null, { email: w.email.lawA, password: w.pw.lawA, role: 'platform_admin' }, '/role'],
    ];
    for (const [m, p, token, body, field] of refused) {
      const r = await api(d, m, p, { token, body });
      assert.equal(r.status, 400, `${m} ${p} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.field, field, `${m} ${p}`);
    }
    const after = (await api(d, 'GET', `/v1/staff/${w.id.lawA}`, { token: w.tok.adminA })).json;
    assert.deepEqual(after, before);
    const lic = (await api(d, 'GET', `/v1/staff/${w.id.lawA}/licence`, { token: w.tok.adminA })).json;
    assert.equal(lic.status, 'verified');
    assert.notEqual(lic.number, '11000020260000042');
    const firm = (await api(d, 'GET', `/v1/firms/${w.firmA}`, { token: w.tok.admin })).json;
    assert.equal(firm.status, 'active');
    const g = (await api(d, 'GET', `/v1/grants/${w.grantOf.get(w.id.lawA)}`, { token: w.tok.admin })).json;
    assert.equal(g.status, 'requested');
    const staff = (await api(d, 'GET', '/v1/staff', { token: w.tok.adminA })).json.items;
    assert.ok(!staff.some((s) => s.email === 'm@a.example.invalid'));
    // A firm admin cannot plant staff in another firm, nor a platform role.
    let r = await api(d, 'POST', '/v1/staff', { token: w.tok.adminA, body: { org_id: w.firmB, role: 'lawyer', display_name: 'P', email: 'p@b.example.invalid' } });
    assert.equal(r.status, 404);
    r = await api(d, 'POST', '/v1/staff', { token: w.tok.adminA, body: { org_id: w.firmA, role: 'platform_admin', display_name: 'P', email: 'p@b.example.invalid' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, '/role');
    // Validators answer 400 naming the field.
    r = await api(d, 'POST', '/v1/firms', { token: w.tok.admin, body: { name: 'F', uscc: '91350100M000100Y44' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, '/uscc');
    r = await api(d, 'POST', '/v1/firms', { token: w.tok.admin, body: { name: 'F', uscc: freshUscc(), regions: ['999999'] } });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, '/regions');
    r = await api(d, 'POST', '/v1/firms', { token: w.tok.admin, body: { name: 'F', uscc: freshUscc(), practice_areas: ['astrology'] } });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, '/practice_areas');
    r = await api(d, 'PUT', `/v1/staff/${w.id.lawA}/licence`, { token: w.tok.adminA, body: { number: '1234567890123456' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.field, '/number');
  } finally {
    await d.stop();
  }
});

// ---- sessions ------------------------------------------------------------------

test('sessions: rotation, sign-out, disable and firm suspension end them', async () => {
  const d = await startDaemon();
  try {
    const A = d.accounts;
    const admin = await signIn(d, 'admin@platform.example.invalid', A['admin@platform.example.invalid'].password);
    const lawC = 'lawyer@firm-sz.example.invalid';
    const asC = 'assistant@firm-sz.example.invalid';
    const t1 = await signIn(d, lawC, A[lawC].password);
    assert.match(t1, /^lxs_[0-9a-f]{64}$/);
    assert.equal((await me(d, t1)).staff.role, 'lawyer');

    // Rotation: a sign-in that presents the old token ends it.
    let r = await api(d, 'POST', '/v1/auth/sign-in', { token: t1, body: { email: lawC, password: A[lawC].password } });
    assert.equal(r.status, 200);
    const t2 = r.json.token;
    assert.notEqual(t2, t1);
    assert.equal((await api(d, 'GET', '/v1/me', { token: t1 })).status, 401);
    assert.equal((await api(d, 'GET', '/v1/me', { token: t2 })).status, 200);

    // Sign-out.
    const t3 = await signIn(d, lawC, A[lawC].password);
    assert.equal((await api(d, 'POST', '/v1/auth/sign-out', { token: t3 })).status, 204);
    assert.equal((await api(d, 'GET', '/v1/me', { token: t3 })).status, 401);
    assert.equal((await api(d, 'POST', '/v1/auth/sign-out', {})).status, 401);

    // Wrong password and unknown account read the same.
    const bad1 = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: lawC, password: 'nope-nope' } });
    const bad2 = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: 'nobody@x.example.invalid', password: 'nope-nope' } });
    assert.equal(bad1.status, 401);
    assert.equal(bad2.status, 401);
    assert.equal(bad1.json.detail, bad2.json.detail);

    // Disabling an account ends its session within one request.
    const tas = await signIn(d, asC, A[asC].password);
    const asId = (await me(d, tas)).staff.id;
    r = await api(d, 'PATCH', `/v1/staff/${asId}`, { token: admin, body: { status: 'disabled' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await api(d, 'GET', '/v1/me', { token: tas })).status, 401);

    // Firm suspension: restricted keeps sessions, cooperation_suspended
    // ends them at once and blocks sign-in; reinstatement needs a new one.
    const firmC = (await me(d, t2)).staff.org_id;
    r = await api(d, 'POST', `/v1/firms/${firmC}/status`, { token: admin, body: { status: 'restricted' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await api(d, 'GET', '/v1/me', { token: t2 })).status, 200);
    r = await api(d, 'POST', `/v1/firms/${firmC}/status`, { token: admin, body: { status: 'cooperation_suspended', clause: 'C8.1' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'cooperation_suspended');
    assert.equal((await api(d, 'GET', '/v1/me', { token: t2 })).status, 401);
    r = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: lawC, password: A[lawC].password } });
    assert.equal(r.status, 401);
    r = await api(d, 'POST', `/v1/firms/${firmC}/status`, { token: admin, body: { status: 'terminated' } });
    assert.equal(r.status, 409);
    r = await api(d, 'POST', `/v1/firms/${firmC}/status`, { token: admin, body: { status: 'active' } });
    assert.equal(r.status, 200);
    assert.equal((await api(d, 'GET', '/v1/me', { token: t2 })).status, 401);
    await signIn(d, lawC, A[lawC].password);

    // A user reaches /v1/me and nothing of people.
    const u = await userToken(d, '13900139000');
    r = await api(d, 'GET', '/v1/me', { token: u });
    assert.equal(r.json.kind, 'user');
    assert.equal((await api(d, 'GET', '/v1/firms', { token: u })).status, 403);
    assert.equal((await api(d, 'GET', '/v1/staff', { token: u })).status, 403);
    assert.equal((await api(d, 'GET', '/v1/me', {})).status, 401);
    assert.equal((await api(d, 'GET', '/v1/me', { token: 'lxs_' + '0'.repeat(64) })).status, 401);

    // API keys: created by a platform admin, shown once, scoped.
    r = await api(d, 'POST', '/v1/api-keys', { token: admin, body: { name: 'intake web', scopes: 'intake' } });
    assert.equal(r.status, 201, r.text);
    const key = r.json.key;
    r = await api(d, 'GET', '/v1/me', { token: key });
    assert.equal(r.json.kind, 'api_key');
    assert.equal((await api(d, 'GET', '/v1/staff', { token: key })).status, 403);

    // No secret reaches the log.
    assert.ok(!d.stderr().includes(A[lawC].password));
    assert.ok(!d.stderr().includes(t2.slice(4)));
    assert.ok(!d.stderr().includes('13900139000'));
  } finally {
    await d.stop();
  }
});

// ---- brute force -------------------------------------------------------------

test('brute force is throttled while other endpoints stay responsive', async () => {
  const d = await startDaemon();
  try {
    const A = d.accounts;
    const victim = 'lawyer@firm-bj.example.invalid';
    const codes = new Map();
    const count = (s) => codes.set(s, (codes.get(s) || 0) + 1);
    let slowest = 0;
    // 1,000 wrong passwords on one account, with a health probe alongside.
    for (let i = 0; i < 1000; i++) {
      const r = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: victim, password: `guess-${i}` } });
      count(r.status);
      if (i % 100 === 0) {
        const t0 = Date.now();
        assert.equal((await api(d, 'GET', '/healthz')).status, 200);
        slowest = Math.max(slowest, Date.now() - t0);
      }
    }
    assert.equal(codes.get(401), 5, JSON.stringify([...codes]));
    assert.equal(codes.get(429), 995);
    // Even the right password waits out the window.
    let r = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: victim, password: A[victim].password } });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) > 0);

    // One password across 1,000 accounts from one source.
    codes.clear();
    for (let i = 0; i < 1000; i++) {
      const r2 = await api(d, 'POST', '/v1/auth/sign-in', { body: { email: `user${i}@spray.example.invalid`, password: 'Spring2026!' } });
      count(r2.status);
    }
    // The source allows 20 failures a window; 5 were spent above.
    assert.equal(codes.get(401), 15, JSON.stringify([...codes]));
    assert.equal(codes.get(429), 985);
    const t0 = Date.now();
    assert.equal((await api(d, 'GET', '/healthz')).status, 200);
    slowest = Math.max(slowest, Date.now() - t0);
    assert.ok(slowest < 1000, `health probe took ${slowest} ms`);
  } finally {
    await d.stop();
  }

  // A burst of concurrent sign-ins: 429 at once beyond the hashing gate
  // or the throttle, and the daemon keeps answering (4 worker threads: one is always
  // left for other endpoints, the rest hash or wait).
  const d2 = await startDaemon({ LEXGATE_SERVER_THREADS: '4' });
  try {
    const burst = [];
    for (let i = 0; i < 40; i++) {
      burst.push(api(d2, 'POST', '/v1/auth/sign-in', { body: { email: `burst${i}@x.example.invalid`, password: 'whatever-1' } }));
    }
    const health = api(d2, 'GET', '/healthz');
    const rs = await Promise.all(burst);
    assert.equal((await health).status, 200);
    // Refused at once (gate queue full, or the source throttle), never an
    // error or a hang; the gate itself is tested in tests/unit/people.
    assert.ok(rs.every((r) => r.status === 401 || r.status === 429), rs.map((r) => r.status).join(' '));
    assert.ok(rs.some((r) => r.status === 429));
    for (const r of rs.filter((x) => x.status === 429)) {
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
  } finally {
    await d2.stop();
  }
});

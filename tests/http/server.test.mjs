// tests/http/server.test.mjs — the HTTP daemon end to end.
//
// Each test starts `lexgate serve --port 0` with its own database (and, when
// it needs them, its own limits through LEXGATE_* variables), reads the port
// from the "listening on" line, talks to it with fetch or a raw socket, and
// stops it. Node 20 built-ins only.
//
// JSON request bodies (malformed JSON, invalid UTF-8, 415, depth) have no
// route of their own yet: lx_http_json_decode() is tested in
// tests/unit/http/test_body.c until a real JSON endpoint exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { dbUrl } from './lib.mjs';

// Runs on both backends: CTest registers server@postgres (LX_TEST_BACKEND).
const LEXGATE = process.env.LEXGATE;
assert.ok(LEXGATE, 'LEXGATE must name the lexgate binary');

let top;
let keys;

before(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-http-'));
  keys = path.join(top, 'keys');
  execFileSync(LEXGATE, ['init', '--keys', keys], { stdio: 'ignore' });
});

after(() => {
  fs.rmSync(top, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Start a daemon; resolves once it printed its port.
async function startDaemon(env = {}) {
  const dir = fs.mkdtempSync(path.join(top, 'd-'));
  const child = spawn(
    LEXGATE,
    ['serve', '--port', '0', '--db', dbUrl(dir), '--keys', keys],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stderr.on('data', (b) => { err += b; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port; stderr: ${err}`)), 20000);
    child.stdout.on('data', (b) => {
      out += b;
      const m = /^lexgate: listening on http:\/\/127\.0\.0\.1:(\d+)\/$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}; stderr: ${err}`));
    });
  });
  const d = {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    stderr: () => err,
    logLines: () => err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const r = await exited;
      clearTimeout(killer);
      // A clean drain exits 0; a sanitizer report or a crash does not.
      assert.equal(r.code, 0, `daemon exit ${r.code} ${r.signal}: ${err.slice(-2000)}`);
      return r;
    },
  };
  return d;
}

// A raw HTTP/1.1 connection, to control bytes and connection reuse.
class Raw {
  constructor(port) {
    this.sock = net.connect(port, '127.0.0.1');
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.waiters = [];
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    this.sock.on('data', (b) => { this.buf = Buffer.concat([this.buf, b]); this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => {});
  }

  wake() {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  changed(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  send(s) { this.sock.write(s); }

  // Next complete response (Content-Length framed), or null on close.
  async response(timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const head = this.buf.indexOf('\r\n\r\n');
      if (head >= 0) {
        const lines = this.buf.subarray(0, head).toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headers = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
        }
        const len = Number(headers['content-length'] ?? 0);
        if (this.buf.length >= head + 4 + len) {
          const body = this.buf.subarray(head + 4, head + 4 + len).toString();
          this.buf = this.buf.subarray(head + 4 + len);
          return { status, headers, body };
        }
      }
      if (this.closed) return null;
      if (Date.now() > end) throw new Error('no response in time');
      await this.changed(end - Date.now());
    }
  }

  async waitClosed(timeoutMs) {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await this.changed(end - Date.now());
    return this.closed;
  }

  close() { this.sock.destroy(); }
}

async function problem(res, status, slug) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const p = await res.json();
  assert.equal(p.type, `urn:lexgate:problem:${slug}`);
  assert.equal(p.status, status);
  assert.equal(typeof p.title, 'string');
  assert.equal(typeof p.detail, 'string');
  assert.equal(p.instance, `urn:lexgate:request:${res.headers.get('x-request-id')}`);
  return p;
}

test('healthz and readyz answer 200 ok with a request id', async () => {
  const d = await startDaemon();
  try {
    for (const p of ['/healthz', '/readyz']) {
      const res = await fetch(d.url + p);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.match(res.headers.get('x-request-id'), /^[A-Za-z0-9._-]{1,63}$/);
      assert.deepEqual(await res.json(), { status: 'ok' });
    }
    const head = await fetch(d.url + '/healthz', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('readyz is 503 store-unavailable when the store fails, and recovers', async () => {
  // LX_STORE_FAULT=stmt:K fails the Kth statement after open, once. Start-up
  // (migrations) fails for K up to the number of start-up statements; the
  // smallest K that starts therefore hits the first statement after start,
  // which is /readyz's ping. Found by bisection.
  // The SLA runner's next look at the store is a poll away: make that far
  // so the count of statements does not depend on timing. Likewise the
  // audit checkpointer's first look (it runs while the daemon compiles its
  // rule pack at start): no automatic checkpoints here.
  const tryStart = async (k) => {
    try {
      return await startDaemon({
        LX_STORE_FAULT: `stmt:${k}`,
        LEXGATE_SLA_POLL_MS: '600000',
        LEXGATE_AUDIT_CHECKPOINT_EVERY: '0',
        LEXGATE_AUDIT_CHECKPOINT_EVERY_S: '0',
      });
    } catch {
      return null;
    }
  };
  let lo = 1;
  let hi = 1024;
  let d = await tryStart(hi);
  assert.ok(d, 'daemon does not start even with a late fault');
  await d.stop();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await tryStart(mid);
    if (t) {
      await t.stop();
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  d = await tryStart(lo);
  try {
    const res = await fetch(d.url + '/readyz');
    const p = await problem(res, 503, 'store-unavailable');
    assert.doesNotMatch(p.detail, /SELECT/);
    assert.equal((await fetch(d.url + '/readyz')).status, 200);
    // Liveness does not depend on the store.
    assert.equal((await fetch(d.url + '/healthz')).status, 200);
  } finally {
    await d.stop();
  }
});

test('X-Request-Id: a safe client id is echoed, anything else replaced', async () => {
  const d = await startDaemon();
  try {
    let res = await fetch(d.url + '/healthz', { headers: { 'X-Request-Id': 'abc-123_x.y' } });
    assert.equal(res.headers.get('x-request-id'), 'abc-123_x.y');
    for (const bad of ['has space', 'a'.repeat(64), 'semi;colon', '%2e%2e']) {
      res = await fetch(d.url + '/healthz', { headers: { 'X-Request-Id': bad } });
      const id = res.headers.get('x-request-id');
      assert.notEqual(id, bad);
      assert.match(id, /^[A-Za-z0-9._-]{1,63}$/);
    }
    const a = (await fetch(d.url + '/healthz')).headers.get('x-request-id');
    const b = (await fetch(d.url + '/healthz')).headers.get('x-request-id');
    assert.notEqual(a, b);
    // The id is on the access-log line of its request.
    await sleep(100);
    assert.ok(d.logLines().some((l) => l.event === 'http_request' && l.req === 'abc-123_x.y'));
  } finally {
    await d.stop();
  }
});

test('metrics count requests by route template, method and status', async () => {
  const d = await startDaemon();
  try {
    await (await fetch(d.url + '/healthz')).text();
    await (await fetch(d.url + '/healthz?x=1')).text();
    await (await fetch(d.url + '/no/such/path-12345')).text();
    await (await fetch(d.url + '/healthz', { method: 'DELETE' })).text();
    const res = await fetch(d.url + '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const m = await res.text();
    assert.match(m, /^# TYPE lexgate_http_requests_total counter$/m);
    assert.match(m, /^lexgate_http_requests_total\{route="\/healthz",method="GET",status="200"\} 2$/m);
    assert.match(m, /^lexgate_http_requests_total\{route="\/healthz",method="DELETE",status="405"\} 1$/m);
    assert.match(m, /^lexgate_http_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m);
    assert.match(m, /^# TYPE lexgate_http_request_duration_seconds histogram$/m);
    assert.match(m, /^lexgate_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} 3$/m);
    assert.match(m, /^lexgate_http_request_duration_seconds_count\{route="\/healthz"\} 3$/m);
    assert.match(m, /^lexgate_http_request_duration_seconds_sum\{route="\/healthz"\} [0-9.]+$/m);
    // The metrics request itself is in flight while it is rendered.
    assert.match(m, /^lexgate_http_in_flight 1$/m);
    assert.doesNotMatch(m, /path-12345/);
  } finally {
    await d.stop();
  }
});

test('unknown path is 404 and wrong method 405 with Allow, as problems', async () => {
  const d = await startDaemon();
  try {
    await problem(await fetch(d.url + '/nope'), 404, 'not-found');
    const res = await fetch(d.url + '/healthz', { method: 'POST', body: '{}' });
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    await problem(res, 405, 'method-not-allowed');
  } finally {
    await d.stop();
  }
});

test('the OpenAPI description is served from the binary', async () => {
  const d = await startDaemon();
  try {
    const res = await fetch(d.url + '/v1/openapi.yaml');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/yaml');
    const y = await res.text();
    assert.match(y, /^openapi: 3\.1\.0$/m);
    assert.match(y, /^  \/healthz:$/m);
  } finally {
    await d.stop();
  }
});

test('a body over server.max_body_bytes is 413, declared or streamed', async () => {
  const d = await startDaemon({ LEXGATE_SERVER_MAX_BODY_BYTES: '1024' });
  try {
    // Within the limit the request goes through.
    let res = await fetch(d.url + '/healthz', { method: 'GET', headers: { 'Content-Length': '0' } });
    assert.equal(res.status, 200);
    const raw = new Raw(d.port);
    await raw.ready;
    raw.send('GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(1000));
    assert.equal((await raw.response()).status, 200);
    raw.close();

    res = await fetch(d.url + '/healthz', { method: 'POST', body: 'x'.repeat(2048) });
    const p = await problem(res, 413, 'too-large');
    assert.match(p.detail, /1024/);

    // Chunked: no length up front; refused once the cap is passed.
    const c = new Raw(d.port);
    await c.ready;
    c.send('POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (let i = 0; i < 3; i++) c.send('258\r\n' + 'y'.repeat(600) + '\r\n');
    c.send('0\r\n\r\n');
    const r = await c.response();
    assert.ok(r, 'connection closed without an answer');
    assert.equal(r.status, 413);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    assert.equal(JSON.parse(r.body).type, 'urn:lexgate:problem:too-large');
    c.close();

    // An endless stream is cut off rather than read for ever.
    const e = new Raw(d.port);
    await e.ready;
    e.send('POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (let i = 0; i < 64 && !e.closed; i++) {
      e.send('400\r\n' + 'z'.repeat(1024) + '\r\n');
      await sleep(5);
    }
    assert.equal(await e.waitClosed(5000), true, 'endless body still read');
    e.close();
  } finally {
    await d.stop();
  }
});

test('headers over 8 KiB are 431 with a problem body', async () => {
  const d = await startDaemon();
  try {
    const res = await fetch(d.url + '/healthz', { headers: { 'X-Big': 'a'.repeat(9000) } });
    await problem(res, 431, 'headers-too-large');
    // Just under the limit passes.
    const ok = await fetch(d.url + '/healthz', { headers: { 'X-Big': 'a'.repeat(7000) } });
    assert.equal(ok.status, 200);
    // Far past the connection's memory pool libmicrohttpd answers 431
    // itself (its own HTML body; documented in src/http/server.c).
    const raw = new Raw(d.port);
    await raw.ready;
    raw.send(`GET /healthz HTTP/1.1\r\nHost: t\r\nX-Huge: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
    const r = await raw.response();
    assert.equal(r.status, 431);
    raw.close();
  } finally {
    await d.stop();
  }
});

test('a slow client is disconnected after server.idle_timeout_s', async () => {
  const d = await startDaemon({ LEXGATE_SERVER_IDLE_TIMEOUT_S: '1' });
  try {
    const raw = new Raw(d.port);
    await raw.ready;
    const t0 = Date.now();
    raw.send('GET /heal');
    assert.equal(await raw.waitClosed(6000), true, 'connection still open');
    const waited = Date.now() - t0;
    assert.ok(waited >= 900, `closed too early (${waited} ms)`);
    assert.equal(raw.buf.length, 0, 'no response to half a request line');
    // The daemon still serves others.
    assert.equal((await fetch(d.url + '/healthz')).status, 200);
  } finally {
    await d.stop();
  }
});

test('keep-alive: several requests travel on one connection', async () => {
  const d = await startDaemon();
  try {
    const raw = new Raw(d.port);
    await raw.ready;
    for (let i = 0; i < 3; i++) {
      raw.send('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
      const r = await raw.response();
      assert.equal(r.status, 200);
      assert.notEqual((r.headers.connection ?? '').toLowerCase(), 'close');
      assert.equal(raw.closed, false);
    }
    // Pipelined too.
    raw.send('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((await raw.response()).status, 200);
    assert.equal((await raw.response()).status, 200);
    const m = await (await fetch(d.url + '/metrics')).text();
    assert.match(m, /^lexgate_http_requests_total\{route="\/healthz",method="GET",status="200"\} 4$/m);
    raw.close();
  } finally {
    await d.stop();
  }
});

test('SIGTERM drains an in-flight request, then exits 0', async () => {
  const d = await startDaemon({ LEXGATE_SERVER_DRAIN_TIMEOUT_S: '10' });
  const raw = new Raw(d.port);
  await raw.ready;
  // Half a body: the request is in flight until the rest arrives.
  raw.send('GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345');
  await sleep(300);
  d.child.kill('SIGTERM');
  await sleep(500);
  assert.equal(d.child.exitCode, null, 'exited before the request finished');
  raw.send('67890');
  const r = await raw.response();
  assert.equal(r.status, 200);
  assert.equal(r.body, '{"status":"ok"}');
  assert.equal(r.headers.connection.toLowerCase(), 'close');
  const { code } = await d.exited;
  assert.equal(code, 0);
  const lines = d.logLines();
  const stopped = lines.find((l) => l.event === 'http_stopped');
  assert.ok(stopped, 'no http_stopped line');
  assert.equal(stopped.abandoned, 0);
  raw.close();
});

test('SIGTERM with nothing in flight exits 0 and closes idle connections', async () => {
  const d = await startDaemon();
  const raw = new Raw(d.port);
  await raw.ready;
  raw.send('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.equal((await raw.response()).status, 200);
  d.child.kill('SIGTERM');
  assert.equal((await d.exited).code, 0);
  assert.equal(await raw.waitClosed(3000), true);
});

test('the access log has method, route template, status, duration, id — no query string', async () => {
  const d = await startDaemon();
  try {
    await (await fetch(d.url + '/healthz?secret=s3cr3t-value')).text();
    await (await fetch(d.url + '/v1/unknown/13800138000?q=s3cr3t-value')).text();
    await sleep(200);
  } finally {
    await d.stop();
  }
  const err = d.stderr();
  assert.doesNotMatch(err, /s3cr3t/);
  assert.doesNotMatch(err, /13800138000/);
  assert.doesNotMatch(err, /\?/);
  const reqs = d.logLines().filter((l) => l.event === 'http_request');
  assert.equal(reqs.length, 2);
  // Each line is written when its request completes, on the worker that
  // served it: two requests may log in either order.
  assert.deepEqual(reqs.map((l) => [l.method, l.route, l.status]).sort(),
    [['GET', '/healthz', 200], ['GET', 'unmatched', 404]]);
  for (const l of reqs) {
    assert.equal(typeof l.dur_us, 'number');
    assert.match(l.req, /^[A-Za-z0-9._-]+$/);
    assert.equal(l.level, 'info');
  }
});

test('past server.max_connections a request gets 503 with Retry-After', async () => {
  const d = await startDaemon({ LEXGATE_SERVER_MAX_CONNECTIONS: '2' });
  const held = [];
  try {
    for (let i = 0; i < 2; i++) {
      const r = new Raw(d.port);
      await r.ready;
      r.send('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
      assert.equal((await r.response()).status, 200);
      held.push(r);
    }
    const res = await fetch(d.url + '/healthz', { headers: { Connection: 'close' } });
    assert.equal(res.headers.get('retry-after'), '1');
    await problem(res, 503, 'overloaded');
    held.forEach((r) => r.close());
    await sleep(300);
    const again = await fetch(d.url + '/healthz', { headers: { Connection: 'close' } });
    assert.equal(again.status, 200);
  } finally {
    held.forEach((r) => r.close());
    await d.stop();
  }
});

const DEADLINE = '/v1/calendar/deadline';
const postJson = (d, body, headers = { 'Content-Type': 'application/json' }) =>
  fetch(d.url + DEADLINE, { method: 'POST', headers, body });

test('calendar deadline: the same answer as the CLI', async () => {
  const d = await startDaemon();
  try {
    const cases = [
      [{ from: '2026-01-05T10:00:00+08:00', rule: 'working_days', count: 3 }, ['--working-days', '3']],
      [{ from: '2026-01-05T10:00:00+08:00', rule: 'working_days', count: 2, close: '17:30' },
        ['--working-days', '2', '--close', '17:30']],
      [{ from: '2026-01-05T10:00:00Z', rule: 'hours', count: 5 }, ['--hours', '5']],
      [{ from: '2026-01-05T10:00:00+08:00', rule: 'minutes', count: 90 }, ['--minutes', '90']],
      [{ from: '2026-01-03T10:00:00+08:00', rule: 'first_response' }, ['--first-response']],
    ];
    for (const [body, flags] of cases) {
      const res = await postJson(d, JSON.stringify(body));
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(res.headers.get('content-type'), 'application/json');
      const got = await res.json();
      const cli = execFileSync(LEXGATE, ['calendar', 'deadline', '--from', body.from, ...flags],
        { encoding: 'utf8' }).trim();
      assert.equal(got.deadline, cli);
      assert.equal(typeof got.deadline_ms, 'number');
      assert.equal(typeof got.special, 'boolean');
    }
    // 2026-01-03 is a Saturday: a rest day, so first response is special.
    const fr = await (await postJson(d, JSON.stringify(cases[4][0]))).json();
    assert.equal(fr.special, true);
  } finally {
    await d.stop();
  }
});

test('JSON bodies: 415 without application/json, 400 for bad JSON, UTF-8, depth, fields', async () => {
  const d = await startDaemon();
  try {
    const good = JSON.stringify({ from: '2026-01-05T10:00:00+08:00', rule: 'hours', count: 1 });
    await problem(await postJson(d, good, { 'Content-Type': 'text/plain' }), 415, 'unsupported-media');
    await problem(await postJson(d, good, {}), 415, 'unsupported-media');
    assert.equal((await postJson(d, good, { 'Content-Type': 'application/json; charset=utf-8' })).status, 200);

    let p = await problem(await postJson(d, '{"from": "2026-01-05T10:00:00+08:00", "rule": '), 400, 'invalid-input');
    assert.match(p.detail, /malformed JSON/);
    p = await problem(await postJson(d, '{"from":"x","from":"y"}'), 400, 'invalid-input');
    assert.match(p.detail, /duplicate/);

    // Invalid UTF-8 (an overlong '/') inside a string, sent as raw bytes.
    const bad = Buffer.concat([Buffer.from('{"from":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('","rule":"hours","count":1}')]);
    p = await problem(await postJson(d, bad), 400, 'invalid-input');
    assert.match(p.detail, /UTF-8 \(byte 9\)/);

    p = await problem(await postJson(d, '['.repeat(40) + ']'.repeat(40)), 400, 'invalid-input');
    assert.match(p.detail, /deeper than 32/);
    p = await problem(await postJson(d, '[1]'), 400, 'invalid-input');
    assert.equal(p.field, '');

    const secret = '13800138000';
    p = await problem(await postJson(d, JSON.stringify({ from: secret, rule: 'hours', count: 1 })), 400, 'invalid-input');
    assert.equal(p.field, '/from');
    assert.doesNotMatch(JSON.stringify(p), new RegExp(secret));
    p = await problem(await postJson(d, JSON.stringify({ from: '2026-01-05T10:00:00+08:00', rule: 'fortnights', count: 1 })), 400, 'invalid-input');
    assert.equal(p.field, '/rule');
    p = await problem(await postJson(d, JSON.stringify({ from: '2026-01-05T10:00:00+08:00', rule: 'hours' })), 400, 'invalid-input');
    assert.equal(p.field, '/count');
    p = await problem(await postJson(d, JSON.stringify({ from: '2026-01-05T10:00:00+08:00', rule: 'hours', count: 1, [secret]: 1 })), 400, 'invalid-input');
    assert.doesNotMatch(JSON.stringify(p), new RegExp(secret));
    p = await problem(await postJson(d, JSON.stringify({ from: '2026-01-05T10:00:00+08:00', rule: 'hours', count: 1e9 })), 422, 'out-of-range');

    // GET on the path is a 405 naming POST.
    const res = await fetch(d.url + DEADLINE);
    assert.equal(res.headers.get('allow'), 'POST');
    await problem(res, 405, 'method-not-allowed');

    await sleep(100);
    assert.doesNotMatch(d.stderr(), new RegExp(secret));
  } finally {
    await d.stop();
  }
});

test('serve refuses keys that are readable by group or others', () => {
  const k = path.join(top, 'leaky');
  execFileSync(LEXGATE, ['init', '--keys', k], { stdio: 'ignore' });
  fs.chmodSync(path.join(k, 'master.key'), 0o640);
  const r = spawnSync(LEXGATE, ['serve', '--port', '0', '--db', `sqlite:${top}/leaky.db`, '--keys', k],
    { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^lexgate: /);

  const missing = spawnSync(LEXGATE, ['serve', '--port', '0', '--db', `sqlite:${top}/m.db`, '--keys', path.join(top, 'none')],
    { encoding: 'utf8', timeout: 20000 });
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '');
});

test('a port in use fails with exit 1 and one line on stderr', async () => {
  const d = await startDaemon();
  try {
    const r = spawnSync(LEXGATE, ['serve', '--port', String(d.port), '--db', `sqlite:${top}/busy.db`, '--keys', keys],
      { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^lexgate: cannot listen on 127\.0\.0\.1 port \d+$/m);
  } finally {
    await d.stop();
  }
});

// bench/leads.mjs BUILD_DIR [N] [CONCURRENCY] — intake-to-offer throughput
// over HTTP on SQLite (make bench-leads runs bench/leads.sh, which calls
// this). A daemon on a fresh database with the demo firms (capacity raised
// so every lead can be offered), an intake API key, then N POST /v1/leads
// from CONCURRENCY clients, each intake validated, sealed in the vault,
// masked, deduplicated, routed and offered in the request. Prints JSON
// lines: leads/s, latency percentiles, how many were offered.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const build = process.argv[2];
const N = Number(process.argv[3] || 2000);
const C = Number(process.argv[4] || 8);
const LEXGATE = path.resolve(build, 'lexgate');
const top = fs.mkdtempSync(path.join(os.tmpdir(), 'lexgate-bench-leads-'));
const db = `sqlite:${top}/t.db`;

execFileSync(LEXGATE, ['init', '--keys', `${top}/keys`], { stdio: 'ignore' });
execFileSync(LEXGATE, ['db', 'migrate', '--db', db], { stdio: 'ignore' });
const accounts = execFileSync(LEXGATE, ['people', 'seed-demo', '--db', db]).toString()
  .trim().split('\n').map((l) => JSON.parse(l));
const child = spawn(LEXGATE, ['serve', '--port', '0', '--db', db, '--keys', `${top}/keys`],
  { cwd: top, stdio: ['ignore', 'pipe', 'ignore'] });
const port = await new Promise((resolve) => {
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
    const m = /127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) resolve(Number(m[1]));
  });
});
const url = `http://127.0.0.1:${port}`;
const call = async (method, p, body, token) => {
  const res = await fetch(url + p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
};

const admin = accounts.find((a) => a.role === 'platform_admin');
const token = (await call('POST', '/v1/auth/sign-in', { email: admin.email, password: admin.password })).json.token;
const firms = (await call('GET', '/v1/firms', null, token)).json;
for (const f of firms.items ?? firms.firms ?? []) {
  if (f.kind === 'firm') {
    await call('PATCH', `/v1/firms/${f.id}`, { daily_capacity: N }, token);
  }
}
const key = (await call('POST', '/v1/api-keys', { name: 'bench', scopes: 'intake' }, token)).json.key;
const work = [['labor', '110105'], ['contract', '310104'], ['labor', '440304'], ['debt', '110108']];
const lat = [];
let next = 0;
let offered = 0;
let other = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: C }, async () => {
  for (;;) {
    const i = next++;
    if (i >= N) return;
    const [area, region] = work[i % work.length];
    const s = performance.now();
    const r = await call('POST', '/v1/leads', {
      area, region,
      description: '公司连续三个月拖欠工资，想了解如何申请劳动仲裁。',
      phone: `139${String(10000000 + i).slice(-8)}`,
      consent: { notice_version: 'bench', at: new Date().toISOString(), share_with_firm: true },
    }, key);
    lat.push(performance.now() - s);
    if (r.json.state === 'offered') offered++; else other++;
  }
}));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
console.log(JSON.stringify({
  bench: 'leads_intake_http', backend: 'sqlite', leads: N, concurrency: C,
  seconds: Number(secs.toFixed(3)), leads_per_s: Math.round(N / secs),
  p50_ms: Number(pct(0.5)), p95_ms: Number(pct(0.95)), p99_ms: Number(pct(0.99)),
  offered, not_offered: other,
}));
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
fs.rmSync(top, { recursive: true, force: true });

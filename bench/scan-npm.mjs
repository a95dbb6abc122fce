// bench/scan-npm.mjs — the npm Aho-Corasick libraries on the corpus that
// bench_scan wrote: one call per message, single thread.
//
//   node bench/scan-npm.mjs CORPUS LITERALS NODE_MODULES_DIR
//
// CORPUS has one message a line, LITERALS one literal a line (the same
// literals as the vectorscan-literals run). Prints one JSON object per
// library, in the shape bench_scan prints.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [corpusPath, literalsPath, modules] = process.argv.slice(2);
if (!corpusPath || !literalsPath || !modules) {
  console.error('usage: node bench/scan-npm.mjs CORPUS LITERALS NODE_MODULES_DIR');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const { Mint } = require('mint-filter');
const AhoCorasick = require('ahocorasick');

const raw = readFileSync(corpusPath);
const messages = raw.toString('utf8').split('\n');
if (messages[messages.length - 1] === '') messages.pop();
const literals = readFileSync(literalsPath, 'utf8').split('\n').filter((l) => l !== '');
const bytes = raw.length - messages.length; // without the newlines

function run(impl, fn) {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (const m of messages) hits += fn(m);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = process.cpuUsage(c0);
  const cpu = (c1.user + c1.system) / 1e6; // process CPU, as bench_scan's thread CPU
  console.log(JSON.stringify({
    bench: 'scan', impl, patterns: literals.length, messages: messages.length,
    bytes, seconds: Number(secs.toFixed(3)),
    mb_per_s: Number((bytes / 1e6 / secs).toFixed(1)),
    cpu_mb_per_s: Number((bytes / 1e6 / cpu).toFixed(1)), hits,
  }));
}

const mint = new Mint(literals);
run('npm-mint-filter', (m) => mint.filter(m, { replace: false }).words.length);

const ac = new AhoCorasick(literals);
run('npm-ahocorasick', (m) => {
  let n = 0;
  for (const r of ac.search(m)) n += r[1].length;
  return n;
});

// t4000-merkle.mjs — an independent RFC 9162 §2.1 implementation in
// JavaScript (node:crypto), written from the RFC text, used to cross-check
// `lexgate audit merkle-selftest`. Reads the C output on stdin, argument 1 is
// the largest tree size. Exits 0 when every root and proof is identical to
// ours, every C proof verifies here, and mutated proofs do not.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (data) => sha(Buffer.from([0]), data);
const nodeHash = (l, r) => sha(Buffer.from([1]), l, r);

// Largest power of two strictly smaller than n (n > 1).
const kOf = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };

// MTH(D[n]) — §2.1.1, directly recursive.
function mth(d) {
  if (d.length === 0) return sha(Buffer.alloc(0));
  if (d.length === 1) return d[0];
  const k = kOf(d.length);
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}

// PATH(m, D[n]) — §2.1.3.1.
function path(m, d) {
  if (d.length <= 1) return [];
  const k = kOf(d.length);
  if (m < k) return [...path(m, d.slice(0, k)), mth(d.slice(k))];
  return [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

// SUBPROOF(m, D[n], b) — §2.1.4.1.
function subproof(m, d, b) {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = kOf(n);
  if (m <= k) return [...subproof(m, d.slice(0, k), b), mth(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
const proof = (m, d) => (m === d.length ? [] : subproof(m, d, true));

// §2.1.3.2 verification of an inclusion proof.
function verifyInclusion(index, size, leaf, p, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const x of p) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(x, r);
      while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = nodeHash(r, x);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

// §2.1.4.2 verification of a consistency proof (first == second: empty
// proof and equal roots).
function verifyConsistency(first, second, firstHash, secondHash, p) {
  if (first === second) return p.length === 0 && firstHash.equals(secondHash);
  if (first === 0 || first > second || p.length === 0) return false;
  let path = p.slice();
  if ((first & (first - 1)) === 0) path = [firstHash, ...path];
  let fn = first - 1, sn = second - 1;
  while ((fn & 1) === 1) { fn >>= 1; sn >>= 1; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && fr.equals(firstHash) && sr.equals(secondHash);
}

const max = Number(process.argv[2] || 64);
const leaves = [];
for (let i = 0; i < max; i++) leaves.push(leafHash(Buffer.from(`leaf-${i}`)));

// Known answers from RFC 6962 / Certificate Transparency: the empty tree and
// the leaf hash of an empty entry.
const known = [
  [sha(Buffer.alloc(0)).toString('hex'),
   'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  [leafHash(Buffer.alloc(0)).toString('hex'),
   '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
];
let failures = 0;
const fail = (msg) => { failures++; if (failures <= 20) console.error(msg); };
for (const [got, want] of known) if (got !== want) fail(`known answer ${got}`);

const hex = (p) => (p.length === 0 ? '-' : p.map((h) => h.toString('hex')).join(','));
const unhex = (s) => (s === '-' ? [] : s.split(',').map((h) => Buffer.from(h, 'hex')));

const roots = [null];
const want = [];
for (let n = 1; n <= max; n++) {
  roots.push(mth(leaves.slice(0, n)));
  want.push(`root ${n} ${roots[n].toString('hex')}`);
}
for (let n = 1; n <= max; n++) {
  const d = leaves.slice(0, n);
  for (let i = 0; i < n; i++) want.push(`inclusion ${i} ${n} ${hex(path(i, d))}`);
  for (let m = 1; m <= n; m++) want.push(`consistency ${m} ${n} ${hex(proof(m, d))}`);
}

const got = readFileSync(0, 'utf8').split('\n').filter((l) => l !== '');
if (got.length !== want.length) fail(`line count ${got.length}, want ${want.length}`);
let checked = 0, mutated = 0;
for (let i = 0; i < Math.min(got.length, want.length); i++) {
  if (got[i] !== want[i]) fail(`line ${i + 1} differs:\n  C:    ${got[i]}\n  node: ${want[i]}`);
  const [kind, a, b, p] = got[i].split(' ');
  if (kind === 'root') continue;
  const x = Number(a), n = Number(b), pr = unhex(p);
  const ok = kind === 'inclusion'
    ? verifyInclusion(x, n, leaves[x], pr, roots[n])
    : verifyConsistency(x, n, roots[x], roots[n], pr);
  if (!ok) fail(`C proof rejected by node: ${got[i].slice(0, 40)}`);
  checked++;
  // Every single-bit flip of every proof hash, a dropped or an added hash,
  // and a wrong index must be refused.
  const tries = [];
  for (let j = 0; j < pr.length; j++) {
    const q = pr.map((h) => Buffer.from(h));
    q[j][j % 32] ^= 1 << (j % 8);
    tries.push([x, q]);
  }
  if (pr.length > 0) tries.push([x, pr.slice(0, -1)]);
  tries.push([x, [...pr, leaves[0]]]);
  if (kind === 'inclusion' && n > 1) tries.push([(x + 1) % n, pr]);
  for (const [y, q] of tries) {
    const bad = kind === 'inclusion'
      ? verifyInclusion(y, n, leaves[x], q, roots[n])
      : verifyConsistency(y, n, roots[y], roots[n], q);
    if (bad && !(kind === 'consistency' && y === n && q.length === 0)) {
      fail(`mutated proof accepted: ${got[i].slice(0, 40)}`);
    }
    mutated++;
  }
}
console.log(`${checked} proofs identical and verified, ${mutated} mutations refused, ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);

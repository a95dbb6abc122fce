// t4001-leaf.mjs — the canonical entry encoding of docs/audit.md, written
// again in JavaScript from the document, and the RFC 9162 leaf hash over it.
// Reads `sqlite3 -json` rows of audit_log (subject and leaf as hex) on stdin.
//   check: every recomputed leaf equals the stored one (exit 1 otherwise)
//   patch: print SQL that sets every stored leaf to the recomputed one, as an
//          attacker who edits rows and "patches up the chain" would
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const KINDS = ['', 'access', 'handover', 'deletion', 'auth', 'admin', 'policy', 'key'];
const TEXT = ['actor_role', 'action', 'resource_type', 'resource_id', 'subject',
  'field', 'purpose', 'decision', 'reason', 'clause', 'request_id'];

function i64(v) {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

function encode(r) {
  const parts = [Buffer.from([1]), i64(r.seq), i64(r.time_ms),
    Buffer.from([KINDS.indexOf(r.kind), Number(r.actor_kind)]),
    i64(r.actor_id), i64(r.actor_firm)];
  for (const f of TEXT) {
    const v = f === 'subject' ? Buffer.from(r.subject, 'hex') : Buffer.from(String(r[f]), 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(v.length);
    parts.push(len, v);
  }
  return Buffer.concat(parts);
}

const leaf = (r) => createHash('sha256').update(Buffer.from([0])).update(encode(r)).digest('hex');

const mode = process.argv[2];
const rows = JSON.parse(readFileSync(0, 'utf8') || '[]');
let bad = 0;
for (const r of rows) {
  const h = leaf(r);
  if (mode === 'patch') {
    console.log(`UPDATE audit_log SET leaf = X'${h}' WHERE seq = ${r.seq};`);
  } else if (h !== String(r.leaf).toLowerCase()) {
    bad++;
    console.error(`leaf of seq ${r.seq} differs`);
  }
}
if (mode !== 'patch') console.log(`${rows.length} leaves recomputed, ${bad} differ`);
process.exit(bad === 0 && rows.length > 0 ? 0 : 1);

// tests/http/lib.mjs — what the HTTP suites share.
//
// dbUrl(dir): the database a test daemon uses. With LX_TEST_BACKEND=postgres
// (CTest's <suite>@postgres run, see tests/lib/with-pg.sh) it is a fresh
// schema on the throw-away cluster, so the whole HTTP suite runs once on
// SQLite and once on PostgreSQL; otherwise a SQLite file in 'dir'.
import { execFileSync } from 'node:child_process';

let seq = 0;

export const backend = process.env.LX_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export function dbUrl(dir) {
  if (backend !== 'postgres') {
    return `sqlite:${dir}/t.db`;
  }
  const base = process.env.LX_TEST_PG_URL;
  if (!base) {
    throw new Error('LX_TEST_PG_URL is not set');
  }
  seq += 1;
  const schema = `lx_h_${process.pid}_${seq}`;
  execFileSync('psql', [base, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE SCHEMA ${schema}`],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  return `${base}${base.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
}

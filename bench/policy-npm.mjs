// bench/policy-npm.mjs — the reveal rule of bench/policy.c, decided by the
// npm packages casbin and @cedar-policy/cedar-wasm, for comparison.
//
//   node bench/policy-npm.mjs NPM_PREFIX N [LEXGATE_NS [LEXGATE_ALLOWED]]
//
// NPM_PREFIX is where `npm install --no-save --prefix NPM_PREFIX casbin
// @cedar-policy/cedar-wasm` put the packages (bench/policy.sh does that).
// The N requests come from the same xorshift32 sequence as make_reveal() in
// bench/policy.c, and every engine must allow exactly as many as lexgate did
// (LEXGATE_ALLOWED), or the comparison is void and this exits 1.
//
// The rule: a trained lawyer of the firm the lead is assigned to, holding
// the lead, may reveal a field for consultation; a sensitive field needs an
// unexpired grant naming them. Training and grants are current strictly
// before their expiry.
//
// Prints one JSON line per engine: microseconds per decision, decisions per
// second, and how many times slower than lexgate it is.
import { createRequire } from 'node:module';
import path from 'node:path';

const [prefix, nArg, lxNsArg, lxAllowedArg] = process.argv.slice(2);
if (!prefix || !nArg) {
  console.error('usage: policy-npm.mjs NPM_PREFIX N [LEXGATE_NS [LEXGATE_ALLOWED]]');
  process.exit(2);
}
const N = Number.parseInt(nArg, 10);
const lexgateNs = lxNsArg ? Number.parseFloat(lxNsArg) : NaN;
const lexgateAllowed = lxAllowedArg ? Number.parseInt(lxAllowedArg, 10) : NaN;
const require = createRequire(path.join(path.resolve(prefix), 'bench.cjs'));

const T0 = 1767225600000;
const DAY = 86400000;
const HOUR = 3600000;

// xorshift32, as next_u32() in bench/policy.c.
let rng = 0x2545f491;
function nextU32() {
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng;
}

// The requests, as plain attribute records (the same for every engine).
function makeRequests(n) {
  rng = 0x2545f491;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = nextU32();
    const w = nextU32();
    const actor = 1 + (w % 1000);
    const firm = 1 + ((w >>> 10) % 50);
    const now = T0 + i;
    const g = (v >>> 21) & 3;
    let grantStaff = 0;
    let grantExpires = 0;
    if (g !== 0) {
      grantStaff = ((v >>> 23) & 7) === 0 ? actor + 1000 : actor;
      grantExpires = g === 1 ? now : now + HOUR;
    }
    out[i] = {
      sub: {
        id: actor,
        role: (v & 7) === 0 ? 'customer_service' : 'lawyer',
        firm,
        trainedUntil: ((v >>> 7) & 15) === 0 ? now : now + DAY,
      },
      obj: {
        lead: 1 + i,
        purpose: ((v >>> 3) & 15) === 0 ? '' : 'consultation',
        now,
        leadFirm: ((v >>> 11) & 15) === 0 ? firm + 100 : firm,
        leadStaff: ((v >>> 15) & 15) === 0 ? actor + 1000 : actor,
        sensitive: ((v >>> 19) & 3) === 0,
        grantStaff,
        grantExpires,
      },
    };
  }
  return out;
}

function time(fn, reqs) {
  for (let i = 0; i < Math.min(2000, reqs.length); i++) fn(reqs[i]); // warm up
  let allowed = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reqs.length; i++) if (fn(reqs[i])) allowed++;
  const ns = Number(process.hrtime.bigint() - t0);
  return { allowed, nsPer: ns / reqs.length };
}

let failed = false;
function report(engine, version, variant, res) {
  const line = {
    bench: 'policy',
    engine,
    version,
    variant,
    set: 'reveal_rule',
    decisions: N,
    us_per_decision: +(res.nsPer / 1000).toFixed(3),
    decisions_per_sec: Math.round(1e9 / res.nsPer),
    allowed: res.allowed,
  };
  if (Number.isFinite(lexgateNs)) {
    line.lexgate_ns_per_decision = lexgateNs;
    line.lexgate_speedup = Math.round(res.nsPer / lexgateNs);
  }
  if (engine === 'casbin' && Number.isFinite(lexgateNs)) {
    line.goal = 'lexgate >= 100x faster than casbin';
    line.goal_met = res.nsPer / lexgateNs >= 100;
  }
  if (Number.isFinite(lexgateAllowed) && res.allowed !== lexgateAllowed) {
    line.error = `allowed ${res.allowed} != lexgate ${lexgateAllowed}`;
    failed = true;
  }
  console.log(JSON.stringify(line));
}

const reqs = makeRequests(N);

// ---- casbin: ABAC model, policy CSV built in code ----------------------
{
  const casbin = require('casbin');
  const version = require('casbin/package.json').version;
  const model = casbin.newModelFromString(`
[request_definition]
r = sub, obj, act

[policy_definition]
p = role, act, purpose

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub.role == p.role && r.act == p.act && r.obj.purpose == p.purpose && r.sub.trainedUntil > r.obj.now && r.sub.firm == r.obj.leadFirm && r.sub.id == r.obj.leadStaff && (r.obj.sensitive == false || (r.obj.grantStaff == r.sub.id && r.obj.grantExpires > r.obj.now))
`);
  const csv = 'p, lawyer, reveal_field, consultation\n';
  const e = await casbin.newEnforcer(model, new casbin.StringAdapter(csv));
  const res = time((q) => e.enforceSync(q.sub, q.obj, 'reveal_field'), reqs);
  report('casbin', version, 'enforceSync', res);
  // The documented entry point is the async enforce(); one await each.
  let allowedAsync = 0;
  const t0 = process.hrtime.bigint();
  for (const q of reqs) if (await e.enforce(q.sub, q.obj, 'reveal_field')) allowedAsync++;
  const nsAsync = Number(process.hrtime.bigint() - t0) / reqs.length;
  report('casbin', version, 'enforce (async)', { allowed: allowedAsync, nsPer: nsAsync });
}

// ---- cedar-wasm: one permit policy, entities and context per request ----
{
  let cedar = null;
  let version = null;
  try {
    cedar = require('@cedar-policy/cedar-wasm/nodejs');
    version = cedar.getCedarSDKVersion ? cedar.getCedarSDKVersion() : null;
  } catch (err) {
    console.log(JSON.stringify({ bench: 'policy', engine: 'cedar-wasm',
      error: `cannot load: ${err.code || err.name}` }));
  }
  if (cedar !== null) {
    const policyText = `
permit (principal is Staff, action == Action::"reveal_field", resource is Lead)
when {
  principal.role == "lawyer" &&
  context.purpose == "consultation" &&
  principal.trained_until > context.now &&
  principal.firm == resource.firm &&
  resource.holder == principal.id &&
  (!resource.sensitive ||
   (context.grant_staff == principal.id && context.grant_expires > context.now))
};`;
    const policies = { staticPolicies: policyText };
    const action = { type: 'Action', id: 'reveal_field' };
    const call = (q) => {
      const principal = { type: 'Staff', id: String(q.sub.id) };
      const resource = { type: 'Lead', id: String(q.obj.lead) };
      return {
        principal,
        action,
        resource,
        context: {
          purpose: q.obj.purpose,
          now: q.obj.now,
          grant_staff: q.obj.grantStaff,
          grant_expires: q.obj.grantExpires,
        },
        entities: [
          { uid: principal, parents: [], attrs: {
            id: q.sub.id, role: q.sub.role, firm: q.sub.firm,
            trained_until: q.sub.trainedUntil } },
          { uid: resource, parents: [], attrs: {
            firm: q.obj.leadFirm, holder: q.obj.leadStaff,
            sensitive: q.obj.sensitive } },
        ],
      };
    };
    const decide = (answer) => {
      if (answer.type !== 'success') {
        throw new Error(`cedar: ${JSON.stringify(answer.errors).slice(0, 200)}`);
      }
      return answer.response.decision === 'allow';
    };
    // As most callers use it: the policy text parsed with every request.
    const plain = time((q) => decide(cedar.isAuthorized({ ...call(q), policies })), reqs);
    report('cedar-wasm', version, 'isAuthorized', plain);
    // The fastest documented path: the policy set parsed once and cached.
    if (typeof cedar.preparsePolicySet === 'function') {
      const ok = cedar.preparsePolicySet('lexgate-bench', policies);
      if (ok.type !== 'success') throw new Error('cedar: preparse failed');
      const pre = time((q) => decide(cedar.statefulIsAuthorized({
        ...call(q), preparsedPolicySetId: 'lexgate-bench' })), reqs);
      report('cedar-wasm', version, 'statefulIsAuthorized', pre);
    }
  }
}

process.exit(failed ? 1 : 0);

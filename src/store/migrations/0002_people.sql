-- people: organisations, staff, licences, training, sensitive-data grants,
-- per-access approvals for minors' data, users, sessions, API keys and
-- sign-in throttling (C2.4, C4.1, C4.2, C5.7, C8.1). docs/people.md.

-- The platform (kind 'platform', exactly one) and partner firms.
CREATE TABLE orgs (
    id LX_ID_PK,
    kind TEXT NOT NULL CHECK (kind IN ('platform', 'firm')),
    name TEXT NOT NULL,
    uscc TEXT UNIQUE,
    daily_capacity BIGINT NOT NULL DEFAULT 0 CHECK (daily_capacity >= 0),
    contract_signed_ms BIGINT,
    damages_fen BIGINT CHECK (damages_fen >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'restricted',
        'distribution_suspended', 'cooperation_suspended', 'terminating',
        'terminated')),
    status_changed_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    deleted_ms BIGINT
);
CREATE UNIQUE INDEX orgs_one_platform ON orgs (kind) WHERE kind = 'platform';

-- GB/T 2260 codes a firm covers (prefix match: 110000 is all of Beijing).
CREATE TABLE org_regions (
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (org_id, code)
);

-- Practice areas from the fixed list of docs/people.md.
CREATE TABLE org_areas (
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    area TEXT NOT NULL,
    PRIMARY KEY (org_id, area)
);

-- Personal accounts, one role each. email is stored lower-case.
CREATE TABLE staff (
    id LX_ID_PK,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE RESTRICT,
    role TEXT NOT NULL CHECK (role IN ('firm_admin', 'lawyer', 'assistant',
        'customer_service', 'admin_staff', 'platform_admin', 'platform_ops',
        'platform_compliance', 'platform_security')),
    display_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    pw_hash TEXT,
    pw_changed_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    deleted_ms BIGINT
);
CREATE INDEX staff_org ON staff (org_id);

-- A lawyer's practising licence and its verification record (C5.7).
CREATE TABLE staff_licences (
    staff_id BIGINT PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified',
        'rejected', 'revoked')),
    verified_by BIGINT REFERENCES staff (id) ON DELETE RESTRICT,
    evidence_ref TEXT,
    verified_ms BIGINT,
    recheck_ms BIGINT,
    updated_ms BIGINT NOT NULL
);

-- Training records (C4.2): current while passed_ms <= now < expires_ms.
CREATE TABLE staff_training (
    id LX_ID_PK,
    staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    course TEXT NOT NULL,
    version TEXT NOT NULL,
    passed_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL CHECK (expires_ms > passed_ms),
    recorded_by BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX staff_training_staff ON staff_training (staff_id, expires_ms);

-- Sensitive-data grants (C2.4): requested for a named staff member,
-- approved by someone else, until expires_ms.
CREATE TABLE sensitive_grants (
    id LX_ID_PK,
    staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    requested_by BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    approver_id BIGINT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved',
        'rejected', 'revoked')),
    expires_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    decided_ms BIGINT,
    CHECK (approver_id IS NULL OR (approver_id <> staff_id
        AND approver_id <> requested_by))
);
CREATE INDEX sensitive_grants_staff ON sensitive_grants (staff_id, status);

-- One access to a minor's data (C1.3): its id is the policy's access_id.
CREATE TABLE minor_approvals (
    id LX_ID_PK,
    staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    lead_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    approver_id BIGINT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved',
        'rejected', 'used')),
    expires_ms BIGINT,
    created_ms BIGINT NOT NULL,
    decided_ms BIGINT,
    used_ms BIGINT,
    CHECK (approver_id IS NULL OR approver_id <> staff_id)
);

-- People seeking advice. The phone number itself lives in the vault; here
-- only its keyed hash, for sign-in look-ups.
CREATE TABLE app_users (
    id LX_ID_PK,
    phone_ref LX_BYTES NOT NULL UNIQUE,
    subject_id BIGINT,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_ms BIGINT NOT NULL,
    last_signin_ms BIGINT
);

-- One-time sign-in codes: only a salted hash of the code is kept.
CREATE TABLE otp_codes (
    id LX_ID_PK,
    phone_ref LX_BYTES NOT NULL,
    code_hash LX_BYTES NOT NULL,
    salt LX_BYTES NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT
);
CREATE INDEX otp_codes_phone ON otp_codes (phone_ref, created_ms);

-- Sessions: only the hash of the 256-bit token is stored.
CREATE TABLE sessions (
    id LX_ID_PK,
    token_hash LX_BYTES NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'user')),
    staff_id BIGINT REFERENCES staff (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES app_users (id) ON DELETE CASCADE,
    created_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    revoke_reason TEXT
);
CREATE INDEX sessions_staff ON sessions (staff_id);
CREATE INDEX sessions_user ON sessions (user_id);

-- API keys for machine clients; only the hash of the secret is stored.
CREATE TABLE api_keys (
    id LX_ID_PK,
    name TEXT NOT NULL,
    key_hash LX_BYTES NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    last_used_ms BIGINT
);

-- Fixed-window failure counters for sign-in throttling, by a hashed key
-- (account or source address: never stored in the clear).
CREATE TABLE auth_throttle (
    bucket TEXT PRIMARY KEY,
    window_start_ms BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    blocked_until_ms BIGINT NOT NULL DEFAULT 0
);

-- 0006_vault: the personal-data vault (C1.1, C1.3, C2.4, C7.2; docs/vault.md).
--
-- Every field of a subject (a user) is sealed with XChaCha20-Poly1305 under
-- the subject's own data key; the associated data binds subject id, field
-- name and key version, so a ciphertext moved to another row fails to open.
-- Subject keys are stored only wrapped by the master key (master_id says
-- which one, for rotation). Crypto-shredding deletes the key rows (the
-- SQLite writer runs with secure_delete, so the bytes are zeroed).
-- Blind indexes are keyed BLAKE2b under a key derived from the vault's own
-- index root key (vault_index_key, also wrapped by the master key, so it
-- survives a master-key rotation unchanged).
CREATE TABLE vault_subject (
    id LX_ID_PK,
    created_ms BIGINT NOT NULL,
    shredded_ms BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE vault_subject_key (
    subject_id BIGINT NOT NULL REFERENCES vault_subject (id),
    version BIGINT NOT NULL,
    master_id TEXT NOT NULL,
    nonce LX_BYTES NOT NULL,
    wrapped LX_BYTES NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (subject_id, version)
);
CREATE INDEX vault_subject_key_master ON vault_subject_key (master_id);

CREATE TABLE vault_field (
    subject_id BIGINT NOT NULL REFERENCES vault_subject (id),
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('name', 'phone', 'address',
        'region', 'case_material', 'identity', 'transaction', 'chat',
        'call')),
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('', 'id_document',
        'finance', 'family', 'health', 'minor', 'litigation', 'criminal')),
    sensitive BIGINT NOT NULL CHECK (sensitive IN (0, 1)),
    format TEXT NOT NULL,
    key_version BIGINT NOT NULL,
    nonce LX_BYTES NOT NULL,
    ciphertext LX_BYTES NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (subject_id, name)
);

CREATE TABLE vault_blind_index (
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'id_number', 'email')),
    hmac LX_BYTES NOT NULL,
    subject_id BIGINT NOT NULL REFERENCES vault_subject (id),
    field TEXT NOT NULL,
    PRIMARY KEY (kind, hmac, subject_id, field)
);
CREATE INDEX vault_blind_index_subject ON vault_blind_index (subject_id);

-- The one index root key (row id 1), wrapped with owner 0 in the AD.
CREATE TABLE vault_index_key (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    master_id TEXT NOT NULL,
    nonce LX_BYTES NOT NULL,
    wrapped LX_BYTES NOT NULL,
    created_ms BIGINT NOT NULL
);

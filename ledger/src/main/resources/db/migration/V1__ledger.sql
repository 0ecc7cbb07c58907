-- The run ledger. Every table that receives writes from a retried call carries a unique natural key,
-- so the write is an INSERT ... ON CONFLICT and a retry never duplicates a row.

CREATE TABLE run (
    id               uuid PRIMARY KEY,
    name             text        NOT NULL,
    spec             jsonb       NOT NULL,
    state            text        NOT NULL,
    current_step     integer     NOT NULL DEFAULT 0,
    policy_version   bigint      NOT NULL DEFAULT 0,
    sweep_id         uuid,
    idempotency_key  text,
    request_hash     text,
    lease_owner      text,
    lease_expires_at timestamptz,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    version          bigint      NOT NULL DEFAULT 0,
    CONSTRAINT run_state_check CHECK (state IN ('QUEUED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    CONSTRAINT run_current_step_check CHECK (current_step >= 0),
    CONSTRAINT run_idempotency_key_uq UNIQUE (idempotency_key)
);
-- GET /runs?state= pages newest first; the orchestrator looks for claimable runs by state.
CREATE INDEX run_state_created_idx ON run (state, created_at DESC, id);
CREATE INDEX run_created_idx ON run (created_at DESC, id);
CREATE INDEX run_sweep_idx ON run (sweep_id) WHERE sweep_id IS NOT NULL;

CREATE TABLE run_step (
    run_id          uuid        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step_no         integer     NOT NULL,
    state           text        NOT NULL,
    policy_version  bigint      NOT NULL,
    metrics         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    phase_timings   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (run_id, step_no),
    CONSTRAINT run_step_state_check CHECK (state IN ('ROLLOUT', 'SCORING', 'TRAINING', 'SYNCING', 'DONE', 'FAILED')),
    CONSTRAINT run_step_no_check CHECK (step_no >= 0)
);

CREATE TABLE dataset_item (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          uuid        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    item_key        text        NOT NULL,
    split           text        NOT NULL DEFAULT 'train',
    ordinal         integer     NOT NULL,
    prompt          text        NOT NULL,
    reference       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    target_language text,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dataset_item_key_uq UNIQUE (run_id, item_key),
    CONSTRAINT dataset_item_split_check CHECK (split IN ('train', 'eval'))
);
-- The dataset cursor reads the next prompts of a split in order.
CREATE UNIQUE INDEX dataset_item_cursor_idx ON dataset_item (run_id, split, ordinal);

CREATE TABLE completion (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          uuid        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step_no         integer     NOT NULL,
    item_key        text        NOT NULL,
    sample_index    integer     NOT NULL,
    text            text        NOT NULL,
    token_ids       integer[]   NOT NULL,
    logprobs        real[]      NOT NULL,
    finish_reason   text        NOT NULL,
    policy_version  bigint      NOT NULL,
    backend         text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT completion_natural_uq UNIQUE (run_id, step_no, item_key, sample_index),
    CONSTRAINT completion_finish_reason_check CHECK (finish_reason IN ('stop', 'length')),
    CONSTRAINT completion_sample_index_check CHECK (sample_index >= 0),
    CONSTRAINT completion_lengths_check CHECK (cardinality(token_ids) = cardinality(logprobs))
);

CREATE TABLE reward (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    completion_id   bigint           NOT NULL REFERENCES completion (id) ON DELETE CASCADE,
    rule_id         text             NOT NULL,
    rule_version    text             NOT NULL,
    status          text             NOT NULL,
    score           double precision,
    details         jsonb            NOT NULL DEFAULT '{}'::jsonb,
    duration_us     bigint           NOT NULL DEFAULT 0,
    created_at      timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT reward_natural_uq UNIQUE (completion_id, rule_id, rule_version),
    CONSTRAINT reward_status_check CHECK (status IN ('OK', 'NOT_APPLICABLE', 'TIMEOUT', 'ERROR', 'INVALID_INPUT')),
    -- an OK reward has a score; any other status never pretends to be a 0
    CONSTRAINT reward_score_check CHECK ((status = 'OK') = (score IS NOT NULL))
);

CREATE TABLE checkpoint (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          uuid        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step_no         integer     NOT NULL,
    policy_version  bigint      NOT NULL,
    uri             text        NOT NULL,
    sha256          text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkpoint_natural_uq UNIQUE (run_id, step_no),
    CONSTRAINT checkpoint_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
-- resume reads the newest checkpoint of a run
CREATE INDEX checkpoint_latest_idx ON checkpoint (run_id, policy_version DESC);

CREATE TABLE reward_rule (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL,
    version         text        NOT NULL,
    url             text        NOT NULL,
    timeout_ms      integer     NOT NULL,
    enabled         boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reward_rule_natural_uq UNIQUE (name, version),
    CONSTRAINT reward_rule_timeout_check CHECK (timeout_ms > 0)
);

CREATE TABLE work_item (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text        NOT NULL,
    run_id           uuid        REFERENCES run (id) ON DELETE CASCADE,
    step_no          integer,
    payload          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    state            text        NOT NULL DEFAULT 'READY',
    attempts         integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL DEFAULT 5,
    available_at     timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    heartbeat_at     timestamptz,
    idempotency_key  text        NOT NULL,
    result           jsonb,
    error            text,
    version          bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT work_item_idempotency_uq UNIQUE (idempotency_key),
    CONSTRAINT work_item_state_check CHECK (state IN ('READY', 'CLAIMED', 'DONE', 'FAILED', 'BLOCKED')),
    CONSTRAINT work_item_attempts_check CHECK (attempts >= 0 AND max_attempts > 0),
    CONSTRAINT work_item_lease_check CHECK ((state = 'CLAIMED') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
-- the claim: oldest READY items of a kind that are due
CREATE INDEX work_item_claim_idx ON work_item (kind, available_at, id) WHERE state = 'READY';
-- the reaper: CLAIMED items whose lease has run out
CREATE INDEX work_item_lease_idx ON work_item (lease_expires_at) WHERE state = 'CLAIMED';
CREATE INDEX work_item_run_idx ON work_item (run_id, step_no) WHERE run_id IS NOT NULL;

-- Pipelines (issue 14): ordered, named stages, each driven as one run of its kind. The pipeline
-- executor claims a pipeline with a lease (like a run) for each advance: it creates the current
-- stage's run (idempotently, keyed by pipeline and stage), or reads its end and records its outputs.
CREATE TABLE pipeline (
    id               uuid PRIMARY KEY,
    name             text        NOT NULL,
    spec             jsonb       NOT NULL,
    state            text        NOT NULL,
    current_stage    integer     NOT NULL DEFAULT 0,
    idempotency_key  text,
    request_hash     text        NOT NULL,
    lease_owner      text,
    lease_expires_at timestamptz,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    version          bigint      NOT NULL DEFAULT 0,
    CONSTRAINT pipeline_state_check CHECK (state IN ('QUEUED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    CONSTRAINT pipeline_idempotency_key_uq UNIQUE (idempotency_key)
);
CREATE INDEX pipeline_claim_idx ON pipeline (created_at, id) WHERE state IN ('QUEUED', 'RUNNING');

CREATE TABLE pipeline_stage (
    pipeline_id     uuid        NOT NULL REFERENCES pipeline (id) ON DELETE CASCADE,
    ordinal         integer     NOT NULL,
    name            text        NOT NULL,
    kind            text        NOT NULL,
    state           text        NOT NULL DEFAULT 'PENDING',
    run_id          uuid        REFERENCES run (id),
    checkpoint_id   bigint      REFERENCES checkpoint (id),
    dataset_id      uuid,
    metrics         jsonb,
    error           text,
    started_at      timestamptz,
    finished_at     timestamptz,
    PRIMARY KEY (pipeline_id, ordinal),
    CONSTRAINT pipeline_stage_name_uq UNIQUE (pipeline_id, name),
    CONSTRAINT pipeline_stage_run_uq UNIQUE (run_id),
    CONSTRAINT pipeline_stage_state_check CHECK (state IN ('PENDING', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'))
);

-- Datasets as ledger artifacts: made by a stage's run (run_id) or imported. Every row keeps its
-- provenance: the prompt, the policy (run, checkpoint, version) or source that wrote it, and every
-- rule's score.
CREATE TABLE dataset (
    id              uuid PRIMARY KEY,
    name            text        NOT NULL,
    source          text        NOT NULL,
    run_id          uuid        REFERENCES run (id),
    stats           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dataset_source_check CHECK (source IN ('stage', 'import')),
    CONSTRAINT dataset_run_uq UNIQUE (run_id),
    CONSTRAINT dataset_idempotency_key_uq UNIQUE (idempotency_key)
);
ALTER TABLE pipeline_stage ADD CONSTRAINT pipeline_stage_dataset_fk
    FOREIGN KEY (dataset_id) REFERENCES dataset (id);

CREATE TABLE dataset_row (
    dataset_id      uuid        NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    row_key         text        NOT NULL,
    ordinal         integer     NOT NULL,
    prompt          text        NOT NULL,
    completion      text        NOT NULL,
    answer          text,
    provenance      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (dataset_id, row_key)
);
CREATE INDEX dataset_row_order_idx ON dataset_row (dataset_id, ordinal, row_key);

-- A checkpoint's lineage: the run (and so the stage and spec) that wrote it, and the checkpoint
-- its policy started from.
ALTER TABLE checkpoint ADD COLUMN parent_checkpoint_id bigint REFERENCES checkpoint (id);

-- Held-out evaluations of a run's policy: one row per evaluation point, keyed by the number of GRPO
-- steps completed when it ran (0 = the starting policy, after the cold start when there is one).
CREATE TABLE run_eval (
    run_id          uuid        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step_no         integer     NOT NULL,
    policy_version  bigint      NOT NULL,
    metrics         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, step_no),
    CONSTRAINT run_eval_step_no_check CHECK (step_no >= 0)
);

-- A hyperparameter sweep: a grid over some spec fields, one run per grid point (run.sweep_id).
CREATE TABLE sweep (
    id              uuid PRIMARY KEY,
    name            text        NOT NULL,
    spec            jsonb       NOT NULL,
    idempotency_key text,
    request_hash    text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sweep_idempotency_key_uq UNIQUE (idempotency_key)
);
ALTER TABLE run ADD CONSTRAINT run_sweep_fk FOREIGN KEY (sweep_id) REFERENCES sweep (id);

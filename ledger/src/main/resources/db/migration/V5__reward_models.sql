-- Reward-model runs (kind reward_model). The preference rows a run's data gave and left out, per
-- reason (never dropped silently), and the model after each epoch: its held-out pairwise accuracy
-- and the checkpoint written then. Epoch 0 is the untrained head's baseline.
CREATE TABLE reward_model_data (
    run_id            uuid PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE,
    train_pairs       integer     NOT NULL CHECK (train_pairs >= 0),
    held_out_pairs    integer     NOT NULL CHECK (held_out_pairs >= 0),
    rejected          jsonb       NOT NULL,
    rejected_examples jsonb       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reward_model_epoch (
    run_id            uuid             NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    epoch             integer          NOT NULL CHECK (epoch >= 0),
    updates           bigint           NOT NULL CHECK (updates >= 0),
    train_loss        double precision,
    train_accuracy    double precision,
    held_out_accuracy double precision NOT NULL,
    held_out_loss     double precision NOT NULL,
    checkpoint_path   text,
    checkpoint_sha256 text,
    created_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, epoch)
);

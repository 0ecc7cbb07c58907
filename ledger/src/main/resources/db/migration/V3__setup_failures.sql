-- Failed set-ups of a run (model or tokenizer unreadable), counted in the ledger so the bound on
-- attempts holds across trainers and trainer restarts: the run fails with its reason at the last one.
ALTER TABLE run ADD COLUMN setup_failures integer NOT NULL DEFAULT 0;
ALTER TABLE run ADD CONSTRAINT run_setup_failures_check CHECK (setup_failures >= 0);

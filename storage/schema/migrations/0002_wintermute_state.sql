-- wintermute's own state: one cursor per subscription, keyed
-- `firehose:{host}`, `labels:{host}`, `backfill_enum:{host}`. This is the table
-- deployments of the original rsky-wintermute already have, hence IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS bsky.sub_state (
    service text PRIMARY KEY,
    cursor bigint NOT NULL
);

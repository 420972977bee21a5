-- wintermute indexer, part 7: backfilled records join the set-based groups of migration 0008.
--
-- A backfilled record (repo_record) is a create when the database does not hold its URI, an update
-- when it holds another CID, and nothing when it holds the same (backfill_record). The creates of
-- the set-based kinds now join the group like the live path's creates, with the backfill's
-- indexedAt; an update applies the group first and goes one by one. The batch writer's SetGroup
-- treats a repo_record like a create, and has the group applied before repo_end (its
-- reconciliation reads the repo's records) and every other repo_* op. `wintermute-bench backfill`
-- measures it (docs/benchmarks.md "Backfill").
SET LOCAL search_path TO bsky, public;

-- Whether a set-based create may join the group now: a post with replies indexed before it is an
-- ancestor they read, and goes one by one.
CREATE FUNCTION wintermute.set_joinable(coll text, post_uri text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coll <> 'app.bsky.feed.post' OR NOT EXISTS (SELECT 1 FROM post p WHERE p."replyParent" = post_uri) $$;

-- The kinds are those of migration 0007; set_based and apply_before as in migration 0008.
CREATE OR REPLACE FUNCTION wintermute.apply_batch(OUT applied int, OUT stale int, OUT accounts_ignored int)
    LANGUAGE plpgsql AS $$
DECLARE
    op record;
    repo_rev text;
    skip_seq bigint := NULL;
    checked_did text := NULL;
    backfill_t text := NULL;
    set_ok boolean;
    grp wintermute.set_op[] := '{}';  -- the group of set-based creates being collected
    colls text[] := '{}';             -- the collections of the group; empty: no group
    j jsonb;
    group_t text;                     -- the indexedAt of an op that joins the group
    held_cid text;
BEGIN
    applied := 0;
    stale := 0;
    accounts_ignored := 0;
    DELETE FROM wm_repo_outcome;  -- the previous batch's, which its client has read
    set_ok := NOT EXISTS (SELECT 1 FROM thread_mute);
    PERFORM set_config('wintermute.thread_mutes_empty', CASE WHEN set_ok THEN 'on' ELSE 'off' END, true);
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        IF op.apply_before AND cardinality(colls) > 0 THEN
            PERFORM wintermute.apply_set(grp, colls);
            grp := '{}';
            colls := '{}';
        END IF;
        CASE op.kind
        WHEN 'commit', 'sync' THEN
            checked_did := NULL;
            INSERT INTO actor_sync AS s (did, "commitCid", "repoRev") VALUES (op.did, op.cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev"
            WHERE (s."repoRev" IS NOT NULL AND excluded."repoRev" <= s."repoRev") IS NOT TRUE;
            IF NOT FOUND THEN
                -- Not newer than the rev held (the row is now locked by the upsert's check).
                SELECT "repoRev" INTO repo_rev FROM actor_sync WHERE did = op.did;
                skip_seq := op.seq;
                -- A #sync repeating the current rev is not a stale write.
                IF op.kind = 'commit' OR op.rev < repo_rev THEN
                    stale := stale + 1;
                END IF;
                CONTINUE;
            END IF;
        WHEN 'create' THEN
            CONTINUE WHEN op.seq = skip_seq;
            IF op.set_based AND set_ok AND wintermute.set_joinable(op.extra, op.uri) THEN
                group_t := op.t;
            ELSE
                PERFORM wintermute.index_create(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                                op.created_at);
            END IF;
        WHEN 'update' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_update(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                            op.created_at);
        WHEN 'delete' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_delete(op.extra, op.uri);
        WHEN 'actor' THEN
            PERFORM wintermute.index_actor(op.did, op.extra, op.t, coalesce(op.json = 'force', false));
        WHEN 'account' THEN
            IF NOT wintermute.apply_account(op.did, op.extra, op.t) THEN
                accounts_ignored := accounts_ignored + 1;
            END IF;
        WHEN 'delete_actor' THEN
            checked_did := NULL;
            PERFORM wintermute.delete_actor(op.did);
        WHEN 'label' THEN
            PERFORM wintermute.apply_label(op.json::jsonb);
        WHEN 'repo_begin' THEN
            PERFORM wintermute.backfill_begin(op.did, op.cid, op.rev, op.t);
            checked_did := NULL;
        WHEN 'repo_record' THEN
            -- Checked (and its actor_sync row locked) once per repo per batch.
            IF checked_did IS DISTINCT FROM op.did THEN
                backfill_t := wintermute.backfill_check(op.did);
                checked_did := op.did;
            END IF;
            CONTINUE WHEN backfill_t IS NULL;
            IF op.set_based AND set_ok AND op.json IS NOT NULL THEN
                -- backfill_record's create case, set-based: a record the database does not hold.
                INSERT INTO wm_backfill_seen VALUES (op.did, op.uri) ON CONFLICT DO NOTHING;
                SELECT r.cid INTO held_cid FROM record r WHERE r.uri = op.uri;
                IF NOT FOUND AND wintermute.set_joinable(op.extra, op.uri) THEN
                    group_t := backfill_t;
                ELSIF held_cid IS DISTINCT FROM op.cid THEN
                    -- An update (or a post with replies): one by one, after the group.
                    IF cardinality(colls) > 0 THEN
                        PERFORM wintermute.apply_set(grp, colls);
                        grp := '{}';
                        colls := '{}';
                    END IF;
                    PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                                       op.created_at);
                END IF;
            ELSE
                PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                                   op.created_at);
            END IF;
        WHEN 'repo_end' THEN
            PERFORM wintermute.backfill_end(op.did, op.extra);
            checked_did := NULL;
        WHEN 'repo_status' THEN
            PERFORM wintermute.backfill_status(op.did, op.cid, op.rev, op.extra);
            checked_did := NULL;
        END CASE;
        IF group_t IS NOT NULL THEN
            j := op.json::jsonb;
            grp := grp || ROW(op.ord, op.uri, op.cid, op.did, op.extra, op.json, j, group_t, op.created_at,
                              CASE WHEN op.extra IN ('app.bsky.feed.like', 'app.bsky.feed.repost')
                                   THEN j -> 'subject' ->> 'uri'
                                   WHEN op.extra IN ('app.bsky.graph.follow', 'app.bsky.graph.block')
                                   THEN j ->> 'subject' END)::wintermute.set_op;
            IF NOT op.extra = ANY (colls) THEN
                colls := colls || op.extra;
            END IF;
            group_t := NULL;
        END IF;
        applied := applied + 1;
    END LOOP;
    IF cardinality(colls) > 0 THEN
        PERFORM wintermute.apply_set(grp, colls);
    END IF;
    PERFORM wintermute.apply_agg_deltas();
    PERFORM wintermute.empty_staging();
END $$;

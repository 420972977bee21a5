-- wintermute indexer, part 13: a commit's header rides on its first op's row of wm_op.
--
-- Every #commit staged two rows or more: its header (the actor_sync upsert of the stale-rev guard)
-- and its ops. On the live network almost every commit carries one op, so half of wm_op's rows, of
-- the COPY that fills it and of apply_batch's loop turns were headers (docs/benchmarks.md, "a
-- like's PostgreSQL time": COPY 6.8 µs and the loop 7.0 µs an event). The batch writer now puts
-- the header's commit CID and rev on the commit's first op's row (wm_op.commit_cid, wm_op.rev); a
-- commit whose ops were all rejected, or whose first op's row COPY refused, still stages a header
-- row of its own, now also with commit_cid set. apply_batch runs the header's part of a row first
-- and then, on the same row, the op: the same statements in the same order as two rows did.
SET LOCAL search_path TO bsky, public;

ALTER FUNCTION wintermute.prepare_session() RENAME TO prepare_session_0011;
CREATE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.prepare_session_0011();
    ALTER TABLE wm_op ADD COLUMN IF NOT EXISTS commit_cid text;
END $$;

-- apply_batch of migration 0014, with the #commit case moved ahead of the op's: a row with
-- commit_cid set moves actor_sync to (commit_cid, rev) first; when the commit is not newer than
-- the rev held, its op (on this row or its own) is skipped by skip_seq as before.
CREATE OR REPLACE FUNCTION wintermute.apply_batch(OUT applied int, OUT stale int, OUT accounts_ignored int)
    LANGUAGE plpgsql SET jit = off AS $$
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
    fresh boolean := false;           -- the database held no record of checked_did's repo at its start
    joinable boolean;
    member_coll text;                 -- the op's coll in the group: replies are 'app.bsky.feed.post#reply'
BEGIN
    applied := 0;
    stale := 0;
    accounts_ignored := 0;
    DELETE FROM wm_repo_outcome;  -- the previous batch's, which its client has read
    set_ok := NOT EXISTS (SELECT 1 FROM thread_mute);
    PERFORM set_config('wintermute.thread_mutes_empty', CASE WHEN set_ok THEN 'on' ELSE 'off' END, true);
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        IF op.commit_cid IS NOT NULL THEN
            -- The #commit's header: its own row, or on its first op's.
            checked_did := NULL;
            INSERT INTO actor_sync AS s (did, "commitCid", "repoRev") VALUES (op.did, op.commit_cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev"
            WHERE (s."repoRev" IS NOT NULL AND excluded."repoRev" <= s."repoRev") IS NOT TRUE;
            IF FOUND THEN
                applied := applied + 1;
            ELSE
                -- Not newer than the rev held (the row is now locked by the upsert's check): the
                -- commit's ops are skipped, after the group is applied if the op's row says so,
                -- as for an op on a row of its own.
                skip_seq := op.seq;
                stale := stale + 1;
            END IF;
            CONTINUE WHEN op.kind = 'commit';
        END IF;
        IF op.apply_before AND cardinality(colls) > 0 THEN
            PERFORM wintermute.apply_set(grp, colls);
            grp := '{}';
            colls := '{}';
        END IF;
        CASE op.kind
        WHEN 'repo_record' THEN
            -- Checked (and its actor_sync row locked) once per repo per batch.
            IF checked_did IS DISTINCT FROM op.did THEN
                backfill_t := wintermute.backfill_check(op.did);
                checked_did := op.did;
                fresh := backfill_t IS NOT NULL AND EXISTS (SELECT 1 FROM wm_backfill_fresh f WHERE f.did = op.did);
            END IF;
            CONTINUE WHEN backfill_t IS NULL;
            IF op.set_based AND set_ok AND op.json IS NOT NULL THEN
                -- backfill_record's create case, set-based: a record the database does not hold. A
                -- fresh repo's records are all new, and its end has nothing to reconcile: neither
                -- the lookup nor the seen row.
                IF fresh THEN
                    held_cid := NULL;
                ELSE
                    INSERT INTO wm_backfill_seen VALUES (op.did, op.uri) ON CONFLICT DO NOTHING;
                    SELECT r.cid INTO held_cid FROM record r WHERE r.uri = op.uri;
                END IF;
                IF op.extra <> 'app.bsky.feed.post' THEN
                    joinable := held_cid IS NULL;
                ELSE
                    joinable := held_cid IS NULL AND wintermute.set_joinable(op.extra, op.uri);
                END IF;
                IF joinable THEN
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
                -- A post that may be an ancestor of a group reply: one with replies indexed before it,
                -- or, in a repo that is not fresh, one this record may update.
                IF op.extra = 'app.bsky.feed.post' AND 'app.bsky.feed.post#reply' = ANY (colls)
                   AND (NOT fresh OR NOT wintermute.set_joinable(op.extra, op.uri)) THEN
                    PERFORM wintermute.apply_set(grp, colls);
                    grp := '{}';
                    colls := '{}';
                END IF;
                PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                                   op.created_at);
            END IF;
        WHEN 'sync' THEN
            checked_did := NULL;
            INSERT INTO actor_sync AS s (did, "commitCid", "repoRev") VALUES (op.did, op.cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev"
            WHERE (s."repoRev" IS NOT NULL AND excluded."repoRev" <= s."repoRev") IS NOT TRUE;
            IF NOT FOUND THEN
                SELECT "repoRev" INTO repo_rev FROM actor_sync WHERE did = op.did;
                skip_seq := op.seq;
                -- A #sync repeating the current rev is not a stale write.
                IF op.rev < repo_rev THEN
                    stale := stale + 1;
                END IF;
                CONTINUE;
            END IF;
        WHEN 'create' THEN
            CONTINUE WHEN op.seq = skip_seq;
            -- set_joinable runs a query through the SQL function executor: only posts need it.
            IF op.set_based AND set_ok
               AND (op.extra <> 'app.bsky.feed.post' OR wintermute.set_joinable(op.extra, op.uri)) THEN
                group_t := op.t;
            ELSE
                IF op.extra = 'app.bsky.feed.post' AND 'app.bsky.feed.post#reply' = ANY (colls)
                   AND (op.set_based OR NOT wintermute.set_joinable(op.extra, op.uri)) THEN
                    PERFORM wintermute.apply_set(grp, colls);
                    grp := '{}';
                    colls := '{}';
                END IF;
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
        WHEN 'repo_end' THEN
            -- Reconciliation reads the repo's records; a fresh repo has nothing to reconcile.
            IF cardinality(colls) > 0 AND NOT EXISTS (SELECT 1 FROM wm_backfill_fresh f WHERE f.did = op.did) THEN
                PERFORM wintermute.apply_set(grp, colls);
                grp := '{}';
                colls := '{}';
            END IF;
            PERFORM wintermute.backfill_end(op.did, op.extra);
            checked_did := NULL;
        WHEN 'repo_status' THEN
            PERFORM wintermute.backfill_status(op.did, op.cid, op.rev, op.extra);
            checked_did := NULL;
        END CASE;
        IF group_t IS NOT NULL THEN
            j := op.json::jsonb;
            member_coll := CASE WHEN op.extra = 'app.bsky.feed.post' AND j ? 'reply'
                                THEN 'app.bsky.feed.post#reply' ELSE op.extra END;
            grp := grp || ROW(op.ord, op.uri, op.cid, op.did, member_coll, op.json, j, group_t, op.created_at,
                              CASE WHEN op.extra IN ('app.bsky.feed.like', 'app.bsky.feed.repost')
                                   THEN j -> 'subject' ->> 'uri'
                                   WHEN op.extra IN ('app.bsky.graph.follow', 'app.bsky.graph.block')
                                   THEN j ->> 'subject' END)::wintermute.set_op;
            IF NOT member_coll = ANY (colls) THEN
                colls := colls || member_coll;
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

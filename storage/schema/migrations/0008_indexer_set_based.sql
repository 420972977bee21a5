-- wintermute indexer, part 6: the common creates applied set-based, with the same results.
--
-- apply_batch used to apply every op on its own: 10-30 statements per record, each paying the
-- executor's start-up (docs/benchmarks.md "Live path"). Most of the firehose is creates that read
-- nothing another op of the batch writes: likes, reposts, follows, blocks, and posts that are
-- neither replies nor quotes. The classifier marks those (wm_op.set_based); apply_batch collects
-- them into a group and applies it with one statement per table family (apply_set) before an op
-- that may read what the group writes (wm_op.apply_before) and at the end of the batch. The batch
-- writer decides both flags op by op (stages/batch_write/set_group.*, docs/indexing.md "Set-based
-- creates"); ops that touch none of the group's rows (commits, identity, accounts, labels, most
-- collections, replies to other posts) do not interrupt a group.
--
-- Why the results are those of applying the ops one by one:
-- * Inside a group, each table's rows are inserted in firehose order (INSERT … SELECT … ORDER BY
--   ord ON CONFLICT DO NOTHING), so the first of two likes of a post by one actor wins, as it
--   does one by one, and the later one becomes a duplicate_record of it. A URI appears at most
--   once in a group (the writer stages a repeated create as not set-based).
-- * A group's notifications and aggregate deltas depend only on its own rows. Thread mutes could
--   make a notification depend on a post of the group: a batch that finds thread_mute non-empty
--   applies everything one by one.
-- * An op that may read a group's rows has the group applied first: any op of a collection the
--   group holds but posts (updates, deletes, duplicate checks and promotions), a post op on a
--   post of the group or on the subject of one of its reposts, a reply whose parent or root is in
--   the group or whose thread gate may ask for one of its follows, a gate of one of its posts,
--   delete_actor and the backfill kinds. A reply's walk up its thread reads no further: a post of
--   the group has no parent, and one that already has replies is applied one by one (they read
--   it as an ancestor).
SET LOCAL search_path TO bsky, public;

-- The set_* functions run generic plans: with the group as a parameter, PL/pgSQL would otherwise
-- keep planning each multi-CTE statement anew (custom plans), which took twice its execution.

-- One set-based create of the group apply_batch collects (a PL/pgSQL array of these: a temporary
-- table would pile up dead rows that every statement of every group of the batch scans again).
CREATE TYPE wintermute.set_op AS (
    ord bigint, uri text, cid text, did text, coll text, json text, j jsonb, t text, created_at text,
    subject text);  -- the like's or repost's subject URI, the follow's or block's subject DID

CREATE OR REPLACE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS wm_op (
        ord bigint NOT NULL, seq bigint, kind text NOT NULL, did text, uri text, cid text, rev text, t text,
        json text, created_at text, extra text, set_based boolean NOT NULL DEFAULT false,
        apply_before boolean NOT NULL DEFAULT false)
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_post_agg_delta (uri text, likes int, replies int, reposts int)
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_profile_agg_delta (did text, followers int, follows int, posts int)
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_repo (
        did text PRIMARY KEY, cid text NOT NULL, rev text NOT NULL, t text NOT NULL,
        discarded text) ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_backfill_seen (did text, uri text, PRIMARY KEY (did, uri))
        ON COMMIT PRESERVE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_repo_outcome (did text, outcome text, detail text)
        ON COMMIT PRESERVE ROWS;
END $$;

-- The group's likes and reposts: rows in firehose order, then from the rows that went in their
-- notifications and post_agg deltas, the reposts' feed items (written for duplicates too), and for
-- the ops whose row did not go in, findDuplicate: the row holding their (subject, creator), which
-- one by one is a row indexed before (this statement's snapshot) or one of this group's earlier.
CREATE FUNCTION wintermute.set_subject_posts(grp wintermute.set_op[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    WITH g AS (SELECT * FROM unnest(grp) WHERE coll IN ('app.bsky.feed.like', 'app.bsky.feed.repost')),
    l AS (
        INSERT INTO "like" (uri, cid, creator, subject, "subjectCid", via, "viaCid", "createdAt", "indexedAt")
        SELECT uri, cid, did, subject, j -> 'subject' ->> 'cid', j -> 'via' ->> 'uri', j -> 'via' ->> 'cid',
               created_at, t
        FROM g WHERE coll = 'app.bsky.feed.like' ORDER BY ord ON CONFLICT DO NOTHING
        RETURNING uri, cid, creator, subject, via, "sortAt", 'like' AS reason),
    r AS (
        INSERT INTO repost (uri, cid, creator, subject, "subjectCid", via, "viaCid", "createdAt", "indexedAt")
        SELECT uri, cid, did, subject, j -> 'subject' ->> 'cid', j -> 'via' ->> 'uri', j -> 'via' ->> 'cid',
               created_at, t
        FROM g WHERE coll = 'app.bsky.feed.repost' ORDER BY ord ON CONFLICT DO NOTHING
        RETURNING uri, cid, creator, subject, via, "sortAt", 'repost' AS reason),
    ins AS (SELECT * FROM l UNION ALL SELECT * FROM r),
    feed AS (
        INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
        SELECT uri, cid, 'repost', subject, did, least(t, created_at)
        FROM g WHERE coll = 'app.bsky.feed.repost' ORDER BY ord ON CONFLICT DO NOTHING),
    agg AS (
        INSERT INTO wm_post_agg_delta (uri, likes, replies, reposts)
        SELECT subject, (reason = 'like')::int, 0, (reason = 'repost')::int FROM ins),
    notified AS (
        INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
        SELECT wintermute.uri_did(subject), uri, cid, creator, reason, subject, "sortAt"
        FROM ins WHERE wintermute.uri_did(subject) <> creator
        UNION ALL
        SELECT wintermute.uri_did(via), uri, cid, creator, reason || '-via-repost', via, "sortAt"
        FROM ins WHERE via IS NOT NULL AND wintermute.uri_did(via) <> creator)
    INSERT INTO duplicate_record (uri, cid, "duplicateOf", "indexedAt")
    SELECT g.uri, g.cid, d.uri, g.t
    FROM g CROSS JOIN LATERAL (
        SELECT x.uri FROM "like" x
        WHERE g.coll = 'app.bsky.feed.like' AND x.subject = g.subject AND x.creator = g.did
        UNION ALL
        SELECT x.uri FROM repost x
        WHERE g.coll = 'app.bsky.feed.repost' AND x.subject = g.subject AND x.creator = g.did
        UNION ALL
        SELECT i.uri FROM ins i JOIN g AS earlier ON earlier.uri = i.uri
        WHERE i.reason = CASE g.coll WHEN 'app.bsky.feed.like' THEN 'like' ELSE 'repost' END
          AND i.subject = g.subject AND i.creator = g.did AND earlier.ord < g.ord) d
    WHERE g.uri NOT IN (SELECT uri FROM ins) AND d.uri <> g.uri
    ORDER BY g.ord ON CONFLICT DO NOTHING;
END $$;

-- The group's follows and blocks, the same way: follow notifications and profile_agg deltas.
CREATE FUNCTION wintermute.set_subject_actors(grp wintermute.set_op[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    WITH g AS (SELECT * FROM unnest(grp) WHERE coll IN ('app.bsky.graph.follow', 'app.bsky.graph.block')),
    f AS (
        INSERT INTO follow (uri, cid, creator, "subjectDid", "createdAt", "indexedAt")
        SELECT uri, cid, did, subject, created_at, t
        FROM g WHERE coll = 'app.bsky.graph.follow' ORDER BY ord ON CONFLICT DO NOTHING
        RETURNING uri, cid, creator, "subjectDid" AS subject, "sortAt", 'follow' AS kind),
    b AS (
        INSERT INTO actor_block (uri, cid, creator, "subjectDid", "createdAt", "indexedAt")
        SELECT uri, cid, did, subject, created_at, t
        FROM g WHERE coll = 'app.bsky.graph.block' ORDER BY ord ON CONFLICT DO NOTHING
        RETURNING uri, cid, creator, "subjectDid" AS subject, "sortAt", 'block' AS kind),
    ins AS (SELECT * FROM f UNION ALL SELECT * FROM b),
    agg AS (
        INSERT INTO wm_profile_agg_delta (did, followers, follows, posts)
        SELECT subject, 1, 0, 0 FROM f UNION ALL SELECT creator, 0, 1, 0 FROM f),
    notified AS (
        INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
        SELECT subject, uri, cid, creator, 'follow', NULL, "sortAt" FROM f)
    INSERT INTO duplicate_record (uri, cid, "duplicateOf", "indexedAt")
    SELECT g.uri, g.cid, d.uri, g.t
    FROM g CROSS JOIN LATERAL (
        SELECT x.uri FROM follow x
        WHERE g.coll = 'app.bsky.graph.follow' AND x."subjectDid" = g.subject AND x.creator = g.did
        UNION ALL
        SELECT x.uri FROM actor_block x
        WHERE g.coll = 'app.bsky.graph.block' AND x."subjectDid" = g.subject AND x.creator = g.did
        UNION ALL
        SELECT i.uri FROM ins i JOIN g AS earlier ON earlier.uri = i.uri
        WHERE i.kind = CASE g.coll WHEN 'app.bsky.graph.follow' THEN 'follow' ELSE 'block' END
          AND i.subject = g.subject AND i.creator = g.did AND earlier.ord < g.ord) d
    WHERE g.uri NOT IN (SELECT uri FROM ins) AND d.uri <> g.uri
    ORDER BY g.ord ON CONFLICT DO NOTHING;
END $$;

-- The group's posts (neither replies nor quotes): rows, feed items (for duplicates too), and for the
-- new ones their embeds, profile_agg deltas and mention notifications (one per mentioned DID, never
-- to the author) — all notify_post gives a post without a parent or a quoted post.
CREATE FUNCTION wintermute.set_posts(grp wintermute.set_op[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    WITH g AS (SELECT * FROM unnest(grp) WHERE coll = 'app.bsky.feed.post'),
    p AS (
        INSERT INTO post (uri, cid, creator, text, "createdAt", "indexedAt", langs, tags)
        SELECT uri, cid, did, j ->> 'text', created_at, t,
               CASE WHEN jsonb_array_length(coalesce(j -> 'langs', '[]')) > 0 THEN j -> 'langs' END,
               CASE WHEN jsonb_array_length(coalesce(j -> 'tags', '[]')) > 0 THEN j -> 'tags' END
        FROM g ORDER BY ord ON CONFLICT DO NOTHING RETURNING uri),
    feed AS (
        INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
        SELECT uri, cid, 'post', uri, did, least(t, created_at) FROM g ORDER BY ord ON CONFLICT DO NOTHING),
    n AS (SELECT * FROM g WHERE uri IN (SELECT uri FROM p)),
    agg AS (INSERT INTO wm_profile_agg_delta (did, followers, follows, posts) SELECT did, 0, 0, 1 FROM n),
    images AS (
        INSERT INTO post_embed_image ("postUri", position, "imageCid", alt)
        SELECT n.uri, (i.ord - 1)::text, wintermute.blob_cid(i.img -> 'image'), i.img ->> 'alt'
        FROM n, jsonb_array_elements(n.j -> 'embed' -> 'images') WITH ORDINALITY AS i(img, ord)
        WHERE n.j -> 'embed' ->> '$type' = 'app.bsky.embed.images'),
    external AS (
        INSERT INTO post_embed_external ("postUri", uri, title, description, "thumbCid")
        SELECT n.uri, n.j -> 'embed' -> 'external' ->> 'uri', n.j -> 'embed' -> 'external' ->> 'title',
               n.j -> 'embed' -> 'external' ->> 'description',
               wintermute.blob_cid(n.j -> 'embed' -> 'external' -> 'thumb')
        FROM n WHERE n.j -> 'embed' ->> '$type' = 'app.bsky.embed.external'),
    video AS (
        INSERT INTO post_embed_video ("postUri", "videoCid", alt)
        SELECT n.uri, wintermute.blob_cid(n.j -> 'embed' -> 'video'), n.j -> 'embed' ->> 'alt'
        FROM n WHERE n.j -> 'embed' ->> '$type' = 'app.bsky.embed.video'),
    gallery AS (
        INSERT INTO post_embed_gallery_image ("postUri", position, "imageCid", alt)
        SELECT n.uri, (i.ord - 1)::text, wintermute.blob_cid(i.item -> 'image'), i.item ->> 'alt'
        FROM n, jsonb_array_elements(n.j -> 'embed' -> 'items') WITH ORDINALITY AS i(item, ord)
        WHERE n.j -> 'embed' ->> '$type' = 'app.bsky.embed.gallery'
          AND i.item ->> '$type' = 'app.bsky.embed.gallery#image')
    INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
    SELECT DISTINCT feat ->> 'did', n.uri, n.cid, n.did, 'mention', NULL::text, least(n.created_at, n.t)
    FROM n, jsonb_array_elements(n.j -> 'facets') f, jsonb_array_elements(coalesce(f -> 'features', '[]')) feat
    WHERE n.j -> 'facets' IS NOT NULL
      AND feat ->> '$type' = 'app.bsky.richtext.facet#mention' AND feat ->> 'did' <> n.did;
END $$;

-- Applies a collected group: every create's record row, then each collection's statement.
CREATE FUNCTION wintermute.apply_set(grp wintermute.set_op[], colls text[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    INSERT INTO record (uri, cid, did, json, "indexedAt")
    SELECT uri, cid, did, json, t FROM unnest(grp) ORDER BY ord ON CONFLICT DO NOTHING;
    IF colls && ARRAY['app.bsky.feed.post'] THEN
        PERFORM wintermute.set_posts(grp);
    END IF;
    IF colls && ARRAY['app.bsky.feed.like', 'app.bsky.feed.repost'] THEN
        PERFORM wintermute.set_subject_posts(grp);
    END IF;
    IF colls && ARRAY['app.bsky.graph.follow', 'app.bsky.graph.block'] THEN
        PERFORM wintermute.set_subject_actors(grp);
    END IF;
END $$;

-- The kinds are those of migration 0007. A create with set_based joins the group; an op with
-- apply_before has the group applied first (the batch writer decides both: SetGroup).
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
            -- A post with replies indexed before it is an ancestor they read: one by one.
            IF op.set_based AND set_ok AND (op.extra <> 'app.bsky.feed.post'
                                            OR NOT EXISTS (SELECT 1 FROM post WHERE "replyParent" = op.uri)) THEN
                j := op.json::jsonb;
                grp := grp || ROW(op.ord, op.uri, op.cid, op.did, op.extra, op.json, j, op.t, op.created_at,
                                  CASE WHEN op.extra IN ('app.bsky.feed.like', 'app.bsky.feed.repost')
                                       THEN j -> 'subject' ->> 'uri'
                                       WHEN op.extra IN ('app.bsky.graph.follow', 'app.bsky.graph.block')
                                       THEN j ->> 'subject' END)::wintermute.set_op;
                IF NOT op.extra = ANY (colls) THEN
                    colls := colls || op.extra;
                END IF;
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
            PERFORM wintermute.backfill_record(op.did, op.extra, op.uri, op.cid, op.json, backfill_t,
                                               op.created_at);
        WHEN 'repo_end' THEN
            PERFORM wintermute.backfill_end(op.did, op.extra);
            checked_did := NULL;
        WHEN 'repo_status' THEN
            PERFORM wintermute.backfill_status(op.did, op.cid, op.rev, op.extra);
            checked_did := NULL;
        END CASE;
        applied := applied + 1;
    END LOOP;
    IF cardinality(colls) > 0 THEN
        PERFORM wintermute.apply_set(grp, colls);
    END IF;
    PERFORM wintermute.apply_agg_deltas();
    PERFORM wintermute.empty_staging();
END $$;

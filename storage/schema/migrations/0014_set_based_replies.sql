-- wintermute indexer, part 12: replies join the set-based groups of migration 0008, and a group
-- spans the repos of a backfill batch (see apply_batch below).
--
-- A reply applied one by one runs some twenty statements (insert_post, check_reply, notify_post and
-- the calls between them): in a backfill of the network's mix the 7 % of records that went one by
-- one, mostly replies, took a fifth of the writer's time (docs/benchmarks.md "Backfill"). A reply
-- that is neither a quote nor self-referencing is now set-based (the classifier marks it; the
-- group member's coll is 'app.bsky.feed.post#reply') and set_replies applies the group's replies
-- with two statements: one that only reads — check_reply's validity and gate checks, and the
-- ancestors notify_post would notify — and one that writes post, feed_item, op_thread_reply, embed,
-- aggregate-delta and notification rows.
--
-- Why the results are those of applying the ops one by one (docs/indexing.md "Set-based creates"):
-- a reply reads its parent's and root's record and post rows, the root's thread gate, the follows
-- between its author and the root's, the gate's lists' items, and up to four ancestors' post rows.
-- The batch writer's SetGroup applies the group before any op that writes one of those after a
-- reply of the group has been collected, and before a reply that would read one the group wrote
-- (docs/indexing.md lists the rules). The group's other members cannot be what a reply reads: a
-- plain post of the group is never an ancestor of a reply (one with replies indexed before it goes
-- one by one, and apply_batch now applies the group before such a post, as before any post create
-- applied one by one that has replies indexed before it), and a group reply has no
-- replies indexed before it (set_joinable), so notify_post's walk down finds nothing. Group replies
-- do not read each other: one whose parent or root is in the group has the group applied first.
-- set_replies runs after the group's other statements; a follow that a reply of the group may read
-- (between its author and the root's) has the group applied before it joins.
SET LOCAL search_path TO bsky, public;

-- A group reply with what set_replies' reading statement found for it.
CREATE TYPE wintermute.set_reply AS (
    ord bigint, uri text, cid text, did text, j jsonb, t text, created_at text,
    invalid_root boolean, violates_gate boolean,
    reply_to text[]);  -- the ancestors notify_post notifies, in order (none when it violates the gate)

CREATE FUNCTION wintermute.set_replies(grp wintermute.set_op[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    replies wintermute.set_reply[];
BEGIN
    -- Reads only: check_reply (called as it is for a gated reply, rare), then notify_post's walk up
    -- — at most four ancestors, stopping after one the root's gate hides, one notification per DID
    -- (the nearest ancestor), never to the author or to a DID the reply mentions.
    SELECT array_agg(ROW(g.ord, g.uri, g.cid, g.did, g.j, g.t, g.created_at, v.invalid_root, v.violates_gate,
                         CASE WHEN NOT coalesce(v.violates_gate, false) THEN w.reply_to END)::wintermute.set_reply
                     ORDER BY g.ord)
    INTO replies
    FROM unnest(grp) g
    CROSS JOIN LATERAL (
        SELECT g.j -> 'reply' -> 'parent' ->> 'uri' AS parent_uri, g.j -> 'reply' -> 'root' ->> 'uri' AS root_uri,
               wintermute.uri_did(g.j -> 'reply' -> 'root' ->> 'uri') AS owner,
               coalesce(nullif(g.j -> 'reply' -> 'root' ->> 'uri', ''), g.uri) AS thread_root) u
    CROSS JOIN LATERAL (
        SELECT (SELECT r.json FROM record r WHERE r.uri = u.parent_uri) AS parent_json,
               (SELECT p."invalidReplyRoot" FROM post p WHERE p.uri = u.parent_uri) AS parent_invalid,
               EXISTS (SELECT 1 FROM record r
                       WHERE r.uri = 'at://' || u.owner || '/app.bsky.feed.threadgate/'
                                     || wintermute.uri_rkey(u.root_uri)) AS gated) l
    CROSS JOIN LATERAL (
        SELECT l.parent_json IS NULL
               OR coalesce(l.parent_invalid, false)
               -- check_reply reads the root's record only here, where it is the parent's.
               OR (u.parent_uri = u.root_uri AND coalesce(l.parent_json::jsonb ? 'reply', false))
               OR (u.parent_uri <> u.root_uri
                   AND coalesce(l.parent_json::jsonb -> 'reply' -> 'root' ->> 'uri', '') <> u.root_uri) AS invalid_root,
               CASE WHEN g.did = u.owner OR NOT l.gated THEN false
                    ELSE (wintermute.check_reply(g.did, g.j)).violates_gate END AS violates_gate) v
    LEFT JOIN LATERAL (SELECT a.uri, a."replyParent" FROM post a
                       WHERE a.uri = nullif(u.parent_uri, '')) a1 ON true
    LEFT JOIN LATERAL (SELECT a.uri, a."replyParent" FROM post a WHERE a.uri = a1."replyParent") a2 ON true
    LEFT JOIN LATERAL (SELECT a.uri, a."replyParent" FROM post a WHERE a.uri = a2."replyParent") a3 ON true
    LEFT JOIN LATERAL (SELECT a.uri FROM post a WHERE a.uri = a3."replyParent") a4 ON true
    LEFT JOIN LATERAL (
        SELECT r.json::jsonb -> 'hiddenReplies' AS hidden FROM record r
        WHERE a1.uri IS NOT NULL
          AND r.uri = 'at://' || wintermute.uri_did(u.thread_root) || '/app.bsky.feed.threadgate/'
                      || wintermute.uri_rkey(u.thread_root)) gate ON true
    CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(feat ->> 'did') FILTER (WHERE feat ->> 'did' IS NOT NULL), '{}') AS dids
        FROM jsonb_array_elements(coalesce(g.j -> 'facets', '[]')) f,
             jsonb_array_elements(coalesce(f -> 'features', '[]')) feat
        WHERE feat ->> '$type' = 'app.bsky.richtext.facet#mention') mentioned
    CROSS JOIN LATERAL (
        SELECT array_agg(d.anc ORDER BY d.h) AS reply_to
        FROM (SELECT DISTINCT ON (wintermute.uri_did(x.anc)) x.h, x.anc
              FROM (VALUES (1, a1.uri), (2, a2.uri), (3, a3.uri), (4, a4.uri)) x(h, anc)
              WHERE x.anc IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM (VALUES (1, a1.uri), (2, a2.uri), (3, a3.uri)) y(h, anc)
                                WHERE y.h < x.h AND coalesce(gate.hidden @> to_jsonb(ARRAY[y.anc]), false))
                AND wintermute.uri_did(x.anc) <> g.did
                AND NOT wintermute.uri_did(x.anc) = ANY (mentioned.dids)
              ORDER BY wintermute.uri_did(x.anc), x.h) d) w
    WHERE g.coll = 'app.bsky.feed.post#reply';

    -- Writes: insert_post (the flags check_reply sets written with the row, as its UPDATE leaves
    -- them) and notify_post for the replies whose row went in; the feed item for every one.
    WITH c AS (SELECT * FROM unnest(replies)),
    p AS (
        INSERT INTO post (uri, cid, creator, text, "replyRoot", "replyRootCid", "replyParent", "replyParentCid",
                          "createdAt", "indexedAt", langs, tags, "invalidReplyRoot", "violatesThreadGate")
        SELECT uri, cid, did, j ->> 'text', nullif(j -> 'reply' -> 'root' ->> 'uri', ''),
               nullif(j -> 'reply' -> 'root' ->> 'cid', ''), nullif(j -> 'reply' -> 'parent' ->> 'uri', ''),
               nullif(j -> 'reply' -> 'parent' ->> 'cid', ''), created_at, t,
               CASE WHEN jsonb_array_length(coalesce(j -> 'langs', '[]')) > 0 THEN j -> 'langs' END,
               CASE WHEN jsonb_array_length(coalesce(j -> 'tags', '[]')) > 0 THEN j -> 'tags' END,
               CASE WHEN invalid_root OR violates_gate THEN invalid_root END,
               CASE WHEN invalid_root OR violates_gate THEN violates_gate END
        FROM c ORDER BY ord ON CONFLICT DO NOTHING RETURNING uri, "sortAt"),
    feed AS (
        INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
        SELECT uri, cid, 'post', uri, did, least(t, created_at) FROM c ORDER BY ord ON CONFLICT DO NOTHING),
    n AS (SELECT c.*, p."sortAt", nullif(c.j -> 'reply' -> 'parent' ->> 'uri', '') AS parent,
                 nullif(c.j -> 'reply' -> 'root' ->> 'uri', '') AS root
          FROM c JOIN p ON p.uri = c.uri),
    thread AS (
        INSERT INTO op_thread_reply ("rootUri", "parentUri", uri, "deletedAt")
        SELECT root, parent, uri, NULL FROM n
        WHERE did = wintermute.uri_did(root) AND parent IS NOT NULL ORDER BY ord ON CONFLICT DO NOTHING),
    replied AS (
        INSERT INTO wm_post_agg_delta (uri, likes, replies, reposts)
        SELECT parent, 0, CASE WHEN coalesce(violates_gate, false) THEN 0 ELSE 1 END, 0 FROM n
        WHERE parent IS NOT NULL),
    posted AS (INSERT INTO wm_profile_agg_delta (did, followers, follows, posts) SELECT did, 0, 0, 1 FROM n),
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
          AND i.item ->> '$type' = 'app.bsky.embed.gallery#image'),
    mentions AS (
        INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
        SELECT DISTINCT feat ->> 'did', n.uri, n.cid, n.did, 'mention', NULL::text, n."sortAt"
        FROM n, jsonb_array_elements(n.j -> 'facets') f, jsonb_array_elements(coalesce(f -> 'features', '[]')) feat
        WHERE n.j -> 'facets' IS NOT NULL
          AND feat ->> '$type' = 'app.bsky.richtext.facet#mention' AND feat ->> 'did' <> n.did)
    INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
    SELECT wintermute.uri_did(a.anc), n.uri, n.cid, n.did, 'reply', a.anc, n."sortAt"
    FROM n, unnest(n.reply_to) a(anc);
END $$;

-- The group's statements of migration 0008, then its replies.
ALTER FUNCTION wintermute.apply_set(wintermute.set_op[], text[]) RENAME TO apply_set_0008;
CREATE FUNCTION wintermute.apply_set(grp wintermute.set_op[], colls text[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.apply_set_0008(grp, colls);
    IF colls && ARRAY['app.bsky.feed.post#reply'] THEN
        PERFORM wintermute.set_replies(grp);
    END IF;
END $$;

-- apply_batch of migration 0011 with three changes. The group is applied before a repo_end only
-- when its reconciliation reads the repo's records (the repo was not fresh): the batch writer no
-- longer cuts the group at every repo of a backfill batch (a repo_begin reads only its own repo's
-- records, and waits for the group only when it holds one of them), so a group spans the batch
-- instead of one repo, and the set statements' fixed cost is paid a few times a batch. A reply joins the group as
-- 'app.bsky.feed.post#reply', and a post create applied one by one while the group holds a reply
-- has the group applied first when it may be an ancestor of that reply: it has replies indexed
-- before it (set_joinable), or it is a backfilled record of a repo that is not fresh (an update,
-- perhaps). The batch writer leaves post creates to this check (SetGroup::read_by_replies).
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

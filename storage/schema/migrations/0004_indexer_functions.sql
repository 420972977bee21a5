-- The indexer's rules, applied in firehose order inside the batch writer's
-- transaction (docs/indexing.md). Function bodies use the writer's search_path.
SET LOCAL search_path TO bsky, public;

-- wintermute indexer, part 1: helpers, notifications, aggregate deltas.
--
-- The batch writer stages every event of a batch into the session's temporary
-- table wm_op (in firehose order) and calls wintermute.apply_batch(), which
-- applies them one after another inside the writer's transaction. Values that
-- depend on other repos' rows (reply validity, gates, duplicates,
-- notifications) are therefore computed exactly as if the events were applied
-- in sequence, while the client pays one COPY and one call per batch.
-- docs/indexing.md describes the rules and where they differ from the
-- reference app-view.
--
-- Every function runs with the writer's search_path (bsky, public).

CREATE SCHEMA IF NOT EXISTS wintermute;

-- at://<authority>/<collection>/<rkey>
CREATE FUNCTION wintermute.uri_did(uri text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT split_part(uri, '/', 3) $$;
CREATE FUNCTION wintermute.uri_collection(uri text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT split_part(uri, '/', 4) $$;
CREATE FUNCTION wintermute.uri_rkey(uri text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT split_part(uri, '/', 5) $$;

-- A blob's CID: {"$type":"blob","ref":{"$link":…}} or the legacy {"cid":…}.
CREATE FUNCTION wintermute.blob_cid(blob jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(blob -> 'ref' ->> '$link', blob ->> 'cid') $$;

-- The ISO string the reference writes for "now" (op_thread_reply.deletedAt,
-- the sortAt of an unverified notification).
CREATE FUNCTION wintermute.now_iso() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- Inserts one notification unless the recipient muted the thread it belongs to.
CREATE FUNCTION wintermute.notify(recipient text, author text, record_uri text, record_cid text,
                                  reason text, reason_subject text, sort_at text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    root text;
BEGIN
    IF reason_subject IS NOT NULL AND reason_subject NOT LIKE 'did:%' THEN
        SELECT coalesce(p."replyRoot", p.uri) INTO root FROM post p WHERE p.uri = reason_subject;
        IF FOUND AND EXISTS (SELECT 1 FROM thread_mute m
                             WHERE m."rootUri" = root AND m."mutedByDid" = recipient) THEN
            RETURN;
        END IF;
    END IF;
    INSERT INTO notification (did, "recordUri", "recordCid", author, reason, "reasonSubject", "sortAt")
    VALUES (recipient, record_uri, record_cid, author, reason, reason_subject, sort_at);
END $$;

-- Aggregate deltas are collected per batch and applied once at its end, with
-- keys sorted, so that concurrent batches lock aggregate rows in one order.
-- A zero delta still creates the row, as the reference's recount does.
-- (plpgsql, not sql: the wm_* tables are the writer session's temporary
-- tables and do not exist when this migration runs.)
CREATE FUNCTION wintermute.post_agg_delta(subject text, likes int, replies int, reposts int) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO wm_post_agg_delta (uri, likes, replies, reposts) VALUES (subject, likes, replies, reposts);
END $$;

CREATE FUNCTION wintermute.profile_agg_delta(actor text, followers int, follows int, posts int) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO wm_profile_agg_delta (did, followers, follows, posts) VALUES (actor, followers, follows, posts);
END $$;

CREATE FUNCTION wintermute.apply_agg_deltas() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_agg AS a (uri, "likeCount", "replyCount", "repostCount")
    SELECT uri, sum(likes), sum(replies), sum(reposts) FROM wm_post_agg_delta GROUP BY uri ORDER BY uri
    ON CONFLICT (uri) DO UPDATE SET
        "likeCount" = a."likeCount" + excluded."likeCount",
        "replyCount" = a."replyCount" + excluded."replyCount",
        "repostCount" = a."repostCount" + excluded."repostCount";
    INSERT INTO profile_agg AS a (did, "followersCount", "followsCount", "postsCount")
    SELECT did, sum(followers), sum(follows), sum(posts) FROM wm_profile_agg_delta GROUP BY did ORDER BY did
    ON CONFLICT (did) DO UPDATE SET
        "followersCount" = a."followersCount" + excluded."followersCount",
        "followsCount" = a."followsCount" + excluded."followsCount",
        "postsCount" = a."postsCount" + excluded."postsCount";
    DELETE FROM wm_post_agg_delta;
    DELETE FROM wm_profile_agg_delta;
END $$;

-- quoteCount is recounted inside the transaction, as the reference does. It
-- counts the quotes of this subject URI with that CID: the reference counts
-- by CID alone, which needs a full scan of `quote` (there is no index on
-- subjectCid); two posts with byte-identical records are the only difference.
CREATE FUNCTION wintermute.recount_quotes(subject text, subject_cid text) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO post_agg AS a (uri, "quoteCount")
    VALUES (subject, (SELECT count(*) FROM quote q WHERE q.subject = recount_quotes.subject
                                                  AND q."subjectCid" = recount_quotes.subject_cid))
    ON CONFLICT (uri) DO UPDATE SET "quoteCount" = excluded."quoteCount" $$;

-- wintermute indexer, part 2: app.bsky.feed.post (indexing-semantics.md §3.1).

-- invalidReplyRoot and violatesThreadGate of a reply, from the rows indexed now.
CREATE FUNCTION wintermute.check_reply(creator text, j jsonb,
                                       OUT invalid_root boolean, OUT violates_gate boolean)
    LANGUAGE plpgsql AS $$
DECLARE
    root_uri text := j -> 'reply' -> 'root' ->> 'uri';
    parent_uri text := j -> 'reply' -> 'parent' ->> 'uri';
    owner text := wintermute.uri_did(root_uri);
    parent_json jsonb;
    parent_invalid boolean;
    root_json jsonb;
    gate_json jsonb;
    allow jsonb;
BEGIN
    SELECT r.json::jsonb, p."invalidReplyRoot" INTO parent_json, parent_invalid
    FROM record r LEFT JOIN post p ON p.uri = r.uri WHERE r.uri = parent_uri;
    IF NOT FOUND THEN
        parent_json := NULL;
    END IF;
    SELECT r.json::jsonb INTO root_json FROM record r WHERE r.uri = root_uri;
    -- "Indexed" means a record row exists; the root's own presence is not checked.
    invalid_root := parent_json IS NULL
        OR coalesce(parent_invalid, false)
        OR (parent_uri = root_uri AND coalesce(root_json ? 'reply', false))
        OR (parent_uri <> root_uri AND coalesce(parent_json -> 'reply' -> 'root' ->> 'uri', '') <> root_uri);

    violates_gate := false;
    IF creator = owner THEN
        RETURN;
    END IF;
    SELECT r.json::jsonb INTO gate_json FROM record r
    WHERE r.uri = 'at://' || owner || '/app.bsky.feed.threadgate/' || wintermute.uri_rkey(root_uri);
    allow := gate_json -> 'allow';
    IF allow IS NULL OR jsonb_typeof(allow) <> 'array' THEN
        RETURN;
    END IF;
    IF allow @> '[{"$type":"app.bsky.feed.threadgate#mentionRule"}]'
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(root_json -> 'facets', '[]')) f,
                                 jsonb_array_elements(coalesce(f -> 'features', '[]')) feat
                   WHERE feat ->> '$type' = 'app.bsky.richtext.facet#mention' AND feat ->> 'did' = creator) THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(allow) rule
                   WHERE rule ->> '$type' IN ('app.bsky.feed.threadgate#followerRule',
                                             'app.bsky.feed.threadgate#followingRule',
                                             'app.bsky.feed.threadgate#listRule')) THEN
        violates_gate := true;
        RETURN;
    END IF;
    IF allow @> '[{"$type":"app.bsky.feed.threadgate#followerRule"}]'
       AND EXISTS (SELECT 1 FROM follow WHERE follow.creator = check_reply.creator
                                        AND follow."subjectDid" = owner) THEN
        RETURN;
    END IF;
    IF allow @> '[{"$type":"app.bsky.feed.threadgate#followingRule"}]'
       AND EXISTS (SELECT 1 FROM follow WHERE follow.creator = owner
                                        AND follow."subjectDid" = check_reply.creator) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(allow) rule
               JOIN list_item li ON li."listUri" = rule ->> 'list'
               WHERE rule ->> '$type' = 'app.bsky.feed.threadgate#listRule'
                 AND li."subjectDid" = check_reply.creator) THEN
        RETURN;
    END IF;
    violates_gate := true;
END $$;

-- The embeds of a post, recordWithMedia split into its record and media parts.
CREATE FUNCTION wintermute.post_embeds(j jsonb) RETURNS SETOF jsonb
    LANGUAGE sql IMMUTABLE AS $$
    SELECT e FROM (
        SELECT CASE WHEN j -> 'embed' ->> '$type' = 'app.bsky.embed.recordWithMedia'
                    THEN jsonb_set(j -> 'embed' -> 'record', '{$type}', '"app.bsky.embed.record"')
                    ELSE j -> 'embed' END AS e, 0 AS ord
        UNION ALL
        SELECT j -> 'embed' -> 'media', 1
        WHERE j -> 'embed' ->> '$type' = 'app.bsky.embed.recordWithMedia'
    ) parts WHERE e IS NOT NULL ORDER BY ord $$;

-- Writes the embed rows of a post; returns whether it violates the quoted
-- post's embedding rules.
CREATE FUNCTION wintermute.insert_post_embeds(post_uri text, post_cid text, creator text, j jsonb,
                                              t text, created_at text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    embed jsonb;
    kind text;
    rec jsonb;
    violates boolean := false;
    gate_json jsonb;
BEGIN
    FOR embed IN SELECT * FROM wintermute.post_embeds(j) LOOP
        kind := embed ->> '$type';
        IF kind = 'app.bsky.embed.images' THEN
            INSERT INTO post_embed_image ("postUri", position, "imageCid", alt)
            SELECT post_uri, (i.ord - 1)::text, wintermute.blob_cid(i.img -> 'image'), i.img ->> 'alt'
            FROM jsonb_array_elements(embed -> 'images') WITH ORDINALITY AS i(img, ord);
        ELSIF kind = 'app.bsky.embed.external' THEN
            INSERT INTO post_embed_external ("postUri", uri, title, description, "thumbCid")
            VALUES (post_uri, embed -> 'external' ->> 'uri', embed -> 'external' ->> 'title',
                    embed -> 'external' ->> 'description', wintermute.blob_cid(embed -> 'external' -> 'thumb'));
        ELSIF kind = 'app.bsky.embed.video' THEN
            INSERT INTO post_embed_video ("postUri", "videoCid", alt)
            VALUES (post_uri, wintermute.blob_cid(embed -> 'video'), embed ->> 'alt');
        ELSIF kind = 'app.bsky.embed.gallery' THEN
            INSERT INTO post_embed_gallery_image ("postUri", position, "imageCid", alt)
            SELECT post_uri, (i.ord - 1)::text, wintermute.blob_cid(i.item -> 'image'), i.item ->> 'alt'
            FROM jsonb_array_elements(embed -> 'items') WITH ORDINALITY AS i(item, ord)
            WHERE i.item ->> '$type' = 'app.bsky.embed.gallery#image';
        ELSIF kind = 'app.bsky.embed.record' THEN
            rec := embed -> 'record';
            INSERT INTO post_embed_record ("postUri", "embedUri", "embedCid")
            VALUES (post_uri, rec ->> 'uri', rec ->> 'cid');
            IF wintermute.uri_collection(rec ->> 'uri') = 'app.bsky.feed.post' THEN
                INSERT INTO quote (uri, cid, subject, "subjectCid", "createdAt", "indexedAt")
                VALUES (post_uri, post_cid, rec ->> 'uri', rec ->> 'cid', created_at, t)
                ON CONFLICT DO NOTHING;
                PERFORM wintermute.recount_quotes(rec ->> 'uri', rec ->> 'cid');
                SELECT r.json::jsonb INTO gate_json FROM record r
                WHERE r.uri = 'at://' || wintermute.uri_did(rec ->> 'uri') || '/app.bsky.feed.postgate/'
                              || wintermute.uri_rkey(rec ->> 'uri');
                IF gate_json IS NOT NULL AND creator <> wintermute.uri_did(rec ->> 'uri')
                   AND gate_json -> 'embeddingRules' @> '[{"$type":"app.bsky.feed.postgate#disableRule"}]' THEN
                    violates := true;
                    UPDATE post SET "violatesEmbeddingRules" = true WHERE uri = post_uri;
                END IF;
            END IF;
        END IF;
    END LOOP;
    RETURN violates;
END $$;

-- insertFn of the post plugin. Returns false when the post was already indexed.
CREATE FUNCTION wintermute.insert_post(uri text, cid text, creator text, j jsonb, t text,
                                       created_at text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    reply_root text := nullif(j -> 'reply' -> 'root' ->> 'uri', '');
    reply_parent text := nullif(j -> 'reply' -> 'parent' ->> 'uri', '');
    langs jsonb := CASE WHEN jsonb_array_length(coalesce(j -> 'langs', '[]')) > 0 THEN j -> 'langs' END;
    tags jsonb := CASE WHEN jsonb_array_length(coalesce(j -> 'tags', '[]')) > 0 THEN j -> 'tags' END;
    chk record;
BEGIN
    INSERT INTO post (uri, cid, creator, text, "replyRoot", "replyRootCid", "replyParent",
                      "replyParentCid", "createdAt", "indexedAt", langs, tags)
    VALUES (uri, cid, creator, j ->> 'text', reply_root, nullif(j -> 'reply' -> 'root' ->> 'cid', ''),
            reply_parent, nullif(j -> 'reply' -> 'parent' ->> 'cid', ''), created_at, t, langs, tags)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
        VALUES (uri, cid, 'post', uri, creator, least(t, created_at)) ON CONFLICT DO NOTHING;
        RETURN false;
    END IF;
    INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
    VALUES (uri, cid, 'post', uri, creator, least(t, created_at)) ON CONFLICT DO NOTHING;

    IF j ? 'reply' THEN
        chk := wintermute.check_reply(creator, j);
        IF chk.invalid_root OR chk.violates_gate THEN
            UPDATE post SET "invalidReplyRoot" = chk.invalid_root, "violatesThreadGate" = chk.violates_gate
            WHERE post.uri = insert_post.uri;
        END IF;
        IF creator = wintermute.uri_did(reply_root) AND reply_parent IS NOT NULL THEN
            INSERT INTO op_thread_reply ("rootUri", "parentUri", uri, "deletedAt")
            VALUES (reply_root, reply_parent, uri, NULL) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    PERFORM wintermute.insert_post_embeds(uri, cid, creator, j, t, created_at);

    IF reply_parent IS NOT NULL THEN
        PERFORM wintermute.post_agg_delta(reply_parent, 0,
            CASE WHEN coalesce(chk.violates_gate, false) THEN 0 ELSE 1 END, 0);
    END IF;
    PERFORM wintermute.profile_agg_delta(creator, 0, 0, 1);
    RETURN true;
END $$;

-- notifsForInsert of the post plugin: mentions, then the quote, then replies
-- to ancestors, then replies of already-indexed descendants; one
-- notification per recipient, never to the author.
CREATE FUNCTION wintermute.notify_post(post_uri text, j jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    p post%ROWTYPE;
    notified text[];
    target text;
    embed jsonb;
    gate_json jsonb;
    anc_uris text[];
    anc_heights int[];
    des record;
BEGIN
    SELECT * INTO p FROM post WHERE uri = post_uri;
    notified := ARRAY[p.creator];
    FOR target IN
        SELECT feat ->> 'did' FROM jsonb_array_elements(coalesce(j -> 'facets', '[]')) WITH ORDINALITY f(facet, i),
               jsonb_array_elements(coalesce(f.facet -> 'features', '[]')) WITH ORDINALITY x(feat, k)
        WHERE feat ->> '$type' = 'app.bsky.richtext.facet#mention' ORDER BY f.i, x.k
    LOOP
        IF target IS NOT NULL AND NOT target = ANY (notified) THEN
            notified := notified || target;
            PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'mention', NULL, p."sortAt");
        END IF;
    END LOOP;
    IF NOT coalesce(p."violatesEmbeddingRules", false) THEN
        FOR embed IN SELECT * FROM wintermute.post_embeds(j) LOOP
            IF embed ->> '$type' = 'app.bsky.embed.record'
               AND wintermute.uri_collection(embed -> 'record' ->> 'uri') = 'app.bsky.feed.post' THEN
                target := wintermute.uri_did(embed -> 'record' ->> 'uri');
                IF NOT target = ANY (notified) THEN
                    notified := notified || target;
                    PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'quote',
                                              embed -> 'record' ->> 'uri', p."sortAt");
                END IF;
            END IF;
        END LOOP;
    END IF;
    IF coalesce(p."violatesThreadGate", false) THEN
        RETURN;
    END IF;

    SELECT r.json::jsonb INTO gate_json FROM record r
    WHERE r.uri = 'at://' || wintermute.uri_did(coalesce(p."replyRoot", p.uri)) || '/app.bsky.feed.threadgate/'
                  || wintermute.uri_rkey(coalesce(p."replyRoot", p.uri));
    WITH RECURSIVE ancestor(uri, parent, height) AS (
        SELECT p.uri, p."replyParent", 0
        UNION ALL
        SELECT a.uri, a."replyParent", ancestor.height + 1
        FROM post a JOIN ancestor ON a.uri = ancestor.parent
        WHERE ancestor.height < 5
    ) SELECT array_agg(ancestor.uri ORDER BY height), array_agg(ancestor.height ORDER BY height)
      INTO anc_uris, anc_heights FROM ancestor;

    FOR i IN 1 .. coalesce(array_length(anc_uris, 1), 0) LOOP
        CONTINUE WHEN anc_heights[i] NOT BETWEEN 1 AND 4;
        target := wintermute.uri_did(anc_uris[i]);
        IF NOT target = ANY (notified) THEN
            notified := notified || target;
            PERFORM wintermute.notify(target, p.creator, p.uri, p.cid, 'reply', anc_uris[i], p."sortAt");
        END IF;
        EXIT WHEN coalesce(gate_json -> 'hiddenReplies' @> to_jsonb(ARRAY[anc_uris[i]]), false);
    END LOOP;

    FOR des IN
        WITH RECURSIVE descendant(uri, depth) AS (
            SELECT c.uri, 1 FROM post c WHERE c."replyParent" = p.uri
            UNION ALL
            SELECT c.uri, descendant.depth + 1
            FROM post c JOIN descendant ON c."replyParent" = descendant.uri
            WHERE descendant.depth < 5
        )
        SELECT d.uri, d.depth, c.cid, c.creator, c."sortAt"
        FROM descendant d JOIN post c ON c.uri = d.uri ORDER BY d.depth, c."sortAt", d.uri
    LOOP
        FOR i IN 1 .. coalesce(array_length(anc_uris, 1), 0) LOOP
            CONTINUE WHEN des.depth + anc_heights[i] >= 5;
            target := wintermute.uri_did(anc_uris[i]);
            IF NOT target = ANY (notified) THEN
                notified := notified || target;
                PERFORM wintermute.notify(target, des.creator, des.uri, des.cid, 'reply', anc_uris[i],
                                          des."sortAt");
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- deleteFn of the post plugin. Returns the deleted row, or NULL.
CREATE FUNCTION wintermute.delete_post(post_uri text) RETURNS jsonb
    LANGUAGE plpgsql AS $$
DECLARE
    deleted jsonb;
    embedded record;
BEGIN
    DELETE FROM post WHERE uri = post_uri RETURNING to_jsonb(post.*) INTO deleted;
    DELETE FROM feed_item WHERE "postUri" = post_uri;
    IF deleted IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE op_thread_reply SET "deletedAt" = wintermute.now_iso() WHERE uri = post_uri;
    DELETE FROM quote WHERE subject = post_uri;
    DELETE FROM post_embed_image WHERE "postUri" = post_uri;
    DELETE FROM post_embed_external WHERE "postUri" = post_uri;
    DELETE FROM post_embed_video WHERE "postUri" = post_uri;
    DELETE FROM post_embed_gallery_image WHERE "postUri" = post_uri;
    FOR embedded IN DELETE FROM post_embed_record WHERE "postUri" = post_uri RETURNING "embedUri", "embedCid" LOOP
        IF wintermute.uri_collection(embedded."embedUri") = 'app.bsky.feed.post' THEN
            DELETE FROM quote WHERE uri = post_uri;
            PERFORM wintermute.recount_quotes(embedded."embedUri", embedded."embedCid");
        END IF;
    END LOOP;
    IF deleted ->> 'replyParent' IS NOT NULL THEN
        PERFORM wintermute.post_agg_delta(deleted ->> 'replyParent', 0,
            CASE WHEN coalesce((deleted ->> 'violatesThreadGate')::boolean, false) THEN 0 ELSE -1 END, 0);
    END IF;
    PERFORM wintermute.profile_agg_delta(deleted ->> 'creator', 0, 0, -1);
    RETURN deleted;
END $$;

-- wintermute indexer, part 3: the other collections and the generic record flow
-- (indexing-semantics.md §2 and §3.2–3.17).

-- insertFn of every plugin. Returns whether a row was inserted (false: already
-- indexed, a duplicate, or a record the plugin does not index).
CREATE FUNCTION wintermute.plugin_insert(coll text, uri text, cid text, creator text, j jsonb,
                                         t text, created_at text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    subject text;
    inserted boolean;
BEGIN
    CASE coll
    WHEN 'app.bsky.feed.post' THEN
        RETURN wintermute.insert_post(uri, cid, creator, j, t, created_at);
    WHEN 'app.bsky.feed.like' THEN
        subject := j -> 'subject' ->> 'uri';
        INSERT INTO "like" (uri, cid, creator, subject, "subjectCid", via, "viaCid", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, subject, j -> 'subject' ->> 'cid', j -> 'via' ->> 'uri', j -> 'via' ->> 'cid',
                created_at, t) ON CONFLICT DO NOTHING;
        inserted := FOUND;
        IF inserted THEN PERFORM wintermute.post_agg_delta(subject, 1, 0, 0); END IF;
        RETURN inserted;
    WHEN 'app.bsky.feed.repost' THEN
        subject := j -> 'subject' ->> 'uri';
        INSERT INTO repost (uri, cid, creator, subject, "subjectCid", via, "viaCid", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, subject, j -> 'subject' ->> 'cid', j -> 'via' ->> 'uri', j -> 'via' ->> 'cid',
                created_at, t) ON CONFLICT DO NOTHING;
        inserted := FOUND;
        -- The reference writes the feed item even for a duplicate repost.
        INSERT INTO feed_item (uri, cid, type, "postUri", "originatorDid", "sortAt")
        VALUES (uri, cid, 'repost', subject, creator, least(t, created_at)) ON CONFLICT DO NOTHING;
        IF inserted THEN PERFORM wintermute.post_agg_delta(subject, 0, 0, 1); END IF;
        RETURN inserted;
    WHEN 'app.bsky.graph.follow' THEN
        subject := j ->> 'subject';
        INSERT INTO follow (uri, cid, creator, "subjectDid", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, subject, created_at, t) ON CONFLICT DO NOTHING;
        IF FOUND THEN
            PERFORM wintermute.profile_agg_delta(subject, 1, 0, 0);
            PERFORM wintermute.profile_agg_delta(creator, 0, 1, 0);
            RETURN true;
        END IF;
    WHEN 'app.bsky.graph.block' THEN
        INSERT INTO actor_block (uri, cid, creator, "subjectDid", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'subject', created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.actor.profile' THEN
        IF wintermute.uri_rkey(uri) <> 'self' THEN RETURN false; END IF;
        INSERT INTO profile (uri, cid, creator, "displayName", description, "avatarCid", "bannerCid",
                             "joinedViaStarterPackUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'displayName', j ->> 'description', wintermute.blob_cid(j -> 'avatar'),
                wintermute.blob_cid(j -> 'banner'), j -> 'joinedViaStarterPack' ->> 'uri',
                coalesce(created_at, wintermute.now_iso()), t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.feed.generator' THEN
        INSERT INTO feed_generator (uri, cid, creator, "feedDid", "displayName", description,
                                    "descriptionFacets", "avatarCid", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'did', j ->> 'displayName', j ->> 'description',
                (j -> 'descriptionFacets')::text, wintermute.blob_cid(j -> 'avatar'), created_at, t)
        ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.graph.list' THEN
        INSERT INTO list (uri, cid, creator, name, purpose, description, "descriptionFacets", "avatarCid",
                          "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'name', j ->> 'purpose', j ->> 'description',
                (j -> 'descriptionFacets')::text, wintermute.blob_cid(j -> 'avatar'), created_at, t)
        ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.graph.listitem' THEN
        INSERT INTO list_item (uri, cid, creator, "subjectDid", "listUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'subject', j ->> 'list', created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.graph.listblock' THEN
        INSERT INTO list_block (uri, cid, creator, "subjectUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'subject', created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.graph.starterpack' THEN
        INSERT INTO starter_pack (uri, cid, creator, name, "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'name', created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.labeler.service' THEN
        IF wintermute.uri_rkey(uri) <> 'self' THEN RETURN false; END IF;
        INSERT INTO labeler (uri, cid, creator, "createdAt", "indexedAt")
        VALUES (uri, cid, creator, created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.feed.threadgate' THEN
        INSERT INTO thread_gate (uri, cid, creator, "postUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'post', created_at, t) ON CONFLICT DO NOTHING;
        inserted := FOUND;
        UPDATE post SET "hasThreadGate" = true WHERE post.uri = j ->> 'post';
        RETURN inserted;
    WHEN 'app.bsky.feed.postgate' THEN
        INSERT INTO post_gate (uri, cid, creator, "postUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, j ->> 'post', created_at, t) ON CONFLICT DO NOTHING;
        inserted := FOUND;
        UPDATE post SET "hasPostGate" = true WHERE post.uri = j ->> 'post';
        RETURN inserted;
    WHEN 'app.bsky.graph.verification' THEN
        INSERT INTO verification (uri, cid, rkey, creator, subject, handle, "displayName", "createdAt", "indexedAt")
        VALUES (uri, cid, wintermute.uri_rkey(uri), creator, j ->> 'subject', j ->> 'handle',
                j ->> 'displayName', created_at, t) ON CONFLICT DO NOTHING;
    WHEN 'app.bsky.graph.referencelistoptout' THEN
        subject := j ->> 'subject';
        IF subject !~ '^at://did:[a-z]+:[a-zA-Z0-9._:%-]+/app\.bsky\.graph\.list/[a-zA-Z0-9._:~-]+$' THEN
            RETURN false;
        END IF;
        INSERT INTO reference_list_opt_out (uri, cid, creator, "subjectUri", "createdAt", "indexedAt")
        VALUES (uri, cid, creator, subject, created_at, t) ON CONFLICT DO NOTHING;
    ELSE
        -- Record-only collections (declarations, status): the record row is all.
        RETURN false;
    END CASE;
    RETURN FOUND;
END $$;

-- findDuplicate: the URI of an indexed record this one duplicates, or NULL.
CREATE FUNCTION wintermute.plugin_find_duplicate(coll text, creator text, j jsonb) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE coll
    WHEN 'app.bsky.feed.like' THEN
        (SELECT uri FROM "like" WHERE subject = j -> 'subject' ->> 'uri' AND "like".creator = $2)
    WHEN 'app.bsky.feed.repost' THEN
        (SELECT uri FROM repost WHERE subject = j -> 'subject' ->> 'uri' AND repost.creator = $2)
    WHEN 'app.bsky.graph.follow' THEN
        (SELECT uri FROM follow WHERE "subjectDid" = j ->> 'subject' AND follow.creator = $2)
    WHEN 'app.bsky.graph.block' THEN
        (SELECT uri FROM actor_block WHERE "subjectDid" = j ->> 'subject' AND actor_block.creator = $2)
    WHEN 'app.bsky.graph.listitem' THEN
        (SELECT uri FROM list_item WHERE "listUri" = j ->> 'list' AND "subjectDid" = j ->> 'subject')
    WHEN 'app.bsky.graph.listblock' THEN
        (SELECT uri FROM list_block WHERE "subjectUri" = j ->> 'subject' AND list_block.creator = $2)
    WHEN 'app.bsky.feed.threadgate' THEN
        (SELECT uri FROM thread_gate WHERE "postUri" = j ->> 'post')
    WHEN 'app.bsky.feed.postgate' THEN
        (SELECT uri FROM post_gate WHERE "postUri" = j ->> 'post')
    WHEN 'app.bsky.graph.verification' THEN
        (SELECT uri FROM verification WHERE subject = j ->> 'subject' AND verification.creator = $2)
    WHEN 'app.bsky.graph.referencelistoptout' THEN
        (SELECT uri FROM reference_list_opt_out WHERE "subjectUri" = j ->> 'subject'
                                                  AND reference_list_opt_out.creator = $2)
    END;
END $$;

-- notifsForInsert of every plugin except post.
CREATE FUNCTION wintermute.plugin_notify_insert(coll text, uri text, j jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    CASE coll
    WHEN 'app.bsky.feed.post' THEN
        PERFORM wintermute.notify_post(uri, j);
    WHEN 'app.bsky.feed.like', 'app.bsky.feed.repost' THEN
        IF coll = 'app.bsky.feed.like' THEN
            SELECT l.creator, l.cid, l.subject, l.via, l."sortAt" INTO r FROM "like" l WHERE l.uri = $2;
        ELSE
            SELECT l.creator, l.cid, l.subject, l.via, l."sortAt" INTO r FROM repost l WHERE l.uri = $2;
        END IF;
        IF wintermute.uri_did(r.subject) <> r.creator THEN
            PERFORM wintermute.notify(wintermute.uri_did(r.subject), r.creator, uri, r.cid,
                                      CASE coll WHEN 'app.bsky.feed.like' THEN 'like' ELSE 'repost' END,
                                      r.subject, r."sortAt");
        END IF;
        IF r.via IS NOT NULL AND wintermute.uri_did(r.via) <> r.creator THEN
            PERFORM wintermute.notify(wintermute.uri_did(r.via), r.creator, uri, r.cid,
                                      CASE coll WHEN 'app.bsky.feed.like' THEN 'like-via-repost'
                                                ELSE 'repost-via-repost' END,
                                      r.via, r."sortAt");
        END IF;
    WHEN 'app.bsky.graph.follow' THEN
        SELECT f.creator, f.cid, f."subjectDid", f."sortAt" INTO r FROM follow f WHERE f.uri = $2;
        PERFORM wintermute.notify(r."subjectDid", r.creator, uri, r.cid, 'follow', NULL, r."sortAt");
    WHEN 'app.bsky.actor.profile' THEN
        SELECT p.creator, p.cid, p."joinedViaStarterPackUri" AS sp, p."indexedAt" INTO r
        FROM profile p WHERE p.uri = $2;
        IF r.sp IS NOT NULL THEN
            PERFORM wintermute.notify(wintermute.uri_did(r.sp), r.creator, uri, r.cid, 'starterpack-joined',
                                      r.sp, r."indexedAt");
        END IF;
    WHEN 'app.bsky.graph.verification' THEN
        SELECT v.creator, v.cid, v.subject, v."sortedAt" INTO r FROM verification v WHERE v.uri = $2;
        PERFORM wintermute.notify(r.subject, r.creator, uri, r.cid, 'verified', NULL, r."sortedAt");
    ELSE
        NULL;
    END CASE;
END $$;

-- deleteFn of every plugin: removes the plugin's rows and returns the deleted
-- row as jsonb (NULL when nothing was indexed).
CREATE FUNCTION wintermute.plugin_delete(coll text, uri text) RETURNS jsonb
    LANGUAGE plpgsql AS $$
DECLARE
    d jsonb;
BEGIN
    CASE coll
    WHEN 'app.bsky.feed.post' THEN
        RETURN wintermute.delete_post(uri);
    WHEN 'app.bsky.feed.like' THEN
        DELETE FROM "like" l WHERE l.uri = $2 RETURNING to_jsonb(l.*) INTO d;
        IF d IS NOT NULL THEN PERFORM wintermute.post_agg_delta(d ->> 'subject', -1, 0, 0); END IF;
    WHEN 'app.bsky.feed.repost' THEN
        DELETE FROM repost l WHERE l.uri = $2 RETURNING to_jsonb(l.*) INTO d;
        DELETE FROM feed_item f WHERE f.uri = $2;
        IF d IS NOT NULL THEN PERFORM wintermute.post_agg_delta(d ->> 'subject', 0, 0, -1); END IF;
    WHEN 'app.bsky.graph.follow' THEN
        DELETE FROM follow f WHERE f.uri = $2 RETURNING to_jsonb(f.*) INTO d;
        IF d IS NOT NULL THEN
            PERFORM wintermute.profile_agg_delta(d ->> 'subjectDid', -1, 0, 0);
            PERFORM wintermute.profile_agg_delta(d ->> 'creator', 0, -1, 0);
        END IF;
    WHEN 'app.bsky.graph.block' THEN
        DELETE FROM actor_block x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.actor.profile' THEN
        DELETE FROM profile x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.feed.generator' THEN
        DELETE FROM feed_generator x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.graph.list' THEN
        DELETE FROM list x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.graph.listitem' THEN
        DELETE FROM list_item x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.graph.listblock' THEN
        DELETE FROM list_block x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.graph.starterpack' THEN
        DELETE FROM starter_pack x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.labeler.service' THEN
        DELETE FROM labeler x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.feed.threadgate' THEN
        DELETE FROM thread_gate x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
        IF d IS NOT NULL THEN UPDATE post SET "hasThreadGate" = false WHERE post.uri = d ->> 'postUri'; END IF;
    WHEN 'app.bsky.feed.postgate' THEN
        DELETE FROM post_gate x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
        IF d IS NOT NULL THEN UPDATE post SET "hasPostGate" = false WHERE post.uri = d ->> 'postUri'; END IF;
    WHEN 'app.bsky.graph.verification' THEN
        DELETE FROM verification x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    WHEN 'app.bsky.graph.referencelistoptout' THEN
        DELETE FROM reference_list_opt_out x WHERE x.uri = $2 RETURNING to_jsonb(x.*) INTO d;
    ELSE
        RETURN NULL;
    END CASE;
    RETURN d;
END $$;

-- Notification handling after a delete, an update or a duplicate promotion
-- (notifsForDelete). `replaced` is the URI that replaced the deleted row
-- (the same URI on update, the promoted duplicate's on promotion) or NULL.
CREATE FUNCTION wintermute.plugin_notify_delete(coll text, deleted jsonb, replaced text, replaced_json jsonb)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CASE coll
    WHEN 'app.bsky.feed.post' THEN
        DELETE FROM notification WHERE "recordUri" = deleted ->> 'uri';
        IF replaced IS NOT NULL THEN PERFORM wintermute.notify_post(replaced, replaced_json); END IF;
    WHEN 'app.bsky.graph.verification' THEN
        PERFORM wintermute.notify(deleted ->> 'subject', deleted ->> 'creator', deleted ->> 'uri',
                                  deleted ->> 'cid', 'unverified', NULL, wintermute.now_iso());
    WHEN 'app.bsky.actor.profile' THEN
        NULL;
    ELSE
        IF replaced IS NULL THEN
            DELETE FROM notification WHERE "recordUri" = deleted ->> 'uri';
        END IF;
    END CASE;
END $$;

-- wintermute indexer, part 4: the generic record flow (create, update, delete,
-- duplicate promotion), actors, accounts, labels, and apply_batch.

-- norm() of indexing-semantics.md §1.4 for records read back from `record`
-- (duplicate promotion); staged ops carry the value the classifier computed.
CREATE FUNCTION wintermute.norm_datetime(value text) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN to_char(value::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
EXCEPTION WHEN others THEN
    RETURN '1970-01-01T00:00:00.000Z';
END $$;

CREATE FUNCTION wintermute.index_create(coll text, uri text, cid text, did text, j jsonb, json_text text,
                                        t text, created_at text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    dup text;
BEGIN
    INSERT INTO record (uri, cid, did, json, "indexedAt") VALUES (uri, cid, did, json_text, t)
    ON CONFLICT DO NOTHING;
    IF wintermute.plugin_insert(coll, uri, cid, did, j, t, created_at) THEN
        PERFORM wintermute.plugin_notify_insert(coll, uri, j);
        RETURN;
    END IF;
    dup := wintermute.plugin_find_duplicate(coll, did, j);
    IF dup IS NOT NULL AND dup <> uri THEN
        INSERT INTO duplicate_record (uri, cid, "duplicateOf", "indexedAt") VALUES (uri, cid, dup, t)
        ON CONFLICT DO NOTHING;
    END IF;
END $$;

CREATE FUNCTION wintermute.index_update(coll text, uri text, cid text, did text, j jsonb, json_text text,
                                        t text, created_at text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    dup text;
    deleted jsonb;
BEGIN
    UPDATE record r SET cid = $3, json = json_text, "indexedAt" = t WHERE r.uri = $2;
    dup := wintermute.plugin_find_duplicate(coll, did, j);
    IF dup IS NOT NULL THEN
        UPDATE duplicate_record d SET cid = $3, "duplicateOf" = dup, "indexedAt" = t WHERE d.uri = $2;
    ELSE
        DELETE FROM duplicate_record d WHERE d.uri = $2;
    END IF;
    deleted := wintermute.plugin_delete(coll, uri);
    IF deleted IS NULL THEN
        PERFORM wintermute.index_create(coll, uri, cid, did, j, json_text, t, created_at);
        RETURN;
    END IF;
    PERFORM wintermute.plugin_insert(coll, uri, cid, did, j, t, created_at);
    PERFORM wintermute.plugin_notify_delete(coll, deleted, uri, j);
END $$;

CREATE FUNCTION wintermute.index_delete(coll text, uri text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    deleted jsonb;
    dup record;
BEGIN
    DELETE FROM record r WHERE r.uri = $2;
    DELETE FROM duplicate_record d WHERE d.uri = $2;
    deleted := wintermute.plugin_delete(coll, uri);
    IF deleted IS NULL THEN
        RETURN;
    END IF;
    IF coll <> 'app.bsky.graph.referencelistoptout' THEN
        SELECT d.uri, d.cid, r.json::jsonb AS j, r."indexedAt" INTO dup
        FROM duplicate_record d JOIN record r ON r.uri = d.uri
        WHERE d."duplicateOf" = $2 ORDER BY d."indexedAt" LIMIT 1;
        IF FOUND THEN
            -- The promoted record keeps its own indexedAt and its duplicate row.
            PERFORM wintermute.plugin_insert(coll, dup.uri, dup.cid, wintermute.uri_did(dup.uri), dup.j,
                                             dup."indexedAt", wintermute.norm_datetime(dup.j ->> 'createdAt'));
            PERFORM wintermute.plugin_notify_delete(coll, deleted, dup.uri, dup.j);
            RETURN;
        END IF;
    END IF;
    PERFORM wintermute.plugin_notify_delete(coll, deleted, NULL, NULL);
END $$;

-- indexHandle's write (§5.1): valid handles are re-verified daily, missing
-- ones hourly; a handle claimed by this DID is taken from any other actor.
CREATE FUNCTION wintermute.index_actor(actor_did text, new_handle text, t text, force boolean) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    IF NOT force THEN
        SELECT "indexedAt", handle INTO a FROM actor WHERE did = actor_did;
        IF FOUND AND t::timestamptz - a."indexedAt"::timestamptz <= interval '1 day'
           AND (a.handle IS NOT NULL OR t::timestamptz - a."indexedAt"::timestamptz <= interval '1 hour') THEN
            RETURN;
        END IF;
    END IF;
    IF new_handle IS NOT NULL THEN
        UPDATE actor SET handle = NULL WHERE handle = new_handle AND did <> actor_did;
    END IF;
    INSERT INTO actor (did, handle, "indexedAt") VALUES (actor_did, new_handle, t)
    ON CONFLICT (did) DO UPDATE SET handle = excluded.handle, "indexedAt" = excluded."indexedAt";
END $$;

-- An #account event (§1.2): status NULL = active. Events older than the last
-- one applied for the DID (several relays, out of order) are ignored.
CREATE FUNCTION wintermute.apply_account(actor_did text, status text, t text) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_event_state AS s (did, "time") VALUES (actor_did, t)
    ON CONFLICT (did) DO UPDATE SET "time" = excluded."time" WHERE s."time" < excluded."time";
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE actor SET "upstreamStatus" = status WHERE did = actor_did;
    RETURN true;
END $$;

-- deleteActor (§5.3), once the account is confirmed gone.
CREATE FUNCTION wintermute.delete_actor(actor_did text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM actor WHERE did = actor_did;
    DELETE FROM profile WHERE creator = actor_did;
    DELETE FROM follow WHERE creator = actor_did;
    DELETE FROM repost WHERE creator = actor_did;
    DELETE FROM "like" WHERE creator = actor_did;
    DELETE FROM feed_generator WHERE creator = actor_did;
    DELETE FROM labeler WHERE creator = actor_did;
    DELETE FROM list_item WHERE creator = actor_did;
    DELETE FROM list WHERE creator = actor_did;
    DELETE FROM actor_block WHERE creator = actor_did;
    DELETE FROM list_block WHERE creator = actor_did;
    DELETE FROM reference_list_opt_out WHERE creator = actor_did;
    DELETE FROM post_embed_image WHERE "postUri" IN (SELECT uri FROM post WHERE creator = actor_did);
    DELETE FROM post_embed_external WHERE "postUri" IN (SELECT uri FROM post WHERE creator = actor_did);
    DELETE FROM post_embed_record WHERE "postUri" IN (SELECT uri FROM post WHERE creator = actor_did);
    DELETE FROM post_embed_video WHERE "postUri" IN (SELECT uri FROM post WHERE creator = actor_did);
    DELETE FROM post_embed_gallery_image WHERE "postUri" IN (SELECT uri FROM post WHERE creator = actor_did);
    DELETE FROM post WHERE creator = actor_did;
    DELETE FROM thread_gate WHERE creator = actor_did;
    DELETE FROM post_gate WHERE creator = actor_did;
    DELETE FROM notification WHERE author = actor_did;
    DELETE FROM duplicate_record WHERE "duplicateOf" IN (SELECT uri FROM record WHERE did = actor_did);
    DELETE FROM record WHERE did = actor_did;
    DELETE FROM notification WHERE did = actor_did;
END $$;

-- A label from subscribeLabels (§6): the last one in stream order wins.
CREATE FUNCTION wintermute.apply_label(l jsonb) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO label (src, uri, cid, val, neg, cts, exp)
    VALUES (l ->> 'src', l ->> 'uri', coalesce(l ->> 'cid', ''), l ->> 'val', coalesce((l ->> 'neg')::boolean, false),
            l ->> 'cts', l ->> 'exp')
    ON CONFLICT (src, uri, cid, val) DO UPDATE SET neg = excluded.neg, cts = excluded.cts, exp = excluded.exp $$;

-- The writer session's staging tables.
CREATE FUNCTION wintermute.prepare_session() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS wm_op (
        ord bigint NOT NULL, seq bigint, kind text NOT NULL, did text, uri text, cid text, rev text, t text,
        json text, created_at text, extra text) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_post_agg_delta (uri text, likes int, replies int, reposts int)
        ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS wm_profile_agg_delta (did text, followers int, follows int, posts int)
        ON COMMIT DELETE ROWS;
END $$;

-- Applies every staged op in `ord` order. kinds:
--   commit  (did, cid = commit CID, rev, t): a #commit that yields at least one
--           op; skipped with all its ops when its rev is not newer than the
--           repo rev already held (stale or repeated write)
--   sync    (did, cid, rev): a #sync's commit
--   create / update / delete (seq, did, uri, cid, t, json, created_at, extra = collection)
--   actor   (did, extra = verified handle or NULL, t, json = 'force' for #identity)
--   account (did, extra = upstream status or NULL when active, t)
--   delete_actor (did)
--   label   (json = the label)
CREATE FUNCTION wintermute.apply_batch(OUT applied int, OUT stale int, OUT accounts_ignored int)
    LANGUAGE plpgsql AS $$
DECLARE
    op record;
    repo_rev text;
    skip_seq bigint := NULL;
BEGIN
    applied := 0;
    stale := 0;
    accounts_ignored := 0;
    FOR op IN SELECT * FROM wm_op ORDER BY ord LOOP
        CASE op.kind
        WHEN 'commit', 'sync' THEN
            SELECT "repoRev" INTO repo_rev FROM actor_sync WHERE did = op.did;
            IF repo_rev IS NOT NULL AND op.rev <= repo_rev THEN
                skip_seq := op.seq;
                -- A #sync repeating the current rev is not a stale write.
                IF op.kind = 'commit' OR op.rev < repo_rev THEN
                    stale := stale + 1;
                END IF;
                CONTINUE;
            END IF;
            INSERT INTO actor_sync (did, "commitCid", "repoRev") VALUES (op.did, op.cid, op.rev)
            ON CONFLICT (did) DO UPDATE SET "commitCid" = excluded."commitCid", "repoRev" = excluded."repoRev";
        WHEN 'create' THEN
            CONTINUE WHEN op.seq = skip_seq;
            PERFORM wintermute.index_create(op.extra, op.uri, op.cid, op.did, op.json::jsonb, op.json, op.t,
                                            op.created_at);
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
            PERFORM wintermute.delete_actor(op.did);
        WHEN 'label' THEN
            PERFORM wintermute.apply_label(op.json::jsonb);
        END CASE;
        applied := applied + 1;
    END LOOP;
    PERFORM wintermute.apply_agg_deltas();
END $$;


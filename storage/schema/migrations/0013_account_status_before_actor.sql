-- wintermute indexer, part 11: an #account status that arrives before the actor row.
--
-- The reference creates the actor row from the DID's first #commit or #sync (indexHandle, inline),
-- so an #account event after them finds it; an #account for a DID without a row writes nothing
-- (indexing-semantics.md §1.2). wintermute's actor row comes from the identity resolver, which
-- answers after the batch holding that first commit has committed: an #account event in the same
-- batch, or in the next one before the answer, found no row and its status was lost (the larger
-- the batches, the likelier). Such a status is now kept in account_event_state when the DID's
-- commit or #sync was indexed before it (actor_sync holds the DID), and index_actor writes it when
-- it creates the row. A DID with no such event still gets nothing, as in the reference.
SET LOCAL search_path TO bsky, public;

ALTER TABLE account_event_state
    ADD COLUMN pending boolean NOT NULL DEFAULT false,  -- the status waits for the actor row
    ADD COLUMN pending_status text;                     -- NULL: active

-- Both functions keep their rules under another name and are wrapped, not copied.
ALTER FUNCTION wintermute.apply_account(text, text, text) RENAME TO apply_account_event;
ALTER FUNCTION wintermute.index_actor(text, text, text, boolean) RENAME TO index_actor_row;

CREATE FUNCTION wintermute.apply_account(actor_did text, status text, t text) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    waits boolean;
BEGIN
    IF NOT wintermute.apply_account_event(actor_did, status, t) THEN
        RETURN false;  -- older than the last one applied
    END IF;
    waits := NOT EXISTS (SELECT 1 FROM actor WHERE did = actor_did)
             AND EXISTS (SELECT 1 FROM actor_sync WHERE did = actor_did);
    UPDATE account_event_state SET pending = waits, pending_status = CASE WHEN waits THEN status END
    WHERE did = actor_did;
    RETURN true;
END $$;

CREATE FUNCTION wintermute.index_actor(actor_did text, new_handle text, t text, force boolean) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wintermute.index_actor_row(actor_did, new_handle, t, force);
    UPDATE actor SET "upstreamStatus" = s.pending_status FROM account_event_state s
    WHERE actor.did = actor_did AND s.did = actor_did AND s.pending;
    IF FOUND THEN
        UPDATE account_event_state SET pending = false, pending_status = NULL WHERE did = actor_did;
    END IF;
END $$;

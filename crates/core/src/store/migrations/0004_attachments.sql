-- Attachments: each file once, by the sha256 of the bytes sent (an image attached to ten
-- messages is kept once), as blobs in this same file: they are written in the same
-- transactions as the messages that use them, backed up with them, and deleted with the last
-- message (or draft) that uses them.
CREATE TABLE attachments (
    hash       TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('image', 'text')),
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    width      INTEGER,
    height     INTEGER,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- What a sent message carries, in the order it was attached; the name is the file's as the
-- person attached it (the same bytes may come under two names).
CREATE TABLE message_attachments (
    num         INTEGER PRIMARY KEY,
    message_num INTEGER NOT NULL REFERENCES messages (num) ON DELETE CASCADE,
    hash        TEXT NOT NULL REFERENCES attachments (hash),
    name        TEXT NOT NULL
) STRICT;

CREATE INDEX message_attachments_by_message ON message_attachments (message_num);
CREATE INDEX message_attachments_by_hash ON message_attachments (hash);

-- What is attached in a chat's composer, not yet sent: kept like the draft's text, and moved
-- to the question when it is sent.
CREATE TABLE draft_attachments (
    num             INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    hash            TEXT NOT NULL REFERENCES attachments (hash),
    name            TEXT NOT NULL,
    UNIQUE (conversation_id, hash)
) STRICT;

CREATE INDEX draft_attachments_by_hash ON draft_attachments (hash);

-- A file goes when nothing uses it any more: a message deleted (regenerate, edit, a chat
-- purged — cascades fire these too) or a chip removed.
CREATE TRIGGER message_attachments_release AFTER DELETE ON message_attachments BEGIN
    DELETE FROM attachments WHERE hash = old.hash
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM draft_attachments WHERE hash = old.hash);
END;

CREATE TRIGGER draft_attachments_release AFTER DELETE ON draft_attachments BEGIN
    DELETE FROM attachments WHERE hash = old.hash
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM draft_attachments WHERE hash = old.hash);
END;

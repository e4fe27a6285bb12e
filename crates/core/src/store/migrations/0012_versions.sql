-- Versions: a regenerated answer or an edited question is added beside the one it replaces,
-- which is kept. Messages form a tree (each row's parent is the message before it in its
-- branch); the branch open in the chat holds seq 1, 2, 3…, so every read of a chat stays a
-- range of seq, and the versions off it are kept at negative seq, each unique.
ALTER TABLE messages ADD COLUMN parent_id TEXT;
-- Raised each time a row leaves the open branch: opening a version again brings back, below
-- it, the versions that were open last.
ALTER TABLE messages ADD COLUMN shown INTEGER NOT NULL DEFAULT 0;
-- Set by deleting a version (on the version and everything after it); cleared by Undo; such
-- rows are purged at the next start, as deleted chats are.
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

-- Today's chats become single branches: each message's parent is the one before it.
UPDATE messages SET parent_id = (
    SELECT p.id FROM messages AS p
    WHERE p.conversation_id = messages.conversation_id AND p.seq < messages.seq
    ORDER BY p.seq DESC LIMIT 1
);

CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id);

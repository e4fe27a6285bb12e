-- Images a tool call returned, in order: kept with the attachments (each file once, by hash),
-- shown as thumbnails on the call's card and sent again to a model that can see.
CREATE TABLE tool_call_images (
    num           INTEGER PRIMARY KEY,
    tool_call_num INTEGER NOT NULL REFERENCES tool_calls (num) ON DELETE CASCADE,
    hash          TEXT NOT NULL REFERENCES attachments (hash)
) STRICT;

CREATE INDEX tool_call_images_by_call ON tool_call_images (tool_call_num);
CREATE INDEX tool_call_images_by_hash ON tool_call_images (hash);

-- A file goes when nothing uses it any more: a question, a composer or a call's result.
DROP TRIGGER message_attachments_release;
DROP TRIGGER draft_attachments_release;

CREATE TRIGGER message_attachments_release AFTER DELETE ON message_attachments BEGIN
    DELETE FROM attachments WHERE hash = old.hash
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM draft_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM tool_call_images WHERE hash = old.hash);
END;

CREATE TRIGGER draft_attachments_release AFTER DELETE ON draft_attachments BEGIN
    DELETE FROM attachments WHERE hash = old.hash
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM draft_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM tool_call_images WHERE hash = old.hash);
END;

CREATE TRIGGER tool_call_images_release AFTER DELETE ON tool_call_images BEGIN
    DELETE FROM attachments WHERE hash = old.hash
        AND NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM draft_attachments WHERE hash = old.hash)
        AND NOT EXISTS (SELECT 1 FROM tool_call_images WHERE hash = old.hash);
END;

-- Tools the person allowed for one chat ("Allow in this chat"), by the name requests give
-- them: kept with the chat, gone with it. Never exported: an archive must not grant a tool.
CREATE TABLE chat_allowed_tools (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, name)
) STRICT, WITHOUT ROWID;

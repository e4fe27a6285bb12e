-- Conversations and their messages. Times are milliseconds since the Unix epoch.
CREATE TABLE conversations (
    id            TEXT PRIMARY KEY NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    -- 1 once the person renamed the chat: the first message no longer names it.
    title_set     INTEGER NOT NULL DEFAULT 0,
    model         TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    draft         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- Set by Delete; cleared by Undo; such rows are purged at the next start.
    deleted_at    INTEGER
) STRICT;

CREATE INDEX conversations_by_activity ON conversations (updated_at DESC) WHERE deleted_at IS NULL;

CREATE TABLE messages (
    -- An explicit integer key: the search index refers to it, and VACUUM keeps it.
    num             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- Order within the conversation; pages are cut on it.
    seq             INTEGER NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'error')),
    -- The markdown source, as the person typed it or the model wrote it.
    content         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('done', 'streaming', 'stopped', 'error', 'interrupted')),
    error_kind      TEXT,
    error_text      TEXT,
    model           TEXT,
    tokens_in       INTEGER,
    tokens_out      INTEGER,
    cost_usd        REAL,
    usage_source    TEXT,
    request_id      TEXT,
    created_at      INTEGER NOT NULL,
    -- The rendered HTML of an answer, and the renderer version that made it.
    html            TEXT,
    html_version    INTEGER,
    UNIQUE (conversation_id, seq)
) STRICT;

-- Small facts about the profile (the conversation open last).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

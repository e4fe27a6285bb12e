-- Assistants: a saved set of name, system prompt, model, tools switch and parameters, that a new
-- chat starts from. At most one is the default, which New chat (Ctrl/Cmd+N) starts from.
CREATE TABLE assistants (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    -- Empty: the default model of the day the chat starts.
    model            TEXT NOT NULL DEFAULT '',
    system_prompt    TEXT NOT NULL DEFAULT '',
    tools            INTEGER NOT NULL DEFAULT 1,
    temperature      REAL,
    top_p            REAL,
    max_tokens       INTEGER,
    reasoning_effort TEXT CHECK (reasoning_effort IN ('low', 'medium', 'high')),
    fit_newest       INTEGER NOT NULL DEFAULT 0,
    is_default       INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX assistants_one_default ON assistants (is_default) WHERE is_default = 1;

-- The assistant a chat started from (its header names it; Update saves the chat's settings to it).
ALTER TABLE conversations ADD COLUMN assistant_id TEXT;

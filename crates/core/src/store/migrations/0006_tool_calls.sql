-- An answer's tool calls, in the order the model asked for them, and what became of each:
-- shown again after a relaunch, and sent to the model again on later questions (the answer's
-- text is cut at `text_at`, its length when the round's calls came, into the rounds' words).
CREATE TABLE tool_calls (
    num         INTEGER PRIMARY KEY,
    message_num INTEGER NOT NULL REFERENCES messages (num) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    text_at     INTEGER NOT NULL,
    call_id     TEXT NOT NULL,
    -- The tool as the request offered it, and as the window names it.
    name        TEXT NOT NULL,
    label       TEXT NOT NULL,
    arguments   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('awaiting', 'running', 'done', 'denied', 'failed', 'interrupted')),
    result      TEXT,
    UNIQUE (message_num, call_id)
) STRICT;

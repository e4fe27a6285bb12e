-- Whether a chat offers the model the person's tools (the chat's own switch; on by default).
ALTER TABLE conversations ADD COLUMN tools INTEGER NOT NULL DEFAULT 1;

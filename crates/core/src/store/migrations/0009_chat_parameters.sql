-- A chat's own parameters, each sent only when set (NULL: the provider's default, never sent).
ALTER TABLE conversations ADD COLUMN temperature REAL;
ALTER TABLE conversations ADD COLUMN top_p REAL;
ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;
ALTER TABLE conversations ADD COLUMN reasoning_effort TEXT CHECK (reasoning_effort IN ('low', 'medium', 'high'));

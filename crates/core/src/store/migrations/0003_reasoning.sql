-- How answers really end: the model's reasoning, kept apart from the answer (and never sent
-- back to it), and why an answer stopped when it was not a plain stop.
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
-- The rendered reasoning, cached like `html` (same `html_version`).
ALTER TABLE messages ADD COLUMN reasoning_html TEXT;
-- How long the model reasoned, in milliseconds.
ALTER TABLE messages ADD COLUMN reasoning_ms INTEGER;
ALTER TABLE messages ADD COLUMN tokens_reasoning INTEGER;
-- 'length': cut at the model's output limit (it can be continued); 'content_filter': stopped
-- by the provider's filter. NULL: a plain end.
ALTER TABLE messages ADD COLUMN stop_reason TEXT CHECK (stop_reason IN ('length', 'content_filter'));
-- The model's own words when it declined (OpenAI's `refusal`).
ALTER TABLE messages ADD COLUMN refusal TEXT;

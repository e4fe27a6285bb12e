-- What the gateway counted of the one request that wrote an answer's end (its prompt tokens).
-- `tokens_in` is the answer's whole bill (a continued answer adds both requests'), so it cannot
-- tell the next request's size; this can: the context guard starts from it.
ALTER TABLE messages ADD COLUMN request_tokens INTEGER;

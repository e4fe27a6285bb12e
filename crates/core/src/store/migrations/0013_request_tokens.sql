-- What the gateway counted of the prompt of the request behind an answer: its last tool round's,
-- and for a continued answer the first request's (the one that continued it held the answer's
-- start too). `tokens_in` is the answer's whole bill (a continued answer adds both requests'), so
-- it cannot tell the next request's size; this can: the context guard starts from it.
ALTER TABLE messages ADD COLUMN request_tokens INTEGER;

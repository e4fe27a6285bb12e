-- An answer's text and reasoning as they stream, in the pieces saved every half second: a save
-- adds a row of what is new, so its cost does not grow with the answer (rewriting the message's
-- whole text cost ~230 ms a save at 8 MB, with its fsync). Read after the message's own text
-- while it streams; folded into it when the answer ends, or at the next start when the app
-- ended first.
CREATE TABLE answer_growth (
    num         INTEGER PRIMARY KEY,
    message_num INTEGER NOT NULL REFERENCES messages (num) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    reasoning   TEXT NOT NULL
) STRICT;

CREATE INDEX answer_growth_by_message ON answer_growth (message_num);

-- Full-text search over message content. The index holds `search_text(content)`, which
-- splits Chinese, Japanese, Korean and Thai into one token per character and turns emoji into
-- tokens, so a phrase query finds any run of characters (数据 inside 我们把数据存在本地).
-- Contentless: the text lives once, in `messages`.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO messages_fts (rowid, body)
    SELECT num, search_text(content) FROM messages WHERE status <> 'streaming';

-- An answer is indexed once it stops growing, not at every save while it streams.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.num, search_text(new.content));
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status <> 'streaming' BEGIN
    DELETE FROM messages_fts WHERE rowid = old.num;
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, status ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.num AND old.status <> 'streaming';
    INSERT INTO messages_fts (rowid, body)
        SELECT new.num, search_text(new.content) WHERE new.status <> 'streaming';
END;

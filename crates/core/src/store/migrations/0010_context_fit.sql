-- Whether a chat that has outgrown its model's window sends only its newest turns that fit.
ALTER TABLE conversations ADD COLUMN fit_newest INTEGER NOT NULL DEFAULT 0;

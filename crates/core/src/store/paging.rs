//! A conversation's messages a page at a time, by a cursor on `seq` (never OFFSET): the newest,
//! those before or after what is loaded, those around one message.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use super::rows::{self, Author, MessageRow, COLUMNS};
use super::{attachments, conversations, Result, StoreError};

/// Which part of a conversation to load.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "camelCase")]
pub enum Page {
    /// The newest messages (what opening a conversation shows).
    Latest,
    /// Messages just older than `seq` (scrolling up).
    Before(i64),
    /// Messages just newer than `seq` (scrolling down after a jump).
    After(i64),
    /// Messages around one message (a search result).
    Around(String),
}

/// One page of rows, oldest first, and whether there is more either side.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPage {
    pub rows: Vec<MessageRow>,
    pub has_older: bool,
    pub has_newer: bool,
}

/// The most messages one page may hold.
pub const MAX_PAGE: usize = 500;

/// One page of a conversation, oldest first, questions with their attachments.
pub fn page(db: &Connection, conversation_id: &str, page: Page, limit: usize) -> Result<RowPage> {
    conversations::get(db, conversation_id)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let older = |before: i64, n: usize| -> Result<(Vec<MessageRow>, bool)> {
        let mut rows = rows::query(
            db,
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > 0 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
            ),
            params![conversation_id, before, n as i64 + 1],
        )?;
        let more = rows.len() > n;
        rows.truncate(n);
        rows.reverse();
        Ok((rows, more))
    };
    let newer = |after: i64, n: usize| -> Result<(Vec<MessageRow>, bool)> {
        let mut rows = rows::query(
            db,
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq > max(?2, 0) ORDER BY seq ASC LIMIT ?3"
            ),
            params![conversation_id, after, n as i64 + 1],
        )?;
        let more = rows.len() > n;
        rows.truncate(n);
        Ok((rows, more))
    };
    let (mut rows, has_older, has_newer) = match page {
        Page::Latest => {
            let (rows, more) = older(i64::MAX, limit)?;
            (rows, more, false)
        }
        Page::Before(seq) => {
            let (rows, more) = older(seq, limit)?;
            (rows, more, true)
        }
        Page::After(seq) => {
            let (rows, more) = newer(seq, limit)?;
            (rows, true, more)
        }
        Page::Around(id) => {
            let seq: i64 = db
                .query_row(
                    "SELECT seq FROM messages WHERE id = ?1 AND conversation_id = ?2",
                    params![id, conversation_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(StoreError::NoSuchMessage)?;
            let (mut rows, has_older) = older(seq + 1, limit.div_ceil(2))?;
            let (after, has_newer) = newer(seq, limit / 2)?;
            rows.extend(after);
            (rows, has_older, has_newer)
        }
    };
    for row in &mut rows {
        if row.role == Author::User {
            row.attachments = attachments::of_message(db, row.num)?;
        }
    }
    Ok(RowPage {
        rows,
        has_older,
        has_newer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::answers::tests::ask_and_finish;
    use crate::store::Store;

    #[test]
    fn pages_of_a_long_conversation() {
        Store::in_memory()
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                for i in 0..120 {
                    ask_and_finish(db, &c, &format!("q{i}"), &format!("a{i}"));
                }
                let latest = page(db, &c, Page::Latest, 50)?;
                assert_eq!(latest.rows.len(), 50);
                assert!(latest.has_older && !latest.has_newer);
                assert_eq!(latest.rows.last().unwrap().text, "a119");
                let older = page(db, &c, Page::Before(latest.rows[0].seq), 50)?;
                assert_eq!(older.rows.last().unwrap().seq + 1, latest.rows[0].seq);
                let oldest = page(db, &c, Page::Before(older.rows[0].seq), 500)?;
                assert!(!oldest.has_older);
                assert_eq!(oldest.rows[0].text, "q0");
                assert_eq!(oldest.rows.len() + 100, 240);

                let target = oldest.rows[10].id.clone();
                let around = page(db, &c, Page::Around(target.clone()), 20)?;
                assert!(around.rows.iter().any(|m| m.id == target));
                assert!(around.has_older && around.has_newer);
                let after = page(db, &c, Page::After(around.rows.last().unwrap().seq), 20)?;
                assert_eq!(after.rows[0].seq, around.rows.last().unwrap().seq + 1);
                assert!(matches!(
                    page(db, &c, Page::Around("nope".into()), 20),
                    Err(StoreError::NoSuchMessage)
                ));
                Ok(())
            })
            .unwrap();
    }
}

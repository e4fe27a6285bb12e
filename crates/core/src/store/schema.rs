//! The schema, as numbered SQL files built into the binary. The version lives in SQLite's
//! `user_version`; every missing step and the version bump commit in one IMMEDIATE
//! transaction, so a file is never left half upgraded. A file newer than this code is refused.

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StoreError};

/// Step `i` brings the schema from version `i` to `i + 1`. Never edit a shipped step: add one.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_conversations.sql"),
    include_str!("migrations/0002_search.sql"),
    include_str!("migrations/0003_reasoning.sql"),
    include_str!("migrations/0004_attachments.sql"),
    include_str!("migrations/0005_answer_growth.sql"),
    include_str!("migrations/0006_tool_calls.sql"),
    include_str!("migrations/0007_chat_tools.sql"),
    include_str!("migrations/0008_tool_images_and_chat_allowances.sql"),
    include_str!("migrations/0009_chat_parameters.sql"),
    include_str!("migrations/0010_context_fit.sql"),
    include_str!("migrations/0011_assistants.sql"),
    include_str!("migrations/0012_versions.sql"),
    include_str!("migrations/0013_request_tokens.sql"),
];

pub(crate) fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings the schema to the latest version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Brings the schema to `target` (tests build every earlier version with it).
pub(crate) fn migrate_to(conn: &mut Connection, target: usize) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)? as usize;
    if found > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: found as u32,
            known: MIGRATIONS.len() as u32,
        });
    }
    if found >= target {
        return Ok(());
    }
    for step in &MIGRATIONS[found..target] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", target as u32)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{conversations, paging, search};

    fn fresh(target: usize) -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        search::register_functions(&c).unwrap();
        migrate_to(&mut c, target).unwrap();
        c
    }

    /// Every table, index and trigger, as SQLite describes it.
    fn schema_of(c: &Connection) -> Vec<(String, String)> {
        let mut st = c
            .prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn from_an_empty_file() {
        let c = fresh(MIGRATIONS.len());
        assert_eq!(version(&c).unwrap() as usize, MIGRATIONS.len());
        assert!(schema_of(&c).iter().any(|(n, _)| n == "messages_fts"));
    }

    #[test]
    fn from_every_earlier_version_with_data() {
        let latest = schema_of(&fresh(MIGRATIONS.len()));
        for start in 1..MIGRATIONS.len() {
            let mut c = fresh(start);
            // Rows written by the old schema (version 1 has the tables; search came later).
            c.execute_batch(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'old chat', 1, 2);
                 INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at)
                   VALUES ('m1', 'c1', 1, 'user', 'remember the 数据 about kiwis', 'done', 1);",
            )
            .unwrap();
            migrate(&mut c).unwrap();
            assert_eq!(schema_of(&c), latest, "upgraded from {start} equals a fresh schema");
            // What was there before is found by the new index.
            let hits = search::search(&c, "kiwis", 10).unwrap();
            assert_eq!(hits.len(), 1, "from version {start}");
            assert_eq!(search::search(&c, "数据", 10).unwrap().len(), 1);
            assert_eq!(conversations::list(&c).unwrap()[0].title, "old chat");
            assert_eq!(paging::page(&c, "c1", paging::Page::Latest, 10).unwrap().rows.len(), 1);
        }
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut c = fresh(MIGRATIONS.len());
        let before = schema_of(&c);
        migrate(&mut c).unwrap();
        assert_eq!(schema_of(&c), before);
    }

    #[test]
    fn a_failed_step_leaves_the_old_version() {
        let mut c = fresh(1);
        // A table in the way of step 2: the step fails and nothing of it stays.
        c.execute_batch("CREATE TABLE messages_fts (x)").unwrap();
        assert!(migrate(&mut c).is_err());
        assert_eq!(version(&c).unwrap(), 1);
        assert!(!schema_of(&c).iter().any(|(n, _)| n.starts_with("messages_fts_")));
    }
}

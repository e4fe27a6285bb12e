//! Versions: a regenerated answer or an edited question goes beside the message it replaces,
//! which is kept with everything after it. Messages form a tree by `parent_id`; the branch open
//! in the chat holds `seq` 1, 2, 3… (what every read of a chat pages through, and what is
//! sent), and the versions off it are kept at negative `seq`. Opening a version swaps the
//! branch below its parent in one transaction; below the version, the versions open last come
//! back with it.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Result, StoreError};

/// Where a message stands among its versions (the messages with the same parent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    /// 1 for the oldest (by when it was written; by its row among those written in the same
    /// millisecond).
    pub index: u32,
    pub count: u32,
}

/// A message's place in the tree.
struct Node {
    seq: i64,
    parent_id: Option<String>,
}

fn node(db: &Connection, conversation_id: &str, id: &str) -> Result<Node> {
    db.prepare_cached("SELECT seq, parent_id FROM messages WHERE id = ?1 AND conversation_id = ?2")?
        .query_row(params![id, conversation_id], |r| {
            Ok(Node {
                seq: r.get(0)?,
                parent_id: r.get(1)?,
            })
        })
        .optional()?
        .ok_or(StoreError::NoSuchMessage)
}

/// The ids of the versions under `parent_id`, oldest first (by time: an import adds a chat's
/// open branch before the versions off it).
fn siblings(db: &Connection, conversation_id: &str, parent_id: Option<&str>) -> Result<Vec<String>> {
    let mut st = db.prepare_cached(
        "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 ORDER BY created_at, num",
    )?;
    let ids = st
        .query_map(params![conversation_id, parent_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Where message `id` (with parent `parent_id`) stands among its versions; `None` when it is
/// the only one.
pub(crate) fn of_message(
    db: &Connection,
    conversation_id: &str,
    id: &str,
    parent_id: Option<&str>,
) -> Result<Option<Versions>> {
    let (count, index): (u32, u32) = db
        .prepare_cached(
            "SELECT count(*), coalesce(sum((created_at, num) <= (SELECT created_at, num FROM messages WHERE id = ?3)), 0)
             FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2",
        )?
        .query_row(params![conversation_id, parent_id, id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((count > 1).then_some(Versions { index, count }))
}

/// Moves the open branch from `seq` on off it (to negative `seq`, below every version kept),
/// marked as shown last.
pub(crate) fn shelve_from(db: &Connection, conversation_id: &str, seq: i64) -> Result<()> {
    let (lowest, shown): (i64, i64) = db.query_row(
        "SELECT min(0, coalesce(min(seq), 0)), coalesce(max(shown), 0) + 1 FROM messages WHERE conversation_id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    db.execute(
        "UPDATE messages SET seq = ?2 - 1 - (seq - ?3), shown = ?4 WHERE conversation_id = ?1 AND seq >= ?3",
        params![conversation_id, lowest, seq, shown],
    )?;
    Ok(())
}

/// Opens the version of the message `step` versions from message `id` (−1 the one before,
/// 1 the one after) and returns its id.
pub fn step(db: &Connection, conversation_id: &str, id: &str, step: i64) -> Result<String> {
    let node = node(db, conversation_id, id)?;
    let siblings = siblings(db, conversation_id, node.parent_id.as_deref())?;
    let at = siblings.iter().position(|s| s == id).unwrap_or(0) as i64;
    let target = usize::try_from(at + step)
        .ok()
        .and_then(|i| siblings.get(i))
        .ok_or(StoreError::Invalid("There is no other version that way."))?
        .clone();
    open(db, conversation_id, &target)?;
    Ok(target)
}

/// Makes message `id`'s branch the open one, when it is not: the open branch below the
/// version's nearest open ancestor is kept off it, the path down to the version takes its
/// place, and below the version the versions shown last. One transaction.
pub fn open(db: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    let target = node(db, conversation_id, id)?;
    if target.seq > 0 {
        return Ok(());
    }
    let streaming: bool = db.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND status = 'streaming')",
        [conversation_id],
        |r| r.get(0),
    )?;
    if streaming {
        return Err(StoreError::Invalid(
            "An answer is still being written in this chat; stop it or let it finish, then switch versions.",
        ));
    }
    let total: i64 = db.query_row(
        "SELECT count(*) FROM messages WHERE conversation_id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let tx = db.unchecked_transaction()?;
    // The path from the version up to the open branch (an imported file could hold a loop:
    // no path is longer than the chat).
    let mut path = vec![id.to_string()];
    let mut parent = target.parent_id;
    let start = loop {
        let Some(p) = parent else { break 1 };
        let up = node(&tx, conversation_id, &p)?;
        if up.seq > 0 {
            break up.seq + 1;
        }
        if path.len() as i64 > total {
            return Err(StoreError::Invalid(
                "This chat's versions are tangled; export it to keep it as it is.",
            ));
        }
        path.push(p);
        parent = up.parent_id;
    };
    shelve_from(&tx, conversation_id, start)?;
    let mut place = tx.prepare_cached("UPDATE messages SET seq = ?2 WHERE id = ?1")?;
    let mut seq = start;
    for id in path.iter().rev() {
        place.execute(params![id, seq])?;
        seq += 1;
    }
    let mut shown_last = tx.prepare_cached(
        "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id = ?2 AND seq < 0
         ORDER BY shown DESC, num DESC LIMIT 1",
    )?;
    let mut below = id.to_string();
    while seq - start <= total {
        let Some(child) = shown_last
            .query_row(params![conversation_id, below], |r| r.get::<_, String>(0))
            .optional()?
        else {
            break;
        };
        place.execute(params![child, seq])?;
        seq += 1;
        below = child;
    }
    drop((place, shown_last));
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests;

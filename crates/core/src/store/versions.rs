//! Versions: a regenerated answer or an edited question goes beside the message it replaces,
//! which is kept with everything after it. Messages form a tree by `parent_id`; the branch open
//! in the chat holds `seq` 1, 2, 3… (what every read of a chat pages through, and what is
//! sent), and the versions off it are kept at negative `seq`. Opening a version swaps the
//! branch below its parent in one transaction; below the version, the versions open last come
//! back with it.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{now_ms, Result, StoreError};

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
    db.prepare_cached(
        "SELECT seq, parent_id FROM messages WHERE id = ?1 AND conversation_id = ?2 AND deleted_at IS NULL",
    )?
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
        "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 AND deleted_at IS NULL
         ORDER BY created_at, num",
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
             FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 AND deleted_at IS NULL",
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
    let tx = db.unchecked_transaction()?;
    open_in(&tx, conversation_id, id)?;
    tx.commit()?;
    Ok(())
}

/// [`open`], in the caller's transaction.
fn open_in(tx: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    let target = node(tx, conversation_id, id)?;
    if target.seq > 0 {
        return Ok(());
    }
    not_streaming(tx, conversation_id)?;
    let total: i64 = tx.query_row(
        "SELECT count(*) FROM messages WHERE conversation_id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    // The path from the version up to the open branch (an imported file could hold a loop:
    // no path is longer than the chat).
    let mut path = vec![id.to_string()];
    let mut parent = target.parent_id;
    let start = loop {
        let Some(p) = parent else { break 1 };
        let up = node(tx, conversation_id, &p)?;
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
    shelve_from(tx, conversation_id, start)?;
    let mut place = tx.prepare_cached("UPDATE messages SET seq = ?2 WHERE id = ?1")?;
    let mut seq = start;
    for id in path.iter().rev() {
        place.execute(params![id, seq])?;
        seq += 1;
    }
    let mut shown_last = tx.prepare_cached(
        "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id = ?2 AND seq < 0 AND deleted_at IS NULL
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
    Ok(())
}

/// Versions change only while no answer is being written in the chat.
fn not_streaming(db: &Connection, conversation_id: &str) -> Result<()> {
    let streaming: bool = db.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND status = 'streaming')",
        [conversation_id],
        |r| r.get(0),
    )?;
    if streaming {
        return Err(StoreError::Invalid(
            "An answer is still being written in this chat; stop it or let it finish, then change versions.",
        ));
    }
    Ok(())
}

/// Message `id` and everything after it in every branch below it.
const BELOW: &str = "WITH RECURSIVE below(id) AS (
        SELECT ?1 UNION SELECT m.id FROM messages AS m JOIN below ON m.parent_id = below.id WHERE m.conversation_id = ?2
    )";

/// Deletes version `id` and everything after it, so that [`undo_delete`] can bring them back
/// until the next start; the version before it (or else after it) is shown in its place.
/// Returns that version's id. A message with no other version is not deleted this way.
pub fn delete(db: &Connection, conversation_id: &str, id: &str) -> Result<String> {
    let target = node(db, conversation_id, id)?;
    let siblings = siblings(db, conversation_id, target.parent_id.as_deref())?;
    let at = siblings.iter().position(|s| s == id).unwrap_or(0);
    let Some(shown) = at
        .checked_sub(1)
        .or((siblings.len() > 1).then_some(1))
        .and_then(|i| siblings.get(i))
    else {
        return Err(StoreError::Invalid(
            "This message has no other version to show in its place.",
        ));
    };
    not_streaming(db, conversation_id)?;
    let tx = db.unchecked_transaction()?;
    if target.seq > 0 {
        open_in(&tx, conversation_id, shown)?;
    }
    tx.execute(
        &format!("{BELOW} UPDATE messages SET deleted_at = ?3 WHERE id IN below"),
        params![id, conversation_id, now_ms()],
    )?;
    tx.commit()?;
    Ok(shown.clone())
}

/// Brings back version `id` deleted by [`delete`], with what was deleted with it, and shows it.
pub fn undo_delete(db: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    let restored = tx.execute(
        &format!(
            "{BELOW} UPDATE messages SET deleted_at = NULL WHERE id IN below
             AND deleted_at = (SELECT deleted_at FROM messages WHERE id = ?1 AND conversation_id = ?2)"
        ),
        params![id, conversation_id],
    )?;
    if restored == 0 {
        return Err(StoreError::NoSuchMessage);
    }
    open_in(&tx, conversation_id, id)?;
    tx.commit()?;
    Ok(())
}

/// Removes for good the versions deleted before `before`.
pub fn purge_deleted(db: &Connection, before: i64) -> Result<()> {
    db.execute("DELETE FROM messages WHERE deleted_at < ?1", [before])?;
    Ok(())
}

#[cfg(test)]
mod tests;

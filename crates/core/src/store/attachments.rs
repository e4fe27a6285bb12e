//! Queries on attachments: the files kept by hash, those waiting in a chat's composer (the
//! draft's attachments), and those a sent question carries. Files nothing uses any more are
//! deleted by the schema's triggers, whichever way their last use went.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::{conversations, now_ms, Result, StoreError};
use crate::attach::parts::Loaded;
use crate::attach::{Kind, Prepared, MAX_PER_MESSAGE};

/// An attachment as the window shows it (a chip, a thumbnail): everything but the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    /// The sha256 of the bytes: what the thumbnail protocol serves it by.
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub media_type: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Where the window loads an image's thumbnail from; none for a text file.
    pub thumbnail: Option<String>,
}

/// The scheme of the protocol the shell serves image thumbnails by (the window's CSP allows
/// its origin for images, and nothing else).
pub const THUMBNAIL_SCHEME: &str = "glama-attachment";

/// Where image `id`'s thumbnail is served: `glama-attachment://localhost/<id>`; Windows'
/// webview reaches a custom scheme as `http://<scheme>.localhost/`.
pub(crate) fn thumbnail_url(id: &str) -> String {
    if cfg!(windows) {
        format!("http://{THUMBNAIL_SCHEME}.localhost/{id}")
    } else {
        format!("{THUMBNAIL_SCHEME}://localhost/{id}")
    }
}

/// How the window shows `file`, named `name`.
pub fn view_of(name: String, file: &Prepared) -> AttachmentView {
    AttachmentView {
        thumbnail: (file.kind == Kind::Image).then(|| thumbnail_url(&file.hash)),
        id: file.hash.clone(),
        name,
        kind: file.kind,
        media_type: file.media_type.clone(),
        size: file.bytes.len() as u64,
        width: file.width,
        height: file.height,
    }
}

const TOO_MANY: &str = "A message can carry at most 10 attachments.";
const _: () = assert!(MAX_PER_MESSAGE == 10, "TOO_MANY says 10");

/// Keeps `file`, unless the same bytes are kept already.
pub(crate) fn keep(db: &Connection, file: &Prepared) -> Result<()> {
    db.prepare_cached(
        "INSERT OR IGNORE INTO attachments (hash, kind, media_type, size, width, height, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        file.hash,
        file.kind.as_str(),
        file.media_type,
        file.bytes.len() as i64,
        file.width,
        file.height,
        file.bytes,
        now_ms()
    ])?;
    Ok(())
}

/// Adds `file` to the chat's composer. The same file twice is one chip.
pub fn attach_to_draft(
    db: &mut Connection,
    conversation_id: &str,
    name: &str,
    file: &Prepared,
) -> Result<AttachmentView> {
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    conversations::get(&tx, conversation_id)?;
    let already = tx
        .query_row(
            "SELECT 1 FROM draft_attachments WHERE conversation_id = ?1 AND hash = ?2",
            params![conversation_id, file.hash],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !already {
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM draft_attachments WHERE conversation_id = ?1",
            [conversation_id],
            |r| r.get(0),
        )?;
        if count as usize >= MAX_PER_MESSAGE {
            return Err(StoreError::Invalid(TOO_MANY));
        }
        keep(&tx, file)?;
        tx.execute(
            "INSERT INTO draft_attachments (conversation_id, hash, name) VALUES (?1, ?2, ?3)",
            params![conversation_id, file.hash, name],
        )?;
    }
    tx.commit()?;
    drafts(db, conversation_id)?
        .into_iter()
        .find(|a| a.id == file.hash)
        .ok_or(StoreError::NoSuchMessage)
}

/// What waits in the chat's composer, in the order it was attached.
pub fn drafts(db: &Connection, conversation_id: &str) -> Result<Vec<AttachmentView>> {
    views(
        db,
        "SELECT a.hash, d.name, a.kind, a.media_type, a.size, a.width, a.height
         FROM draft_attachments d JOIN attachments a ON a.hash = d.hash
         WHERE d.conversation_id = ?1 ORDER BY d.num",
        params![conversation_id],
    )
}

/// What waits in the chat's composer as a request would carry it, for measuring: text files
/// with their words; images without their bytes (an image costs the model the same whatever
/// they are), so a measure reads no picture.
pub(crate) fn drafts_to_measure(db: &Connection, conversation_id: &str) -> Result<Vec<Loaded>> {
    let mut st = db.prepare_cached(
        "SELECT d.name, a.kind, a.media_type, CASE a.kind WHEN 'text' THEN a.data END
         FROM draft_attachments d JOIN attachments a ON a.hash = d.hash
         WHERE d.conversation_id = ?1 ORDER BY d.num",
    )?;
    let rows = st
        .query_map([conversation_id], |r| {
            Ok(Loaded {
                name: r.get(0)?,
                kind: kind(&r.get::<_, String>(1)?)?,
                media_type: r.get(2)?,
                data: Some(r.get::<_, Option<Vec<u8>>>(3)?.unwrap_or_default()),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Takes a chip off the composer (the file goes too if nothing else uses it).
pub fn remove_draft(db: &Connection, conversation_id: &str, id: &str) -> Result<()> {
    db.execute(
        "DELETE FROM draft_attachments WHERE conversation_id = ?1 AND hash = ?2",
        params![conversation_id, id],
    )?;
    Ok(())
}

/// Whether the chat's composer holds attachments (a question may then be sent without words).
pub(crate) fn has_drafts(db: &Connection, conversation_id: &str) -> Result<bool> {
    Ok(db
        .query_row(
            "SELECT 1 FROM draft_attachments WHERE conversation_id = ?1 LIMIT 1",
            [conversation_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Moves the composer's attachments to the question just written (same transaction).
pub(crate) fn send_drafts(db: &Connection, conversation_id: &str, message_id: &str) -> Result<()> {
    db.execute(
        "INSERT INTO message_attachments (message_num, hash, name)
         SELECT (SELECT num FROM messages WHERE id = ?2), hash, name
         FROM draft_attachments WHERE conversation_id = ?1 ORDER BY num",
        params![conversation_id, message_id],
    )?;
    db.execute(
        "DELETE FROM draft_attachments WHERE conversation_id = ?1",
        [conversation_id],
    )?;
    Ok(())
}

/// An edited question (`to`) carries those of `from`'s attachments listed in `keep` (by id),
/// in their order.
pub(crate) fn copy_kept(db: &Connection, from: &str, to: &str, keep: &[String]) -> Result<()> {
    let ids = serde_json::to_string(keep).unwrap_or_else(|_| "[]".into());
    db.execute(
        "INSERT INTO message_attachments (message_num, hash, name)
         SELECT (SELECT num FROM messages WHERE id = ?2), hash, name FROM message_attachments
         WHERE message_num = (SELECT num FROM messages WHERE id = ?1)
           AND hash IN (SELECT value FROM json_each(?3))
         ORDER BY num",
        params![from, to, ids],
    )?;
    Ok(())
}

/// Whether the message carries attachments.
pub(crate) fn has_any(db: &Connection, message_id: &str) -> Result<bool> {
    Ok(db
        .query_row(
            "SELECT 1 FROM message_attachments ma JOIN messages m ON m.num = ma.message_num WHERE m.id = ?1 LIMIT 1",
            [message_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The name of the first file a message carries, if any.
pub(crate) fn first_name(db: &Connection, message_id: &str) -> Result<Option<String>> {
    Ok(db
        .query_row(
            "SELECT ma.name FROM message_attachments ma JOIN messages m ON m.num = ma.message_num
             WHERE m.id = ?1 ORDER BY ma.num LIMIT 1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// What the message numbered `num` carries, in order.
pub(crate) fn of_message(db: &Connection, num: i64) -> Result<Vec<AttachmentView>> {
    views(
        db,
        "SELECT a.hash, ma.name, a.kind, a.media_type, a.size, a.width, a.height
         FROM message_attachments ma JOIN attachments a ON a.hash = ma.hash
         WHERE ma.message_num = ?1 ORDER BY ma.num",
        params![num],
    )
}

/// The most attachment bytes one request carries. A long chat with many images would otherwise
/// grow every request (and the memory that builds it) without bound; the newest attachments are
/// sent, older ones past this are named instead.
pub const MAX_BYTES_PER_REQUEST: u64 = 40 * 1024 * 1024;

/// The attachments of the conversation's questions before `seq`, by message number: what the
/// model is sent with the history. The newest come with their bytes, up to
/// [`MAX_BYTES_PER_REQUEST`]; older ones come as a note naming them.
pub(crate) fn loaded_before(db: &Connection, conversation_id: &str, seq: i64) -> Result<HashMap<i64, Vec<Loaded>>> {
    let mut st = db.prepare_cached(
        "SELECT ma.message_num, ma.name, a.kind, a.media_type, a.size, a.hash
         FROM message_attachments ma
         JOIN messages m ON m.num = ma.message_num
         JOIN attachments a ON a.hash = ma.hash
         WHERE m.conversation_id = ?1 AND m.seq > 0 AND m.seq < ?2
         ORDER BY ma.num DESC",
    )?;
    let rows = st
        .query_map(params![conversation_id, seq], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                kind(&r.get::<_, String>(2)?)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?.max(0) as u64,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: HashMap<i64, Vec<Loaded>> = HashMap::new();
    let mut budget = MAX_BYTES_PER_REQUEST;
    // Newest first, so the budget goes to what the person attached last.
    for (num, name, kind, media_type, size, hash) in rows {
        let loaded = if size <= budget {
            budget -= size;
            Some(data(db, &hash)?)
        } else {
            budget = 0;
            None
        };
        let loaded = Loaded {
            name,
            kind,
            media_type,
            data: loaded,
        };
        out.entry(num).or_default().insert(0, loaded);
    }
    Ok(out)
}

/// An image's media type and bytes, by id: what the thumbnail protocol serves. Text files are
/// never served.
pub fn image(db: &Connection, id: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(db
        .query_row(
            "SELECT media_type, data FROM attachments WHERE hash = ?1 AND kind = 'image'",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Any attachment's bytes, by id (export).
pub(crate) fn data(db: &Connection, id: &str) -> Result<Vec<u8>> {
    db.query_row("SELECT data FROM attachments WHERE hash = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NoSuchMessage)
}

/// Links a kept file to a message (import).
pub(crate) fn link(db: &Connection, message_id: &str, hash: &str, name: &str) -> Result<()> {
    db.execute(
        "INSERT INTO message_attachments (message_num, hash, name)
         VALUES ((SELECT num FROM messages WHERE id = ?1), ?2, ?3)",
        params![message_id, hash, name],
    )?;
    Ok(())
}

fn kind(s: &str) -> rusqlite::Result<Kind> {
    Kind::parse(s).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, s.into(), rusqlite::types::Type::Text))
}

fn views(db: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<AttachmentView>> {
    let mut st = db.prepare_cached(sql)?;
    let rows = st
        .query_map(params, |r| {
            let id: String = r.get(0)?;
            let kind = kind(&r.get::<_, String>(2)?)?;
            Ok(AttachmentView {
                thumbnail: (kind == Kind::Image).then(|| thumbnail_url(&id)),
                id,
                name: r.get(1)?,
                kind,
                media_type: r.get(3)?,
                size: r.get::<_, i64>(4)?.max(0) as u64,
                width: r.get(5)?,
                height: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::attach::{prepare, tests::png};
    use crate::store::answers::tests::plain;
    use crate::store::answers::{add_answer, add_question, finish_answer};
    use crate::store::paging::{page, Page};
    use crate::store::rows::MessageStatus;
    use crate::store::{archive, Store};

    /// How many rows `table` holds.
    pub(crate) fn count(db: &Connection, table: &str) -> i64 {
        db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    pub(crate) fn text_file(body: &str) -> Prepared {
        prepare("notes.md", body.as_bytes().to_vec()).unwrap()
    }

    /// A chat whose one question carries an image and a text file, answered.
    fn asked(db: &mut Connection, image: &Prepared) -> (String, String) {
        let c = conversations::create(db, "m").unwrap().id;
        attach_to_draft(db, &c, "shot.png", image).unwrap();
        attach_to_draft(db, &c, "notes.md", &text_file("# Notes\n")).unwrap();
        let q = add_question(db, &c, 1, "look").unwrap();
        let a = add_answer(db, &c, 2, "m").unwrap();
        finish_answer(db, &a, &plain("seen", MessageStatus::Done)).unwrap();
        (c, q)
    }

    #[test]
    fn a_file_twice_is_one_chip_and_ten_is_the_most() {
        let store = Store::in_memory();
        store
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let f = text_file("same");
                attach_to_draft(db, &c, "a.txt", &f)?;
                attach_to_draft(db, &c, "b.txt", &f)?;
                assert_eq!(drafts(db, &c)?.len(), 1);
                for i in 1..MAX_PER_MESSAGE {
                    attach_to_draft(db, &c, "n.txt", &text_file(&format!("file {i}")))?;
                }
                let err = attach_to_draft(db, &c, "one-more.txt", &text_file("eleven")).unwrap_err();
                assert!(err.to_string().contains("at most 10"), "{err}");
                // Removing a chip deletes its file (nothing else uses it).
                let before = count(db, "attachments");
                remove_draft(db, &c, &f.hash)?;
                assert_eq!(count(db, "attachments"), before - 1);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn export_carries_the_files_and_import_restores_them() {
        let from = Store::in_memory();
        let picture = prepare("shot.png", png(30, 20)).unwrap();
        let hash = picture.hash.clone();
        let exported = from
            .call(move |db| {
                asked(db, &picture);
                archive::tests::exported(db)
            })
            .unwrap();
        let q = &exported.conversations[0].messages[0];
        assert_eq!(q.attachments.len(), 2);
        assert_eq!(q.attachments[0].media_type, "image/png");
        let bytes = serde_json::to_vec(&exported).unwrap();
        let to = Store::in_memory();
        archive::tests::import(&to, &bytes).unwrap();
        let (c, served) = to
            .call(move |db| {
                let c: String = conversations::list(db)?[0].id.clone();
                Ok((c, image(db, &hash)?))
            })
            .unwrap();
        let (media, data) = served.expect("the image is back");
        assert_eq!(media, "image/png");
        assert_eq!(data, png(30, 20));
        let shown = to.call(move |db| page(db, &c, Page::Latest, 10)).unwrap().rows;
        assert_eq!(shown[0].attachments.len(), 2);
        assert_eq!(shown[0].attachments[1].name, "notes.md");

        // An export whose attachment is not what it says is refused in words.
        let mut bad = exported.clone();
        bad.conversations[0].id = "other".into();
        bad.conversations[0].messages[0].id = "other-q".into();
        bad.conversations[0].messages[1].id = "other-a".into();
        bad.conversations[0].messages[0].attachments[0].data = b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec(); // an ELF header
        let err = archive::tests::import(&Store::in_memory(), &serde_json::to_vec(&bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains("neither an image"), "{err}");
    }

    /// Before, an import took an image of any size under 50 megapixels and any number of
    /// files on one message; attaching by hand keeps at most 2048 pixels a side and ten.
    #[test]
    fn import_keeps_the_limits_attaching_keeps() {
        use archive::{Archive, ArchivedAttachment};
        let from = Store::in_memory();
        let one = from
            .call(|db| {
                asked(db, &prepare("shot.png", png(30, 20)).unwrap());
                archive::tests::exported(db)
            })
            .unwrap();
        let with = |files: Vec<ArchivedAttachment>| -> Archive {
            let mut a = one.clone();
            a.conversations[0].messages[0].attachments = files;
            a
        };
        let file = |name: &str, data: Vec<u8>| ArchivedAttachment {
            name: name.into(),
            media_type: "image/png".into(),
            data,
        };
        let wide = with(vec![file("wide.png", png(2049, 10))]);
        let err = archive::tests::import(&Store::in_memory(), &serde_json::to_vec(&wide).unwrap()).unwrap_err();
        assert_eq!(err.kind(), crate::error_code::ErrorCode::BadArchive);
        assert!(
            err.to_string().contains("2049×10") && err.to_string().contains("2048"),
            "{err}"
        );

        let eleven = with(
            (0..11)
                .map(|i| file("n.txt", format!("file {i}").into_bytes()))
                .collect(),
        );
        let err = archive::tests::import(&Store::in_memory(), &serde_json::to_vec(&eleven).unwrap()).unwrap_err();
        assert!(err.to_string().contains("at most 10"), "{err}");

        let ten = with(
            (0..10)
                .map(|i| file("n.txt", format!("file {i}").into_bytes()))
                .collect(),
        );
        let to = Store::in_memory();
        archive::tests::import(&to, &serde_json::to_vec(&ten).unwrap()).unwrap();
        assert_eq!(to.call(|db| Ok(count(db, "message_attachments"))).unwrap(), 10);
    }

    #[test]
    fn text_is_never_served_as_an_image() {
        let store = Store::in_memory();
        store
            .call(|db| {
                let c = conversations::create(db, "m")?.id;
                let f = text_file("<script>alert(1)</script>");
                attach_to_draft(db, &c, "x.html", &f)?;
                assert_eq!(image(db, &f.hash)?, None);
                Ok(())
            })
            .unwrap();
    }
}

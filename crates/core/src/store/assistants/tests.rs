use super::*;
use crate::store::Store;

/// A chat set up as a person would before saving it as an assistant.
fn set_up_chat(db: &Connection) -> Result<Conversation> {
    let c = conversations::create(db, "anthropic/claude")?;
    conversations::set_system_prompt(db, &c.id, "You review Rust code, briefly.")?;
    conversations::set_tools(db, &c.id, false)?;
    conversations::set_parameters(
        db,
        &c.id,
        &Parameters {
            temperature: Some(0.2),
            max_tokens: Some(512),
            ..Default::default()
        },
    )?;
    conversations::get(db, &c.id)
}

#[test]
fn a_chat_saved_as_an_assistant_starts_chats_like_it() {
    Store::in_memory()
        .call(|db| {
            let chat = set_up_chat(db)?;
            let a = save_from_chat(db, &chat.id, "  Rust\n reviewer ")?;
            assert_eq!(a.name, "Rust reviewer");
            assert_eq!(a.model, "anthropic/claude");
            assert_eq!(a.system_prompt, "You review Rust code, briefly.");
            assert!(!a.tools);
            assert_eq!(a.parameters.temperature, Some(0.2));
            assert_eq!(a.parameters.max_tokens, Some(512));
            assert!(!a.is_default);
            assert_eq!(
                conversations::get(db, &chat.id)?.assistant_id.as_deref(),
                Some(a.id.as_str())
            );

            let started = start_chat(db, &Start::Assistant { id: a.id.clone() }, None, "openai/gpt-4o")?;
            assert_ne!(started.id, chat.id);
            assert_eq!(started.assistant_id.as_deref(), Some(a.id.as_str()));
            assert_eq!(
                (started.model.as_str(), started.system_prompt.as_str(), started.tools),
                ("anthropic/claude", "You review Rust code, briefly.", false)
            );
            assert_eq!(started.parameters, a.parameters);
            assert_eq!(conversations::active(db)?, Some(started.id.clone()), "opened next time");
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_assistant_without_a_model_takes_the_default_one() {
    Store::in_memory()
        .call(|db| {
            let chat = conversations::create(db, "")?;
            conversations::set_system_prompt(db, &chat.id, "Be terse.")?;
            let a = save_from_chat(db, &chat.id, "Terse")?;
            let started = start_chat(db, &Start::Assistant { id: a.id }, None, "openai/gpt-4o")?;
            assert_eq!(started.model, "openai/gpt-4o");
            assert_eq!(started.system_prompt, "Be terse.");
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_default_assistant_starts_new_chats_and_there_is_at_most_one() {
    Store::in_memory()
        .call(|db| {
            let chat = set_up_chat(db)?;
            let a = save_from_chat(db, &chat.id, "A")?;
            let b = save_from_chat(db, &chat.id, "B")?;
            let plain = start_chat(db, &Start::Default, None, "m")?;
            assert_eq!(plain.assistant_id, None, "no default yet: a plain chat");
            assert_eq!(plain.system_prompt, "");

            set_default(db, Some(&a.id))?;
            set_default(db, Some(&b.id))?;
            let marked: Vec<_> = list(db)?.into_iter().filter(|x| x.is_default).map(|x| x.name).collect();
            assert_eq!(marked, ["B"]);
            assert_eq!(
                start_chat(db, &Start::Default, None, "m")?.assistant_id,
                Some(b.id.clone())
            );
            assert_eq!(start_chat(db, &Start::Plain, None, "m")?.assistant_id, None);

            set_default(db, None)?;
            assert_eq!(default(db)?, None);
            assert!(matches!(
                set_default(db, Some("gone")),
                Err(StoreError::NoSuchAssistant)
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_empty_open_chat_is_reused_and_a_used_one_is_not() {
    Store::in_memory()
        .call(|db| {
            let chat = set_up_chat(db)?;
            let a = save_from_chat(db, &chat.id, "A")?;
            let empty = conversations::create(db, "m")?;
            let reused = start_chat(db, &Start::Assistant { id: a.id.clone() }, Some(&empty.id), "m")?;
            assert_eq!(reused.id, empty.id);
            assert_eq!(reused.system_prompt, "You review Rust code, briefly.");
            // Plain, asked of that same empty chat: what the assistant set goes.
            let plain = start_chat(db, &Start::Plain, Some(&empty.id), "m")?;
            assert_eq!(plain.id, empty.id);
            assert_eq!(
                (
                    plain.assistant_id,
                    plain.system_prompt.as_str(),
                    plain.tools,
                    plain.parameters
                ),
                (None, "", true, Parameters::default())
            );
            // A chat with words in it is never taken over.
            db.execute(
                "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at)
                 VALUES ('m1', ?1, 0, 'user', 'hi', 'done', 0)",
                [&empty.id],
            )?;
            let fresh = start_chat(db, &Start::Assistant { id: a.id }, Some(&empty.id), "m")?;
            assert_ne!(fresh.id, empty.id);
            assert_eq!(conversations::get(db, &empty.id)?.system_prompt, "");
            Ok(())
        })
        .unwrap();
}

#[test]
fn update_rename_and_delete() {
    Store::in_memory()
        .call(|db| {
            let chat = set_up_chat(db)?;
            let a = save_from_chat(db, &chat.id, "Reviewer")?;
            set_default(db, Some(&a.id))?;
            conversations::set_system_prompt(db, &chat.id, "You review Go code.")?;
            conversations::set_model(db, &chat.id, "openai/gpt-4o")?;
            let updated = update_from_chat(db, &a.id, &chat.id)?;
            assert_eq!(
                (
                    updated.name.as_str(),
                    updated.system_prompt.as_str(),
                    updated.model.as_str()
                ),
                ("Reviewer", "You review Go code.", "openai/gpt-4o")
            );
            assert!(updated.is_default, "an update keeps the default mark");

            assert_eq!(rename(db, &a.id, "Go reviewer")?.name, "Go reviewer");
            assert!(matches!(rename(db, &a.id, " \n "), Err(StoreError::Invalid(_))));
            assert!(matches!(save_from_chat(db, &chat.id, ""), Err(StoreError::Invalid(_))));

            let started = start_chat(db, &Start::Default, None, "m")?;
            delete(db, &a.id)?;
            assert!(list(db)?.is_empty());
            assert_eq!(default(db)?, None);
            let kept = conversations::get(db, &started.id)?;
            assert_eq!(kept.assistant_id, None, "the chat lets go of it");
            assert_eq!(kept.system_prompt, "You review Go code.", "and keeps its settings");
            assert!(matches!(delete(db, &a.id), Err(StoreError::NoSuchAssistant)));
            assert!(matches!(
                start_chat(db, &Start::Assistant { id: a.id }, None, "m"),
                Err(StoreError::NoSuchAssistant)
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn restore_keeps_one_default() {
    Store::in_memory()
        .call(|db| {
            let chat = set_up_chat(db)?;
            let mine = save_from_chat(db, &chat.id, "Mine")?;
            set_default(db, Some(&mine.id))?;
            let theirs = Assistant {
                id: "imported".into(),
                name: "Theirs".into(),
                is_default: true,
                ..get(db, &mine.id)?
            };
            restore(db, &theirs)?;
            assert_eq!(
                default(db)?.map(|d| d.id),
                Some(mine.id.clone()),
                "the default here stays"
            );
            assert_eq!(get(db, "imported")?.name, "Theirs");
            // Restored again (a second import): replaced, not doubled.
            restore(
                db,
                &Assistant {
                    name: "Theirs, newer".into(),
                    ..theirs
                },
            )?;
            assert_eq!(list(db)?.len(), 2);
            assert_eq!(get(db, "imported")?.name, "Theirs, newer");
            Ok(())
        })
        .unwrap();
}

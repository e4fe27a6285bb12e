//! Attachments in the shell: bytes from the window (paste, drop) arrive as a raw IPC body, files
//! picked in the native dialog are read here (the window never learns a path), and images are
//! served to the window by a protocol of ours — only this profile's, only by id, only images.

use std::borrow::Cow;

use glama_core::attach::{self, AttachError, MAX_INPUT_BYTES};
use glama_core::store::attachments::{self, AttachmentView};
use serde::Serialize;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::ipc::InvokeBody;
use tauri::{AppHandle, Manager, Runtime, State, UriSchemeContext, UriSchemeResponder};

use crate::error::AppError;
use crate::files;
use crate::state::AppState;

/// Whether a file of `size` bytes can be attached, asked before the window reads it: a larger
/// one is refused in words without its bytes ever entering the page.
#[tauri::command]
pub fn attachment_fits(name: String, size: u64) -> Result<(), AppError> {
    if size > MAX_INPUT_BYTES as u64 {
        return Err(AttachError::FileTooLarge {
            name: attach::display_name(&name),
            size: size.min(usize::MAX as u64) as usize,
        }
        .into());
    }
    Ok(())
}

/// Adds what the window pasted or dropped to the chat's composer. The body is the file's bytes;
/// the headers name the chat and the file (percent-encoded: headers are ASCII).
#[tauri::command]
pub async fn attach_bytes(
    request: tauri::ipc::Request<'_>,
    state: State<'_, AppState>,
) -> Result<AttachmentView, AppError> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    };
    let conversation_id = header("x-conversation-id").ok_or(AppError::NotRaw)?;
    let name = attach::display_name(&header("x-file-name").unwrap_or_default());
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(AppError::NotRaw);
    };
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(AttachError::FileTooLarge {
            name,
            size: bytes.len(),
        }
        .into());
    }
    add(&state, conversation_id, name, bytes.clone()).await
}

/// What the dialog brought: the files attached, and why the others were not.
#[derive(Debug, Serialize)]
pub struct Picked {
    attached: Vec<AttachmentView>,
    refused: Vec<AppError>,
}

/// Opens the native dialog and attaches the files picked.
#[tauri::command]
pub async fn attach_files(
    app: AppHandle,
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<Picked, AppError> {
    let mut picked = Picked {
        attached: Vec::new(),
        refused: Vec::new(),
    };
    for path in files::choose_attachments(&app).await {
        let name = attach::display_name(&path.to_string_lossy());
        // Refusals name the file as a paste would, never by its path.
        let size = tokio::fs::metadata(&path).await.map_or(0, |m| m.len());
        let added = if size > MAX_INPUT_BYTES as u64 {
            Err(AttachError::FileTooLarge {
                name,
                size: size as usize,
            }
            .into())
        } else {
            match files::read_bounded(&path, MAX_INPUT_BYTES as u64).await {
                Ok(bytes) => add(&state, conversation_id.clone(), name, bytes).await,
                Err(AppError::File(_, why)) => Err(AppError::File(name, why)),
                Err(e) => Err(e),
            }
        };
        match added {
            Ok(view) => picked.attached.push(view),
            Err(e) => picked.refused.push(e),
        }
    }
    Ok(picked)
}

async fn add(
    state: &AppState,
    conversation_id: String,
    name: String,
    bytes: Vec<u8>,
) -> Result<AttachmentView, AppError> {
    // Scaling a large photo takes a while: not on an async worker.
    let shown = name.clone();
    let file = tauri::async_runtime::spawn_blocking(move || attach::prepare(&shown, bytes))
        .await
        .map_err(|e| AppError::File(name.clone(), e.to_string()))??;
    Ok(state
        .store
        .run(move |db| attachments::attach_to_draft(db, &conversation_id, &name, &file))
        .await?)
}

/// What waits in a chat's composer.
#[tauri::command]
pub async fn draft_attachments(
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<Vec<AttachmentView>, AppError> {
    Ok(state
        .store
        .run(move |db| attachments::drafts(db, &conversation_id))
        .await?)
}

/// Takes a chip off the composer.
#[tauri::command]
pub async fn remove_attachment(
    state: State<'_, AppState>,
    conversation_id: String,
    id: String,
) -> Result<(), AppError> {
    Ok(state
        .store
        .run(move |db| attachments::remove_draft(db, &conversation_id, &id))
        .await?)
}

/// Serves `glama-attachment://localhost/<id>`: the image with that id from this profile's store,
/// with its own media type and `nosniff`; anything else is a 404. Only our windows may ask (the
/// main window and issue 28's quick ask).
pub fn protocol<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let app = ctx.app_handle().clone();
    let ours = crate::window::is_ours(ctx.webview_label());
    let id = request.uri().path().trim_start_matches('/').to_string();
    tauri::async_runtime::spawn(async move {
        let found = match app.try_state::<AppState>() {
            Some(state) if ours && attach::is_id(&id) => state
                .store
                .run(move |db| attachments::image(db, &id))
                .await
                .ok()
                .flatten(),
            _ => None,
        };
        responder.respond(response(found));
    });
}

fn response(found: Option<(String, Vec<u8>)>) -> Response<Cow<'static, [u8]>> {
    let builder = Response::builder()
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "private, max-age=31536000, immutable");
    match found {
        Some((media_type, bytes)) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, media_type)
            .body(Cow::Owned(bytes)),
        None => builder
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Cow::Borrowed(&b"no such attachment"[..])),
    }
    .unwrap_or_else(|_| Response::new(Cow::Borrowed(&b""[..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_served_with_their_type_and_nothing_else_is() {
        let ok = response(Some(("image/png".into(), vec![1, 2, 3])));
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "image/png");
        assert_eq!(ok.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let missing = response(None);
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}

//! The conversation's rules, each said once: what may be continued, what an ended answer
//! becomes. The window is told their outcome as data; it keeps no copy.

use crate::store::rows::{Author, MessageStatus, StopReason};

/// Whether an answer can go on (Continue) from where it stopped: it has text, and it ended
/// before its end (cut at the output limit, stopped, or interrupted). Offered, and accepted,
/// on the conversation's last answer only.
pub fn continuable(role: Author, status: MessageStatus, stop_reason: Option<StopReason>, text: &str) -> bool {
    let ended_early = stop_reason == Some(StopReason::Length)
        || matches!(status, MessageStatus::Stopped | MessageStatus::Interrupted);
    role == Author::Assistant && ended_early && !text.trim().is_empty()
}

/// What an ended answer is: an error before any text or reasoning leaves only an error row
/// (which says why, and is never sent back to the model); anything else is an answer.
pub fn ended_as(status: MessageStatus, text: &str, reasoning: &str) -> Author {
    if status == MessageStatus::Error && text.is_empty() && reasoning.is_empty() {
        Author::Error
    } else {
        Author::Assistant
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageStatus::*;

    #[test]
    fn only_an_answer_with_text_that_stopped_early_goes_on() {
        let cut = Some(StopReason::Length);
        assert!(continuable(Author::Assistant, Done, cut, "half"));
        assert!(continuable(Author::Assistant, Stopped, None, "half"));
        assert!(continuable(Author::Assistant, Interrupted, None, "half"));
        assert!(!continuable(Author::Assistant, Done, None, "whole"), "a whole answer");
        assert!(
            !continuable(Author::Assistant, Streaming, None, "half"),
            "still written"
        );
        assert!(
            !continuable(Author::Assistant, Stopped, None, " \n"),
            "no text (cut while thinking)"
        );
        assert!(!continuable(Author::User, Stopped, cut, "question"));
        assert!(
            !continuable(Author::Assistant, Done, Some(StopReason::ContentFilter), "half"),
            "filtered"
        );
    }

    #[test]
    fn an_error_before_any_word_is_an_error_row() {
        assert_eq!(ended_as(Error, "", ""), Author::Error);
        assert_eq!(ended_as(Error, "partial", ""), Author::Assistant);
        assert_eq!(ended_as(Error, "", "thoughts"), Author::Assistant);
        assert_eq!(ended_as(Stopped, "", ""), Author::Assistant);
    }
}

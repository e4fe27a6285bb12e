//! Callback URLs among a process's arguments: a cold start's own, or a second launch's
//! (forwarded by single-instance). Any local process can pass anything, so the scan takes raw
//! `OsString`s, never indexes a string by byte, and lets nothing but a URL of our scheme through.

use std::ffi::OsString;

/// The arguments (program name excluded) that are URLs of `scheme`, as strings. Launchers and
/// WebKitWebDriver add arguments of their own, so every argument is looked at. An argument
/// that is not Unicode, or has no `scheme:` prefix (ASCII case-insensitive), is skipped.
pub fn callback_urls<I>(scheme: &str, args: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    args.into_iter()
        .filter_map(|arg| arg.into().into_string().ok())
        .filter(|arg| has_scheme(arg, scheme))
        .collect()
}

/// `arg` starts with `scheme:` and has more after it. Compared on bytes, so a multi-byte
/// character anywhere cannot split a slice.
fn has_scheme(arg: &str, scheme: &str) -> bool {
    let (arg, scheme) = (arg.as_bytes(), scheme.as_bytes());
    arg.len() > scheme.len() + 1 && arg[..scheme.len()].eq_ignore_ascii_case(scheme) && arg[scheme.len()] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SCHEME: &str = "ai.glama.chat";

    #[test]
    fn picks_our_urls_among_other_arguments() {
        let args = [
            "--some-flag",
            "AI.Glama.Chat:/callback/S?code=x",
            "ai.glama.chat:",
            "https://glama.ai/",
            "ai.glama.chatx:/callback/S",
            "ai.glama.chat:/callback/T?error=access_denied",
        ];
        assert_eq!(
            callback_urls(SCHEME, args),
            vec![
                "AI.Glama.Chat:/callback/S?code=x".to_string(),
                "ai.glama.chat:/callback/T?error=access_denied".to_string()
            ]
        );
    }

    /// These panicked in the shell's old scan (a byte slice through `é`; `std::env::args`
    /// on bytes that are not UTF-8).
    #[test]
    fn multi_byte_and_non_unicode_arguments_are_skipped() {
        assert!(callback_urls(SCHEME, ["ai.glama.chaté"]).is_empty());
        assert!(callback_urls(SCHEME, ["ai.glama.cha€t:/x", "é", "", "🦀🦀🦀🦀🦀🦀🦀"]).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let bad = OsString::from_vec(vec![0xff, 0xfe, b'a']);
            let mut prefixed = b"ai.glama.chat:/callback/S?code=".to_vec();
            prefixed.push(0xff);
            let prefixed = OsString::from_vec(prefixed);
            assert!(callback_urls(SCHEME, [bad, prefixed]).is_empty());
        }
    }

    proptest! {
        #[test]
        fn any_string_arguments(args in proptest::collection::vec(any::<String>(), 0..6)) {
            let found = callback_urls(SCHEME, args.clone());
            for url in &found {
                prop_assert!(args.contains(url));
                prop_assert!(url.to_ascii_lowercase().starts_with("ai.glama.chat:"));
            }
        }

        #[test]
        fn our_prefix_then_anything(rest in "\\PC{1,40}") {
            let arg = format!("ai.glama.chat:{rest}");
            prop_assert_eq!(callback_urls(SCHEME, [arg.clone()]), vec![arg]);
        }

        #[cfg(unix)]
        #[test]
        fn any_bytes_arguments(args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..6)) {
            use std::os::unix::ffi::OsStringExt;
            let os: Vec<OsString> = args.iter().cloned().map(OsString::from_vec).collect();
            for url in callback_urls(SCHEME, os) {
                prop_assert!(args.iter().any(|a| a == url.as_bytes()));
            }
        }
    }
}

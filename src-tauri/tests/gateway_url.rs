//! A `GLAMA_GATEWAY_URL` the app cannot use stops it before any window, with words that name
//! the variable; never a panic (exit status 101), never a silent fall-back to glama.ai.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn an_unusable_gateway_url_is_refused_at_start() {
    for bad in [
        "mailto:x",
        "data:,x",
        "glama.ai",
        "ftp://glama.ai",
        "https://glama.ai/?x=1",
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_glama-chat"))
            .env("GLAMA_GATEWAY_URL", bad)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the app");
        // A guard, not a speed target: before the fix some of these started the app normally.
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{bad:?}: the app started instead of refusing the variable");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("GLAMA_GATEWAY_URL is set to"), "{bad:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad:?}: {stderr}");
    }
}

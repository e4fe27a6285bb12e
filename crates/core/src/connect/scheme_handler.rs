//! Which program opens the app's sign-in link (`ai.glama.chat:`) on a Linux desktop, and
//! registering this one, through `xdg-mime` and a per-user `.desktop` file (XDG).
//!
//! A per-user default beats the one an installed package sets, so a build that registered
//! itself blindly would steal the links from the installed app. The rule:
//! - the link already opens this binary: nothing is written;
//! - it opens an *installed copy* (a program that exists outside a cargo target folder): it
//!   is never replaced, and this copy signs in through a local port instead;
//! - nobody handles it, or a development build does (inside a cargo target folder, which
//!   cargo marks with `CACHEDIR.TAG`), or a program that no longer exists: this binary
//!   registers itself.
//!
//! Every call runs programs and touches files: call it off the main thread.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The per-user `.desktop` file this app writes (the name the deep-link plugin used before,
/// so an older registration is updated in place).
pub const HANDLER_FILE: &str = "glama-chat-handler.desktop";

/// What [`ensure_registered`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The link already opens this binary.
    AlreadyThis,
    /// An installed copy of the app handles the link; it was left alone.
    InstalledCopy(PathBuf),
    /// This binary now handles the link.
    Registered,
}

/// What to do about the current handler (pure: the rule above).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    AlreadyThis,
    KeepInstalled(PathBuf),
    Register,
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("could not run {program}: {source}")]
    Run {
        program: &'static str,
        source: std::io::Error,
    },
    #[error("{program} failed ({status})")]
    Failed {
        program: &'static str,
        status: std::process::ExitStatus,
    },
    #[error("could not write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    /// A desktop entry is UTF-8: a path that is not cannot be written in one.
    #[error("the program's path is not UTF-8 ({0:?})")]
    NotUtf8(PathBuf),
}

/// Decides from this binary and the program the link opens now (if any).
pub fn decide(this: &Path, handler: Option<&Path>) -> Decision {
    let Some(handler) = handler else {
        return Decision::Register;
    };
    if same_file(this, handler) {
        return Decision::AlreadyThis;
    }
    if handler.is_file() && !is_dev_build(handler) {
        return Decision::KeepInstalled(handler.to_path_buf());
    }
    Decision::Register
}

/// A binary inside a cargo target folder (cargo writes `CACHEDIR.TAG` at its top).
pub fn is_dev_build(program: &Path) -> bool {
    program
        .ancestors()
        .skip(1)
        .any(|dir| dir.join("CACHEDIR.TAG").is_file())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The program the `scheme:` link opens now, if any: `xdg-mime`'s default `.desktop` file,
/// found in the XDG data folders, and the program of its `Exec` line.
pub fn current_handler(scheme: &str) -> Result<Option<PathBuf>, HandlerError> {
    let output = Command::new("xdg-mime")
        .args(["query", "default", &mime_type(scheme)])
        .output()
        .map_err(|source| HandlerError::Run {
            program: "xdg-mime",
            source,
        })?;
    // xdg-mime exits with 4 when no handler is set.
    if !output.status.success() {
        return Ok(None);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(desktop_id) = stdout.lines().next().map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let Some(entry) = find_desktop_file(desktop_id) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&entry).unwrap_or_default();
    Ok(exec_program(&text).map(resolve_program))
}

/// Registers this binary when [`decide`] says so.
pub fn ensure_registered(scheme: &str, this: &Path) -> Result<Registration, HandlerError> {
    match decide(this, current_handler(scheme)?.as_deref()) {
        Decision::AlreadyThis => Ok(Registration::AlreadyThis),
        Decision::KeepInstalled(path) => Ok(Registration::InstalledCopy(path)),
        Decision::Register => {
            register(scheme, this)?;
            Ok(Registration::Registered)
        }
    }
}

fn register(scheme: &str, this: &Path) -> Result<(), HandlerError> {
    let dir = data_home().join("applications");
    let path = dir.join(HANDLER_FILE);
    let program = this.to_str().ok_or_else(|| HandlerError::NotUtf8(this.to_path_buf()))?;
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Glama Chat (sign-in links)\nExec={} %u\n\
         Terminal=false\nNoDisplay=true\nMimeType={};\n",
        exec_argument(program),
        mime_type(scheme)
    );
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, entry))
        .map_err(|source| HandlerError::Write {
            path: path.display().to_string(),
            source,
        })?;
    // Refreshes the MIME cache where the tool exists; xdg-mime below is what counts.
    let _ = Command::new("update-desktop-database").arg(&dir).output();
    let status = Command::new("xdg-mime")
        .args(["default", HANDLER_FILE, &mime_type(scheme)])
        .status()
        .map_err(|source| HandlerError::Run {
            program: "xdg-mime",
            source,
        })?;
    if !status.success() {
        return Err(HandlerError::Failed {
            program: "xdg-mime",
            status,
        });
    }
    Ok(())
}

fn mime_type(scheme: &str) -> String {
    format!("x-scheme-handler/{scheme}")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default()
}

/// `$XDG_DATA_HOME`, else `~/.local/share`.
fn data_home() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home().join(".local/share"))
}

/// The `.desktop` file of `desktop_id`: the user's data folder first, then the system's.
fn find_desktop_file(desktop_id: &str) -> Option<PathBuf> {
    if desktop_id.contains('/') || desktop_id.starts_with('.') {
        return None;
    }
    let system = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    std::iter::once(data_home())
        .chain(system.split(':').filter(|d| !d.is_empty()).map(PathBuf::from))
        .map(|dir| dir.join("applications").join(desktop_id))
        .find(|path| path.is_file())
}

/// `program` as the first argument of an `Exec` value, per the Desktop Entry spec: quoted,
/// with `"`, `` ` ``, `$` and `\` escaped by a backslash inside the quotes, `%` doubled (a
/// field code otherwise); then the value's own escapes (`\\`, `\n`, `\t`, `\r`), which the
/// spec applies before the quoting rule. A path with spaces, quotes or dollars is then one
/// argument, read back as it was (and never a second argument or a shell expansion).
pub fn exec_argument(program: &str) -> String {
    let mut quoted = String::with_capacity(program.len() + 2);
    quoted.push('"');
    for c in program.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '%' => quoted.push_str("%%"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    let mut value = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        match c {
            '\\' => value.push_str("\\\\"),
            '\n' => value.push_str("\\n"),
            '\t' => value.push_str("\\t"),
            '\r' => value.push_str("\\r"),
            c => value.push(c),
        }
    }
    value
}

/// A string value of a desktop entry with its escapes (`\s`, `\n`, `\t`, `\r`, `\\`) read.
fn unescape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                // Not a value escape: left for the quoting rule.
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The program of the `Exec` line in the `[Desktop Entry]` group: the first word, or the
/// quoted first argument, read with the spec's escapes ([`exec_argument`] writes them).
pub fn exec_program(desktop_entry: &str) -> Option<PathBuf> {
    let mut in_entry = false;
    for line in desktop_entry.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
            continue;
        }
        let Some(exec) = line.strip_prefix("Exec").map(str::trim_start) else {
            continue;
        };
        let Some(exec) = exec.strip_prefix('=').filter(|_| in_entry) else {
            continue;
        };
        let exec = unescape_value(exec.trim());
        let program = match exec.strip_prefix('"') {
            Some(quoted) => {
                let mut program = String::new();
                let mut chars = quoted.chars();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => program.push(chars.next()?),
                        c => program.push(c),
                    }
                }
                program
            }
            None => exec.split_whitespace().next()?.to_string(),
        };
        let program = program.replace("%%", "%");
        return (!program.is_empty()).then(|| PathBuf::from(program));
    }
    None
}

/// A bare program name (`glama-chat %u`) is looked up in `PATH`.
fn resolve_program(program: PathBuf) -> PathBuf {
    if program.is_absolute() {
        return program;
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(&program))
        .find(|candidate| candidate.is_file())
        .unwrap_or(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exec_program() {
        let entry =
            "[Desktop Entry]\nName=x\nExec=\"/opt/Glama Chat/glama-chat\" %u\n[Desktop Action new]\nExec=other\n";
        assert_eq!(exec_program(entry), Some(PathBuf::from("/opt/Glama Chat/glama-chat")));
        assert_eq!(
            exec_program("[Desktop Entry]\nExec=glama-chat %u"),
            Some(PathBuf::from("glama-chat"))
        );
        assert_eq!(
            exec_program("[Desktop Entry]\nExecutable=x\nExec =/usr/bin/a"),
            Some(PathBuf::from("/usr/bin/a"))
        );
        assert_eq!(exec_program("[Other]\nExec=/x"), None);
        assert_eq!(exec_program("[Desktop Entry]\nExec=\"\""), None);
        assert_eq!(exec_program(""), None);
    }

    /// The spec's own example: a literal backslash inside a quoted argument is four in the
    /// file, a dollar `\\$`.
    #[test]
    fn exec_arguments_are_escaped_per_the_spec() {
        assert_eq!(exec_argument("/usr/bin/glama-chat"), r#""/usr/bin/glama-chat""#);
        assert_eq!(
            exec_argument(r#"/opt/a "b" $HOME `x` \ 100%/glama-chat"#),
            r#""/opt/a \\"b\\" \\$HOME \\`x\\` \\\\ 100%%/glama-chat""#
        );
        for path in [
            "/usr/bin/glama-chat",
            "/opt/Glama Chat/glama-chat",
            r#"/tmp/we"ird $(rm -rf ~) `id` \ 100% ;|&<>*?#'~/glama-chat"#,
            "/tmp/new\nline\ttab/glama-chat",
        ] {
            let entry = format!("[Desktop Entry]\nExec={} %u\n", exec_argument(path));
            assert_eq!(exec_program(&entry), Some(PathBuf::from(path)), "{entry}");
        }
    }

    #[test]
    fn the_rule() {
        let root = std::env::temp_dir().join(format!("glama-decide-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dev = root.join("work/target/debug/glama-chat");
        let other_dev = root.join("old/target/release/glama-chat");
        let installed = root.join("usr/bin/glama-chat");
        for (file, tag) in [(&dev, "work/target"), (&other_dev, "old/target")] {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, b"").unwrap();
            std::fs::write(
                root.join(tag).join("CACHEDIR.TAG"),
                b"Signature: 8a477f597d28d172789f06886806bc55",
            )
            .unwrap();
        }
        std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
        std::fs::write(&installed, b"").unwrap();

        assert!(is_dev_build(&dev) && is_dev_build(&other_dev) && !is_dev_build(&installed));
        assert_eq!(decide(&dev, None), Decision::Register);
        assert_eq!(decide(&dev, Some(dev.as_path())), Decision::AlreadyThis);
        assert_eq!(
            decide(&dev, Some(installed.as_path())),
            Decision::KeepInstalled(installed.clone())
        );
        assert_eq!(decide(&dev, Some(other_dev.as_path())), Decision::Register);
        assert_eq!(
            decide(&dev, Some(root.join("gone/glama-chat").as_path())),
            Decision::Register
        );
        assert_eq!(decide(&installed, Some(dev.as_path())), Decision::Register);
        assert_eq!(decide(&installed, Some(installed.as_path())), Decision::AlreadyThis);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

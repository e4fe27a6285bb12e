//! A pasted snippet (from a server's README, or another app's config) as drafts for the form.
//!
//! Taken as people copy them: a whole `{"mcpServers": {…}}`, VS Code's `{"servers": {…}}` or
//! `{"mcp": {"servers": {…}}}`, a bare map of servers, one `"name": {…}` member without its
//! braces, or one server's object with no name (named after its package or host). Comments
//! and trailing commas, common in copied JSONC, are allowed. Values whose names look secret
//! (`…_TOKEN`, `Authorization`…) come marked secret: the form shows the mark before anything
//! is kept.

use indexmap::IndexMap;

use super::config::{DraftField, DraftLaunch, DraftValue, Field, FieldValue, Launch, ServerConfig, ServerDraft};
use super::document::Json;

/// A snippet this large is not a snippet.
const MAX_SNIPPET_BYTES: usize = 256 * 1024;

/// The servers a pasted snippet describes, or why it describes none, in words.
pub fn parse_snippet(text: &str) -> Result<Vec<ServerDraft>, String> {
    if text.len() > MAX_SNIPPET_BYTES {
        return Err("The pasted text is too long to be a server's configuration.".into());
    }
    let clean = strip_jsonc(text);
    let root: Json = match serde_json::from_str(&clean) {
        Ok(json) => json,
        Err(first) => serde_json::from_str(&format!("{{{clean}}}"))
            .map_err(|_| format!("The pasted text is not JSON ({first})."))?,
    };
    let Json::Object(root) = root else {
        return Err("The pasted text is not a JSON object of servers.".into());
    };
    let servers = find_servers(&root)?;
    if servers.is_empty() {
        return Err("The pasted text names no server.".into());
    }
    servers
        .into_iter()
        .map(|(name, entry)| {
            let config = ServerConfig::read(&name, &entry);
            draft_of(config).map_err(|reason| format!("The server \"{name}\" cannot be used: {reason}."))
        })
        .collect()
}

fn is_server(entry: &Json) -> bool {
    entry.as_object().is_some_and(|e| {
        ["command", "url", "serverUrl", "httpUrl"]
            .iter()
            .any(|k| e.contains_key(*k))
    })
}

fn find_servers(root: &IndexMap<String, Json>) -> Result<Vec<(String, Json)>, String> {
    let inner = |key: &str| root.get(key).and_then(Json::as_object);
    let map = if let Some(map) = inner("mcpServers") {
        map
    } else if let Some(map) = root
        .get("mcp")
        .and_then(Json::as_object)
        .and_then(|m| m.get("servers"))
        .and_then(Json::as_object)
    {
        map
    } else if let Some(map) = inner("servers").filter(|m| m.values().all(is_server)) {
        map
    } else if is_server(&Json::Object(root.clone())) {
        return Ok(vec![(name_for(root), Json::Object(root.clone()))]);
    } else if !root.is_empty() && root.values().all(is_server) {
        root
    } else {
        return Err("The pasted text has no \"mcpServers\" and is not a server's configuration (it needs a \"command\" or a \"url\").".into());
    };
    Ok(map.iter().map(|(name, entry)| (name.clone(), entry.clone())).collect())
}

/// A name for a server pasted without one: its package (`@scope/server-github` → `github`),
/// or its host (`https://huggingface.co/mcp` → `huggingface`).
fn name_for(entry: &IndexMap<String, Json>) -> String {
    let from_url = ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Json::as_str))
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .map(|host| {
            let labels: Vec<&str> = host.split('.').filter(|l| *l != "www" && *l != "mcp").collect();
            labels.first().copied().unwrap_or(&host).to_string()
        });
    let from_package = || {
        let args = entry.get("args").and_then(Json::as_array)?;
        let package = args
            .iter()
            .filter_map(|a| a.as_str())
            .filter(|a| !a.starts_with('-') && !a.contains(std::path::MAIN_SEPARATOR) || a.starts_with('@'))
            .find(|a| a.contains("mcp") || a.contains("server"))?;
        let base = package.rsplit('/').next().unwrap_or(package);
        let base = base.split('@').next().unwrap_or(base);
        let trimmed = ["mcp-server-", "server-", "mcp-"]
            .iter()
            .find_map(|p| base.strip_prefix(p))
            .or_else(|| {
                ["-mcp-server", "-mcp", "-server"]
                    .iter()
                    .find_map(|s| base.strip_suffix(s))
            })
            .unwrap_or(base);
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    };
    from_url
        .or_else(from_package)
        .or_else(|| {
            entry
                .get("command")
                .and_then(Json::as_str)
                .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        })
        .unwrap_or_else(|| "server".into())
}

fn draft_of(config: ServerConfig) -> Result<ServerDraft, String> {
    let fields = |fields: Vec<Field>| -> Result<Vec<DraftField>, String> {
        fields
            .into_iter()
            .map(|f| match f.value {
                FieldValue::Secret(_) => Err(format!("{} refers to a keyring entry; paste its value instead", f.name)),
                FieldValue::Plain(v) => Ok(DraftField {
                    value: if looks_secret(&f.name) && !v.is_empty() {
                        DraftValue::Secret(v)
                    } else {
                        DraftValue::Plain(v)
                    },
                    name: f.name,
                }),
            })
            .collect()
    };
    let launch = match config.launch {
        Launch::Stdio(s) => DraftLaunch::Stdio {
            command: s.command,
            args: s.args,
            env: fields(s.env)?,
            cwd: s.cwd,
        },
        Launch::Http(h) => DraftLaunch::Http {
            url: h.url,
            headers: fields(h.headers)?,
        },
        Launch::Unusable(reason) => return Err(reason),
    };
    Ok(ServerDraft {
        name: config.name,
        launch,
        disabled: config.disabled,
        timeout_secs: (config.timeout_secs != super::config::DEFAULT_TIMEOUT_SECS).then_some(config.timeout_secs),
    })
}

/// Whether a variable's or header's name says its value is a credential.
pub fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    [
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "cookie",
        "pat",
        "apikey",
    ]
    .iter()
    .any(|w| words.contains(w))
        || ["apikey", "token", "secret", "password"]
            .iter()
            .any(|w| lower.contains(w))
}

/// Drops `//` and `/* */` comments, then commas before `}` or `]`, outside strings.
fn strip_jsonc(text: &str) -> String {
    drop_trailing_commas(&drop_comments(text))
}

fn drop_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                // To the end of the line, which stays.
                while chars.next_if(|&c| c != '\n').is_some() {}
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

fn drop_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = text[i + 1..].chars().find(|c| !c.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_snippets_as_people_copy_them() {
        let whole = r#"{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}"#;
        let member = r#""time": {"command": "uvx", "args": ["mcp-server-time"],}"#;
        let bare = r#"{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], // the server
                      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}}"#;
        let vscode = r#"{"servers": {"hf": {"type": "http", "url": "https://huggingface.co/mcp"}}}"#;
        assert_eq!(parse_snippet(whole).unwrap()[0].name, "time");
        assert_eq!(parse_snippet(member).unwrap()[0].name, "time");
        let github = &parse_snippet(bare).unwrap()[0];
        assert_eq!(github.name, "github");
        let DraftLaunch::Stdio { env, .. } = &github.launch else {
            panic!()
        };
        assert_eq!(env[0].value, DraftValue::Secret("ghp_x".into()));
        assert_eq!(parse_snippet(vscode).unwrap()[0].name, "hf");
    }

    #[test]
    fn says_why_a_snippet_is_refused() {
        assert!(parse_snippet("not json").unwrap_err().contains("not JSON"));
        assert!(parse_snippet(r#"{"foo": 1}"#)
            .unwrap_err()
            .contains("no \"mcpServers\""));
        assert!(parse_snippet(r#"{"mcpServers": {}}"#)
            .unwrap_err()
            .contains("names no server"));
        assert!(
            parse_snippet(r#"{"mcpServers": {"s": {"type": "sse", "url": "https://x/sse"}}}"#)
                .unwrap_err()
                .contains("\"s\" cannot be used")
        );
    }
}

//! A server as `mcp.json` describes it, read tolerant of the apps that share the format, and
//! written back into its entry touching only the fields we own.
//!
//! Understood: `command`, `args`, `env`, `cwd` (a local server); `url` (or Windsurf's
//! `serverUrl`, Gemini's `httpUrl`) and `headers` (a remote one); `type` or `transport`
//! (`stdio`, `http`, `streamable-http`; `sse` is refused in words); `disabled: true` (or
//! `enabled: false`); and ours, `timeoutSecs`, `disabledTools` and `alwaysAllow`. Anything else
//! in an entry (Cline's `autoApprove`, Cursor's `envFile`…) is kept as it is: another app's
//! approvals are not the person's approvals here.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::document::Json;
use super::secrets::SecretRef;

/// A call's time limit when the entry sets none.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
const MAX_TIMEOUT_SECS: u64 = 3600;

/// One server's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub name: String,
    pub launch: Launch,
    pub disabled: bool,
    /// A call's time limit (`timeoutSecs`).
    pub timeout_secs: u64,
    /// Tools the person switched off (`disabledTools`), by the server's own names.
    pub disabled_tools: BTreeSet<String>,
    /// Tools the person allowed to run without asking, until revoked (`alwaysAllow`), by the
    /// server's own names. Only ever set by the person's click: an added server (a pasted
    /// snippet) starts with none.
    pub always_allowed: BTreeSet<String>,
}

/// How the server is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    Stdio(Stdio),
    Http(Http),
    /// An entry with nothing we can run, and why in words.
    Unusable(String),
}

/// A program the app starts, speaking MCP on its stdin and stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stdio {
    pub command: String,
    pub args: Vec<String>,
    pub env: Vec<Field>,
    pub cwd: Option<String>,
}

/// A server at an address, over Streamable HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    pub url: String,
    pub headers: Vec<Field>,
}

/// An env variable or a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: FieldValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Plain(String),
    /// In the keyring; the file holds the reference.
    Secret(SecretRef),
}

impl FieldValue {
    fn read(text: String) -> FieldValue {
        match SecretRef::parse(&text) {
            Some(secret) => FieldValue::Secret(secret),
            None => FieldValue::Plain(text),
        }
    }

    fn to_json(&self) -> Json {
        match self {
            FieldValue::Plain(text) => Json::string(text.clone()),
            FieldValue::Secret(secret) => Json::string(secret.to_reference()),
        }
    }
}

const URL_KEYS: [&str; 3] = ["url", "serverUrl", "httpUrl"];
const STDIO_KEYS: [&str; 4] = ["command", "args", "env", "cwd"];

impl ServerConfig {
    /// Reads an entry. Never fails: an entry we cannot use becomes [`Launch::Unusable`] with
    /// the reason, so the other servers still run and the panel can say what is wrong.
    pub fn read(name: &str, entry: &Json) -> ServerConfig {
        let mut config = ServerConfig {
            name: name.to_string(),
            launch: Launch::Unusable(String::new()),
            disabled: false,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            disabled_tools: BTreeSet::new(),
            always_allowed: BTreeSet::new(),
        };
        let Some(entry) = entry.as_object() else {
            config.launch = Launch::Unusable("its entry is not an object".into());
            return config;
        };
        config.disabled = match (entry.get("disabled"), entry.get("enabled")) {
            (Some(d), _) if d.as_bool().is_some() => d.as_bool() == Some(true),
            (_, Some(e)) => e.as_bool() == Some(false),
            _ => false,
        };
        if let Some(secs) = entry.get("timeoutSecs").and_then(Json::as_f64) {
            if secs >= 1.0 {
                config.timeout_secs = (secs.round() as u64).min(MAX_TIMEOUT_SECS);
            }
        }
        config.disabled_tools = names_at(entry, "disabledTools");
        config.always_allowed = names_at(entry, "alwaysAllow");
        config.launch = read_launch(entry).unwrap_or_else(Launch::Unusable);
        config
    }

    /// Writes what we own into an entry, keeping its other fields and its order.
    pub fn write(&self, entry: &mut IndexMap<String, Json>) {
        match &self.launch {
            Launch::Stdio(stdio) => {
                for key in URL_KEYS.iter().chain(&["headers"]) {
                    entry.shift_remove(*key);
                }
                set_type(entry, "stdio");
                entry.insert("command".into(), Json::string(stdio.command.clone()));
                let args = stdio.args.iter().cloned().map(serde_json::Value::String).collect();
                entry.insert("args".into(), Json::Other(serde_json::Value::Array(args)));
                write_fields(entry, "env", &stdio.env);
                match &stdio.cwd {
                    Some(cwd) => {
                        entry.insert("cwd".into(), Json::string(cwd.clone()));
                    }
                    None => {
                        entry.shift_remove("cwd");
                    }
                }
            }
            Launch::Http(http) => {
                for key in STDIO_KEYS {
                    entry.shift_remove(key);
                }
                set_type(entry, "http");
                // The address stays under the key the entry used.
                let key = URL_KEYS.into_iter().find(|k| entry.contains_key(*k)).unwrap_or("url");
                entry.insert(key.into(), Json::string(http.url.clone()));
                write_fields(entry, "headers", &http.headers);
            }
            Launch::Unusable(_) => {}
        }
        let bool_json = |b: bool| Json::Other(serde_json::Value::Bool(b));
        if entry.get("enabled").is_some_and(|e| e.as_bool().is_some()) && !entry.contains_key("disabled") {
            entry.insert("enabled".into(), bool_json(!self.disabled));
        } else if self.disabled || entry.contains_key("disabled") {
            entry.insert("disabled".into(), bool_json(self.disabled));
        }
        if self.timeout_secs != DEFAULT_TIMEOUT_SECS || entry.contains_key("timeoutSecs") {
            entry.insert("timeoutSecs".into(), Json::Other(self.timeout_secs.into()));
        }
        write_names(entry, "disabledTools", &self.disabled_tools);
        write_names(entry, "alwaysAllow", &self.always_allowed);
    }

    /// The keyring references the entry holds, with the field each fills.
    pub fn secrets(&self) -> Vec<(String, SecretRef)> {
        let fields = match &self.launch {
            Launch::Stdio(stdio) => &stdio.env,
            Launch::Http(http) => &http.headers,
            Launch::Unusable(_) => return Vec::new(),
        };
        fields
            .iter()
            .filter_map(|f| match &f.value {
                FieldValue::Secret(secret) => Some((f.name.clone(), secret.clone())),
                FieldValue::Plain(_) => None,
            })
            .collect()
    }
}

/// A list of tool names (`disabledTools`, `alwaysAllow`); anything but strings is ignored.
fn names_at(entry: &IndexMap<String, Json>, key: &str) -> BTreeSet<String> {
    entry
        .get(key)
        .and_then(Json::as_array)
        .map(|names| names.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn write_names(entry: &mut IndexMap<String, Json>, key: &str, names: &BTreeSet<String>) {
    if !names.is_empty() || entry.contains_key(key) {
        let names = names.iter().cloned().map(serde_json::Value::String).collect();
        entry.insert(key.into(), Json::Other(serde_json::Value::Array(names)));
    }
}

fn set_type(entry: &mut IndexMap<String, Json>, kind: &str) {
    for key in ["type", "transport"] {
        if let Some(old) = entry.get(key) {
            // `streamable-http` and `http` name the same transport: keep the entry's word.
            let same = old.as_str().map(transport_kind) == Some(Some(kind));
            if !same {
                entry.insert(key.into(), Json::string(kind));
            }
        }
    }
}

fn write_fields(entry: &mut IndexMap<String, Json>, key: &str, fields: &[Field]) {
    if fields.is_empty() && !entry.contains_key(key) {
        return;
    }
    let map = fields.iter().map(|f| (f.name.clone(), f.value.to_json())).collect();
    entry.insert(key.into(), Json::Object(map));
}

/// `stdio`, `http`, or `sse` for the words apps write in `type` / `transport`.
fn transport_kind(word: &str) -> Option<&'static str> {
    let word: String = word
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "stdio" | "local" | "command" => Some("stdio"),
        "http" | "streamablehttp" | "streamable" | "remote" => Some("http"),
        "sse" => Some("sse"),
        _ => None,
    }
}

fn read_launch(entry: &IndexMap<String, Json>) -> Result<Launch, String> {
    let word = entry
        .get("type")
        .or_else(|| entry.get("transport"))
        .and_then(Json::as_str);
    let kind = match word {
        Some(w) => Some(transport_kind(w).ok_or_else(|| format!("its type \"{w}\" is not one this app knows"))?),
        None => None,
    };
    let url = URL_KEYS.iter().find_map(|k| entry.get(*k));
    let command = entry.get("command");
    if kind == Some("sse") {
        return Err("it uses the older HTTP+SSE transport, which this app does not speak; \
                    give the server's Streamable HTTP address instead (it often ends in /mcp)"
            .into());
    }
    match (kind, command, url) {
        (Some("stdio") | None, Some(command), _) => {
            let command = command.as_str().ok_or("its \"command\" is not text")?;
            if command.trim().is_empty() {
                return Err("its \"command\" is empty".into());
            }
            let args = match entry.get("args") {
                None => Vec::new(),
                Some(Json::Other(serde_json::Value::Null)) => Vec::new(),
                Some(args) => args
                    .as_array()
                    .ok_or("its \"args\" is not a list")?
                    .iter()
                    .map(|a| scalar_text(a).ok_or("its \"args\" holds something other than text"))
                    .collect::<Result<_, _>>()?,
            };
            let env = read_fields(entry, "env")?;
            let cwd = match entry.get("cwd") {
                None => None,
                Some(c) => Some(c.as_str().ok_or("its \"cwd\" is not text")?.to_string()),
            }
            .filter(|c| !c.trim().is_empty());
            Ok(Launch::Stdio(Stdio {
                command: command.to_string(),
                args,
                env,
                cwd,
            }))
        }
        (Some("http") | None, _, Some(url)) => {
            let url = url.as_str().ok_or("its \"url\" is not text")?;
            if url.trim().is_empty() {
                return Err("its \"url\" is empty".into());
            }
            Ok(Launch::Http(Http {
                url: url.trim().to_string(),
                headers: read_fields(entry, "headers")?,
            }))
        }
        (Some("stdio"), None, _) => Err("it has no \"command\" to run".into()),
        (Some("http"), _, None) => Err("it has no \"url\"".into()),
        _ => Err("it has neither a \"command\" to run nor a \"url\"".into()),
    }
}

/// Text, or a number or true/false written as text (people write `"PORT": 8080`).
fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn read_fields(entry: &IndexMap<String, Json>, key: &str) -> Result<Vec<Field>, String> {
    let map = match entry.get(key) {
        None | Some(Json::Other(serde_json::Value::Null)) => return Ok(Vec::new()),
        Some(value) => value
            .as_object()
            .ok_or_else(|| format!("its \"{key}\" is not an object of names and values"))?,
    };
    map.iter()
        .map(|(name, value)| {
            let text = match value {
                Json::Other(v) => scalar_text(v),
                Json::Object(_) => None,
            }
            .ok_or_else(|| format!("its \"{key}\" value of {name} is not text"))?;
            Ok(Field {
                name: name.clone(),
                value: FieldValue::read(text),
            })
        })
        .collect()
}

// ---- drafts: what the person asks for --------------------------------------------------------

/// A server as the form (or a pasted snippet) describes it: what the person wants, with
/// secret values in the clear until [`ServerDraft::resolve`] moves them to the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerDraft {
    pub name: String,
    pub launch: DraftLaunch,
    #[serde(default)]
    pub disabled: bool,
    /// `None`: the default (60 s), or what the server had.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DraftLaunch {
    #[serde(rename_all = "camelCase")]
    Stdio {
        command: String,
        #[serde(default)]
        args: Vec<String>,
        #[serde(default)]
        env: Vec<DraftField>,
        #[serde(default)]
        cwd: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Http {
        url: String,
        #[serde(default)]
        headers: Vec<DraftField>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftField {
    pub name: String,
    pub value: DraftValue,
}

/// A field's value as the form sends it: `{"kind": "plain", "value": "…"}`,
/// `{"kind": "secret", "value": "…"}`, or `{"kind": "keep"}` (an edit leaving a stored secret
/// as it is: the page never has its value to send back).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum DraftValue {
    Plain(String),
    Secret(String),
    Keep,
}

impl std::fmt::Debug for DraftValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DraftValue::Plain(v) => f.debug_tuple("Plain").field(v).finish(),
            DraftValue::Secret(_) => f.write_str("Secret(<redacted>)"),
            DraftValue::Keep => f.write_str("Keep"),
        }
    }
}

/// Headers the transport sets itself; one from the config would clash with them.
const RESERVED_HEADERS: [&str; 7] = [
    "accept",
    "content-type",
    "content-length",
    "host",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
];

impl ServerConfig {
    /// The server as the edit form starts from: secret values stay in the keyring and come as
    /// [`DraftValue::Keep`]. `None` for an entry that cannot be used (the person edits the file).
    pub fn draft(&self) -> Option<ServerDraft> {
        let fields = |fields: &[Field]| {
            fields
                .iter()
                .map(|f| DraftField {
                    name: f.name.clone(),
                    value: match &f.value {
                        FieldValue::Plain(v) => DraftValue::Plain(v.clone()),
                        FieldValue::Secret(_) => DraftValue::Keep,
                    },
                })
                .collect()
        };
        let launch = match &self.launch {
            Launch::Stdio(stdio) => DraftLaunch::Stdio {
                command: stdio.command.clone(),
                args: stdio.args.clone(),
                env: fields(&stdio.env),
                cwd: stdio.cwd.clone(),
            },
            Launch::Http(http) => DraftLaunch::Http {
                url: http.url.clone(),
                headers: fields(&http.headers),
            },
            Launch::Unusable(_) => return None,
        };
        Some(ServerDraft {
            name: self.name.clone(),
            launch,
            disabled: self.disabled,
            timeout_secs: Some(self.timeout_secs),
        })
    }
}

/// A draft turned into a config: the secrets it holds (new values to store), checked.
pub struct Resolved {
    pub config: ServerConfig,
    /// Values to put in the keyring before the file names them.
    pub new_secrets: Vec<(SecretRef, String)>,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secrets: Vec<&str> = self.new_secrets.iter().map(|(s, _)| s.id()).collect();
        f.debug_struct("Resolved")
            .field("config", &self.config)
            .field("new_secrets", &secrets)
            .finish()
    }
}

impl ServerDraft {
    /// Checks the draft and makes the config it asks for. `old` is the server an edit
    /// changes: its stored secrets are what [`DraftValue::Keep`] keeps, and its switched-off
    /// tools stay off.
    pub fn resolve(&self, old: Option<&ServerConfig>) -> Result<Resolved, String> {
        let name = self.name.trim();
        check_name(name)?;
        let timeout_secs = match self.timeout_secs {
            None => old.map_or(DEFAULT_TIMEOUT_SECS, |o| o.timeout_secs),
            Some(secs) if (1..=MAX_TIMEOUT_SECS).contains(&secs) => secs,
            Some(_) => {
                return Err(format!(
                    "The time limit must be between 1 and {MAX_TIMEOUT_SECS} seconds."
                ))
            }
        };
        let old_fields: &[Field] = match old.map(|o| &o.launch) {
            Some(Launch::Stdio(s)) => &s.env,
            Some(Launch::Http(h)) => &h.headers,
            _ => &[],
        };
        let mut new_secrets = Vec::new();
        let mut fields = |drafts: &[DraftField], what: &str| -> Result<Vec<Field>, String> {
            let mut seen = BTreeSet::new();
            drafts
                .iter()
                .map(|d| {
                    let field = d.name.trim();
                    if !seen.insert(field.to_ascii_lowercase()) {
                        return Err(format!("The {what} {field} is given twice."));
                    }
                    let value = match &d.value {
                        DraftValue::Plain(v) if SecretRef::looks_like_one(v) => {
                            return Err(format!(
                                "The value of {field} looks like a keyring reference; mark the value secret and enter it instead."
                            ))
                        }
                        DraftValue::Plain(v) => FieldValue::Plain(v.clone()),
                        DraftValue::Secret(v) => {
                            // An edit keeps the entry's reference; a new field gets its own.
                            let secret = old_fields
                                .iter()
                                .find_map(|f| match &f.value {
                                    FieldValue::Secret(s) if f.name == field => Some(s.clone()),
                                    _ => None,
                                })
                                .unwrap_or_else(|| SecretRef::for_field(name, field));
                            new_secrets.push((secret.clone(), v.clone()));
                            FieldValue::Secret(secret)
                        }
                        DraftValue::Keep => old_fields
                            .iter()
                            .find_map(|f| match &f.value {
                                FieldValue::Secret(s) if f.name == field => Some(FieldValue::Secret(s.clone())),
                                _ => None,
                            })
                            .ok_or_else(|| format!("There is no stored secret for {field} to keep; enter its value."))?,
                    };
                    Ok(Field {
                        name: field.to_string(),
                        value,
                    })
                })
                .collect()
        };
        let launch = match &self.launch {
            DraftLaunch::Stdio {
                command,
                args,
                env,
                cwd,
            } => {
                let command = command.trim();
                if command.is_empty() {
                    return Err("The command is empty.".into());
                }
                if command.contains('\0') || args.iter().any(|a| a.contains('\0')) {
                    return Err("The command line holds a NUL character.".into());
                }
                let env = fields(env, "variable")?;
                for f in &env {
                    if f.name.is_empty() || f.name.contains(['=', '\0']) {
                        return Err(format!(
                            "\"{}\" is not a name an environment variable can have.",
                            f.name
                        ));
                    }
                    if matches!(&f.value, FieldValue::Plain(v) if v.contains('\0')) {
                        return Err(format!("The value of {} holds a NUL character.", f.name));
                    }
                }
                Launch::Stdio(Stdio {
                    command: command.to_string(),
                    args: args.clone(),
                    env,
                    cwd: cwd
                        .as_deref()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                })
            }
            DraftLaunch::Http { url, headers } => {
                let url = url.trim();
                check_url(url)?;
                let headers = fields(headers, "header")?;
                for f in &headers {
                    check_header(f)?;
                }
                Launch::Http(Http {
                    url: url.to_string(),
                    headers,
                })
            }
        };
        // Secret values are checked like plain ones, before anything is stored.
        for (secret, value) in &new_secrets {
            if value.contains('\0') || value.chars().any(|c| c == '\r' || c == '\n') {
                return Err(format!(
                    "The secret value for {} holds a line break or NUL.",
                    secret.id()
                ));
            }
        }
        Ok(Resolved {
            config: ServerConfig {
                name: name.to_string(),
                launch,
                disabled: self.disabled,
                timeout_secs,
                disabled_tools: old.map(|o| o.disabled_tools.clone()).unwrap_or_default(),
                always_allowed: old.map(|o| o.always_allowed.clone()).unwrap_or_default(),
            },
            new_secrets,
        })
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("The server needs a name.".into());
    }
    if name.chars().count() > 64 {
        return Err("A server's name can be at most 64 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A server's name cannot hold control characters.".into());
    }
    Ok(())
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("\"{url}\" is not an address ({e})."))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{url}\" is not an http or https address."));
    }
    Ok(())
}

fn check_header(field: &Field) -> Result<(), String> {
    let name = reqwest::header::HeaderName::from_bytes(field.name.as_bytes())
        .map_err(|_| format!("\"{}\" is not a header name.", field.name))?;
    if RESERVED_HEADERS.contains(&name.as_str()) {
        return Err(format!("The header {} is set by the app itself.", field.name));
    }
    if let FieldValue::Plain(v) = &field.value {
        reqwest::header::HeaderValue::from_str(v).map_err(|_| {
            format!(
                "The value of the header {} holds characters a header cannot.",
                field.name
            )
        })?;
    }
    Ok(())
}

/// The command line a stdio server runs, as a confirmation shows it: env assignments (secret
/// values masked), the command and its arguments quoted as a POSIX shell would need.
pub fn command_line(stdio: &Stdio) -> String {
    let mut parts: Vec<String> = stdio
        .env
        .iter()
        .map(|f| match &f.value {
            FieldValue::Plain(v) => format!("{}={}", f.name, shell_quote(v)),
            FieldValue::Secret(_) => format!("{}=<secret>", f.name),
        })
        .collect();
    parts.push(shell_quote(&stdio.command));
    parts.extend(stdio.args.iter().map(|a| shell_quote(a)));
    let line = parts.join(" ");
    match &stdio.cwd {
        Some(cwd) => format!("{line}\n(in {cwd})"),
        None => line,
    }
}

fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::Document;
    use super::*;

    fn servers(text: &str) -> Vec<ServerConfig> {
        let doc = Document::parse(text.as_bytes()).unwrap();
        doc.entries()
            .map(|(name, entry)| ServerConfig::read(name, entry))
            .collect()
    }

    fn plain(name: &str, value: &str) -> Field {
        Field {
            name: name.into(),
            value: FieldValue::Plain(value.into()),
        }
    }

    #[test]
    fn claude_desktops_format() {
        // As Claude desktop's docs and server READMEs write it.
        let got = servers(
            r#"{
              "mcpServers": {
                "filesystem": {
                  "command": "npx",
                  "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"]
                },
                "github": {
                  "command": "docker",
                  "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
                  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${keyring:github/GITHUB_PERSONAL_ACCESS_TOKEN}", "PORT": 8080}
                }
              },
              "globalShortcut": "Ctrl+Space"
            }"#,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].launch,
            Launch::Stdio(Stdio {
                command: "npx".into(),
                args: vec![
                    "-y".into(),
                    "@modelcontextprotocol/server-filesystem".into(),
                    "/Users/me/Desktop".into()
                ],
                env: vec![],
                cwd: None,
            })
        );
        assert!(!got[0].disabled);
        assert_eq!(got[0].timeout_secs, DEFAULT_TIMEOUT_SECS);
        let Launch::Stdio(github) = &got[1].launch else {
            panic!("{:?}", got[1])
        };
        assert_eq!(github.env[1], plain("PORT", "8080"));
        assert_eq!(
            got[1].secrets(),
            [(
                "GITHUB_PERSONAL_ACCESS_TOKEN".to_string(),
                SecretRef::parse("${keyring:github/GITHUB_PERSONAL_ACCESS_TOKEN}").unwrap()
            )]
        );
    }

    #[test]
    fn cursors_format() {
        // Cursor's `.cursor/mcp.json`: remote servers by `url` with `headers`, `type` sometimes given.
        let got = servers(
            r#"{"mcpServers": {
                "linear": {"url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer abc"}},
                "local": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"], "envFile": ".env"},
                "old": {"type": "sse", "url": "https://example.com/sse"},
                "windsurf": {"serverUrl": "https://example.com/mcp"}
            }}"#,
        );
        assert_eq!(
            got[0].launch,
            Launch::Http(Http {
                url: "https://mcp.linear.app/mcp".into(),
                headers: vec![plain("Authorization", "Bearer abc")],
            })
        );
        assert!(matches!(&got[1].launch, Launch::Stdio(s) if s.command == "uvx"));
        assert!(
            matches!(&got[2].launch, Launch::Unusable(why) if why.contains("HTTP+SSE")),
            "{:?}",
            got[2]
        );
        assert!(matches!(&got[3].launch, Launch::Http(h) if h.url == "https://example.com/mcp"));
    }

    #[test]
    fn lm_studios_format() {
        // LM Studio's mcp.json: the same map, plus `disabled`; ours adds `timeoutSecs`.
        let got = servers(
            r#"{"mcpServers": {
                "hf-mcp-server": {"url": "https://huggingface.co/mcp", "headers": {"Authorization": "Bearer <YOUR_HF_TOKEN>"}},
                "time": {"command": "uvx", "args": ["mcp-server-time"], "disabled": true, "timeoutSecs": 5},
                "off": {"command": "x", "enabled": false},
                "broken": {"args": ["nothing to run"]},
                "odd": "not an object"
            }}"#,
        );
        assert!(matches!(&got[0].launch, Launch::Http(_)));
        assert!(got[1].disabled);
        assert_eq!(got[1].timeout_secs, 5);
        assert!(got[2].disabled);
        assert!(matches!(&got[3].launch, Launch::Unusable(why) if why.contains("neither")));
        assert!(matches!(&got[4].launch, Launch::Unusable(why) if why.contains("not an object")));
    }

    #[test]
    fn writing_back_keeps_other_apps_fields() {
        let mut doc =
            Document::parse(br#"{"mcpServers": {"a": {"command": "x", "autoApprove": ["t"], "disabled": false}}}"#)
                .unwrap();
        let mut config = ServerConfig::read("a", doc.entry("a").unwrap());
        config.disabled = true;
        config.disabled_tools.insert("t2".into());
        config.write(doc.entry_mut("a"));
        let out: serde_json::Value = serde_json::from_slice(&doc.to_bytes()).unwrap();
        assert_eq!(
            out["mcpServers"]["a"],
            serde_json::json!({"command": "x", "autoApprove": ["t"], "disabled": true, "args": [], "disabledTools": ["t2"]})
        );
        assert_eq!(ServerConfig::read("a", doc.entry("a").unwrap()), config);
    }

    #[test]
    fn the_edit_form_starts_from_the_server_without_its_secrets_and_saves_it_unchanged() {
        let mut doc = Document::parse(
            br#"{"mcpServers": {"gh": {"command": "npx", "args": ["-y", "server-github"],
                "env": {"LOG": "debug", "GITHUB_TOKEN": "${keyring:gh/GITHUB_TOKEN}"},
                "timeoutSecs": 30, "alwaysAllow": ["search"], "disabledTools": ["push"]}}}"#,
        )
        .unwrap();
        let config = ServerConfig::read("gh", doc.entry("gh").unwrap());
        assert_eq!(config.always_allowed, BTreeSet::from(["search".to_string()]));
        let draft = config.draft().unwrap();
        let DraftLaunch::Stdio { env, .. } = &draft.launch else {
            panic!("{draft:?}")
        };
        assert_eq!(env[0].value, DraftValue::Plain("debug".into()));
        assert_eq!(
            env[1].value,
            DraftValue::Keep,
            "a secret's value never leaves the keyring"
        );
        assert_eq!(draft.timeout_secs, Some(30));
        let again = draft.resolve(Some(&config)).unwrap();
        assert!(again.new_secrets.is_empty());
        assert_eq!(again.config, config, "switches and allowances kept");
        again.config.write(doc.entry_mut("gh"));
        assert_eq!(ServerConfig::read("gh", doc.entry("gh").unwrap()), config);
        let unusable = ServerConfig::read("x", &Json::Other(serde_json::json!("not an object")));
        assert_eq!(unusable.draft(), None);
    }

    #[test]
    fn a_draft_with_secrets_resolves_to_references() {
        let draft: ServerDraft = serde_json::from_value(serde_json::json!({
            "name": "gh",
            "launch": {"type": "http", "url": "https://api.example.com/mcp",
                       "headers": [{"name": "Authorization", "value": {"kind": "secret", "value": "Bearer s3cret"}}]}
        }))
        .unwrap();
        let resolved = draft.resolve(None).unwrap();
        let reference = SecretRef::for_field("gh", "Authorization");
        assert_eq!(resolved.new_secrets, [(reference.clone(), "Bearer s3cret".to_string())]);
        assert!(!format!("{resolved:?}").contains("s3cret"));
        // An edit that keeps the secret needs no value and stores nothing new.
        let keep: ServerDraft = serde_json::from_value(serde_json::json!({
            "name": "gh",
            "launch": {"type": "http", "url": "https://api.example.com/mcp",
                       "headers": [{"name": "Authorization", "value": {"kind": "keep"}}]}
        }))
        .unwrap();
        let again = keep.resolve(Some(&resolved.config)).unwrap();
        assert!(again.new_secrets.is_empty());
        assert_eq!(again.config, resolved.config);
        assert!(keep.resolve(None).unwrap_err().contains("no stored secret"));
        // A plain value may not smuggle in a reference to another server's secret.
        let smuggle: ServerDraft = serde_json::from_value(serde_json::json!({
            "name": "x",
            "launch": {"type": "stdio", "command": "x", "env": [{"name": "T", "value": {"kind": "plain", "value": "${keyring:gh/Authorization}"}}]}
        }))
        .unwrap();
        assert!(smuggle.resolve(None).is_err());
    }

    #[test]
    fn the_command_line_a_confirmation_shows() {
        let stdio = Stdio {
            command: "npx".into(),
            args: vec!["-y".into(), "it's here".into()],
            env: vec![
                plain("A", "b c"),
                Field {
                    name: "T".into(),
                    value: FieldValue::Secret(SecretRef::for_field("s", "T")),
                },
            ],
            cwd: None,
        };
        assert_eq!(command_line(&stdio), r#"A='b c' T=<secret> npx -y 'it'\''s here'"#);
    }
}

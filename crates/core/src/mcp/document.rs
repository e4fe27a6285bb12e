//! `mcp.json` as a document: read keeping its order, servers edited in place, written back
//! with everything we do not understand kept (other top-level keys, fields of other apps).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The key Claude desktop, Cursor and LM Studio keep their servers under.
pub const SERVERS_KEY: &str = "mcpServers";
/// VS Code's name for the same map; read when a file has it instead, and kept.
const VSCODE_SERVERS_KEY: &str = "servers";
/// A config file is a few KB; a much larger one is not ours to read into memory.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// A JSON value whose objects keep their keys in the file's order. serde_json's own map
/// sorts keys unless its `preserve_order` feature is on, which would change every crate's
/// JSON. Objects inside arrays are the one place order may still change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Json {
    Object(IndexMap<String, Json>),
    Other(serde_json::Value),
}

impl Json {
    pub fn as_object(&self) -> Option<&IndexMap<String, Json>> {
        match self {
            Json::Object(map) => Some(map),
            Json::Other(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Other(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Other(serde_json::Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Other(serde_json::Value::Number(n)) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<serde_json::Value>> {
        match self {
            Json::Other(serde_json::Value::Array(items)) => Some(items),
            _ => None,
        }
    }

    pub fn string(s: impl Into<String>) -> Json {
        Json::Other(serde_json::Value::String(s.into()))
    }

    /// Back to a plain value (objects sorted), for reading a field nobody writes back.
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
            Json::Other(v) => v.clone(),
        }
    }
}

/// Why a document could not be read, in words (the file's name is added by the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("it is larger than 1 MB")]
    TooLarge,
    #[error("it is not valid JSON ({0})")]
    NotJson(String),
    #[error("it is not a JSON object with \"mcpServers\" inside")]
    NotAnObject,
    #[error("its \"{0}\" is not an object of servers by name")]
    ServersNotAnObject(String),
}

/// The file's top level, with the servers' map found.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    root: IndexMap<String, Json>,
    /// Where the servers are: `mcpServers`, or `servers` in a file that has only that.
    key: &'static str,
}

impl Default for Document {
    fn default() -> Self {
        let mut root = IndexMap::new();
        root.insert(SERVERS_KEY.to_string(), Json::Object(IndexMap::new()));
        Document { root, key: SERVERS_KEY }
    }
}

impl Document {
    /// Reads a file's bytes. A file without servers (`{}`) is fine; one whose top level is
    /// not an object, or whose servers are not an object, is refused.
    pub fn parse(bytes: &[u8]) -> Result<Document, DocumentError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(DocumentError::TooLarge);
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Document::default());
        }
        let json: Json = serde_json::from_slice(bytes).map_err(|e| DocumentError::NotJson(e.to_string()))?;
        let Json::Object(mut root) = json else {
            return Err(DocumentError::NotAnObject);
        };
        let key = if !root.contains_key(SERVERS_KEY) && root.contains_key(VSCODE_SERVERS_KEY) {
            VSCODE_SERVERS_KEY
        } else {
            SERVERS_KEY
        };
        match root.get(key) {
            None => {
                root.insert(key.to_string(), Json::Object(IndexMap::new()));
            }
            // `"mcpServers": null` is an empty list, as written by hand.
            Some(Json::Other(serde_json::Value::Null)) => {
                root.insert(key.to_string(), Json::Object(IndexMap::new()));
            }
            Some(Json::Object(_)) => {}
            Some(Json::Other(_)) => return Err(DocumentError::ServersNotAnObject(key.into())),
        }
        Ok(Document { root, key })
    }

    /// The document as the file holds it: pretty JSON, a newline at the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(&self.root).expect("a JSON tree serializes");
        bytes.push(b'\n');
        bytes
    }

    fn servers(&self) -> &IndexMap<String, Json> {
        match self.root.get(self.key) {
            Some(Json::Object(map)) => map,
            _ => unreachable!("parse and default always hold a servers object"),
        }
    }

    fn servers_mut(&mut self) -> &mut IndexMap<String, Json> {
        match self.root.get_mut(self.key) {
            Some(Json::Object(map)) => map,
            _ => unreachable!("parse and default always hold a servers object"),
        }
    }

    /// Each server's name and entry, in the file's order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.servers().iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn entry(&self, name: &str) -> Option<&Json> {
        self.servers().get(name)
    }

    /// A server's entry as an object to edit: created (at the end) when missing, and made an
    /// object when it was something else.
    pub fn entry_mut(&mut self, name: &str) -> &mut IndexMap<String, Json> {
        let servers = self.servers_mut();
        let entry = servers
            .entry(name.to_string())
            .or_insert_with(|| Json::Object(IndexMap::new()));
        if !matches!(entry, Json::Object(_)) {
            *entry = Json::Object(IndexMap::new());
        }
        match entry {
            Json::Object(map) => map,
            Json::Other(_) => unreachable!(),
        }
    }

    /// Renames a server's entry where it stands.
    pub fn rename(&mut self, from: &str, to: &str) {
        if from == to {
            return;
        }
        let servers = self.servers_mut();
        if let Some(index) = servers.get_index_of(from) {
            let (_, entry) = servers.shift_remove_index(index).expect("index just found");
            let (last, _) = servers.insert_full(to.to_string(), entry);
            servers.move_index(last, index);
        }
    }

    pub fn remove(&mut self, name: &str) -> bool {
        self.servers_mut().shift_remove(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_unknown_keys_through_a_round_trip() {
        let text = r#"{
  "zeta": 1,
  "mcpServers": {
    "b": {"command": "x", "zz": {"y": 1, "a": 2}, "autoApprove": ["t"]},
    "a": {"url": "https://h/mcp"}
  },
  "alpha": {"k": true}
}"#;
        let doc = Document::parse(text.as_bytes()).unwrap();
        let names: Vec<&str> = doc.entries().map(|(n, _)| n).collect();
        assert_eq!(names, ["b", "a"]);
        let out = String::from_utf8(doc.to_bytes()).unwrap();
        let again: Json = serde_json::from_str(&out).unwrap();
        assert_eq!(again, serde_json::from_str::<Json>(text).unwrap());
        // The order survives in the text itself.
        let at = |s: &str| out.find(s).unwrap();
        assert!(at("\"zeta\"") < at("\"mcpServers\"") && at("\"mcpServers\"") < at("\"alpha\""));
        assert!(at("\"b\"") < at("\"a\": {"));
        assert!(at("\"zz\"") < at("\"autoApprove\""));
        assert!(at("\"y\"") < at("\"a\": 2"));
    }

    #[test]
    fn empty_and_serverless_files_are_fine() {
        for text in ["", "  \n", "{}", r#"{"mcpServers": null}"#, "\u{feff}{}"] {
            let doc = Document::parse(text.as_bytes()).unwrap();
            assert_eq!(doc.entries().count(), 0, "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_config_saying_why() {
        let cases = [
            ("{\"mcpServers\": {", "not valid JSON"),
            ("[1, 2]", "not a JSON object"),
            ("\"x\"", "not a JSON object"),
            (r#"{"mcpServers": [1]}"#, "\"mcpServers\" is not an object"),
        ];
        for (text, words) in cases {
            let err = Document::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(words), "{text}: {err}");
        }
        let big = format!("{{\"x\": \"{}\"}}", "a".repeat(MAX_FILE_BYTES));
        assert_eq!(Document::parse(big.as_bytes()), Err(DocumentError::TooLarge));
    }

    #[test]
    fn vscode_servers_are_read_and_written_under_their_key() {
        let mut doc =
            Document::parse(br#"{"servers": {"a": {"type": "stdio", "command": "x"}}, "inputs": []}"#).unwrap();
        assert_eq!(doc.entries().count(), 1);
        doc.entry_mut("b").insert("command".into(), Json::string("y"));
        let out: serde_json::Value = serde_json::from_slice(&doc.to_bytes()).unwrap();
        assert_eq!(out["servers"]["b"]["command"], "y");
        assert!(out.get("mcpServers").is_none());
        assert_eq!(out["inputs"], serde_json::json!([]));
    }

    #[test]
    fn rename_keeps_the_place() {
        let mut doc = Document::parse(br#"{"mcpServers": {"a": {}, "b": {"x": 1}, "c": {}}}"#).unwrap();
        doc.rename("b", "bee");
        let names: Vec<&str> = doc.entries().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "bee", "c"]);
        assert_eq!(doc.entry("bee").unwrap().as_object().unwrap()["x"].as_f64(), Some(1.0));
        assert!(doc.remove("a"));
        assert!(!doc.remove("a"));
    }
}

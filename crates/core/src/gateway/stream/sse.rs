//! Server-sent events from bytes, in one pass: each byte is looked at a bounded number of times
//! whatever the framing (1-byte pieces, floods of blank lines, one endless line), and no event
//! grows past a cap.
//!
//! `eventsource-stream` 0.2.3, which this replaces, copied the rest of its buffer after every
//! line and read an unfinished line again from its start after every piece: a 16 KB piece of
//! blank lines cost ~130 MB of copying, and one long line in 1-byte pieces its length squared.
//! Here a line's end is found with `memchr` in the new bytes only, a line that spans pieces is
//! gathered once, and the event's size is counted as the bytes come.
//!
//! What it reads is the HTML standard's event stream (as `eventsource-stream` read it, which
//! the property tests check): lines end at CR, LF or CRLF; a line starting with `:` is a
//! comment; `field: value` (one space after the colon dropped), or a field alone; `data` lines
//! are joined with LF; `event` names the event; a blank line dispatches it, unless it has no
//! data; a byte-order mark at the very start is dropped. `id` and `retry` are for reconnecting,
//! which a chat completion never does: they are read and ignored. Bytes that are not UTF-8 end
//! the stream as malformed.

use memchr::memchr2;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Event {
    /// The `event` field (`""` when it has none: a plain message).
    pub name: String,
    /// The `data` lines, joined with LF.
    pub data: String,
}

/// Where the first line end in `bytes` is: a short piece is looked at byte by byte (a search
/// costs more to start than a few bytes take), a longer one searched.
fn line_end(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 16 {
        bytes.iter().position(|&b| b == b'\n' || b == b'\r')
    } else {
        memchr2(b'\n', b'\r', bytes)
    }
}

/// Why the stream cannot be read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SseError {
    /// An event is longer than the cap (its lines, without their ends); what came before it
    /// was read.
    TooLarge,
    /// A line is not UTF-8.
    NotUtf8,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Reads events from pieces of bytes as they come.
#[derive(Debug)]
pub(super) struct Parser {
    /// The most bytes one event may have (its lines without their ends).
    limit: usize,
    /// Bytes of the event being read so far.
    size: usize,
    /// The start of a line that continues in the next piece.
    line: Vec<u8>,
    /// The last line ended with CR: an LF first in the next piece belongs to that end.
    after_cr: bool,
    /// No line has ended yet: a byte-order mark may still lead the first one.
    first_line: bool,
    name: String,
    data: String,
}

impl Parser {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            size: 0,
            line: Vec::new(),
            after_cr: false,
            first_line: true,
            name: String::new(),
            data: String::new(),
        }
    }

    /// Reads `input` from its start until an event is complete (`Some`, with `input` moved past
    /// it) or `input` is used up (`None`: the event goes on in the next piece).
    pub fn next(&mut self, input: &mut &[u8]) -> Result<Option<Event>, SseError> {
        loop {
            let bytes = *input;
            let Some(&first) = bytes.first() else {
                return Ok(None);
            };
            if first == b'\n' || first == b'\r' {
                *input = &bytes[1..];
                if std::mem::replace(&mut self.after_cr, first == b'\r') && first == b'\n' {
                    continue; // the LF of a CRLF
                }
                // The end of a line begun in an earlier piece, or of an empty one: a blank
                // line (floods of them cost a few steps each).
                let event = if self.line.is_empty() && !self.first_line {
                    self.size = 0;
                    self.dispatch()
                } else {
                    self.end_line()?
                };
                if event.is_some() {
                    return Ok(event);
                }
                continue;
            }
            self.after_cr = false;
            let Some(end) = line_end(bytes) else {
                self.count(bytes.len())?;
                self.line.extend_from_slice(bytes);
                *input = &[];
                return Ok(None);
            };
            self.count(end)?;
            if self.line.is_empty() {
                // The whole line is in this piece: read where it is, with its end.
                self.after_cr = bytes[end] == b'\r';
                *input = &bytes[end + 1..];
                if let Some(event) = self.take_line(&bytes[..end])? {
                    return Ok(Some(event));
                }
            } else {
                self.line.extend_from_slice(&bytes[..end]);
                *input = &bytes[end..];
            }
        }
    }

    /// The line gathered in `self.line` ended.
    fn end_line(&mut self) -> Result<Option<Event>, SseError> {
        let line = std::mem::take(&mut self.line);
        let event = self.take_line(&line);
        // The buffer is kept for the next line that spans pieces.
        self.line = line;
        self.line.clear();
        event
    }

    /// The stream ended: a line cut before its end says nothing, but it must still be text.
    pub fn end(&self) -> Result<(), SseError> {
        match std::str::from_utf8(&self.line) {
            Ok(_) => Ok(()),
            // Cut inside a character is as malformed as a byte that is none.
            Err(_) => Err(SseError::NotUtf8),
        }
    }

    /// `n` more bytes of the event's lines.
    fn count(&mut self, n: usize) -> Result<(), SseError> {
        self.size += n;
        if self.size > self.limit {
            Err(SseError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// A whole line (without its end): what it adds to the event, and the event if it was the
    /// blank line that ends one.
    fn take_line(&mut self, mut line: &[u8]) -> Result<Option<Event>, SseError> {
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            self.size = 0;
            return Ok(self.dispatch());
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                self.data.reserve(value.len() + 1);
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => value.clone_into(&mut self.name),
            // `id`, `retry` and fields nobody defined are ignored.
            _ => {}
        }
        Ok(None)
    }

    /// The blank line: the event so far, if it has data; either way the next one starts empty.
    fn dispatch(&mut self) -> Option<Event> {
        let name = std::mem::take(&mut self.name);
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the LF after the last data line
        Some(Event { name, data })
    }
}

#[cfg(test)]
mod tests;

//! How a body is cut into the pieces the server writes.

use rand::Rng;

/// Cuts an SSE body after each event's blank line.
pub fn whole_events(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut at = 0;
    for end in bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"\n\n")
        .map(|(i, _)| i + 2)
    {
        pieces.push(bytes[at..end].to_vec());
        at = end;
    }
    if at < bytes.len() {
        pieces.push(bytes[at..].to_vec());
    }
    pieces
}

/// Cuts bytes into pieces of 1–40 bytes at random offsets, UTF-8 sequences included.
pub fn cut_anywhere(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut rng = rand::thread_rng();
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = rng.gen_range(1..=40).min(bytes.len() - at);
        pieces.push(bytes[at..at + len].to_vec());
        at += len;
    }
    pieces
}

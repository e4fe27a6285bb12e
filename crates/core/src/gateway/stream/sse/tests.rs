use futures_util::{FutureExt, StreamExt};
use proptest::prelude::*;

use super::*;

/// Everything `pieces` come to: the events, then the error that ended them, if any.
fn read<P: AsRef<[u8]>>(pieces: &[P], limit: usize) -> (Vec<Event>, Option<SseError>) {
    let mut parser = Parser::new(limit);
    let mut events = Vec::new();
    for piece in pieces {
        let mut rest = piece.as_ref();
        loop {
            match parser.next(&mut rest) {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
        assert!(rest.is_empty(), "a piece is read to its end");
    }
    (events, parser.end().err())
}

fn events(text: &str) -> Vec<(String, String)> {
    let (events, error) = read(&[text], usize::MAX);
    assert_eq!(error, None);
    events.into_iter().map(|e| (e.name, e.data)).collect()
}

fn ev(name: &str, data: &str) -> (String, String) {
    (name.into(), data.into())
}

#[test]
fn the_standards_examples() {
    assert_eq!(events("data: YHOO\ndata: +2\ndata: 10\n\n"), [ev("", "YHOO\n+2\n10")]);
    assert_eq!(
        events(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"),
        [ev("", "first event"), ev("", "second event"), ev("", " third event")]
    );
    // An empty data line makes an event with empty data; no data line makes none.
    assert_eq!(events("data\n\ndata\ndata\n\ndata:\n"), [ev("", ""), ev("", "\n")]);
    assert_eq!(
        events("event: add\ndata: 73857293\n\nevent: remove\n\ndata: 2153\n\n"),
        [ev("add", "73857293"), ev("", "2153")],
        "a blank line forgets the name even when no event is sent"
    );
}

#[test]
fn every_line_end_and_a_leading_byte_order_mark() {
    for eol in ["\n", "\r\n", "\r"] {
        let text =
            format!("\u{feff}data: a{eol}data:b{eol}{eol}event: x{eol}retry: 10{eol}unknown{eol}data: c{eol}{eol}");
        assert_eq!(events(&text), [ev("", "a\nb"), ev("x", "c")], "{eol:?}");
    }
    // CR then LF in the next piece is one line end; a lone CR at the very end ends its line.
    let (got, _) = read(&["data: a\r", "\ndata: b\r", "\r"], usize::MAX);
    assert_eq!(
        got,
        [Event {
            name: String::new(),
            data: "a\nb".into()
        }]
    );
}

#[test]
fn bytes_that_are_not_utf8_are_malformed_whole_or_cut() {
    assert_eq!(read(&[b"data: ok\n\ndata: \xff\n\n"], 100).1, Some(SseError::NotUtf8));
    assert_eq!(read(&[b": \xff\n"], 100).1, Some(SseError::NotUtf8), "in a comment too");
    // A character cut across pieces is whole again; cut by the end of the stream, it is not.
    let crab = "🦀".as_bytes();
    let (got, error) = read(&[b"data: ".as_slice(), &crab[..2], &crab[2..], b"\n\n".as_slice()], 100);
    assert_eq!((got[0].data.as_str(), error), ("🦀", None));
    assert_eq!(
        read(&[b"data: ".as_slice(), &crab[..2]], 100).1,
        Some(SseError::NotUtf8)
    );
}

#[test]
fn the_cap_counts_an_events_lines_and_a_blank_line_resets_it() {
    // 10 bytes of lines are allowed, the 11th is not, however the lines are cut.
    let (ten, eleven) = ("data: 1234\n\n", "data: 12345\n\n");
    let (got, error) = read(&[ten, ten], 10);
    assert_eq!((got.len(), error), (2, None));
    let (got, error) = read(&[ten, eleven], 10);
    assert_eq!((got.len(), error), (1, Some(SseError::TooLarge)));
    assert_eq!(
        read(&["data: 12\r\ndata: 34\r\n\r\n"], 16).1,
        None,
        "line ends do not count"
    );
    assert_eq!(read(&["data: 12\r\ndata: 345\r\n"], 16).1, Some(SseError::TooLarge));
    // An endless line is refused as its bytes come, not once it ends.
    assert_eq!(
        read(&["data: ", "a".repeat(100).as_str()], 50).1,
        Some(SseError::TooLarge)
    );
}

/// Each byte is examined a bounded number of times: what the parser keeps between pieces is
/// the one unfinished line, and a blank line is found without a search. (Counted by bytes kept,
/// which grew with every piece in `eventsource-stream`.)
#[test]
fn between_pieces_only_the_unfinished_line_is_kept() {
    let mut parser = Parser::new(usize::MAX);
    let mut kept_max = 0;
    let text = format!("{}data: {}\n\n", "\n".repeat(10_000), "x".repeat(1000));
    for byte in text.as_bytes().chunks(1) {
        let mut rest = byte;
        while parser.next(&mut rest).unwrap().is_some() {}
        kept_max = kept_max.max(parser.line.len());
    }
    assert_eq!(kept_max, "data: ".len() + 1000);
}

// ---- the same events as `eventsource-stream` 0.2.3 (which this replaces), on any cutting ----

/// What `eventsource-stream` reads from `pieces`: its events until its first error. (It names
/// a nameless event `message`.)
fn reference(pieces: &[Vec<u8>]) -> Vec<(String, String)> {
    use eventsource_stream::Eventsource;
    let pieces: Vec<Result<Vec<u8>, String>> = pieces.iter().cloned().map(Ok).collect();
    futures_util::stream::iter(pieces)
        .eventsource()
        .take_while(|e| futures_util::future::ready(e.is_ok()))
        .map(|e| {
            let e = e.unwrap();
            (e.event, e.data)
        })
        .collect::<Vec<_>>()
        .now_or_never()
        .expect("in-memory pieces never wait")
}

/// The old cap (`cap.rs`, before this parser): how many bytes pass before an event passes
/// `limit`, if one does.
fn reference_cap(bytes: &[u8], limit: usize) -> Option<usize> {
    let (mut event, mut line, mut after_cr) = (0, 0, false);
    for (at, &byte) in bytes.iter().enumerate() {
        let was_cr = std::mem::replace(&mut after_cr, byte == b'\r');
        match byte {
            b'\n' if was_cr => {}
            b'\r' | b'\n' => {
                if line == 0 {
                    event = 0;
                }
                line = 0;
            }
            _ => {
                line += 1;
                event += 1;
                if event > limit {
                    return Some(at);
                }
            }
        }
    }
    None
}

fn cut(bytes: &[u8], at: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = at.iter().map(|i| i.index(bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut last = 0;
    for c in cuts {
        pieces.push(bytes[last..c].to_vec());
        last = c;
    }
    pieces.push(bytes[last..].to_vec());
    pieces
}

fn line() -> impl Strategy<Value = String> {
    let value = "[a-z :\u{e9}\u{1f980}\t]{0,12}";
    prop_oneof![
        value.prop_map(|v| format!("data: {v}")),
        value.prop_map(|v| format!("data:{v}")),
        Just("data".to_string()),
        value.prop_map(|v| format!("event: {v}")),
        value.prop_map(|v| format!(": {v}")),
        value.prop_map(|v| format!("id: {v}")),
        Just("retry: 100".to_string()),
        value.prop_map(|v| format!("x{v}")),
        Just(String::new()),
        Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_same_events_as_eventsource_stream_on_any_cutting(
        lines in proptest::collection::vec((line(), prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]), 0..24),
        tail in "[a-z: ]{0,4}",
        at in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        limit in prop_oneof![Just(usize::MAX), 0usize..40],
    ) {
        let mut text: String = lines.iter().map(|(l, eol)| format!("{l}{eol}")).collect();
        text.push_str(&tail);
        let bytes = text.as_bytes();
        let pieces = cut(bytes, &at);
        let slices: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        let (got, error) = read(&slices, limit);
        let got: Vec<(String, String)> = got
            .into_iter()
            .map(|e| (if e.name.is_empty() { "message".into() } else { e.name }, e.data))
            .collect();
        // The old pair: the cap passed the bytes before the overflow, then the parser read them.
        let passed = reference_cap(bytes, limit).unwrap_or(bytes.len());
        let mut old_input = bytes[..passed].to_vec();
        // `eventsource-stream` waits for the byte after a CR before it ends a line, even at the
        // end of the stream; this parser ends it at once (a CR is a whole line end).
        if old_input.last() == Some(&b'\r') {
            old_input.push(b'\n');
        }
        let expected = reference(&cut(&old_input, &at));
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(error == Some(SseError::TooLarge), passed < bytes.len());
    }
}

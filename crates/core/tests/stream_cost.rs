//! What reading a chat stream costs under the framings a hostile server (or anything between it
//! and us) may choose, counted in bytes the reader allocates — a copy needs an allocation — not
//! in time. `eventsource-stream` copied the rest of its buffer after every line: a 16 KB piece
//! of blank lines cost ~130 MB. Time per byte under each framing is `benches/sse.rs`'s.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use glama_core::gateway::{ChatEvents, StreamItem};

/// Counts the bytes allocated on each thread (tests run side by side, each on its own thread).
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    let _ = ALLOCATED.try_with(|a| a.set(a.get() + bytes));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn event(content: &str) -> String {
    format!(
        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{}}},\"finish_reason\":null}}]}}\n\n",
        serde_json::to_string(content).unwrap()
    )
}

const END: &str = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

/// Reads `pieces` to the end: the text, and the bytes allocated meanwhile.
fn read(pieces: Vec<Bytes>) -> (String, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let before = ALLOCATED.with(Cell::get);
    let text = rt.block_on(async move {
        let mut events = ChatEvents::new(futures_util::stream::iter(pieces.into_iter().map(Ok::<_, String>)));
        let mut text = String::new();
        while let Some(item) = events.next().await {
            if let StreamItem::Text(t) = item.expect("read whole") {
                text.push_str(&t);
            }
        }
        text
    });
    (text, ALLOCATED.with(Cell::get) - before)
}

/// The same bytes one at a time (slices of one buffer: the pieces themselves allocate nothing).
fn single_bytes(text: &str) -> Vec<Bytes> {
    let all = Bytes::from(text.to_string());
    (0..all.len()).map(|i| all.slice(i..i + 1)).collect()
}

/// However the bytes come, reading them allocates about what reading them in one piece does:
/// the event's line once, its data once, its JSON (7 bytes per byte read, most of it JSON's).
#[test]
fn reading_allocates_a_bounded_amount_per_byte_whatever_the_framing() {
    let mut normal = String::new();
    let mut expected = String::new();
    for n in 0..2000 {
        let words = format!(" word{n} and");
        normal.push_str(&event(&words));
        expected.push_str(&words);
    }
    normal.push_str(END);
    let long = "x".repeat(512 * 1024);
    let flood = Bytes::from(vec![b'\n'; 16 * 1024]);
    let framings: Vec<(&str, Vec<Bytes>, String)> = vec![
        (
            "the whole stream in one piece",
            vec![Bytes::from(normal.clone())],
            expected.clone(),
        ),
        ("1-byte pieces", single_bytes(&normal), expected.clone()),
        (
            "16 KB pieces of blank lines between the events",
            normal
                .split_inclusive("\n\n")
                .enumerate()
                .flat_map(|(i, e)| {
                    let e = Bytes::from(e.to_string());
                    if i % 1000 == 0 {
                        vec![e, flood.clone()]
                    } else {
                        vec![e]
                    }
                })
                .collect(),
            expected.clone(),
        ),
        (
            "one 512 KB line in 1-byte pieces",
            single_bytes(&format!("{}{END}", event(&long))),
            long.clone(),
        ),
    ];
    let mut normal_per_byte = None;
    for (framing, pieces, expected) in framings {
        let bytes: usize = pieces.iter().map(Bytes::len).sum();
        let (text, allocated) = read(pieces);
        assert_eq!(text, expected, "{framing}");
        // The event's line, its data and its JSON: a few bytes for each byte read.
        let per_byte = allocated as f64 / bytes as f64;
        assert!(
            per_byte < 16.0,
            "{framing}: {allocated} bytes allocated to read {bytes}"
        );
        let normal = *normal_per_byte.get_or_insert(per_byte);
        assert!(
            per_byte <= 1.5 * normal,
            "{framing}: {per_byte:.1} bytes allocated per byte read, {normal:.1} in one piece"
        );
    }
}

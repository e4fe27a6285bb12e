//! Attachment benchmarks: what attaching costs before a chip appears — a 12-megapixel photo
//! decoded, turned upright, scaled to 2048 px and encoded again; a wide screenshot scaled; a
//! Full HD screenshot that needs no scaling (sent as it is). Prints
//! `BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss` rows.

use std::time::{Duration, Instant};

use glama_core::attach::prepare;

/// A picture with detail everywhere (a gradient with a pattern), encoded as `format`.
fn picture(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * 7 + y * 13) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn row(figure: &str, measured: Duration, budget_ms: u128) {
    println!(
        "BENCH\t{figure}\t{:.1} ms\t≤ {budget_ms} ms\t{}",
        measured.as_secs_f64() * 1e3,
        if measured.as_millis() <= budget_ms {
            "pass"
        } else {
            "miss"
        }
    );
}

fn time(name: &str, bytes: &[u8], runs: usize) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let input = bytes.to_vec();
                let t = Instant::now();
                let p = prepare(name, input).unwrap();
                let took = t.elapsed();
                assert!(p.width.unwrap().max(p.height.unwrap()) <= 2048);
                took
            })
            .collect(),
    )
}

fn main() {
    let photo = picture(4000, 3000, image::ImageFormat::Jpeg);
    row(
        "attach: 12 MP JPEG photo, scaled to 2048 px",
        time("photo.jpg", &photo, 5),
        1500,
    );
    let wide = picture(4096, 1024, image::ImageFormat::Png);
    row(
        "attach: 4096×1024 PNG screenshot, scaled",
        time("wide.png", &wide, 5),
        1000,
    );
    let hd = picture(1920, 1080, image::ImageFormat::Png);
    row("attach: 1920×1080 PNG, sent as it is", time("hd.png", &hd, 11), 50);
}

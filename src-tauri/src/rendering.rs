//! How WebKitGTK draws the window, chosen before it starts.
//!
//! WebKitGTK (2.42 and later) composites the page on the GPU and hands frames over as
//! DMA-BUFs. On a machine with no GPU render node (a VM, a remote desktop, a container: no
//! `/dev/dri/renderD*`), Mesa emulates that GPU on the CPU (llvmpipe), and every frame costs
//! far more than WebKit's own CPU painting: on this project's 2-core VM, ~55 ms a frame for a
//! growing answer against 16 ms (BENCHMARKS.md, page update per frame). There, and only there,
//! the DMA-BUF renderer is turned off. A person's own setting of the variable wins.

use std::path::Path;

const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Must run before any other thread starts (it sets an environment variable) and before GTK.
pub fn choose() {
    if cfg!(target_os = "linux")
        && std::env::var_os(DISABLE_DMABUF).is_none()
        && !has_render_node(Path::new("/dev/dri"))
    {
        std::env::set_var(DISABLE_DMABUF, "1");
    }
}

/// `dri` (normally `/dev/dri`) holds a GPU render node.
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_node_is_found_only_when_there_is_one() {
        let dir = std::env::temp_dir().join(format!("glama-dri-{}", std::process::id()));
        assert!(!has_render_node(&dir), "no /dev/dri at all (a VM, a container)");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(!has_render_node(&dir), "a display card without a render node");
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

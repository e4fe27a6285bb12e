//! The window itself: how WebKit is set to draw it.

use e2e::{has_render_node, Session, DISABLE_DMABUF};

/// Without a GPU render node, WebKit's GPU path is emulated on the CPU and slower than its own
/// CPU painting, so the app turns the DMA-BUF renderer off there; a person's setting wins.
#[tokio::test]
async fn webkit_paints_on_the_cpu_only_without_a_gpu_and_a_persons_setting_wins() {
    let has_render_node = has_render_node();
    let expected = match std::env::var(DISABLE_DMABUF) {
        Ok(own) => Some(own),
        Err(_) if has_render_node => None,
        Err(_) => Some("1".to_string()),
    };
    let mut session = Session::start().await;
    let app = session.launch(&[]).await;
    assert_eq!(
        app.web_process_env(DISABLE_DMABUF),
        expected,
        "render node: {has_render_node}"
    );
    app.quit().await;

    session.app_env.push((DISABLE_DMABUF.into(), "0".into()));
    let app = session.launch(&[]).await;
    assert_eq!(app.web_process_env(DISABLE_DMABUF).as_deref(), Some("0"));
    app.quit().await;
}

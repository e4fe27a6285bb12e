//! Audits of the page as it is on screen: axe-core's accessibility rules, glyphs that need a
//! font, and text cut or spilling out of its region.

use serde_json::{json, Value};

use crate::{workspace_root, App};

/// axe-core's script: npm's package, pinned in scripts/lib.sh and put in `.tools/` by
/// scripts/test.sh.
fn axe_source() -> String {
    let path = workspace_root().join(".tools/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; scripts/test.sh installs axe-core (or: source scripts/lib.sh; install_npm_package axe-core \"$AXE_CORE_VERSION\")",
            path.display()
        )
    })
}

/// Runs axe-core's rules on the page; what fails them with an impact of serious or critical:
/// `{id, impact, help, nodes: [selector and why]}` each.
const RUN_AXE: &str = "return axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations \
    .filter(v => v.impact === 'serious' || v.impact === 'critical') \
    .map(v => ({ id: v.id, impact: v.impact, help: v.help, \
      nodes: v.nodes.slice(0, 8).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) })))";

/// Every button (and what acts as one): its content must be an icon or text only from Latin
/// and common punctuation, and one on screen must have a name. Every icon shown must have drawn (its
/// symbol found in the sprite). No pseudo-element draws a glyph.
const GLYPHS: &str = r#"
const latin = /^[\u0020-\u024F\u2010-\u205E\s]*$/u;
const emoji = /\p{Extended_Pictographic}|\p{Emoji_Presentation}|[\uFE0F\u20E3]/u;
const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const where = (e) => e.outerHTML.slice(0, 160);
const problems = [];
let buttons = 0, icons = 0;
for (const b of document.querySelectorAll('button, summary, [role=button]')) {
  buttons++;
  const text = b.textContent.trim();
  const icon = b.querySelector('svg.icon');
  if (!latin.test(text) || emoji.test(text)) problems.push({ glyph: text, in: where(b) });
  if (!shown(b)) continue;
  if (!icon && !text) problems.push({ empty: where(b) });
  if (!text && !b.getAttribute('aria-label') && !b.getAttribute('aria-labelledby')) problems.push({ unnamed: where(b) });
}
for (const svg of document.querySelectorAll('svg.icon')) {
  if (!shown(svg)) continue;
  icons++;
  const use = svg.querySelector('use');
  const box = use && use.getBBox();
  if (!box || box.width === 0 || box.height === 0) problems.push({ notDrawn: svg.outerHTML, in: where(svg.parentElement) });
}
for (const e of document.querySelectorAll('body *')) {
  for (const pseudo of ['::before', '::after']) {
    const c = getComputedStyle(e, pseudo).content;
    if (c && c !== 'none' && c !== 'normal' && c !== '""' && (!latin.test(c) || emoji.test(c))) problems.push({ pseudo: c, in: where(e) });
  }
}
return { problems, buttons, icons };
"#;

/// Text cut without an ellipsis and a tooltip holding all of it, and the page's regions wider
/// than their box (something spilling out sideways).
const LAYOUT: &str = r#"
const regions = ['body', '.sidebar', '.main', '.chat-header', '.messages', '.composer-area', '.conversations',
  '.account', '.popover', '.settings-dialog', '.settings-sections', '.settings-nav', '.toasts'];
const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const where = (e) => e.outerHTML.slice(0, 160);
const problems = [];
for (const sel of regions) {
  for (const e of document.querySelectorAll(sel)) {
    if (shown(e) && e.scrollWidth > e.clientWidth + 1) problems.push({ overflows: sel, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth });
  }
}
let checked = 0;
for (const e of document.querySelectorAll('body *')) {
  if (!shown(e) || e.closest('pre, textarea, input, select, svg')) continue;
  // Text for screen readers only, in a 1 px box.
  if (e.clientWidth <= 1 && e.clientHeight <= 1) continue;
  const cs = getComputedStyle(e);
  if (cs.overflowX !== 'hidden' && cs.overflowX !== 'clip') continue;
  if (e.scrollWidth <= e.clientWidth + 1 || !e.textContent.trim()) continue;
  checked++;
  const text = e.textContent.trim();
  const tip = e.closest('[title]')?.title ?? '';
  if (cs.textOverflow !== 'ellipsis' || !tip.includes(text)) problems.push({ cut: where(e), text, tip, textOverflow: cs.textOverflow });
}
return { problems, checked, width: innerWidth, height: innerHeight };
"#;

impl App {
    /// axe-core's serious and critical violations on the page as it is now.
    pub async fn axe_violations(&self) -> Vec<Value> {
        let loaded = self.js("return typeof window.axe === 'object'", vec![]).await;
        if loaded != json!(true) {
            // Evaluated by WebDriver, not as a page script: the page's CSP allows no inline script.
            let source = axe_source();
            self.js(&format!("{source}\n;return typeof window.axe"), vec![]).await;
        }
        self.js(RUN_AXE, vec![])
            .await
            .as_array()
            .cloned()
            .expect("axe's violations")
    }

    /// Buttons that need a font to draw, unnamed ones, icons not drawn: `{problems, buttons, icons}`.
    pub async fn glyph_audit(&self) -> Value {
        self.js(GLYPHS, vec![]).await
    }

    /// Text cut without ellipsis and tooltip, regions overflowing sideways: `{problems, checked, width, height}`.
    pub async fn layout_audit(&self) -> Value {
        self.js(LAYOUT, vec![]).await
    }

    /// Chooses the theme in Settings → Appearance (`system`, `light` or `dark`) and waits until
    /// the page shows it.
    pub async fn set_theme(&self, theme: &str) {
        self.js(
            "document.querySelector(`[data-testid=theme-${arguments[0]}]`).click()",
            vec![json!(theme)],
        )
        .await;
        self.wait_js(
            &format!("the {theme} theme"),
            &format!("return document.documentElement.dataset.theme === {}", json!(theme)),
        )
        .await;
    }

    /// Resizes the window so that its page is `width` × `height` CSS pixels.
    pub async fn set_page_size(&self, width: u32, height: u32) {
        let client = self.client();
        // The window's frame (none under Xvfb, some elsewhere) is what the page lacks.
        let inner = self
            .js(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
                vec![],
            )
            .await;
        let frame = |i: usize| inner[i].as_u64().unwrap_or(0) as u32;
        client
            .set_window_size(width + frame(0), height + frame(1))
            .await
            .expect("resize the window");
        self.wait_js(
            &format!("a page of {width}×{height}"),
            &format!("return window.innerWidth === {width} && window.innerHeight === {height}"),
        )
        .await;
    }
}

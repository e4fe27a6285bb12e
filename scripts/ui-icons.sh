#!/usr/bin/env bash
# Writes the pages' icons, Lucide's, as one sprite of <symbol>s into ui/index.html and
# ui/quick-ask.html (between the `icons` markers; the page draws each with <svg><use href="#icon-name"/></svg>), from the pinned
# lucide-static package, and Lucide's licence as ui/icons.LICENSE. The sprite is in the page
# rather than in a file of its own: WebKit loads an SVG file that <use> points to as a document
# of its own, about 5 MB of the window's memory. Run this only after changing the list.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_npm_package lucide-static "$LUCIDE_VERSION"
cd "$ROOT"

# Every icon the page uses, by Lucide's name (ui/icons.js and ui/index.html name them too).
ICONS=(
  arrow-down arrow-up boxes brain check chevron-down chevron-left chevron-right chevrons-right circle-alert copy database
  download eye file-text info keyboard monitor moon palette panel-left paperclip pencil
  refresh-cw rotate-ccw search settings sliders-horizontal square square-pen sun trash-2
  upload user wrap-text wrench x
)

for page in ui/index.html ui/quick-ask.html; do
node - "$ROOT/.tools/node_modules/lucide-static" "$page" "${ICONS[@]}" <<'JS'
const fs = require('fs');
const [pkg, page, ...names] = process.argv.slice(2);
const { version } = JSON.parse(fs.readFileSync(`${pkg}/package.json`, 'utf8'));
// The strokes' look is on each symbol: a <use> clones the symbol alone, not the sprite around it.
const look = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
const symbols = names.map((name) => {
  const svg = fs.readFileSync(`${pkg}/icons/${name}.svg`, 'utf8');
  const body = svg.slice(svg.indexOf('>', svg.indexOf('<svg')) + 1, svg.lastIndexOf('</svg>'));
  const shapes = body.split('\n').map((l) => l.trim()).filter(Boolean).join('');
  return `    <symbol id="icon-${name}" viewBox="0 0 24 24" ${look}>${shapes}</symbol>`;
});
const start = '  <!-- icons: Lucide';
const end = '  <!-- /icons -->';
const html = fs.readFileSync(page, 'utf8');
const from = html.indexOf(start);
const to = html.indexOf(end);
if (from < 0 || to < from) throw new Error(`${page} has no icons markers`);
const sprite = `${start} (lucide-static ${version}, ISC licence: icons.LICENSE), written by scripts/ui-icons.sh -->
  <svg class="sprite" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">
${symbols.join('\n')}
  </svg>
`;
fs.writeFileSync(page, html.slice(0, from) + sprite + html.slice(to));
JS
done
cp .tools/node_modules/lucide-static/LICENSE ui/icons.LICENSE
say "ui/index.html, ui/quick-ask.html: ${#ICONS[@]} icons"

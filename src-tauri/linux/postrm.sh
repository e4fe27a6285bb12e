#!/bin/sh
# After removal (deb postrm, rpm %postun): forget the entry and its link handler. The person's
# data (~/.local/share/ai.glama.chat, ~/.config/ai.glama.chat) and keyring entry are theirs and
# stay; Settings → Delete all data removes them.
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0

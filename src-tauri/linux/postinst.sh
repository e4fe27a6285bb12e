#!/bin/sh
# After install (deb postinst, rpm %post): make the desktop see the new entry now, so the
# ai.glama.chat: sign-in link opens this app (mimeinfo.cache) and the menu shows its icon.
# Each tool is optional: a missing one must not fail the install.
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0

// @ts-check
// The window's look from the settings: the theme (the system's, light or dark) and the text
// size, set on the root for the stylesheets (theme.css) to follow.

/** @import { Settings } from './api.js' */

/** @param {Pick<Settings, 'theme' | 'textSize'>} settings */
export function applyAppearance({ theme, textSize }) {
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.dataset.textSize = textSize;
}

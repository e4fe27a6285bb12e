// The first frame, marked as the app marks its connection status (glama:status-shown).
requestAnimationFrame(() => performance.mark('glama:status-shown'));

// Boot: wire the panels, then load models whenever the connection comes up.
import { initConnection, onStatus } from './connection.js';
import { initModels, loadModels } from './models.js';
import { initChat } from './chat.js';
import { initSettings } from './settings.js';

async function boot() {
  initChat();
  await initModels();
  await initConnection();
  await initSettings();
  let loaded = false;
  onStatus((s) => {
    if (s.state === 'connected' && !loaded) {
      loaded = true;
      loadModels();
    }
    if (s.state !== 'connected') loaded = false;
  });
  document.getElementById('input').focus();
}

boot();

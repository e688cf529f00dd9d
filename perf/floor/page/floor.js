// One IPC round trip once the page has loaded, as Hearth's page makes first.
window.__TAURI_INTERNALS__.invoke('ping').then((answer) => {
  document.getElementById('status').textContent = answer;
});

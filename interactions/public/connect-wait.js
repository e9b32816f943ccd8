// The official-account QR page: hears of the scan at once over server-sent events (data-events-url) and moves on
// to finish the sign-in. When the stream cannot be opened or keeps failing, it falls back to asking
// data-status-url every few seconds (or does so from the start when the page has no events URL).
(function () {
  var status = document.getElementById('connect-status');
  if (!status) return;
  var statusUrl = status.getAttribute('data-status-url');
  var eventsUrl = status.getAttribute('data-events-url');
  var done = false;
  var polling = false;

  function settle(answer) {
    if (done || !answer) return;
    if (answer.status === 'scanned' && answer.next) {
      done = true;
      status.textContent = status.getAttribute('data-scanned');
      window.location.assign(answer.next);
    } else if (answer.status === 'expired') {
      done = true;
      status.textContent = status.getAttribute('data-expired');
    }
  }

  function poll() {
    if (done) return;
    fetch(statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        settle(answer);
        if (!done) setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  function fallBackToPolling() {
    if (polling || done) return;
    polling = true;
    poll();
  }

  if (!eventsUrl || typeof window.EventSource !== 'function') {
    setTimeout(fallBackToPolling, 1000);
    return;
  }
  var source = new EventSource(eventsUrl);
  var failures = 0;
  source.addEventListener('status', function (event) {
    failures = 0;
    var answer;
    try { answer = JSON.parse(event.data); } catch (error) { return; }
    settle(answer);
    if (done) source.close();
  });
  source.addEventListener('error', function () {
    // The browser reconnects by itself; a stream that was refused or keeps dropping gives way to slow polling.
    failures += 1;
    if (source.readyState === EventSource.CLOSED || failures >= 3) {
      source.close();
      fallBackToPolling();
    }
  });
})();

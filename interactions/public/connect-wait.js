// The official-account QR page: asks every second whether the QR was scanned, then moves on to finish the sign-in.
(function () {
  var status = document.getElementById('connect-status');
  if (!status) return;
  var url = status.getAttribute('data-status-url');
  var stopped = false;
  function poll() {
    if (stopped) return;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.status === 'scanned' && answer.next) {
          stopped = true;
          status.textContent = status.getAttribute('data-scanned');
          window.location.assign(answer.next);
        } else if (answer.status === 'expired') {
          stopped = true;
          status.textContent = status.getAttribute('data-expired');
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();

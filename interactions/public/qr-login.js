// The sign-in page's QR section: fetches a QR (and a new one before it expires), listens on the server's event
// stream, and on approval posts the page's CSRF token to finish the sign-in. Without this script the section
// stays hidden and the password form works alone.
(function () {
  var section = document.getElementById('qr-login');
  if (!section || !window.EventSource || !window.fetch) return;
  var csrfInput = document.querySelector('input[name="_csrf"]');
  if (!csrfInput) return;
  var image = document.getElementById('qr-image');
  var code = document.getElementById('qr-code');
  var typeHint = document.getElementById('qr-type-hint');
  var digits = document.getElementById('qr-digits');
  var statusLine = document.getElementById('qr-status');
  var newButton = document.getElementById('qr-new');
  // An idle page stops asking for codes after ten refreshes (about 20 minutes); "Show a new code" starts again.
  var maxRefreshes = 10;
  var refreshes = 0;
  var source = null;
  var refreshTimer = null;
  var current = null;

  function say(text) { statusLine.textContent = text || ''; }
  function stopListening() {
    if (source) source.close();
    source = null;
    clearTimeout(refreshTimer);
  }
  function offerNewCode(message) {
    stopListening();
    image.hidden = true;
    code.textContent = '';
    digits.textContent = '';
    say(message);
    newButton.hidden = false;
  }

  function start() {
    stopListening();
    fetch(section.dataset.start, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: '_csrf=' + encodeURIComponent(csrfInput.value),
    }).then(function (response) {
      if (!response.ok) throw new Error('status ' + response.status);
      return response.json();
    }).then(show, function () {
      if (!section.hidden) offerNewCode(section.dataset.unavailable);
    });
  }

  function show(data) {
    current = data;
    image.src = data.qrDataUrl;
    image.dataset.url = data.qrUrl;
    image.hidden = false;
    code.textContent = data.shortCode;
    typeHint.textContent = typeHint.dataset.template.replace('{url}', data.enterUrl);
    digits.textContent = String(data.digits);
    newButton.hidden = true;
    say('');
    section.hidden = false;
    listen(data);
    // Ask for the next code ten seconds before this one expires.
    refreshTimer = setTimeout(function () {
      refreshes += 1;
      if (refreshes > maxRefreshes) offerNewCode(section.dataset.expired);
      else start();
    }, Math.max(1, data.expiresIn - 10) * 1000);
  }

  function listen(data) {
    source = new EventSource(data.eventsUrl);
    source.addEventListener('status', function (event) {
      if (current !== data) return;
      var status = JSON.parse(event.data).status;
      if (status === 'scanned') {
        clearTimeout(refreshTimer);
        image.hidden = true;
        say(section.dataset.scanned.replace('{digits}', String(data.digits)));
      } else if (status === 'approved') {
        stopListening();
        say(section.dataset.approved);
        finish(data.finishUrl);
      } else if (status === 'denied' || status === 'mismatch' || status === 'expired') {
        offerNewCode(section.dataset[status]);
      }
    });
  }

  function finish(url) {
    var form = document.createElement('form');
    form.method = 'post';
    form.action = url;
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = '_csrf';
    input.value = csrfInput.value;
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }

  newButton.addEventListener('click', function () {
    refreshes = 0;
    start();
  });
  start();
})();

// Passkey buttons: fetch this sign-in's WebAuthn options, run the browser ceremony (SimpleWebAuthn, loaded just
// before this file), and post the answer in the button's own form, CSRF token included. Without WebAuthn the
// forms stay hidden and the page works as before.
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;
  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var button = form.querySelector('button');
    var ceremony = form.dataset.passkey;
    form.hidden = false;
    button.addEventListener('click', async function () {
      var region = document.getElementById(form.dataset.errorRegion);
      button.disabled = true;
      try {
        var body = new URLSearchParams({ _csrf: form.elements._csrf.value, ceremony: ceremony });
        var response = await fetch(form.dataset.options, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } });
        if (!response.ok) throw new Error('options ' + response.status);
        var optionsJSON = await response.json();
        var credential = ceremony === 'register'
          ? await lib.startRegistration({ optionsJSON: optionsJSON })
          : await lib.startAuthentication({ optionsJSON: optionsJSON });
        form.elements.credential.value = JSON.stringify(credential);
        form.submit();
      } catch (error) {
        if (region) {
          region.textContent = form.dataset.cancelled;
          region.hidden = false;
        }
        button.disabled = false;
      }
    });
  });
})();

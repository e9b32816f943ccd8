// Show/hide password toggle. The page works without it; the button stays hidden until this runs.
(function () {
  var button = document.querySelector('button.toggle[aria-controls]');
  if (!button) return;
  var input = document.getElementById(button.getAttribute('aria-controls'));
  if (!input) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.setAttribute('aria-pressed', String(show));
    button.textContent = show ? button.dataset.hide : button.dataset.show;
    input.focus();
  });
})();

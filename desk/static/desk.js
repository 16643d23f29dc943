// The desk's only script: forms post JSON with the CSRF token; live lists and transcripts poll.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';
  var errorBox = document.getElementById('desk-error');

  function showError(code) {
    if (!errorBox) return;
    errorBox.textContent = errorBox.getAttribute(code === 'csrf' ? 'data-csrf' : code === 'not_delivered' ? 'data-not-delivered' : 'data-conflict');
    errorBox.hidden = false;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf || '' },
      body: JSON.stringify(body)
    });
  }

  document.querySelectorAll('form[data-api]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name) return;
        if (el.type === 'checkbox') body[el.name] = el.checked; else body[el.name] = el.value;
      });
      var button = form.querySelector('button');
      if (button) button.disabled = true;
      post(form.getAttribute('data-api'), body).then(function (res) {
        if (button) button.disabled = false;
        if (res.ok) {
          if (form.hasAttribute('data-go')) location.href = form.getAttribute('data-go');
          else if (form.hasAttribute('data-reload')) location.reload();
          else if (form.hasAttribute('data-clear')) { form.reset(); poll(); }
          return;
        }
        return res.json().then(function (e) {
          var failed = form.querySelector('[data-failed]');
          if (failed && res.status === 401) { failed.textContent = failed.getAttribute('data-failed'); failed.hidden = false; return; }
          showError(e && e.error ? e.error.code : '');
        });
      }, function () { if (button) button.disabled = false; showError(''); });
    });
  });

  // The live queue on the queue page.
  var liveList = document.getElementById('live-list');
  if (liveList) {
    setInterval(function () {
      fetch(liveList.getAttribute('data-src'), { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && html !== undefined) liveList.innerHTML = html; });
    }, 2000);
  }

  // A live conversation's transcript.
  var transcript = document.getElementById('transcript');
  var statusEl = document.getElementById('live-status');
  var lastStatus = null;
  function lastId() {
    var items = transcript.querySelectorAll('li[data-id]');
    return items.length ? items[items.length - 1].getAttribute('data-id') : '0';
  }
  function poll() {
    if (!transcript) return;
    var lang = transcript.getAttribute('data-lang');
    fetch(transcript.getAttribute('data-src') + '?after=' + lastId() + (lang && lang !== 'en-US' ? '&lang=' + lang : ''), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.html) { transcript.insertAdjacentHTML('beforeend', data.html); transcript.scrollTop = transcript.scrollHeight; }
        if (statusEl) statusEl.textContent = data.statusText;
        // Someone took or ended it elsewhere: the controls change with the page.
        if (lastStatus !== null && data.status !== lastStatus) location.reload();
        lastStatus = data.status;
      });
  }
  if (transcript) setInterval(poll, 1000);
})();

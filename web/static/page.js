/* Buygogo privacy help page: Web Chat over Direct Line (local or Azure), a language switch, resume on reload. */
(function () {
  'use strict';
  var texts = JSON.parse(document.getElementById('texts').textContent);
  var locale = sessionStorage.getItem('locale') || ((navigator.language || '').toLowerCase().indexOf('zh') === 0 ? 'zh-CN' : 'en-US');
  var directLine;

  function t(key) { return (texts[locale] || texts['en-US'])[key] || key; }

  function applyTexts() {
    document.documentElement.lang = locale;
    document.title = t('title');
    document.getElementById('heading').textContent = t('heading');
    document.getElementById('privacy-note').textContent = t('privacyNote');
    var link = document.getElementById('policy-link');
    link.textContent = t('policyLink');
    link.href = locale === 'zh-CN' ? '/policy?lang=zh-CN' : '/policy';
    Array.prototype.forEach.call(document.querySelectorAll('[data-locale]'), function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-locale') === locale));
    });
  }

  /** A Direct Line session: kept in sessionStorage so a reload resumes the same conversation. */
  function session() {
    var saved = sessionStorage.getItem('directLine');
    if (saved) return Promise.resolve(JSON.parse(saved));
    return fetch('/api/directline/token', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale: locale })
    }).then(function (res) {
      if (!res.ok) throw new Error('token ' + res.status);
      return res.json();
    }).then(function (s) {
      // The Direct Line is this page's own server (the CSP allows no other), reached at the address the page
      // was opened with: the configured public address can name the same server differently (localhost
      // against 127.0.0.1, a proxy's host name), which the browser would block as another origin.
      s.domain = location.origin + new URL(s.domain, location.href).pathname.replace(/\/+$/, '');
      s.started = false;
      sessionStorage.setItem('directLine', JSON.stringify(s));
      return s;
    });
  }

  /**
   * Starts the conversation as soon as there is a token, while Web Chat is still downloading and
   * evaluating (its 3.9 MB bundle takes most of a cold first load): the bot says welcome meanwhile, and
   * Web Chat reconnects to a conversation that already has it, instead of starting one after it is
   * ready. If this fails, Web Chat starts the conversation itself, as before.
   */
  function started(s) {
    if (s.started) return Promise.resolve(s);
    return fetch(s.domain + '/conversations', { method: 'POST', headers: { authorization: 'Bearer ' + s.token } })
      .then(function (res) { return res.ok ? res.json() : undefined; })
      .then(function (c) {
        if (!c || !c.conversationId) return s;
        s.conversationId = c.conversationId;
        if (c.token) s.token = c.token;
        s.started = true;
        sessionStorage.setItem('directLine', JSON.stringify(s));
        return s;
      }, function () { return s; });
  }

  /**
   * Back off and recover instead of giving up. Direct Line JS stops polling for good after one failed read
   * (a 429, a restart, a dropped network), and a failed send shows "Send failed" for good. Its requests all
   * go through `services.ajax`; this wraps it so that, on 429 (after Retry-After), 503 or a network error,
   * the same request is tried again with exponential back-off: reads forever, a send a few times.
   * Other failures (403: token, 404: conversation) still reach Direct Line JS, which knows what they mean.
   */
  function patient(connection) {
    var services = connection && connection.services;
    if (!services || typeof services.ajax !== 'function') return connection;
    var ajax = services.ajax;
    services.ajax = function (request) {
      var failures = 0;
      var reading = (request.method || 'GET') === 'GET';
      return ajax(request).retryWhen(function (errors) {
        return errors.mergeMap(function (error) {
          failures += 1;
          var status = error && error.status;
          // In the Web Chat bundle, Direct Line JS's own handling of a 429 with a numeric Retry-After fails
          // (its Observable.timer is missing) and a TypeError comes out instead: no status means that 429.
          var limited = status === 429 || status === undefined;
          var retry = limited || status === 503 || (reading && (status === 0 || status >= 500));
          if (!retry || (!reading && failures > 6)) return Promise.reject(error);
          var after = Number(error.xhr && error.xhr.getResponseHeader && error.xhr.getResponseHeader('Retry-After'));
          var wait = after > 0 ? Math.min(60000, after * 1000) : Math.min(30000, 1000 * Math.pow(2, failures - 1));
          return new Promise(function (resolve) { setTimeout(resolve, wait * (0.8 + Math.random() * 0.4)); });
        });
      });
    };
    return connection;
  }

  function render() {
    window.WebChat.renderWebChat({
      directLine: directLine,
      locale: locale,
      userID: JSON.parse(sessionStorage.getItem('directLine')).userId,
      styleOptions: {
        accent: '#c8102e', botAvatarInitials: 'B', hideUploadButton: true,
        suggestedActionLayout: 'flow', bubbleBorderRadius: 8, bubbleFromUserBackground: '#fdecef'
      },
      overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: t('placeholder') }
    }, document.getElementById('webchat'));
  }

  /** Web Chat's script comes after this one: it has run by DOMContentLoaded. */
  var webChatReady = new Promise(function (resolve) {
    if (window.WebChat) resolve();
    else document.addEventListener('DOMContentLoaded', function () { resolve(); });
  });

  /**
   * Shows the welcome as soon as the bot has said it, while Web Chat's bundle is still evaluating (most of a
   * cold first load): read the conversation once or twice and put the first bot message where Web Chat will
   * render. Plain text only (textContent); Web Chat replaces it with the real transcript when it mounts.
   */
  function earlyWelcome(s) {
    if (!s.started || window.WebChat) return;
    var tries = 0;
    (function read() {
      fetch(s.domain + '/conversations/' + encodeURIComponent(s.conversationId) + '/activities?watermark=0', {
        headers: { authorization: 'Bearer ' + s.token }
      }).then(function (res) { return res.ok ? res.json() : undefined; }).then(function (body) {
        var first = body && (body.activities || []).filter(function (a) { return a.type === 'message' && a.from && a.from.role !== 'user' && a.text; })[0];
        var slot = document.getElementById('loading');
        if (first && slot && !window.WebChat) {
          slot.className = 'early-welcome';
          slot.setAttribute('role', 'status');
          slot.textContent = first.text.replace(/\*\*/g, '');
        } else if (!first && ++tries < 5 && !window.WebChat) {
          setTimeout(read, 150);
        }
      }, function () { /* Web Chat will show it */ });
    })();
  }

  function start() {
    var ready = session().then(started);
    ready.then(earlyWelcome);
    Promise.all([ready, webChatReady]).then(function (both) {
      var s = both[0];
      if (!window.WebChat) throw new Error('Web Chat did not load');
      var options = { token: s.token, domain: s.domain, webSocket: false, pollingInterval: 400 };
      // Started (just now, or before a reload): reconnect to the conversation and read it from the start.
      if (s.started) { options.conversationId = s.conversationId; options.watermark = '0'; }
      directLine = patient(window.WebChat.createDirectLine(options));
      s.started = true;
      sessionStorage.setItem('directLine', JSON.stringify(s));
      render();
    }).catch(function () {
      sessionStorage.removeItem('directLine');
      document.getElementById('webchat').textContent = t('failed');
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-locale]'), function (button) {
    button.addEventListener('click', function () {
      var chosen = button.getAttribute('data-locale');
      if (chosen === locale) return;
      locale = chosen;
      sessionStorage.setItem('locale', locale);
      applyTexts();
      if (!directLine) return;
      render(); // same conversation, new locale on what the user sends next
      // The bot says welcome again, with its menu, in the language just chosen.
      var saved = JSON.parse(sessionStorage.getItem('directLine') || '{}');
      directLine.postActivity({ type: 'event', name: 'webchat/localeChanged', value: locale, locale: locale, from: { id: saved.userId, role: 'user' } })
        .subscribe({ error: function () { /* the next message carries the locale anyway */ } });
    });
  });

  applyTexts();
  start();
})();

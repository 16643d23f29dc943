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
      s.started = false;
      sessionStorage.setItem('directLine', JSON.stringify(s));
      return s;
    });
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

  function start() {
    session().then(function (s) {
      var options = { token: s.token, domain: s.domain, webSocket: false, pollingInterval: 400 };
      // Resuming: reconnect to the stored conversation and read it again from the start.
      if (s.started) { options.conversationId = s.conversationId; options.watermark = '0'; }
      directLine = window.WebChat.createDirectLine(options);
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

// aqdash: live updates of the open view (see app/events.go and app/live.go).
//
// The page's one EventSource (htmx's SSE extension: sse-connect on <body>) brings two events:
//   change   {"table":"historic","locations":[...],"types":[...],"all":false,"version":"4.2",...}
//   version  {"version":"4.2"}, on every (re)connect and after the server's listener reconnects
// The open view (the element with data-live-url, written by views/partials/live.html) is re-fetched at
// its own URL (same filters, sort and page; no history entry) when a change touches its tables,
// locations and pollutants, if it is sorted by date and on page 1. Any other view is not moved: it shows
// a "new data" notice with a button that re-fetches it. Where EventSource is missing, or keeps failing,
// the view is polled every 30 s with If-None-Match, which the server answers 304 while nothing changed.
// No inline script and no eval: this file is all there is.
(function () {
  'use strict';

  var POLL_MS = window.aqdashPollMs > 0 ? window.aqdashPollMs : 30000; // tests shorten it
  var FAILURES_BEFORE_POLLING = 3;
  var REFRESH_HEADER = 'X-Aqdash-Refresh';
  var body = document.body;
  var failures = 0;
  var pollTimer = null;
  var latest = null; // the newest data version announced, as numbers
  var pending = null; // a version that touched the view while a request was in flight

  function currentView() {
    return document.querySelector('[data-live-url]');
  }

  function attr(view, name) {
    return view.getAttribute('data-live-' + name) || '';
  }

  function list(view, name) {
    try {
      var v = JSON.parse(attr(view, name) || '[]');
      return Array.isArray(v) ? v : [];
    } catch (e) {
      return [];
    }
  }

  // parseVersion reads "12.7" (one counter per table) as [12, 7]; null when it cannot.
  function parseVersion(s) {
    if (!s) return null;
    var parts = String(s).split('.').map(Number);
    return parts.every(function (n) { return isFinite(n); }) ? parts : null;
  }

  // atLeast reports whether version a has seen everything version b has.
  function atLeast(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] < b[i]) return false;
    return true;
  }

  function remember(v) {
    if (!v) return;
    if (!latest || latest.length !== v.length) { latest = v; return; }
    latest = latest.map(function (n, i) { return Math.max(n, v[i]); });
  }

  function overlaps(wanted, changed) {
    if (!wanted.length) return true; // the view shows all
    for (var i = 0; i < changed.length; i++) if (wanted.indexOf(changed[i]) >= 0) return true;
    return false;
  }

  // touches reports whether a change may alter what the view shows.
  function touches(view, ch) {
    if (ch.table && attr(view, 'tables').split(' ').indexOf(ch.table) < 0) return false;
    var from = attr(view, 'from'), to = attr(view, 'to');
    if (ch.to && from && ch.to < from) return false;
    if (ch.from && to && ch.from > to) return false;
    if (ch.all) return true;
    // A prediction write touches the models it names only: a comparison of other models (its model,
    // reference and vs lines) does not move. A measurement touches every model.
    if (ch.table !== 'historic' && Array.isArray(ch.models) && ch.models.length &&
        !overlaps(list(view, 'models'), ch.models)) return false;
    return overlaps(list(view, 'locations'), ch.locations || []) && overlaps(list(view, 'types'), ch.types || []);
  }

  // busy is true while any htmx request is in flight (every view request shows the #busy indicator).
  function busy() {
    return !!document.querySelector('.htmx-request');
  }

  function refresh(view) {
    var headers = {};
    headers[REFRESH_HEADER] = 'live';
    // source: the view, so its hx-sync="this:replace" lets a person's next click win over this request.
    htmx.ajax('GET', attr(view, 'url'), { source: view, target: view, swap: 'outerHTML', headers: headers });
  }

  // offer shows the notice of a view that must not move under the reader.
  function offer(view) {
    if (view.querySelector('.live-notice')) return;
    var p = document.createElement('p');
    p.className = 'live-notice';
    p.setAttribute('role', 'status');
    p.appendChild(document.createTextNode('New data has arrived. '));
    var b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('data-live-refresh', '');
    b.textContent = 'Refresh this view';
    p.appendChild(b);
    view.insertBefore(p, view.firstChild);
  }

  function react(view) {
    var page = parseInt(attr(view, 'page'), 10) || 1;
    if (attr(view, 'sort') === 'date' && page <= 1) {
      refresh(view);
    } else {
      offer(view);
    }
  }

  // consider reacts to a change of version v (null: unknown) that touches the view, now or, while a
  // request is in flight, once it has settled and only if the view it brought is still older than v.
  function consider(view, v) {
    if (busy()) {
      pending = v || parseVersion(attr(view, 'version')) || [];
      return;
    }
    if (v && atLeast(parseVersion(attr(view, 'version')), v)) return;
    react(view);
  }

  function data(evt) {
    try {
      return JSON.parse(evt.detail.data) || {};
    } catch (e) {
      return { all: true };
    }
  }

  body.addEventListener('sse:change', function (evt) {
    var ch = data(evt);
    var v = parseVersion(ch.version);
    remember(v);
    var view = currentView();
    if (view && touches(view, ch)) consider(view, v);
  });

  body.addEventListener('sse:version', function (evt) {
    var v = parseVersion(data(evt).version);
    remember(v);
    var view = currentView();
    if (view && v && !atLeast(parseVersion(attr(view, 'version')), v)) consider(view, v);
  });

  // After a swap settles (or a request ends without one), a change that came meanwhile is weighed again.
  function settled() {
    if (!pending || busy()) return;
    var v = pending.length ? pending : null;
    pending = null;
    var view = currentView();
    if (view) consider(view, v);
  }
  body.addEventListener('htmx:afterSettle', settled);
  body.addEventListener('htmx:afterRequest', settled);

  // A view restored from htmx's history cache may predate changes announced since.
  body.addEventListener('htmx:historyRestore', function () {
    var view = currentView();
    if (view && latest && !atLeast(parseVersion(attr(view, 'version')), latest)) consider(view, latest);
  });

  // A background refresh that fails leaves the view as it is, rather than replacing it with an error.
  body.addEventListener('htmx:beforeSwap', function (evt) {
    var cfg = evt.detail.requestConfig;
    if (cfg && cfg.headers && cfg.headers[REFRESH_HEADER] && evt.detail.xhr.status >= 300) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
    }
  });

  body.addEventListener('click', function (evt) {
    var b = evt.target.closest && evt.target.closest('[data-live-refresh]');
    var view = b && b.closest('[data-live-url]');
    if (view) refresh(view);
  });

  // Polling, where Server-Sent Events cannot work: a HEAD of the view with its ETag costs a 304 while
  // nothing has changed.
  function poll() {
    var view = currentView();
    if (!view || document.hidden || busy()) return;
    var etag = attr(view, 'etag');
    var headers = { 'HX-Request': 'true' };
    if (etag) headers['If-None-Match'] = etag;
    fetch(attr(view, 'url'), { method: 'HEAD', headers: headers, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) {
        var tag = r.headers.get('ETag');
        if (r.status === 200 && tag && tag !== etag && currentView() === view) consider(view, null);
      })
      .catch(function () {});
  }

  function startPolling() {
    body.setAttribute('data-live', 'polling');
    if (pollTimer === null) pollTimer = window.setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  if (typeof window.EventSource === 'undefined') {
    body.removeAttribute('sse-connect'); // before htmx starts: the extension would fail on it
    startPolling();
    return;
  }
  body.setAttribute('data-live', 'connecting');
  // A page kept in the back/forward cache keeps its stream open, and a browser opens at most six
  // connections to one host over HTTP/1.1: a few pages later the open one could load nothing more. So
  // the stream closes when the page is left, and a page restored from that cache loads afresh (its view
  // and its stream).
  var source = null;
  window.addEventListener('pagehide', function () {
    if (source) source.close();
    // A stream still connecting has not announced itself (no htmx:sseOpen yet) but holds its connection
    // all the same: the extension closes whatever it has when its element is cleaned up.
    if (window.htmx) htmx.trigger(body, 'htmx:beforeCleanupElement');
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) window.location.reload();
  });
  body.addEventListener('htmx:sseOpen', function (e) {
    source = e.detail && e.detail.source;
    failures = 0;
    stopPolling();
    body.setAttribute('data-live', 'open');
  });
  body.addEventListener('htmx:sseError', function () {
    failures++;
    if (failures >= FAILURES_BEFORE_POLLING) startPolling();
    else body.setAttribute('data-live', 'connecting');
  });
})();

// aqdash: the filter form, the reader's place after a swap, and what a screen reader hears.
(function () {
  'use strict';

  var body = document.body;
  var REFRESH_HEADER = 'X-Aqdash-Refresh';

  // Typed fields (the date inputs, data-typed) apply on Apply, Enter (the form's own submit) or when the
  // focus leaves them, never per keystroke: Chromium fires change once per typed digit of a year (0002,
  // 0020, 0201, 2019), and the form no longer listens to change (the selects apply at once themselves).
  // Moving from one date to the other, or to Apply, waits: the person is still composing the range.
  function composing(el, form) {
    return !!el && form.contains(el) && (el.hasAttribute('data-typed') || el.type === 'submit');
  }

  function typedChanged(form) {
    var changed = false;
    var fields = form.querySelectorAll('[data-typed]');
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) changed = true;
    }
    return changed;
  }

  // apply submits the form through htmx: a synthetic submit event, never the browser's own submission,
  // so a form htmx has not yet taken over (just swapped in) cannot navigate the whole page. htmx checks
  // the form first (min, max, a half-typed date) and shows the browser's message (reportValidityOfForms).
  // A form applies given values once: leaving a date's picker button reports a focusout twice.
  function apply(form) {
    var values = [].map.call(form.querySelectorAll('[data-typed]'), function (f) { return f.value; }).join(' ');
    if (form.getAttribute('data-applied') === values) return;
    form.setAttribute('data-applied', values);
    if (window.htmx) htmx.trigger(form, 'submit');
    else form.requestSubmit();
  }

  // Leaving the dates applies them, once the focus has settled: a field that a swap removed (Chromium
  // then reports a focusout) applies nothing, nor does a move to the other date or to Apply.
  body.addEventListener('focusout', function (evt) {
    var el = evt.target;
    var form = el && el.form;
    if (!form || !form.classList.contains('filters') || !composing(el, form)) return;
    window.setTimeout(function () {
      if (!el.isConnected || composing(document.activeElement, form) || !typedChanged(form)) return;
      apply(form);
    }, 0);
  });

  // Enter in a date applies it once: the browser would submit on keydown and again on keypress.
  body.addEventListener('keydown', function (evt) {
    var el = evt.target;
    if (evt.key !== 'Enter' || !el.hasAttribute || !el.hasAttribute('data-typed') || !el.form || !window.htmx) return;
    evt.preventDefault();
    apply(el.form);
  });
  body.addEventListener('keypress', function (evt) {
    if (evt.key === 'Enter' && evt.target.hasAttribute && evt.target.hasAttribute('data-typed') && window.htmx) evt.preventDefault();
  });

  function isRefresh(evt) {
    var cfg = evt.detail && evt.detail.requestConfig;
    return !!(cfg && cfg.headers && cfg.headers[REFRESH_HEADER]);
  }

  // A swap keeps the reader's place: when the view's table header (or, without rows, what stands in their
  // place) has ended up above the window, as after a click on a scrolled page, it is brought to the top.
  // A header below the window is left there (the person is at the filters), and a live refresh never
  // moves the page. The focus stays on the control that was used (htmx restores it without scrolling).
  function keepPlace(view) {
    var anchor = view.querySelector('thead, .form-error, .summary, .empty');
    if (!anchor) return;
    if (anchor.getBoundingClientRect().top < 0) anchor.scrollIntoView({ block: 'start' });
  }

  // After a swap the view's result (its count, its empty state) is said in the page's polite live
  // region, which outlives every swap; an error says itself (role=alert).
  var announce = document.getElementById('announce');
  var said = '';
  function tell(view, always) {
    if (!announce || view.querySelector('.form-error')) return;
    var what = view.querySelector('#view-caption, .empty');
    var text = what ? what.textContent.replace(/\s+/g, ' ').trim() : '';
    if (!text || (!always && text === said)) return;
    said = text;
    announce.textContent = '';
    window.setTimeout(function () { announce.textContent = text; }, 50);
  }

  // Choosing as the model the one that was the reference drops the reference (a model is not compared
  // with itself), rather than answering 400.
  body.addEventListener('htmx:configRequest', function (evt) {
    var elt = evt.detail && evt.detail.elt;
    var params = evt.detail && evt.detail.parameters;
    if (!elt || elt.id !== 'f-model' || !params) return;
    var model = params.get ? params.get('model') : params.model;
    var ref = params.get ? params.get('ref') : params.ref;
    if (model && ref === model) {
      if (params.delete) params.delete('ref'); else delete params.ref;
    }
  });

  body.addEventListener('htmx:afterSwap', function (evt) {
    var target = evt.detail && evt.detail.target;
    if (!target || target.id !== 'view') return;
    var view = document.getElementById('view');
    if (!view) return;
    var refresh = isRefresh(evt);
    if (!refresh) keepPlace(view);
    tell(view, !refresh);
  });

  // Metric definitions are toggletips (<details class="term">): one open at a time, Escape closes it
  // and gives the focus back to its term, a click elsewhere closes it.
  document.addEventListener('toggle', function (evt) {
    var d = evt.target;
    if (!d.matches || !d.matches('details.term') || !d.open) return;
    document.querySelectorAll('details.term[open]').forEach(function (o) { if (o !== d) o.open = false; });
  }, true);
  document.addEventListener('keydown', function (evt) {
    if (evt.key !== 'Escape') return;
    var d = document.activeElement && document.activeElement.closest && document.activeElement.closest('details.term[open]');
    if (!d) d = document.querySelector('details.term[open]');
    if (!d) return;
    d.open = false;
    d.querySelector('summary').focus();
  });
  document.addEventListener('click', function (evt) {
    var inside = evt.target.closest && evt.target.closest('details.term');
    document.querySelectorAll('details.term[open]').forEach(function (o) { if (o !== inside) o.open = false; });
  });
})();

// Offline and install, for every page of a language. Registers the service worker, saves this language
// for offline use, marks saved languages in the menu, offers an update when a new version is ready, and
// sends self-checks kept on this phone. Every visible word comes from the page (templates/_offline.html).
(function () {
  "use strict";
  var root = document.documentElement;
  var tag = root.dataset.urlTag;
  var panel = document.getElementById("offline-panel");
  if (!panel || !("serviceWorker" in navigator) || !window.caches) return;
  // Every URL comes from the server's routes (kinfo.pwa.views.offline_routes), a placeholder for the tag.
  var routes = JSON.parse(panel.dataset.routes);
  function route(name, which) { return routes[name].replace(routes.placeholder, which); }

  function show(state, visible) {
    var element = panel.querySelector('[data-state="' + state + '"]');
    if (element) element.hidden = !visible;
    return element;
  }

  // ---- The queue of consented self-checks kept on this phone (IndexedDB) ----
  var DB_NAME = "kinfo", STORE = "selfchecks";
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }
  var queue = {
    put: function (entry) { return withStore("readwrite", function (store) { store.put(entry); }); },
    get: function (key) { return withStore("readonly", function (store) { return store.get(key); }); },
    all: function () { return withStore("readonly", function (store) { return store.getAll(); }); },
    remove: function (key) { return withStore("readwrite", function (store) { store.delete(key); }); },
  };

  var sending = null;
  // Send every waiting self-check. The server stores each idempotency key once, however often it is
  // replayed; a refusal (validation) is kept and shown, never dropped. Nothing relies on navigator.onLine.
  function sendQueued() {
    if (sending) return sending;
    sending = queue.all().then(function (entries) {
      var waiting = entries.filter(function (entry) { return entry.status === "queued"; });
      return waiting.reduce(function (chain, entry) {
        return chain.then(function () {
          return fetch(route("submit", entry.tag), {
            method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ idempotency_key: entry.key, answers: entry.answers, consent: true,
                                   name: entry.name || "", phone: entry.phone || "" }),
          }).then(function (response) {
            return response.json().then(function (body) {
              if (response.ok) {
                entry.status = "sent"; entry.reference = body.reference;
                entry.answers = null; entry.name = null; entry.phone = null;  // confirmed: leaves the phone
              } else if (response.status === 422 || response.status === 409 || response.status === 400) {
                entry.status = "refused"; entry.errors = body.errors || []; entry.error = body.error;
              } else { return; }  // try again later
              return queue.put(entry);
            });
          }).catch(function () { /* still offline: stays queued */ });
        });
      }, Promise.resolve());
    }).then(function () {
      sending = null;
      document.dispatchEvent(new CustomEvent("kinfo:queue-changed"));
      return refreshQueueNotice();
    }, function () { sending = null; });
    return sending;
  }
  function refreshQueueNotice() {
    return queue.all().then(function (entries) {
      var waiting = entries.some(function (entry) { return entry.status === "queued"; });
      show("queued", waiting);
      panel.querySelector('[data-action="send-now"]').hidden = !waiting;
    }, function () {});
  }
  function putAndNotice(entry) { return queue.put(entry).then(refreshQueueNotice); }
  window.kinfoQueue = { put: putAndNotice, get: queue.get, all: queue.all, remove: queue.remove, send: sendQueued };

  // ---- Service worker, saved languages, storage ----
  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        (navigator.serviceWorker.controller || registration.active).postMessage(message, [channel.port2]);
      });
    });
  }

  function markMenu(saved) {
    var template = document.getElementById("offline-menu-strings");
    document.querySelectorAll(".language-menu a[data-tag]").forEach(function (link) {
      var item = link.parentElement;
      item.querySelectorAll(".on-phone, .save-language").forEach(function (old) { old.remove(); });
      if (saved.indexOf(link.dataset.tag) !== -1) {
        var badge = template.content.querySelector(".on-phone").cloneNode(true);
        badge.textContent = badge.dataset.text;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(badge);
      } else {
        var button = template.content.querySelector(".save-language").cloneNode(true);
        button.textContent = button.dataset.text;
        button.setAttribute("lang", root.lang);
        button.addEventListener("click", function () { save(link.dataset.tag); });
        item.appendChild(document.createTextNode(" "));
        item.appendChild(button);
      }
    });
  }

  function showUsage() {
    if (!navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (estimate) {
      // Long unit names read better than abbreviations; digits as on the rest of the site.
      var size = new Intl.NumberFormat(root.lang, { style: "unit", unit: "megabyte", unitDisplay: "long",
                                                   maximumFractionDigits: 1, numberingSystem: "latn" })
        .format((estimate.usage || 0) / 1e6);
      show("usage", true).querySelector('[data-slot="size"]').textContent = size;
    });
    if (navigator.storage.persist) {
      navigator.storage.persist().then(function (granted) { show("persisted", granted); show("not-persisted", !granted); });
    }
  }

  function refresh() {
    return ask({ type: "status" }).then(function (status) {
      markMenu(status.saved);
      var saved = status.saved.indexOf(tag) !== -1;
      show("saved", saved);
      if (saved) showUsage();
      return status;
    });
  }

  function save(which) {
    var here = which === tag;  // the panel speaks about this page's language; the menu shows the others
    if (here) { show("saving", true); show("save-failed", false); }
    var button = document.querySelector('.language-menu a[data-tag="' + which + '"] ~ .save-language');
    if (button) button.disabled = true;
    return ask({ type: "save", tag: which }).then(function (result) {
      show("saving", false);
      if (!result.ok) show("save-failed", true);
      return refresh();
    });
  }

  function offerUpdate(registration) {
    var prompt = document.getElementById("update-prompt");
    prompt.hidden = false;
    prompt.querySelector('[data-action="reload"]').onclick = function () {
      var reloading = false;
      navigator.serviceWorker.addEventListener("controllerchange", function () {
        if (!reloading) { reloading = true; window.location.reload(); }
      });
      registration.waiting.postMessage({ type: "skip-waiting" });
    };
  }

  function explainMissingLanguage() {
    var missing = document.getElementById("offline-language-missing");
    if (!missing) return;
    // The language asked for: from the language-choice URL, or the page URL, whichever this is.
    var path = window.location.pathname, choose = routes.chooseLanguage.split(routes.placeholder)[0];
    var page = routes.article.split(routes.placeholder)[0];
    var wanted = (path.indexOf(choose) === 0 ? path.slice(choose.length) : path.slice(page.length)).split("/")[0];
    if (!wanted || wanted === tag) return;
    var link = document.querySelector('.language-menu a[data-tag="' + wanted + '"]');
    if (!link) return;
    var slot = missing.querySelector('[data-slot="language"]');
    slot.textContent = link.textContent;
    slot.setAttribute("lang", link.getAttribute("lang"));
    missing.hidden = false;
    document.getElementById("offline-page-message").hidden = true;
  }

  panel.hidden = false;
  explainMissingLanguage();
  panel.querySelector('[data-action="send-now"]').addEventListener("click", sendQueued);
  panel.querySelector('[data-action="clear"]').addEventListener("click", function () {
    // For shared phones: the queue, every offline copy and the service worker itself go.
    Promise.all([
      new Promise(function (resolve) { var r = indexedDB.deleteDatabase(DB_NAME); r.onsuccess = r.onerror = r.onblocked = resolve; }),
      caches.keys().then(function (names) { return Promise.all(names.map(function (name) { return caches.delete(name); })); }),
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
      }),
    ]).then(function () {
      ["saved", "usage", "persisted", "not-persisted", "queued"].forEach(function (state) { show(state, false); });
      show("cleared", true);
      document.querySelectorAll(".on-phone, .save-language").forEach(function (element) { element.remove(); });
    });
  });
  window.addEventListener("online", sendQueued);
  refreshQueueNotice();
  sendQueued();

  // Registered after the page has loaded, so saving for offline never slows the first visit.
  function start() {
    navigator.serviceWorker.register(routes.serviceWorker, { scope: "/" }).then(function (registration) {
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(registration);
        });
      });
      return refresh().then(function (status) {
        if (status.saved.indexOf(tag) === -1) return save(tag);
      });
    }).catch(function () { show("save-failed", true); });
  }
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();

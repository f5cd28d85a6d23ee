// Offline and install, for every page of a language. Registers the service worker, saves this language
// for offline use, shows the offline panel (which languages are on this phone, saving another, storage,
// removing everything), offers an update when a new version is ready, and sends self-checks kept on this
// phone, confirming each with its reference code. Every visible word comes from the server
// (templates/pwa/_offline_notices.html, _offline_panel.html); this script only chooses what to show.
(function () {
  "use strict";
  var root = document.documentElement;
  var tag = root.dataset.urlTag;
  var notices = document.getElementById("offline-notices");
  if (!notices || !("serviceWorker" in navigator) || !window.caches) return;
  // Every URL comes from the server's routes (kinfo.pwa.views.page_routes), a placeholder for the tag.
  var routes = JSON.parse(notices.dataset.routes);
  function route(name, which) { return routes[name].replace(routes.placeholder, which); }
  // The header menu's links: the language each leads to is in its own address (/language/<tag>?page=…).
  var choosePrefix = routes.chooseLanguage.split(routes.placeholder)[0];
  function menuLinks() { return Array.prototype.slice.call(document.querySelectorAll(".language-menu ul a")); }
  function menuTag(link) { return link.pathname.slice(choosePrefix.length); }

  // The panel arrives after load (see loadPanel); until then what it would show is only remembered.
  var panel = null, status = { saved: [], saving: {}, failed: {}, queued: false, usage: null, persisted: null,
                               cleared: false };
  function within(scope, selector) { return scope ? scope.querySelector(selector) : null; }
  function show(state, visible) {
    var element = within(panel, '[data-state="' + state + '"]');
    if (element) element.hidden = !visible;
    return element;
  }
  function paint() {
    if (!panel) return;
    show("saved", status.saved.indexOf(tag) !== -1 && !status.cleared);
    panel.querySelectorAll(".offline-languages li[data-tag]").forEach(function (row) {
      var which = row.dataset.tag, saved = status.saved.indexOf(which) !== -1 && !status.cleared;
      var saving = !!status.saving[which], failed = !!status.failed[which];
      row.querySelector('[data-state="on-phone"]').hidden = !saved;
      row.querySelector('[data-state="saving"]').hidden = !saving;
      var error = row.querySelector('[data-state="failed"]');
      if (failed && error.hidden) {  // the words from the panel's template, naming this row's language
        error.textContent = "";
        error.appendChild(panel.querySelector("#save-failed").content.cloneNode(true));
        var name = row.querySelector('[data-slot="name"]');
        var slot = error.querySelector('[data-slot="language"]');
        slot.textContent = name.textContent;
        slot.setAttribute("lang", name.getAttribute("lang"));
      }
      error.hidden = !failed;
      var button = row.querySelector('[data-action="save"]');
      button.hidden = saved || saving || status.cleared;
      button.disabled = saving;
    });
    if (status.usage !== null) {
      show("usage", !status.cleared).querySelector('[data-slot="size"]').textContent = status.usage;
    }
    show("persisted", status.persisted === true && !status.cleared);
    show("not-persisted", status.persisted === false && !status.cleared);
    show("queued", status.queued);
    panel.querySelector('[data-action="send-now"]').hidden = !status.queued;
    show("cleared", status.cleared);
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
                entry.status = "sent"; entry.reference = body.reference; entry.announced = false;
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
      status.queued = entries.some(function (entry) { return entry.status === "queued"; });
      paint();
      entries.forEach(function (entry) { if (entry.status === "sent" && entry.announced === false) announceSent(entry); });
    }, function () {});
  }

  // A self-check kept on this phone has reached the clinic: say so, with its reference code, on whatever
  // page the patient is on, until they close the notice (the result page of that self-check says it itself).
  var unannounced = [];  // sent before the panel (which holds the words) has arrived
  function announceSent(entry) {
    var template = document.getElementById("sent-notice");
    if (!template) { unannounced.push(entry); return; }
    var result = document.getElementById("offline-result");
    if (result && window.location.hash.slice(1) === entry.key) {
      entry.announced = true;
      queue.put(entry);
      return;
    }
    var holder = document.getElementById("sent-notices");
    if (holder.querySelector('[data-key="' + entry.key + '"]')) return;
    var notice = template.content.firstElementChild.cloneNode(true);
    notice.dataset.key = entry.key;
    notice.querySelector('[data-slot="reference"]').textContent = entry.reference;
    notice.querySelector('[data-action="dismiss"]').addEventListener("click", function () {
      entry.announced = true;
      queue.put(entry).then(function () { notice.remove(); });
    });
    holder.appendChild(notice);
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

  function showUsage() {
    if (!navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (estimate) {
      // Long unit names read better than abbreviations; digits as on the rest of the site.
      status.usage = new Intl.NumberFormat(root.lang, { style: "unit", unit: "megabyte", unitDisplay: "long",
                                                        maximumFractionDigits: 1, numberingSystem: "latn" })
        .format((estimate.usage || 0) / 1e6);
      paint();
    });
    if (navigator.storage.persist) {
      navigator.storage.persist().then(function (granted) { status.persisted = granted; paint(); });
    }
  }

  function refresh() {
    return ask({ type: "status" }).then(function (reply) {
      status.saved = reply.saved;
      paint();
      if (reply.saved.indexOf(tag) !== -1) showUsage();
      return reply;
    });
  }

  // Saving a language: its row in the panel says so, and if it fails, says so there, naming the language.
  function save(which) {
    status.saving[which] = true; status.failed[which] = false; status.cleared = false;
    paint();
    return ask({ type: "save", tag: which }).then(function (result) {
      status.saving[which] = false;
      status.failed[which] = !result.ok;
      return refresh();
    });
  }

  // The panel is a page part of its own (in the offline copy once, not in every page): fetched after load
  // and put after the footer, where its arrival moves nothing.
  function loadPanel() {
    return fetch(route("panel", tag)).then(function (response) {
      if (!response.ok) throw new Error("panel " + response.status);
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      panel = holder.content.querySelector("#offline-panel");
      // A row for each language of the header's menu, named as the menu names it.
      var list = panel.querySelector(".offline-languages"), row = panel.querySelector("#offline-language-row");
      menuLinks().forEach(function (link) {
        var which = menuTag(link);
        var item = row.content.firstElementChild.cloneNode(true), name = item.querySelector('[data-slot="name"]');
        item.dataset.tag = which;
        name.textContent = link.textContent;
        name.id = "offline-language-" + which;
        ["lang", "dir"].forEach(function (attribute) {  // the menu writes dir only where it differs from the page's
          if (link.hasAttribute(attribute)) name.setAttribute(attribute, link.getAttribute(attribute));
        });
        var button = item.querySelector('[data-action="save"]');
        button.setAttribute("aria-describedby", name.id);
        button.addEventListener("click", function () { save(which); });
        list.appendChild(item);
      });
      notices.parentNode.insertBefore(panel, notices);
      panel.querySelector('[data-action="send-now"]').addEventListener("click", sendQueued);
      panel.querySelector('[data-action="clear"]').addEventListener("click", clearEverything);
      document.querySelectorAll(".language-menu .offline-link").forEach(function (link) { link.hidden = false; });
      paint();
      unannounced.splice(0).forEach(announceSent);
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

  // On the offline page: the language asked for may not be saved. Show, first and in that language, that
  // it is not on this phone (each saved offline page carries that note in every language).
  function explainMissingLanguage() {
    var missing = document.getElementById("offline-language-missing");
    if (!missing) return;
    // The language asked for: from the language-choice URL, or the page URL, whichever this is.
    var path = window.location.pathname, page = routes.article.split(routes.placeholder)[0];
    var wanted = (path.indexOf(choosePrefix) === 0 ? path.slice(choosePrefix.length) : path.slice(page.length)).split("/")[0];
    if (!wanted || wanted === tag) return;
    var note = document.querySelector('[data-missing="' + wanted + '"]');
    var link = menuLinks().filter(function (one) { return menuTag(one) === wanted; })[0];
    if (!note || !link) return;
    note.hidden = false;
    var slot = missing.querySelector('[data-slot="language"]');
    slot.textContent = link.textContent;
    slot.setAttribute("lang", link.getAttribute("lang"));
    missing.hidden = false;
    document.getElementById("offline-page-message").hidden = true;
    document.title = note.querySelector("p").textContent;
  }

  // "Print or save this guide" leads to the handout, which the phone does not keep (the clinic prints
  // handouts online). With no connection the link prints this page instead: the article, which the phone
  // does keep and which prints on its own. navigator.onLine is trusted only when it says "offline"; when it
  // wrongly says "online", the link opens the offline page, which says the handout is not saved.
  document.querySelectorAll("a[data-print-offline]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      window.print();
    });
  });

  // For shared phones: the queue, every offline copy and the service worker itself go.
  function clearEverything() {
    Promise.all([
      new Promise(function (resolve) { var r = indexedDB.deleteDatabase(DB_NAME); r.onsuccess = r.onerror = r.onblocked = resolve; }),
      caches.keys().then(function (names) { return Promise.all(names.map(function (name) { return caches.delete(name); })); }),
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
      }),
    ]).then(function () {
      status = { saved: [], saving: {}, failed: {}, queued: false, usage: null, persisted: null, cleared: true };
      paint();
    });
  }

  explainMissingLanguage();
  window.addEventListener("online", sendQueued);
  refreshQueueNotice();
  sendQueued();

  // Registered after the page has loaded, so saving for offline never slows the first visit.
  function start() {
    loadPanel().catch(function () { /* offline and not saved: the page works without its panel */ });
    navigator.serviceWorker.register(routes.serviceWorker, { scope: "/" }).then(function (registration) {
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(registration);
        });
      });
      return refresh().then(function (reply) {
        if (reply.saved.indexOf(tag) === -1) return save(tag);
      });
    }).catch(function () { status.failed[tag] = true; paint(); });
  }
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();

// The self-check without a connection. On the offline form: keep the answers on this phone (only to show
// the result, and — with consent — until the clinic confirms it has them). On the result page: work out
// the outcome from the question table the server publishes (rules.json), crisis help first, and send.
(function () {
  "use strict";
  // The table is read by window.kinfoRules (rules.js), the same interpreter the golden tests hold equal to
  // the server's: this script only collects answers and arranges the page.
  var engine = window.kinfoRules;

  function clone(id) { return document.getElementById(id).content.cloneNode(true); }

  // ---- The offline form ----
  var form = document.querySelector("form[data-offline-form]");
  if (form) {
    var key = form.querySelector('input[name="idempotency_key"]');
    key.value = window.crypto.randomUUID();
    fetch(form.dataset.rulesUrl).then(function (response) { return response.json(); }).then(function (rules) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = new FormData(form), values = {};
        rules.questions.concat(rules.contact).forEach(function (field) {
          if (data.get(field.id) !== null) values[field.id] = data.get(field.id);
        });
        var checked = engine.check(rules, values);
        var errors = document.getElementById("offline-errors");
        showCrisis(form.parentNode, form.parentNode.querySelector("h1"), engine.crisis(rules, values), true);
        if (!checked.valid) {
          var list = errors.querySelector("ul");
          list.textContent = "";
          rules.questions.concat(rules.contact).forEach(function (field) {
            (checked.errors[field.id] || []).forEach(function (text) {
              var item = errors.querySelector("template").content.cloneNode(true), link = item.querySelector("a");
              link.textContent = engine.summary(rules, field.label, text);
              link.href = "#" + field.id + (field.kind === "choice" ? "-" + field.answers[0] : "");
              list.appendChild(item);
            });
          });
          errors.hidden = false;
          if (!document.querySelector(".crisis-card")) errors.focus();
          return;
        }
        var consent = data.get("consent") === "y";
        var entry = { key: key.value, tag: document.documentElement.dataset.urlTag, answers: checked.answers,
                      consent: consent, status: consent ? "queued" : "local", created: Date.now(),
                      name: consent ? checked.contact.name || "" : "", phone: consent ? checked.contact.phone || "" : "" };
        window.kinfoQueue.put(entry).then(function () {
          window.location.href = form.dataset.resultUrl + "#" + entry.key;
        });
      });
    });
  }

  // The one crisis card of the page, first, in place of the crisis line at the top of every page.
  function showCrisis(container, before, items, scroll) {
    var old = container.querySelector(".crisis-card");
    if (old) old.remove();
    var line = document.querySelector("aside.crisis");
    if (!items.length) { if (line) line.hidden = false; return; }
    // One card is on the page, the one for an answer about a plan: the emergency number and the words "go
    // now" first. For any other answer the crisis line comes first, the emergency number after it.
    var card = clone("part-crisis"), slot = card.querySelector('[data-slot="text"]');
    if (!items.some(function (item) { return item.flag.emergency_first; })) {
      var urgent = card.querySelector(".urgent"), actions = card.querySelector(".crisis-actions");
      if (urgent) urgent.remove();
      if (actions) actions.querySelectorAll(".crisis-line.emergency").forEach(function (one) { actions.appendChild(one); });
    }
    items.forEach(function (item) {
      var text = document.createElement("p"); text.textContent = item.flag.text;
      slot.parentNode.insertBefore(text, slot);
    });
    slot.remove();
    container.insertBefore(card, before);
    // The crisis line at the top goes only once the card is in its place: help is never off the page.
    if (line) line.hidden = true;
    if (scroll) window.scrollTo(0, 0);
  }

  // ---- The result page ----
  var result = document.getElementById("offline-result");
  if (!result) return;
  var resultKey = window.location.hash.slice(1);

  function renderStatus(entry) {
    var old = result.querySelector(".status");
    if (old) old.remove();
    var holder = document.createElement("div");
    holder.className = "status";
    var parts = clone("part-status");
    parts.querySelectorAll("[data-status]").forEach(function (part) {
      if (part.dataset.status !== entry.status) part.remove();
    });
    holder.appendChild(parts);
    var reference = holder.querySelector('[data-slot="reference"]');
    if (reference) reference.textContent = entry.reference;
    var errors = holder.querySelector('[data-slot="errors"]');
    if (errors) {
      var reasons = (entry.errors || []).map(function (error) { return error.message; });
      if (!reasons.length && entry.error) reasons.push(entry.error);  // e.g. already sent with other answers
      reasons.forEach(function (reason) {
        var item = document.createElement("li"); item.textContent = reason; errors.appendChild(item);
      });
    }
    var sendNow = holder.querySelector('[data-action="send-now"]');
    if (sendNow) sendNow.addEventListener("click", function () { window.kinfoQueue.send(); });
    var title = result.querySelector("h1");
    result.insertBefore(holder, title ? title.nextSibling : result.firstChild);
  }

  // Not sent yet: the answers stay in this page only; ticking the box and sending keeps them on the phone
  // until the clinic has them.
  function offerToSend(rules, entry) {
    var part = clone("part-consent"), sendForm = part.querySelector("form");
    sendForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(sendForm), values = {}, missing = sendForm.querySelector("#consent-error");
      Object.keys(entry.answers).forEach(function (id) { values[id] = String(entry.answers[id]); });
      rules.contact.forEach(function (field) { values[field.id] = data.get(field.id) || ""; });
      missing.hidden = data.get("consent") === "y";
      if (!missing.hidden) { missing.focus(); return; }
      var checked = engine.check(rules, values);
      sendForm.querySelectorAll(".contact .field-error").forEach(function (old) { old.remove(); });
      if (!checked.valid) {
        rules.contact.forEach(function (field) {
          (checked.errors[field.id] || []).forEach(function (text) {
            var error = document.createElement("p"); error.className = "field-error"; error.textContent = text;
            var input = sendForm.querySelector("#" + field.id);
            input.parentNode.insertBefore(error, input);
          });
        });
        return;
      }
      entry.consent = true; entry.status = "queued";
      entry.name = checked.contact.name || ""; entry.phone = checked.contact.phone || "";
      window.kinfoQueue.put(entry).then(function () {
        sendForm.remove();
        renderStatus(entry);
        watch(entry.key);
        window.kinfoQueue.send();
      });
    });
    return part;
  }

  function watch(key) {
    document.addEventListener("kinfo:queue-changed", function () {
      window.kinfoQueue.get(key).then(function (updated) { if (updated) renderStatus(updated); });
    });
  }

  function render(rules, entry) {
    result.textContent = "";
    var items = engine.outcome(rules, entry.answers);
    result.appendChild(clone("part-title"));
    showCrisis(result, result.firstChild, items.filter(function (item) { return item.flag.level === "CRISIS"; }), false);
    if (entry.status !== "local") renderStatus(entry);
    [["DISCUSS", "part-discuss"], ["INFO", "part-info"]].forEach(function (pair) {
      var chosen = items.filter(function (item) { return item.flag.level === pair[0]; });
      if (!chosen.length) return;
      var part = clone(pair[1]), list = part.querySelector("ul");
      chosen.forEach(function (item) {
        var li = document.createElement("li");
        if (pair[0] === "DISCUSS") {
          var strong = document.createElement("strong"); strong.textContent = item.flag.topic; li.appendChild(strong);
          if (item.flag.reason) li.appendChild(document.createTextNode(" " + item.flag.reason));
          var readMore = rules.sections[item.question.section];
          if (readMore) {
            var link = document.createElement("a");
            link.href = readMore.href; link.textContent = readMore.text;
            li.appendChild(document.createTextNode(" ")); li.appendChild(link);
          }
        } else { li.textContent = item.flag.text; }
        list.appendChild(li);
      });
      result.appendChild(part);
    });
    if (!items.length) result.appendChild(clone("part-none"));
    var end = clone("part-end"), answers = end.querySelector("dl");
    rules.questions.forEach(function (question) {
      var value = entry.answers[question.id];
      if (value === undefined) return;
      var row = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      row.className = "summary-row";
      dt.textContent = question.label;
      var label = question.answers && question.answers.indexOf(value) !== -1 ? rules.answer_labels[value] : null;
      if (label) { dd.textContent = label; } else { var bdi = document.createElement("bdi"); bdi.textContent = value; dd.appendChild(bdi); }
      row.appendChild(dt); row.appendChild(dd); answers.appendChild(row);
    });
    result.appendChild(end);
    if (entry.status === "local") result.appendChild(offerToSend(rules, entry));
    result.appendChild(clone("part-after"));
    result.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (!resultKey) return;
  Promise.all([fetch(result.dataset.rulesUrl).then(function (r) { return r.json(); }), window.kinfoQueue.get(resultKey)])
    .then(function (loaded) {
      var rules = loaded[0], entry = loaded[1];
      if (!entry || !entry.answers) {
        if (entry && entry.status === "sent") { renderStatus(entry); }
        return;
      }
      render(rules, entry);
      if (entry.status === "local") {
        window.kinfoQueue.remove(entry.key);  // not sent, so not kept: it stays in this page until sent
        return;
      }
      watch(resultKey);
      window.kinfoQueue.send();
    });
})();

// Two things a patient page does with JavaScript, in one file so a first visit makes one request for both:
//  - Leave this page (the GOV.UK "Exit this page" pattern): the link in templates/_leave.html replaces this
//    page in the history with the clinic's neutral page, at once; pressing Shift three times does the same.
//  - Listen: the phone reads the article, or one section, aloud with its own voices (the Web Speech API),
//    in the page's language (templates/public/article/_listen.html).
// Every visible word is in the page; this script only arranges it.
(function () {
  "use strict";
  var root = document.documentElement;

  // ---- Listen ----
  var synth = window.speechSynthesis;
  var player = document.getElementById("listen-player");
  var reading = null;  // { parts: [...], current: utterance, paused: bool } while reading

  // Does a voice's language (en-US, zh_CN, cmn-Hans-CN, fil-PH, ...) say this page's language? Tagalog voices
  // are named Filipino (fil). Simplified Chinese wants a Mandarin voice of mainland China or Singapore;
  // Traditional Chinese one of Taiwan, Hong Kong or Macau, or a Cantonese (yue) one.
  function speaks(voiceLang, pageLang) {
    var same = { cmn: "zh", yue: "zh", fil: "tl" };
    var voice = voiceLang.replace(/_/g, "-").toLowerCase().split("-");
    var page = pageLang.toLowerCase().split("-");
    var language = same[voice[0]] || voice[0];
    if (language !== (same[page[0]] || page[0])) return false;
    if (language !== "zh") return true;
    var traditional = voice[0] === "yue" || voice.slice(1).some(function (part) {
      return ["hant", "tw", "hk", "mo"].indexOf(part) !== -1;
    });
    return traditional === (page.indexOf("hant") !== -1);
  }

  // Only voices that run on the phone itself: they work offline, and the text goes to no other service.
  function localVoice() {
    var voices = synth.getVoices().filter(function (voice) { return voice.localService && speaks(voice.lang, root.lang); });
    var exact = voices.filter(function (voice) { return voice.lang.replace(/_/g, "-").toLowerCase() === root.lang.toLowerCase(); });
    return exact[0] || voices.filter(function (voice) { return voice.default; })[0] || voices[0] || null;
  }

  // The words of one part of the page, as the reader sees them: no note numbers, no buttons.
  function textOf(element) {
    var copy = element.cloneNode(true);
    copy.querySelectorAll(".note, button, [hidden], .visually-hidden").forEach(function (skip) { skip.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // A section is its heading, then each paragraph and list item in order, one utterance each (long
  // utterances stop half-way on some phones).
  function partsOf(section, heading) {
    var parts = [{ section: section, heading: heading, text: textOf(heading) }];
    section.querySelectorAll("p, li").forEach(function (block) {
      // Headings are read already; a paragraph that is only a button is something to do, not to hear.
      if (block.closest(".section-head") || block.querySelector("p, li, .button")) return;
      var text = textOf(block);
      if (text) parts.push({ section: section, heading: heading, text: text });
    });
    return parts;
  }
  function sectionParts(head) { return partsOf(head.parentElement, head.querySelector("h1, h2")); }
  function pageParts() {
    var title = document.querySelector("main h1");
    var parts = [{ section: title, heading: title, text: textOf(title) }];
    document.querySelectorAll(".section-head[data-listen]").forEach(function (head) {
      parts = parts.concat(sectionParts(head));
    });
    return parts;
  }

  function mark(section) {
    document.querySelectorAll(".reading-aloud").forEach(function (old) { if (old !== section) old.classList.remove("reading-aloud"); });
    if (section) section.classList.add("reading-aloud");
  }

  function speakNext(voice) {
    if (!reading) return;
    var part = reading.parts.shift();
    if (!part) { stopReading(); return; }
    mark(part.section);
    player.querySelector('[data-slot="section"]').textContent = textOf(part.heading);
    var utterance = new window.SpeechSynthesisUtterance(part.text);
    utterance.lang = root.lang;
    utterance.voice = voice;
    var done = function () { if (reading && reading.current === utterance) speakNext(voice); };
    utterance.onend = done;
    utterance.onerror = done;
    reading.current = utterance;
    synth.speak(utterance);
  }

  function showPaused(paused) {
    player.querySelector('[data-action="pause"]').hidden = paused;
    player.querySelector('[data-action="resume"]').hidden = !paused;
  }

  function startReading(parts) {
    var voice = localVoice();
    if (!voice) return;
    stopReading();
    reading = { parts: parts, current: null };
    showPaused(false);
    player.hidden = false;
    document.body.classList.add("listening");
    speakNext(voice);
  }

  function stopReading() {
    if (!synth || !player) return;
    var wasReading = reading !== null;
    reading = null;  // first, so the utterance cancelled below does not start the next one
    if (wasReading || synth.speaking || synth.pending) synth.cancel();
    mark(null);
    player.hidden = true;
    document.body.classList.remove("listening");
  }

  function offerListening() {
    var template = document.getElementById("listen-button");
    if (!template || document.querySelector(".listen-button") || !localVoice()) return;
    document.querySelectorAll(".section-head[data-listen]").forEach(function (head) {
      var what = head.dataset.listen === "page" ? "page" : "section";
      var button = template.content.firstElementChild.cloneNode(true);
      button.querySelector('[data-listen-what]:not([data-listen-what="' + what + '"])').remove();  // its one label
      button.dataset.listenWhat = what;
      button.addEventListener("click", function () { startReading(what === "page" ? pageParts() : sectionParts(head)); });
      head.appendChild(button);  // into the room each heading keeps for it: nothing else moves
    });
    player.querySelector('[data-action="pause"]').addEventListener("click", function () { synth.pause(); showPaused(true); });
    player.querySelector('[data-action="resume"]').addEventListener("click", function () { synth.resume(); showPaused(false); });
    player.querySelector('[data-action="stop"]').addEventListener("click", stopReading);
  }

  if (synth && window.SpeechSynthesisUtterance && player) {
    offerListening();
    // Phones list their voices a moment after the page asks (Chromium says so with "voiceschanged").
    if (synth.addEventListener) synth.addEventListener("voiceschanged", offerListening);
    else synth.onvoiceschanged = offerListening;
    // Reading stops when the patient leaves the page.
    window.addEventListener("pagehide", stopReading);
  }

  // ---- Leave this page ----
  var LEFT = "kinfo-left";
  var leaveLink = document.querySelector("a[data-leave]");
  if (!leaveLink) return;

  function remember(value) {
    try { if (value) window.sessionStorage.setItem(LEFT, "1"); else window.sessionStorage.removeItem(LEFT); } catch (error) { /* private mode */ }
  }
  function left() {
    try { return window.sessionStorage.getItem(LEFT) === "1"; } catch (error) { return false; }
  }

  function leave(event) {
    if (event) event.preventDefault();
    stopReading();
    remember(true);
    // Clear what the page can before it goes: answers typed into a form, the page itself (so a snapshot
    // of it, or a page kept for Back, shows nothing), its title.
    document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    document.body.hidden = true;
    document.title = "";
    // Replaces this page in the history: Back does not return to it.
    window.location.replace(leaveLink.href);
  }
  leaveLink.addEventListener("click", leave);

  // Shift pressed three times within five seconds, with no other key between, as on GOV.UK. A Shift let go
  // after typing a capital letter does not count.
  var presses = 0, timer = null, lastKeyWasShifted = false;
  document.addEventListener("keyup", function (event) {
    if (event.key === "Shift" && !lastKeyWasShifted) {
      presses += 1;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { presses = 0; }, 5000);
      if (presses >= 3) { presses = 0; leave(); }
    } else if (event.key !== "Shift") {
      presses = 0;
    }
    lastKeyWasShifted = event.shiftKey;
  }, true);

  // Earlier pages of this site stay in the history. If Back brings one of them up after leaving, it goes
  // straight on to the neutral page; opening the site afresh forgets that the patient left.
  var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  if (left() && navigation && navigation.type === "back_forward") leave();
  else if (left()) remember(false);
  window.addEventListener("pageshow", function (event) { if (event.persisted && left()) leave(); });
})();

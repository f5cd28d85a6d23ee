// kinfo service worker. Version {{ version }} (changes whenever any offline file changes).
// Each saved language is one cache per version: "kinfo::<version>::<tag>". A new version installs only
// when every saved language's whole bundle is cached; activation removes older versions. Pages are served
// cache-first from the current version only, so old and new files never mix on one page.
"use strict";
const VERSION = {{ version|tojson }};
const LANGUAGES = {{ languages|tojson }};
// Every URL this worker uses comes from the server's routes, with LANG standing for a language tag.
const ROUTES = {{ routes|tojson }};
const LANG = ROUTES.placeholder;
const route = (name, tag) => ROUTES[name].replace(LANG, tag);
const CHOOSE_LANGUAGE = ROUTES.chooseLanguage.split(LANG)[0];
const PREFIX = "kinfo::";
const cacheName = (tag) => PREFIX + VERSION + "::" + tag;
const tagOf = (name) => name.split("::")[2];
const versionOf = (name) => name.split("::")[1];

async function savedLanguages(anyVersion) {
  const names = await caches.keys();
  return names.filter((name) => name.startsWith(PREFIX) && !name.endsWith("::incomplete") &&
    (anyVersion || versionOf(name) === VERSION)).map(tagOf);
}

async function saveLanguage(tag) {
  if (!LANGUAGES.includes(tag)) throw new Error("unknown language");
  const response = await fetch(route("bundle", tag), { cache: "no-store" });
  if (!response.ok) throw new Error("bundle " + response.status);
  const bundle = await response.json();
  if (bundle.version !== VERSION) throw new Error("the site changed while saving; try again");
  const staging = await caches.open(cacheName(tag) + "::incomplete");
  for (const file of bundle.files) {
    const fileResponse = await fetch(file.url, { cache: "reload" });
    const cacheControl = fileResponse.headers.get("Cache-Control") || "";
    if (!fileResponse.ok || cacheControl.includes("no-store")) throw new Error("cannot keep " + file.url);
    await staging.put(file.url, fileResponse);
  }
  const finished = await caches.open(cacheName(tag));
  for (const request of await staging.keys()) await finished.put(request, await staging.match(request));
  await caches.delete(cacheName(tag) + "::incomplete");
}

self.addEventListener("install", (event) => {
  // Re-save, for this version, every language an older version had saved; any failure fails the install
  // and the old version stays in charge.
  event.waitUntil(savedLanguages(true).then((tags) => Promise.all([...new Set(tags)].map(saveLanguage))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && (versionOf(name) !== VERSION || name.endsWith("::incomplete"))) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => event.ports[0] && event.ports[0].postMessage(message);
  if (data.type === "skip-waiting") {
    self.skipWaiting();
  } else if (data.type === "save") {
    event.waitUntil(saveLanguage(data.tag).then(() => reply({ ok: true }), (error) => reply({ ok: false, error: String(error) })));
  } else if (data.type === "status") {
    event.waitUntil(savedLanguages(false).then((saved) => reply({ version: VERSION, saved })));
  }
});

function languageOf(pathname) {
  return LANGUAGES.find((tag) => pathname.startsWith(route("article", tag))) || null;
}

async function fromCurrentVersion(request) {
  for (const tag of await savedLanguages(false)) {
    const hit = await (await caches.open(cacheName(tag))).match(request);
    if (hit) return hit;
  }
  return null;
}

async function offlinePage(tag, referrer) {
  const saved = await savedLanguages(false);
  const preferred = [tag, languageOf(new URL(referrer || self.location.origin).pathname), ...saved];
  for (const candidate of preferred) {
    if (candidate && saved.includes(candidate)) {
      const page = await (await caches.open(cacheName(candidate))).match(route("offline", candidate));
      if (page) return page;
    }
  }
  return Response.error();
}

// The language menu goes through the language-choice route (which remembers the choice). Offline, a saved
// language opens from this phone on the page the menu named; an unsaved one gets the offline page, which
// says so in words the reader can read.
async function chooseLanguage(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    const tag = url.pathname.slice(CHOOSE_LANGUAGE.length).split("/")[0];
    if ((await savedLanguages(false)).includes(tag)) {
      const page = ROUTES.menuPages[url.searchParams.get("page")] || ROUTES.article;
      return Response.redirect(page.replace(LANG, tag), 303);
    }
    return offlinePage(null, request.referrer);
  }
}

// The waiting-room tablet's pages, and whatever they ask for, are never this worker's: straight to the
// network, nothing kept, no offline page (the tablet's start page removes this worker anyway).
function forTablet(request, url) {
  if (url.pathname.startsWith(ROUTES.tablet)) return true;
  try {
    return new URL(request.referrer).pathname.startsWith(ROUTES.tablet);
  } catch (error) {
    return false;  // no referrer
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || forTablet(request, url)) return;
  if (request.method !== "GET") return;
  const tag = languageOf(url.pathname);
  if (request.mode === "navigate" && url.pathname.startsWith(CHOOSE_LANGUAGE)) {
    event.respondWith(chooseLanguage(request, url));
    return;
  }
  const isStatic = url.pathname.startsWith(ROUTES.static);
  // Only pages of a language, their files and navigations are this worker's; the rest (the bundle list
  // itself, this script, data and staff pages) goes to the network untouched. Kept pages of no language
  // (the neutral page) are navigations too.
  if (!isStatic && (tag ? url.pathname === route("bundle", tag) : request.mode !== "navigate")) return;
  event.respondWith((async () => {
    // Static files, and pages of no language kept in every copy (the neutral page "Leave this page" opens).
    if (isStatic || !tag) {
      const kept = await fromCurrentVersion(request);
      if (kept || isStatic) return kept || fetch(request);
    }
    const saved = tag && (await savedLanguages(false)).includes(tag) ? await caches.open(cacheName(tag)) : null;
    if (request.mode === "navigate" && tag && url.pathname === route("form", tag)) {
      // The real form carries a fresh CSRF token: take it from the network, and offline use the twin.
      try { return await fetch(request); } catch (error) {
        return (saved && await saved.match(route("offlineForm", tag))) || offlinePage(tag, request.referrer);
      }
    }
    const hit = saved && await saved.match(url.pathname + url.search);
    if (hit) return hit;
    try {
      return await fetch(request);
    } catch (error) {
      if (request.mode === "navigate") return offlinePage(tag, request.referrer);
      throw error;
    }
  })());
});

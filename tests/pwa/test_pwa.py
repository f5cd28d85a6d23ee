"""Offline and install, on the server side: manifests, the service worker, bundles, the rules as data,
and the JSON endpoint a phone replays its kept self-checks to."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from kinfo.core.i18n import LANGUAGES
from kinfo.selfcheck.questions import QUESTIONS

from ..pages import english_left_in, english_runs
from ..selfcheck_helpers import CALM_ANSWERS, answers, new_key, row_count, submit


def test_each_language_has_its_own_manifest(client, language):
    response = client.get(f"/{language.url_tag}/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["lang"] == language.tag and manifest["dir"] == language.direction
    assert manifest["start_url"] == manifest["scope"] == f"/{language.url_tag}/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] and manifest["background_color"]
    sizes = {(icon.get("sizes"), icon.get("purpose", "any"), icon["type"]) for icon in manifest["icons"]}
    assert {("192x192", "any", "image/png"), ("512x512", "any", "image/png"), ("512x512", "maskable", "image/png"),
            ("any", "any", "image/svg+xml")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    page = client.get(f"/{language.url_tag}/").get_data(as_text=True)
    assert f'<link rel="manifest" href="/{language.url_tag}/manifest.webmanifest">' in page


def test_the_service_worker_is_at_the_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "const VERSION = " in response.get_data(as_text=True)


@pytest.mark.parametrize("region", ["US", "UK"])
def test_a_phone_keeps_at_most_150_kb_per_language(make_app, region):
    """The offline budget (bench/offline.py prints each figure): every page a patient needs offline, in
    their own language, with the scripts and styles, in no more than 150 KB (of 1,024 bytes) on the phone,
    for each shipped table of crisis lines and a clinic with a long name and address."""
    app = make_app(CRISIS_REGION=region, CLINIC_NAME="Riverside Ketamine Infusion and Wellness Clinic",
                   CLINIC_ADDRESS="1200 North Riverside Medical Parkway, Suite 400, Springfield",
                   PUBLIC_BASE_URL="https://patient-information.riverside-infusion-clinic.example.org")
    client, sizes = app.test_client(), {}
    for language in LANGUAGES:
        files = client.get(f"/{language.url_tag}/offline-bundle.json").json["files"]
        sizes[language.tag] = sum(item["bytes"] for item in files)
    assert max(sizes.values()) <= 150 * 1024, {tag: round(size / 1024, 1) for tag, size in sizes.items()}


def test_each_bundle_lists_every_offline_file_with_its_hash(client, language):
    bundle = client.get(f"/{language.url_tag}/offline-bundle.json").json
    urls = [item["url"] for item in bundle["files"]]
    tag = language.url_tag
    for expected in (f"/{tag}/", f"/{tag}/self-check/offline-form", f"/{tag}/self-check/result",
                     f"/{tag}/offline", f"/{tag}/self-check/rules.json"):
        assert expected in urls
    assert not any("/handout" in url for url in urls), "handouts are printed by the clinic, online"
    assert any(url.startswith("/static/css/site.") for url in urls) and any("/icon." in url for url in urls)
    assert not any(url.endswith(".png") for url in urls), "install icons are kept by the phone, not the bundle"
    for item in bundle["files"]:
        response = client.get(item["url"], headers={"Accept-Encoding": "identity"})
        assert hashlib.sha256(response.data).hexdigest() == item["sha256"], item["url"]
        assert "no-store" not in response.headers.get("Cache-Control", "")
    assert bundle["version"] in client.get("/sw.js").get_data(as_text=True)


@pytest.mark.parametrize("first_request", ["/sw.js", "/ar/offline-bundle.json"])
def test_building_the_bundles_inside_one_request_leaves_every_language_in_its_own_words(client, first_request):
    """The bundles are built by fetching every language's pages from inside whichever request comes first;
    that request's language must not leak into them, nor into what is rendered once and kept."""
    client.get(first_request, headers={"Accept-Language": "en-US"})
    for language in LANGUAGES:
        if language.tag == "en":
            continue
        for url in (f"/{language.url_tag}/", f"/{language.url_tag}/self-check/offline-form",
                    f"/{language.url_tag}/offline"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert english_left_in(response.get_data(as_text=True), language.tag) == [], url
        result = submit(client, answers(), lang=language.url_tag).get_data(as_text=True)
        assert english_left_in(result, language.tag) == [], f"{language.tag} result page"
        rules = client.get(f"/{language.url_tag}/self-check/rules.json").get_data(as_text=True)
        assert [run for run in english_runs() if run in rules] == [], f"{language.tag} rules"


def test_staff_pages_and_forms_with_tokens_are_never_in_a_bundle(client):
    urls = [item["url"] for item in client.get("/en/offline-bundle.json").json["files"]]
    assert not any(url.startswith("/staff") for url in urls)
    assert "/en/self-check" not in urls, "the real form carries a CSRF token and is no-store"
    offline_form = client.get("/en/self-check/offline-form").get_data(as_text=True)
    assert 'name="csrf_token"' not in offline_form and "public" in client.get(
        "/en/self-check/offline-form").headers["Cache-Control"]


def test_the_rules_are_the_question_table_in_the_page_language(client, translated_language):
    rules = client.get(f"/{translated_language.url_tag}/self-check/rules.json").json
    assert [q["id"] for q in rules["questions"]] == [q.id for q in QUESTIONS]
    assert [(r["parts"], r["threshold"]) for r in rules["readings"]] == [(["bp_systolic", "bp_diastolic"], [140, 90])]
    assert rules["messages"]["range"].count("%(") == 2 and "%(question)s" in rules["summary"]
    self_harm = next(q for q in rules["questions"] if q["id"] == "self_harm")
    plan = rules["flags"][self_harm["flags"]["plan"]]
    assert plan["level"] == "CRISIS" and plan["emergency_first"]
    pregnant = next(q for q in rules["questions"] if q["id"] == "pregnant")
    assert pregnant["flags"]["yes"] == pregnant["flags"]["unsure"], "one flag, kept once"
    assert rules["sections"][pregnant["section"]]["href"] == f"/{translated_language.url_tag}/#who-should-not"
    assert set(rules["answer_labels"]) == {code for q in QUESTIONS for code in q.answers}
    texts = [flag["text"] for flag in rules["flags"]]
    assert len(texts) == len(set(texts)), "no text twice"
    text = json.dumps(rules, ensure_ascii=False)
    assert [run for run in english_runs() if run in text] == []


def post_json(client, payload, **headers):
    return client.post("/en/self-check/submissions", data=json.dumps(payload),
                       headers={"Content-Type": "application/json", **headers})


def test_a_replayed_submission_is_stored_exactly_once(app, client):
    payload = {"idempotency_key": new_key(), "answers": answers(pregnant="yes"), "consent": True}
    first, second = post_json(client, payload), post_json(client, payload)
    assert first.status_code == second.status_code == 200
    assert first.json["reference"] == second.json["reference"]
    assert first.headers["Cache-Control"] == "no-store"
    assert row_count(app) == 1
    changed = post_json(client, {**payload, "answers": answers(pregnant="no")})
    assert changed.status_code == 409 and row_count(app) == 1


@pytest.mark.parametrize(("payload", "status"), [
    ({"answers": {**CALM_ANSWERS, "adult": "maybe"}, "consent": True}, 422),
    ({"answers": {**CALM_ANSWERS, "notes": "half \ud800 pair"}, "consent": True}, 422),
    ({"answers": CALM_ANSWERS, "consent": False}, 400),
    ({"answers": ["not", "a", "dict"], "consent": True}, 400),
    ({"answers": {**CALM_ANSWERS, "adult": ["yes"]}, "consent": True}, 400),
    ({"answers": {**CALM_ANSWERS, "adult": True}, "consent": True}, 400),
])
def test_a_refused_replay_gets_a_translated_reason_and_stores_nothing(app, client, payload, status):
    response = post_json(client, {"idempotency_key": new_key(), **payload})
    assert response.status_code == status
    assert response.json["error"]
    assert row_count(app) == 0


@pytest.mark.parametrize("body", [
    "[" * 3000 + "]" * 3000,  # nested deeper than the parser goes, yet under the size limit
    '{"answers": {"adult": "yes"}, "answers": {"adult": "no"}, "consent": true}',  # a repeated key
    '{"answers": ', '"\\ud800"', "",  # cut short; a lone surrogate; nothing
], ids=["nested-too-deep", "repeated-key", "cut-short", "lone-surrogate", "empty"])
def test_a_body_that_is_not_one_plain_json_object_is_refused_and_stores_nothing(app, client, body):
    response = client.post("/en/self-check/submissions", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"] == "Something was wrong with that request"
    assert row_count(app) == 0


def test_refusal_messages_are_in_the_page_language(app, client):
    response = client.post("/ar/self-check/submissions", data=json.dumps(
        {"idempotency_key": new_key(), "answers": {**CALM_ANSWERS, "adult": "maybe"}, "consent": True}),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert [run for run in english_runs() if run in json.dumps(response.json, ensure_ascii=False)] == []


def test_replays_must_be_same_origin_json_but_never_need_a_fresh_token(app, client):
    payload = {"idempotency_key": new_key(), "answers": CALM_ANSWERS, "consent": True}
    assert post_json(client, payload, Origin="https://evil.example").status_code == 403
    assert post_json(client, payload, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    form_encoded = client.post("/en/self-check/submissions", data={"answers": "x"})
    assert form_encoded.status_code == 415
    assert row_count(app) == 0
    assert post_json(client, payload, Origin="http://localhost").status_code == 200, "no CSRF token needed"


def test_the_scripts_take_every_route_from_the_server(app, client):
    """The service worker and the page script spell no path of their own: a route that moves on the server
    moves for them too."""
    worker = client.get("/sw.js").get_data(as_text=True)
    page_script = (Path(app.root_path).parent / "static/js/pwa/offline.js").read_text()
    worker_code = worker.split("const ROUTES = ", 1)[1].split("\n", 1)[1]  # after the routes it is given
    for name, script in (("sw.js", worker_code), ("offline.js", page_script)):
        literals = re.findall(r"""["'](/[^"']*)["']""", script)
        assert set(literals) <= {"/"}, f"{name} spells paths: {literals}"  # "/": the worker's scope
    panel = client.get("/ar/").get_data(as_text=True)
    assert "data-routes=" in panel and "/__lang__/self-check/submissions" in panel.replace("&#34;", '"')

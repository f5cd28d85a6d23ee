"""kinfo: plain-language, multilingual information about ketamine infusion therapy."""

from __future__ import annotations

import os

from flask import Flask

from .config import PROJECT_ROOT, TEMPLATES_DIR


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, languages, security headers, blueprints, error pages and commands.

    ``instance_path`` (default ``KINFO_INSTANCE_PATH`` or ``instance/`` in the project) holds the local
    secret key, database and other files that belong to one installation.
    """
    app = Flask(
        __name__,
        instance_path=instance_path or os.environ.get("KINFO_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=None,  # static files are served with content-hashed URLs by kinfo.assets
    )

    from flask_wtf.csrf import CSRFProtect, generate_csrf

    from . import (
        article,
        assets,
        cli,
        config,
        content,
        db,
        encryption,
        errors,
        fragments,
        handout,
        i18n,
        languages,
        pagecache,
        pwa,
        security,
        selfcheck,
        staff,
    )

    config.load(app, test_config)
    # Extraction (babel.cfg) and rendering agree: {% trans %} blocks are trimmed the same way in both.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.add_extension("jinja2.ext.i18n")
    i18n.init_app(app)
    fragments.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    content.init_app(app)
    app.register_blueprint(languages.bp)
    app.register_blueprint(article.bp)
    db.init_app(app)
    encryption.init_app(app)
    selfcheck.init_app(app)
    handout.init_app(app)
    pwa.init_app(app)
    staff.init_app(app)
    # Every POST is CSRF-checked; the self-check and the login page check their own token so that a stale
    # one re-renders the page with the person's input kept instead of a bare error. Two self-check posts
    # carry none, each for its stated reason: "start again" (selfcheck.start_again) and a phone's JSON
    # replay (selfcheck.submit_json).
    csrf = CSRFProtect(app)
    csrf.exempt(selfcheck.bp)
    csrf.exempt(staff.login)
    app.jinja_env.globals["csrf_token"] = generate_csrf
    errors.init_app(app)
    cli.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    if app.config["PAGE_CACHE"]:
        app.wsgi_app = app.extensions["kinfo_page_cache"] = pagecache.PageCache(app.wsgi_app)
    return app

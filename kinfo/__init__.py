"""kinfo: plain-language, multilingual information about ketamine infusion therapy."""

from __future__ import annotations

import os

from flask import Flask

from .core.config import PROJECT_ROOT, TEMPLATES_DIR


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
        static_folder=None,  # static files are served with content-hashed URLs by kinfo.core.assets
    )

    from . import cli, public, pwa, selfcheck, staff
    from .core import (
        assets,
        compression,
        config,
        content,
        csrf,
        db,
        encryption,
        errors,
        i18n,
        limits,
        pagecache,
        proxies,
        schema,
        security,
    )

    config.load(app, test_config)
    # Extraction (babel.cfg) and rendering agree: {% trans %} blocks are trimmed the same way in both.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.add_extension("jinja2.ext.i18n")
    i18n.init_app(app)
    security.init_app(app)
    proxies.init_app(app)
    assets.init_app(app)
    content.init_app(app)
    db.init_app(app)
    encryption.init_app(app)
    schema.on_start(app)  # migrates here only where a server starts (see kinfo.core.schema)
    limits.init_app(app)
    public.init_app(app)
    selfcheck.init_app(app)
    pwa.init_app(app)
    staff.init_app(app)
    csrf.init_app(app)  # after every blueprint: it checks each POST route against its list of exemptions
    errors.init_app(app)
    cli.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    if app.config["PAGE_CACHE"]:
        app.wsgi_app = app.extensions["kinfo_page_cache"] = pagecache.PageCache(app.wsgi_app)
    # Outermost: whatever the page cache did not compress already, except staff pages (BREACH).
    app.wsgi_app = compression.Compression(app.wsgi_app, never_under=(staff.bp.url_prefix,))
    return app

"""Flask commands: ``flask translate …`` (catalogs), ``flask db upgrade`` (the schema), ``flask submissions …``
(stored self-checks) and ``flask staff …`` (accounts)."""

from __future__ import annotations

import functools

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .core import catalogs, schema
from .core.config import ConfigurationError
from .core.i18n import BY_URL_TAG


def uses_the_database(command):
    """A command that reads or writes the database: it first checks that the schema is the newest and the
    key reads the data. It never migrates (a daily purge must not change the schema under a running site
    whose code is older): on an older schema it stops and says how to migrate."""

    @functools.wraps(command)
    def checked(*args, **kwargs):
        try:
            schema.prepare(current_app._get_current_object(), may_migrate=False)
        except ConfigurationError as error:
            raise click.ClickException(str(error)) from error
        return command(*args, **kwargs)

    return checked

translate = AppGroup("translate", help="Work with the gettext catalogs (see translations/README.md).")


@translate.command("extract")
def extract_command() -> None:
    """Collect every translatable message into translations/messages.pot."""
    catalogs.extract()
    click.echo(f"wrote {catalogs.POT.relative_to(catalogs.PROJECT_ROOT)}")


@translate.command("init")
@click.argument("tag")
def init_command(tag: str) -> None:
    """Start the catalog of a language that is in the registry (kinfo/core/i18n.py)."""
    language = BY_URL_TAG.get(tag.lower())
    if language is None:
        raise click.BadParameter(f"{tag!r} is not in the language registry (kinfo/core/i18n.py)", param_hint="TAG")
    catalogs.init(language)


@translate.command("update")
def update_command() -> None:
    """Extract, then merge the new messages into every language's catalog."""
    catalogs.extract()
    catalogs.update()


@translate.command("compile")
def compile_command() -> None:
    """Build the .mo files the site reads (fuzzy entries are left out)."""
    catalogs.compile_all()


@translate.command("check")
@click.option("--language", "tag", help="Check only this language's catalog (for a translator at work).")
def check_command(tag: str | None) -> None:
    """Fail when the .pot is stale or any shipped language is incomplete, fuzzy or broken."""
    if tag:
        language = BY_URL_TAG.get(tag.lower())
        if language is None:
            raise click.BadParameter(f"{tag!r} is not in the language registry", param_hint="--language")
        problems = catalogs.language_problems(language)
    else:
        problems = catalogs.check()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s): these catalogs must not ship")
    click.echo("catalogs complete: every shipped language is translated, none fuzzy, placeholders match")


database_cli = AppGroup("db", help="The database schema.")


@database_cli.command("upgrade")
def upgrade_command() -> None:
    """Migrate the database to the newest schema (and create it on first use). The server does this itself
    as it starts and on reload; this is for doing it by hand."""
    app = current_app._get_current_object()
    before = schema.current_revision(app)
    try:
        schema.prepare(app, may_migrate=True)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    after = schema.current_revision(app)
    click.echo(f"schema at {after}" + (f" (was {before or 'empty'})" if before != after else ", nothing to do"))


submissions_cli = AppGroup("submissions", help="Stored self-checks.")


@submissions_cli.command("rotate-key")
@uses_the_database
def rotate_key_command() -> None:
    """Re-encrypt every stored submission with the newest key.

    With the default instance key file, a new key is added first and the old ones kept (restart the site
    so it writes with the new key). With KINFO_ENCRYPTION_KEYS, put the new key first in that list yourself
    and restart the site, run this, then drop the old key and restart again.
    """
    from .core import encryption

    app = current_app._get_current_object()
    if not app.config.get("ENCRYPTION_KEYS"):
        encryption.add_new_key_to_instance_file(app)
        encryption.init_app(app)  # reload with the new key first
    count = encryption.rotate(app)
    click.echo(f"re-encrypted {count} submission(s) with the newest key")


@submissions_cli.command("purge")
@click.option("--older-than", "days", type=int, default=None, help="Days to keep (default: the retention setting).")
@uses_the_database
def purge_command(days: int | None) -> None:
    """Delete self-checks older than the retention period (default 30 days). Run daily (see README)."""
    from .staff import retention

    keep = days if days is not None else current_app.config["SUBMISSION_RETENTION_DAYS"]
    if keep < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--older-than")
    click.echo(f"purged {retention.purge(keep)} self-check(s) older than {keep} days")


staff_cli = AppGroup("staff", help="Staff accounts. There is never a default account.")


def _password(confirm: bool = True) -> str:
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@staff_cli.command("create")
@click.argument("email")
@click.option("--language", default="en", help="Language of the staff pages for this account.")
@uses_the_database
def staff_create(email: str, language: str) -> None:
    """Create a staff account (asks for a password of 12 to 256 characters)."""
    from .staff import accounts

    if language.lower() not in BY_URL_TAG:
        raise click.BadParameter(f"{language!r} is not a shipped language", param_hint="--language")
    try:
        accounts.create(email, _password(), language.lower())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {accounts.normalise_email(email)}")


@staff_cli.command("set-password")
@click.argument("email")
@uses_the_database
def staff_set_password(email: str) -> None:
    """Set a new password; every session of the account ends."""
    from .staff import accounts

    try:
        accounts.set_password(email, _password())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo("password changed; existing sessions ended")


@staff_cli.command("deactivate")
@click.argument("email")
@uses_the_database
def staff_deactivate(email: str) -> None:
    """Stop an account from signing in; its sessions end now."""
    from .staff import accounts

    try:
        accounts.deactivate(email)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo("account deactivated; existing sessions ended")


@click.command("check")
@with_appcontext
def launch_check_command() -> None:
    """The launch checklist: run it before launch and after every change of settings (non-zero on a blocker)."""
    from flask import current_app

    from . import preflight

    marks = {"ok": "OK     ", "warn": "WARN   ", "block": "BLOCKER"}
    findings = preflight.run(current_app._get_current_object())
    for finding in findings:
        click.echo(f"{marks[finding.level]} {finding.text}")
    blockers = sum(finding.level == "block" for finding in findings)
    if blockers:
        raise click.ClickException(f"{blockers} blocker(s): fix them before patients use this site")
    click.echo("ready: no blockers")


def init_app(app) -> None:
    """Register the command groups."""
    app.cli.add_command(launch_check_command)
    app.cli.add_command(translate)
    app.cli.add_command(database_cli)
    app.cli.add_command(submissions_cli)
    app.cli.add_command(staff_cli)

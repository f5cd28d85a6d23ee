"""Follow-up on each self-check: a status (new, reviewed, contacted), who changed it last and when, and an
optional encrypted staff note. And the alert outbox, filled by a trigger on the submission insert.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every self-check already stored starts as "new": nobody has marked it yet.
    op.add_column("submission", sa.Column("status", sa.String(10), server_default="new", nullable=False))
    op.add_column("submission", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("submission", sa.Column("status_changed_by", sa.String(254), nullable=True))
    op.add_column("submission", sa.Column("staff_note", sa.LargeBinary(), nullable=True))
    op.create_index("ix_submission_status", "submission", ["status"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alert_outbox_sent_at", "alert_outbox", ["sent_at"])
    # The outbox row is written by the database in the same statement as the self-check: only a row that was
    # really inserted fires it (INSERT … ON CONFLICT DO NOTHING on a replay inserts none), and no code path
    # can store a self-check and forget the alert, or race another worker between two statements.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER submission_alert AFTER INSERT ON submission BEGIN "
                   "INSERT INTO alert_outbox (created_at, urgent, attempts) "
                   "VALUES (NEW.created_at, NEW.urgency = 'crisis', 0); END")
    else:
        op.execute("CREATE FUNCTION submission_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "INSERT INTO alert_outbox (created_at, urgent, attempts) "
                   "VALUES (NEW.created_at, NEW.urgency = 'crisis', 0); RETURN NULL; END $$")
        op.execute("CREATE TRIGGER submission_alert AFTER INSERT ON submission FOR EACH ROW "
                   "EXECUTE FUNCTION submission_alert()")


def downgrade() -> None:
    op.execute("DROP TRIGGER submission_alert" + ("" if op.get_bind().dialect.name == "sqlite" else " ON submission"))
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION submission_alert()")
    op.drop_table("alert_outbox")
    with op.batch_alter_table("submission") as batch:
        batch.drop_index("ix_submission_status")
        batch.drop_column("staff_note")
        batch.drop_column("status_changed_by")
        batch.drop_column("status_changed_at")
        batch.drop_column("status")

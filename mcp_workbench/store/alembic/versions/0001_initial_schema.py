"""initial schema

Revision ID: 0001
Revises: -
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the state tables, the event log and full-text search over notes."""
    op.create_table(
        "boards",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_events_entity", "events", ["entity", "entity_id"])
    op.create_index("ix_events_kind", "events", ["kind"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_entity", "feedback", ["entity", "entity_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("frontmatter", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path"),
    )
    op.create_table(
        "prompts",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("latest", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "lanes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("board_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lanes_board_id", "lanes", ["board_id"])
    op.create_table(
        "prompt_labels",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["name"],
            ["prompts.name"],
        ),
        sa.PrimaryKeyConstraint("name", "label"),
    )
    op.create_table(
        "prompt_versions",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["name"],
            ["prompts.name"],
        ),
        sa.PrimaryKeyConstraint("name", "version"),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("board_id", sa.String(), nullable=False),
        sa.Column("lane_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("due", sa.String(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lane_id"],
            ["lanes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cards_board_id", "cards", ["board_id"])
    op.create_index("ix_cards_lane_id", "cards", ["lane_id"])
    _create_search()


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    _drop_search()
    op.drop_index("ix_cards_lane_id", table_name="cards")
    op.drop_index("ix_cards_board_id", table_name="cards")
    op.drop_table("cards")
    op.drop_table("prompt_versions")
    op.drop_table("prompt_labels")
    op.drop_index("ix_lanes_board_id", table_name="lanes")
    op.drop_table("lanes")
    op.drop_table("prompts")
    op.drop_table("notes")
    op.drop_index("ix_feedback_entity", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_events_kind", table_name="events")
    op.drop_index("ix_events_entity", table_name="events")
    op.drop_table("events")
    op.drop_table("boards")


_SQLITE_TAGS = "(SELECT coalesce(group_concat(value, ' '), '') FROM json_each({row}.tags))"


def _create_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # External-content FTS5 over notes, kept in step by triggers inside each write.
        op.execute(
            "CREATE VIRTUAL TABLE notes_fts USING fts5("
            "title, body, tags, content='notes', content_rowid='rowid', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        new_tags = _SQLITE_TAGS.format(row="new")
        old_tags = _SQLITE_TAGS.format(row="old")
        insert = (
            "INSERT INTO notes_fts(rowid, title, body, tags) "
            f"VALUES (new.rowid, new.title, new.body, {new_tags});"
        )
        delete = (
            "INSERT INTO notes_fts(notes_fts, rowid, title, body, tags) "
            f"VALUES ('delete', old.rowid, old.title, old.body, {old_tags});"
        )
        op.execute(f"CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN {delete} END")
        op.execute(
            f"CREATE TRIGGER notes_fts_update AFTER UPDATE ON notes BEGIN {delete} {insert} END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE notes ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('simple', coalesce(tags::text, '')), 'B') || "
            "setweight(to_tsvector('simple', coalesce(body, '')), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_notes_search ON notes USING GIN (search)")


def _drop_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("notes_fts_insert", "notes_fts_delete", "notes_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS notes_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_notes_search")
        op.execute("ALTER TABLE notes DROP COLUMN IF EXISTS search")

"""vault sync state

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the vault sync tables: a base per synced file, and vault ids for store keys."""
    op.create_table(
        "vault_bases",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("file_hash", sa.String(), nullable=True),
        sa.Column("conflict_path", sa.String(), nullable=True),
        sa.Column("conflict_hash", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "entity_id"),
    )
    op.create_table(
        "vault_keys",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "entity_id"),
    )
    op.create_index("ix_vault_keys_key", "vault_keys", ["kind", "key"], unique=True)


def downgrade() -> None:
    """Drop the vault sync tables."""
    op.drop_index("ix_vault_keys_key", table_name="vault_keys")
    op.drop_table("vault_keys")
    op.drop_table("vault_bases")

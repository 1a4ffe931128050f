"""the catalog journal's projection

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The items servers registered from code, per node, as their journal recorded them."""
    op.create_table(
        "catalog_items",
        sa.Column("node", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("descriptor", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("node", "kind", "key"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("catalog_items")

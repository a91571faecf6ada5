"""Registered remote AEs (`pypacs ae add`), with what each may do here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_ae",
        sa.Column("title", sa.String(16), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("may_store", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("may_query", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("may_retrieve", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("title"),
    )


def downgrade() -> None:
    op.drop_table("remote_ae")

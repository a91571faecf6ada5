"""Each patient, study and series row also keeps its attributes as {tag: DICOM text} (dicom.element_texts), from
which large C-FIND answers are encoded quickly; existing rows are filled in from their DICOM JSON.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

from pypacs.dicom.element_texts import attribute_texts_json

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("patient", "study", "series")
BATCH = 1000


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("attribute_texts", sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("pk", sa.Integer), sa.column("attributes", sa.Text),
                         sa.column("attribute_texts", sa.Text))  # fmt: skip
        last = 0
        while True:
            rows = connection.execute(
                sa.select(table.c.pk, table.c.attributes).where(table.c.pk > last).order_by(table.c.pk).limit(BATCH)
            ).all()
            if not rows:
                break
            connection.execute(
                sa.update(table).where(table.c.pk == sa.bindparam("row_pk")),
                [{"row_pk": pk, "attribute_texts": _texts(text)} for pk, text in rows],
            )
            last = rows[-1].pk


def _texts(attributes: str) -> str:
    return attribute_texts_json(json.loads(attributes or "{}"))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("attribute_texts")

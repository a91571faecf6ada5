"""Initial schema: patient, study, series, instance, instance metadata and indexed sequence values.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 01:47:33.341361
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "patient",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Text(), server_default="", nullable=False),
        sa.Column("issuer_of_patient_id", sa.Text(), server_default="", nullable=False),
        sa.Column("patient_name", sa.Text(), server_default="", nullable=False),
        sa.Column("patient_name_search", sa.Text(), server_default="", nullable=False),
        sa.Column("patient_birth_date", sa.Text(), server_default="", nullable=False),
        sa.Column("patient_birth_time", sa.Text(), server_default="", nullable=False),
        sa.Column("patient_sex", sa.Text(), server_default="", nullable=False),
        sa.Column("num_studies", sa.Integer(), server_default="0", nullable=False),
        sa.Column("num_series", sa.Integer(), server_default="0", nullable=False),
        sa.Column("num_instances", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attributes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("patient_id", "issuer_of_patient_id", name="uq_patient_identity"),
    )
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index("ix_patient_birth_date", ["patient_birth_date"], unique=False)
        batch_op.create_index("ix_patient_name_search", ["patient_name_search"], unique=False)

    op.create_table(
        "sequence_value",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("owner_fk", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.String(length=64), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    with op.batch_alter_table("sequence_value", schema=None) as batch_op:
        batch_op.create_index("ix_sequence_value_match", ["level", "sequence", "keyword", "value"], unique=False)
        batch_op.create_index("ix_sequence_value_owner", ["level", "owner_fk"], unique=False)

    op.create_table(
        "study",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("patient_fk", sa.Integer(), nullable=False),
        sa.Column("study_instance_uid", sa.String(length=64), nullable=False),
        sa.Column("study_date", sa.Text(), server_default="", nullable=False),
        sa.Column("study_time", sa.Text(), server_default="", nullable=False),
        sa.Column("accession_number", sa.Text(), server_default="", nullable=False),
        sa.Column("study_id", sa.Text(), server_default="", nullable=False),
        sa.Column("referring_physician_name", sa.Text(), server_default="", nullable=False),
        sa.Column("referring_physician_name_search", sa.Text(), server_default="", nullable=False),
        sa.Column("study_description", sa.Text(), server_default="", nullable=False),
        sa.Column("modalities_in_study", sa.Text(), server_default="", nullable=False),
        sa.Column("specific_character_set", sa.Text(), server_default="", nullable=False),
        sa.Column("num_series", sa.Integer(), server_default="0", nullable=False),
        sa.Column("num_instances", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attributes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["patient_fk"], ["patient.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("study_instance_uid"),
    )
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.create_index("ix_study_accession", ["accession_number"], unique=False)
        batch_op.create_index("ix_study_created", ["created_at"], unique=False)
        batch_op.create_index("ix_study_date_time", ["study_date", "study_time"], unique=False)
        batch_op.create_index("ix_study_patient", ["patient_fk"], unique=False)

    op.create_table(
        "series",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("study_fk", sa.Integer(), nullable=False),
        sa.Column("series_instance_uid", sa.String(length=64), nullable=False),
        sa.Column("modality", sa.Text(), server_default="", nullable=False),
        sa.Column("series_number", sa.Integer(), nullable=True),
        sa.Column("series_description", sa.Text(), server_default="", nullable=False),
        sa.Column("series_date", sa.Text(), server_default="", nullable=False),
        sa.Column("series_time", sa.Text(), server_default="", nullable=False),
        sa.Column("body_part_examined", sa.Text(), server_default="", nullable=False),
        sa.Column("pps_start_date", sa.Text(), server_default="", nullable=False),
        sa.Column("pps_start_time", sa.Text(), server_default="", nullable=False),
        sa.Column("station_name", sa.Text(), server_default="", nullable=False),
        sa.Column("institution_name", sa.Text(), server_default="", nullable=False),
        sa.Column("num_instances", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attributes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["study_fk"], ["study.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("series_instance_uid"),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index("ix_series_modality_study", ["modality", "study_fk"], unique=False)
        batch_op.create_index("ix_series_study", ["study_fk", "series_number"], unique=False)

    op.create_table(
        "instance",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("series_fk", sa.Integer(), nullable=False),
        sa.Column("study_fk", sa.Integer(), nullable=False),
        sa.Column("sop_instance_uid", sa.String(length=64), nullable=False),
        sa.Column("sop_class_uid", sa.String(length=64), nullable=False),
        sa.Column("instance_number", sa.Integer(), nullable=True),
        sa.Column("content_date", sa.Text(), server_default="", nullable=False),
        sa.Column("content_time", sa.Text(), server_default="", nullable=False),
        sa.Column("acquisition_number", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("columns", sa.Integer(), nullable=True),
        sa.Column("number_of_frames", sa.Integer(), nullable=True),
        sa.Column("transfer_syntax_uid", sa.String(length=64), nullable=False),
        sa.Column("specific_character_set", sa.Text(), server_default="", nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source_ae", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["series_fk"], ["series.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_fk"], ["study.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("blob_key"),
        sa.UniqueConstraint("sop_instance_uid"),
    )
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.create_index("ix_instance_series", ["series_fk", "instance_number"], unique=False)
        batch_op.create_index("ix_instance_study_class", ["study_fk", "sop_class_uid"], unique=False)

    op.create_table(
        "instance_metadata",
        sa.Column("instance_fk", sa.Integer(), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["instance_fk"], ["instance.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_fk"),
    )


def downgrade() -> None:

    op.drop_table("instance_metadata")
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_index("ix_instance_study_class")
        batch_op.drop_index("ix_instance_series")

    op.drop_table("instance")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index("ix_series_study")
        batch_op.drop_index("ix_series_modality_study")

    op.drop_table("series")
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_index("ix_study_patient")
        batch_op.drop_index("ix_study_date_time")
        batch_op.drop_index("ix_study_created")
        batch_op.drop_index("ix_study_accession")

    op.drop_table("study")
    with op.batch_alter_table("sequence_value", schema=None) as batch_op:
        batch_op.drop_index("ix_sequence_value_owner")
        batch_op.drop_index("ix_sequence_value_match")

    op.drop_table("sequence_value")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_name_search")
        batch_op.drop_index("ix_patient_birth_date")

    op.drop_table("patient")

"""Victims' Code compliance: victims' care records, needs assessments, choices, obligations.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "victim_care",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("crime_event_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_victim_care_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["crime_event_id"],
            ["events.id"],
            name=op.f("fk_victim_care_crime_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_victim_care_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_care")),
        sa.UniqueConstraint("case_id", name=op.f("uq_victim_care_case_id")),
        sa.UniqueConstraint("person_id", "crime_event_id", name=op.f("uq_victim_care_person_id")),
    )
    with op.batch_alter_table("victim_care", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_victim_care_crime_event_id"), ["crime_event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_victim_care_person_id"), ["person_id"], unique=False)

    op.create_table(
        "victim_choices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("care_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("right", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("frequency_days", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_victim_choices_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["care_id"],
            ["victim_care.id"],
            name=op.f("fk_victim_choices_care_id_victim_care"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_choices")),
    )
    with op.batch_alter_table("victim_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victim_choices_care_id"), ["care_id"], unique=False)

    op.create_table(
        "victim_needs_assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("care_id", sa.String(length=36), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("assessor_id", sa.String(length=36), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_victim_needs_assessments_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["care_id"],
            ["victim_care.id"],
            name=op.f("fk_victim_needs_assessments_care_id_victim_care"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_needs_assessments")),
    )
    with op.batch_alter_table("victim_needs_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_victim_needs_assessments_care_id"), ["care_id"], unique=False
        )

    op.create_table(
        "victim_obligations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("care_id", sa.String(length=36), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("right", sa.Integer(), nullable=False),
        sa.Column("duty_agency_id", sa.String(length=36), nullable=False),
        sa.Column("trigger_event_id", sa.String(length=36), nullable=True),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enhanced", sa.Boolean(), nullable=False),
        sa.Column("limit_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_month", sa.String(length=7), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_event_id", sa.String(length=36), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=30), nullable=True),
        sa.Column("unable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unable_reason", sa.String(length=200), nullable=True),
        sa.Column("not_applicable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_applicable_reason", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_id"],
            ["victim_care.id"],
            name=op.f("fk_victim_obligations_care_id_victim_care"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duty_agency_id"],
            ["agencies.id"],
            name=op.f("fk_victim_obligations_duty_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["met_event_id"],
            ["events.id"],
            name=op.f("fk_victim_obligations_met_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_event_id"],
            ["events.id"],
            name=op.f("fk_victim_obligations_trigger_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_obligations")),
        sa.UniqueConstraint(
            "care_id",
            "rules_version",
            "rule_id",
            "trigger_event_id",
            name=op.f("uq_victim_obligations_care_id"),
        ),
    )
    with op.batch_alter_table("victim_obligations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_victim_obligations_care_id"), ["care_id"], unique=False
        )
        batch_op.create_index(
            "ix_victim_obligations_dashboard",
            [
                "due_month",
                "right",
                "duty_agency_id",
                "due_at",
                "met_at",
                "stopped_at",
                "unable_at",
                "withdrawn_at",
                "not_applicable_at",
            ],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_victim_obligations_duty_agency_id"), ["duty_agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_victim_obligations_trigger_event_id"), ["trigger_event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("victim_obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_obligations_trigger_event_id"))
        batch_op.drop_index(batch_op.f("ix_victim_obligations_duty_agency_id"))
        batch_op.drop_index("ix_victim_obligations_dashboard")
        batch_op.drop_index(batch_op.f("ix_victim_obligations_care_id"))

    op.drop_table("victim_obligations")
    with op.batch_alter_table("victim_needs_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_needs_assessments_care_id"))

    op.drop_table("victim_needs_assessments")
    with op.batch_alter_table("victim_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_choices_care_id"))

    op.drop_table("victim_choices")
    with op.batch_alter_table("victim_care", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_care_person_id"))
        batch_op.drop_index(batch_op.f("ix_victim_care_crime_event_id"))

    op.drop_table("victim_care")

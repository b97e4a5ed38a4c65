"""Early intervention (status periods, referrals) and ASB case review applications.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ei_status_periods",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_ei_status_periods_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_ei_status_periods_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_ei_status_periods_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ei_status_periods")),
    )
    with op.batch_alter_table("ei_status_periods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ei_status_periods_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ei_status_periods_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "asb_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("local_area", sa.String(length=100), nullable=False),
        sa.Column("procedure_version", sa.String(length=20), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=True),
        sa.Column("victim_id", sa.String(length=36), nullable=True),
        sa.Column("applicant_role", sa.String(length=30), nullable=False),
        sa.Column("victim_type", sa.String(length=20), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("threshold_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("threshold_met", sa.Boolean(), nullable=True),
        sa.Column("threshold_rule", sa.String(length=40), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("meeting_held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_upheld", sa.Boolean(), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["people.id"],
            name=op.f("fk_asb_applications_applicant_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_asb_applications_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_asb_applications_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"],
            ["people.id"],
            name=op.f("fk_asb_applications_victim_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asb_applications")),
        sa.UniqueConstraint("case_id", name=op.f("uq_asb_applications_case_id")),
    )
    with op.batch_alter_table("asb_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_asb_applications_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_asb_applications_local_area"), ["local_area"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_asb_applications_victim_id"), ["victim_id"], unique=False
        )

    op.create_table(
        "ei_referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("qualifying_event_id", sa.String(length=36), nullable=True),
        sa.Column("qualifying_rule", sa.String(length=40), nullable=False),
        sa.Column("rules_version", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("support_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("support_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_ei_referrals_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_ei_referrals_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["qualifying_event_id"],
            ["events.id"],
            name=op.f("fk_ei_referrals_qualifying_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ei_referrals")),
        sa.UniqueConstraint("case_id", name=op.f("uq_ei_referrals_case_id")),
    )
    with op.batch_alter_table("ei_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ei_referrals_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ei_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ei_referrals_person_id"))

    op.drop_table("ei_referrals")
    with op.batch_alter_table("asb_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asb_applications_victim_id"))
        batch_op.drop_index(batch_op.f("ix_asb_applications_local_area"))
        batch_op.drop_index(batch_op.f("ix_asb_applications_applicant_id"))

    op.drop_table("asb_applications")
    with op.batch_alter_table("ei_status_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ei_status_periods_person_id"))
        batch_op.drop_index(batch_op.f("ix_ei_status_periods_agency_id"))

    op.drop_table("ei_status_periods")

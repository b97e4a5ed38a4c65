"""Integrated Offender Management: journeys, reviews, allocations, needs, nomination decisions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iom_allocations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("from_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_iom_allocations_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_iom_allocations_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_iom_allocations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iom_allocations")),
    )
    with op.batch_alter_table("iom_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iom_allocations_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_iom_allocations_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iom_allocations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "iom_needs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("pathway", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_iom_needs_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_iom_needs_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iom_needs")),
    )
    with op.batch_alter_table("iom_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iom_needs_case_id"), ["case_id"], unique=False)

    op.create_table(
        "iom_nomination_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("harm_table", sa.String(length=120), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("harm", sa.Float(), nullable=False),
        sa.Column("offences", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_iom_nomination_decisions_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_iom_nomination_decisions_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_iom_nomination_decisions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_iom_nomination_decisions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iom_nomination_decisions")),
    )
    with op.batch_alter_table("iom_nomination_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iom_nomination_decisions_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "iom_records",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referring_agency_id", sa.String(length=36), nullable=False),
        sa.Column("referral_reason", sa.Text(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_summary", sa.Text(), nullable=True),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cohort", sa.String(length=20), nullable=True),
        sa.Column("selection_reason", sa.Text(), nullable=True),
        sa.Column("selected_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("first_review_on", sa.Date(), nullable=True),
        sa.Column("deselected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deselection_reason", sa.String(length=40), nullable=True),
        sa.Column("deselection_note", sa.Text(), nullable=True),
        sa.Column("rules_version", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_iom_records_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["referring_agency_id"],
            ["agencies.id"],
            name=op.f("fk_iom_records_referring_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["selected_by_user_id"],
            ["users.id"],
            name=op.f("fk_iom_records_selected_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_iom_records")),
    )
    with op.batch_alter_table("iom_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iom_records_selected_at"), ["selected_at"], unique=False
        )

    op.create_table(
        "iom_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_iom_reviews_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_iom_reviews_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_iom_reviews_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iom_reviews")),
    )
    with op.batch_alter_table("iom_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iom_reviews_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("iom_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iom_reviews_case_id"))

    op.drop_table("iom_reviews")
    with op.batch_alter_table("iom_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iom_records_selected_at"))

    op.drop_table("iom_records")
    with op.batch_alter_table("iom_nomination_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iom_nomination_decisions_person_id"))

    op.drop_table("iom_nomination_decisions")
    with op.batch_alter_table("iom_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iom_needs_case_id"))

    op.drop_table("iom_needs")
    with op.batch_alter_table("iom_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iom_allocations_user_id"))
        batch_op.drop_index(batch_op.f("ix_iom_allocations_case_id"))
        batch_op.drop_index(batch_op.f("ix_iom_allocations_agency_id"))

    op.drop_table("iom_allocations")

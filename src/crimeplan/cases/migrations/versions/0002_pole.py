"""People's identifiers, aliases, addresses and relations; places; events; cases, tasks, notes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("lsoa11_code", sa.String(length=9), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_locations_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_locations_lsoa11_code"), ["lsoa11_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_locations_postcode"), ["postcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_locations_uprn"), ["uprn"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sensitivity", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("retention_group", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_cases_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_cases_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_programme"), ["programme"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("sensitivity", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_events_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_events_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["events.id"], name=op.f("fk_events_parent_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_reference"), ["reference"], unique=False)

    op.create_table(
        "person_addresses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_person_addresses_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_addresses_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_addresses")),
    )
    with op.batch_alter_table("person_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_addresses_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_addresses_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "person_aliases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_aliases_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_aliases")),
    )
    with op.batch_alter_table("person_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_aliases_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "person_relations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("other_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["people.id"],
            name=op.f("fk_person_relations_other_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_relations_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_relations")),
        sa.UniqueConstraint(
            "person_id", "other_id", "kind", name=op.f("uq_person_relations_person_id")
        ),
    )
    with op.batch_alter_table("person_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_relations_other_id"), ["other_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_relations_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "case_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("author_user_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sensitivity", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_notes_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_case_notes_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_shares",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_shares_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_shares_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_shares")),
        sa.UniqueConstraint("case_id", "agency_id", name=op.f("uq_case_shares_case_id")),
    )
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_shares_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_shares_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_agency_id", sa.String(length=36), nullable=False),
        sa.Column("owner_user_id", sa.String(length=36), nullable=True),
        sa.Column("pathway", sa.String(length=40), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_case_tasks_owner_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_case_tasks_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tasks")),
    )
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_tasks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_tasks_owner_agency_id"), ["owner_agency_id"], unique=False
        )

    op.create_table(
        "event_participants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_participants_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_event_participants_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participants")),
        sa.UniqueConstraint(
            "event_id", "person_id", "role", name=op.f("uq_event_participants_event_id")
        ),
    )
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_participants_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_participants_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sex", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("cro_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("probation_crn", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("nhs_number", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("prison_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("local_reference", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_pnc_id"), ["pnc_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_people_probation_crn"), ["probation_crn"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_probation_crn"))
        batch_op.drop_index(batch_op.f("ix_people_pnc_id"))
        batch_op.drop_column("local_reference")
        batch_op.drop_column("prison_number")
        batch_op.drop_column("nhs_number")
        batch_op.drop_column("probation_crn")
        batch_op.drop_column("cro_number")
        batch_op.drop_column("sex")

    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participants_person_id"))
        batch_op.drop_index(batch_op.f("ix_event_participants_event_id"))

    op.drop_table("event_participants")
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_tasks_owner_agency_id"))
        batch_op.drop_index(batch_op.f("ix_case_tasks_case_id"))

    op.drop_table("case_tasks")
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_shares_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_shares_agency_id"))

    op.drop_table("case_shares")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_notes_agency_id"))

    op.drop_table("case_notes")
    with op.batch_alter_table("person_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_relations_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_relations_other_id"))

    op.drop_table("person_relations")
    with op.batch_alter_table("person_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_aliases_person_id"))

    op.drop_table("person_aliases")
    with op.batch_alter_table("person_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_addresses_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_addresses_location_id"))

    op.drop_table("person_addresses")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_reference"))
        batch_op.drop_index(batch_op.f("ix_events_parent_id"))
        batch_op.drop_index(batch_op.f("ix_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_events_location_id"))
        batch_op.drop_index(batch_op.f("ix_events_kind"))
        batch_op.drop_index(batch_op.f("ix_events_agency_id"))

    op.drop_table("events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_programme"))
        batch_op.drop_index(batch_op.f("ix_cases_person_id"))
        batch_op.drop_index(batch_op.f("ix_cases_agency_id"))

    op.drop_table("cases")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_uprn"))
        batch_op.drop_index(batch_op.f("ix_locations_postcode"))
        batch_op.drop_index(batch_op.f("ix_locations_lsoa11_code"))
        batch_op.drop_index(batch_op.f("ix_locations_agency_id"))

    op.drop_table("locations")

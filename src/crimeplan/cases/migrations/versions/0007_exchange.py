"""The exchange (issue #14): the outbox and its counter, webhook subscriptions and
deliveries; peers followed, the inbox of received events and the copies they brought.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_copies",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("source", "subject", name=op.f("pk_exchange_copies")),
    )
    op.create_table(
        "exchange_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_head")),
    )
    op.create_table(
        "exchange_outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_exchange_outbox_id")),
        sa.UniqueConstraint("subject", "sequence", name=op.f("uq_exchange_outbox_subject")),
    )
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_outbox_type"), ["type"], unique=False)
    op.bulk_insert(
        sa.table(
            "exchange_head", sa.column("id", sa.Integer), sa.column("last_seq", sa.BigInteger)
        ),
        [{"id": 1, "last_seq": 0}],
    )

    op.create_table(
        "exchange_peers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("client_secret", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("webhook_secret", sa.String(length=80), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_peers")),
        sa.UniqueConstraint("url", name=op.f("uq_exchange_peers_url")),
    )
    op.create_table(
        "exchange_inbox",
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_inbox_peer_id_exchange_peers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_exchange_inbox")),
    )
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_inbox_peer_id"), ["peer_id"], unique=False)

    op.create_table(
        "exchange_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=400), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("previous_secret", sa.String(length=80), nullable=True),
        sa.Column("previous_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_exchange_subscriptions_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_clients.id"],
            name=op.f("fk_exchange_subscriptions_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_subscriptions")),
    )
    with op.batch_alter_table("exchange_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_subscriptions_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_subscriptions_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "exchange_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["exchange_subscriptions.id"],
            name=op.f("fk_exchange_deliveries_subscription_id_exchange_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_deliveries")),
        sa.UniqueConstraint(
            "subscription_id", "event_seq", name=op.f("uq_exchange_deliveries_subscription_id")
        ),
    )
    with op.batch_alter_table("exchange_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_deliveries_event_seq"), ["event_seq"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_deliveries_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_deliveries_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exchange_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_deliveries_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_deliveries_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_exchange_deliveries_event_seq"))

    op.drop_table("exchange_deliveries")
    with op.batch_alter_table("exchange_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_subscriptions_client_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_subscriptions_agency_id"))

    op.drop_table("exchange_subscriptions")
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_inbox_peer_id"))

    op.drop_table("exchange_inbox")
    op.drop_table("exchange_peers")
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_type"))

    op.drop_table("exchange_outbox")
    op.drop_table("exchange_head")
    op.drop_table("exchange_copies")

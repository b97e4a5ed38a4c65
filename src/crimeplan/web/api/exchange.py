"""The exchange API: the pull feed of change events, webhook subscriptions and dead letters,
and the inbox where peers' webhooks arrive."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from crimeplan.cases.actor import Actor
from crimeplan.cases.db import utcnow
from crimeplan.cases.s62 import require_purpose
from crimeplan.errors import BadInput, FieldProblem, NotFound
from crimeplan.exchange import consumer, notify, outbox, subscriptions
from crimeplan.exchange.delivery import Worker
from crimeplan.exchange.envelope import MEDIA_TYPE, ChangeEvent, FeedPage
from crimeplan.exchange.visibility import Audience, log_disclosure
from crimeplan.web.api.exchange_schemas import (
    DeadLetter,
    Received,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionSecret,
    TypePrefix,
)
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise, authorise
from crimeplan.web.policy import Action, Resource

router = APIRouter(tags=["exchange"])

#: The longest a feed request may wait for new events, in seconds.
MAX_WAIT = 30.0
#: The largest webhook body taken (events are thin: a few hundred bytes).
MAX_EVENT_BYTES = 64 * 1024


def source(request: Request) -> str:
    """This system as the ``source`` of its events: its public URL (``serve`` sets it), else
    the URL the caller used."""
    return request.app.state.settings.public_url or str(request.base_url).rstrip("/")


def _page(db: Session, actor: Actor, after: int, limit: int, types: tuple[str, ...],
          origin: str) -> FeedPage:
    rows = outbox.after(db, after, limit, types)
    audience = Audience(db, actor)
    shown = [r for r in rows if audience.sees(r)]
    log_disclosure(db, actor, shown)
    return FeedPage(events=[outbox.envelope(r, origin, origin) for r in shown],
                    next=rows[-1].seq if rows else after)


@router.get("/events", response_model=FeedPage)
def feed(request: Request, db: DB,
         actor: Annotated[Actor, Depends(Authorise(Action.EVENTS_READ))],
         after: Annotated[int, Query(ge=0, description="The cursor: events numbered above "
                                                       "it")] = 0,
         limit: Annotated[int, Query(ge=1, le=1000)] = 100,
         wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description="Seconds to wait for "
                                      "an event when there is none (long poll)")] = 0,
         type: Annotated[list[TypePrefix], Query(max_length=50, description="Event type "
                                                 "prefixes; none: every type")] = [],  # noqa: B006
         ) -> FeedPage:
    """Change events after the cursor about records the caller may fetch, oldest first; the
    disclosure of each person's events is logged. ``next`` moves past events the caller may
    not see, so it always advances."""
    require_purpose(actor)
    newest = outbox.last_seq(db)
    if after > newest:
        raise BadInput(f"the cursor is beyond the newest event ({newest})", fields=(
            FieldProblem("after", "invalid", "Use a cursor this feed gave you"),))
    origin, types = source(request), tuple(type)
    deadline = time.monotonic() + wait
    while True:
        page = _page(db, actor, after, limit, types, origin)
        remaining = deadline - time.monotonic()
        if page.next > after or remaining <= 0:
            return page
        db.commit()  # hold no transaction (nor SQLite's writer lock) while waiting
        notify.wait(min(remaining, 1.0))


def _subscription(db: Session, actor: Actor, subscription_id: str
                  ) -> subscriptions.Subscription:
    row = subscriptions.get(db, subscription_id)
    authorise(actor, Action.SUBSCRIPTION_MANAGE,
              Resource("subscription", row.id, row.agency_id))
    return row


@router.post("/exchange/subscriptions", response_model=SubscriptionSecret, status_code=201)
def create_subscription(body: SubscriptionIn, db: DB, actor: Annotated[
        Actor, Depends(Authorise(Action.SUBSCRIPTION_MANAGE))]) -> dict[str, Any]:
    """Subscribe the calling system to events (from now on) it may fetch, by type prefix;
    answers the signing secret once."""
    require_purpose(actor)
    authorise(actor, Action.SUBSCRIPTION_MANAGE, Resource("subscription", None,
                                                          actor.agency_id))
    row = subscriptions.create(db, actor, body.url, body.types)
    return {**subscriptions.describe(row), "secret": row.secret}


@router.get("/exchange/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(db: DB, actor: Annotated[
        Actor, Depends(Authorise(Action.SUBSCRIPTION_MANAGE))]) -> list[dict[str, Any]]:
    """The calling agency's subscriptions (without their secrets)."""
    return [subscriptions.describe(r) for r in subscriptions.of_agency(db, actor.agency_id)]


@router.delete("/exchange/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: RecordId, db: DB, actor: Annotated[
        Actor, Depends(Authorise(Action.SUBSCRIPTION_MANAGE))]) -> Response:
    """End a subscription; its pending deliveries go with it."""
    require_purpose(actor)
    db.delete(_subscription(db, actor, subscription_id))
    return Response(status_code=204)


@router.post("/exchange/subscriptions/{subscription_id}/rotate-secret",
             response_model=SubscriptionSecret)
def rotate_secret(subscription_id: RecordId, db: DB, actor: Annotated[
        Actor, Depends(Authorise(Action.SUBSCRIPTION_MANAGE))]) -> dict[str, Any]:
    """A new signing secret, shown once; the old one signs too for 24 hours."""
    require_purpose(actor)
    row = subscriptions.rotate(db, _subscription(db, actor, subscription_id), utcnow())
    return {**subscriptions.describe(row), "secret": row.secret}


@router.get("/exchange/dead-letters", response_model=list[DeadLetter])
def dead_letters(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.DEAD_LETTER_MANAGE))]
                 ) -> list[DeadLetter]:
    """Deliveries to the agency's subscriptions that were given up on."""
    return [DeadLetter(delivery_id=d.id, subscription_id=s.id, event_seq=d.event_seq,
                       attempts=d.attempts, last_status=d.last_status, last_error=d.last_error,
                       dead_at=d.dead_at)  # type: ignore[arg-type]
            for d, s in subscriptions.dead_letters(db, actor.agency_id)]


@router.post("/exchange/dead-letters/{delivery_id}/redeliver", status_code=204)
def redeliver(delivery_id: RecordId, db: DB,
              actor: Annotated[Actor, Depends(Authorise(Action.DEAD_LETTER_MANAGE))]
              ) -> Response:
    """Queue a dead letter again, due now."""
    require_purpose(actor)
    delivery = db.get(subscriptions.Delivery, delivery_id)
    if delivery is None or delivery.dead_at is None:
        raise NotFound(f"no dead letter {delivery_id}")
    _subscription(db, actor, delivery.subscription_id)
    subscriptions.redeliver(db, delivery, utcnow())
    return Response(status_code=204)


def deliver_in_background(app: FastAPI) -> None:
    """Run the webhook delivery worker in a thread for as long as the app is served (when
    it knows its public URL, which ``crimeplan serve`` sets)."""
    settings = app.state.settings
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        stop = threading.Event()
        worker = Worker(application.state.db, settings.public_url)
        thread = threading.Thread(target=worker.run, args=(stop,), name="webhooks",
                                  daemon=True)
        if settings.public_url:
            thread.start()
        try:
            async with inner(application) as state:
                yield state
        finally:
            stop.set()
            if thread.is_alive():
                thread.join(timeout=15)

    app.router.lifespan_context = lifespan


@router.post("/exchange/inbox", response_model=Received, openapi_extra={"requestBody": {
    "required": True, "content": {MEDIA_TYPE: {"schema": ChangeEvent.model_json_schema(
        ref_template="#/components/schemas/{model}")}}}})
async def inbox(request: Request, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> Received:
    """A peer's webhook: a change event signed by the Standard Webhooks scheme with the
    secret of our subscription there; applied at most once (a repeat answers
    ``duplicate``)."""
    db.commit()  # the caller's look-up holds no transaction (nor SQLite's writer lock)
    raw = await request.body()
    if len(raw) > MAX_EVENT_BYTES:
        raise BadInput("the event is too large", fields=(FieldProblem("body", "too_long"),))
    event_id, outcome = await run_in_threadpool(
        consumer.receive, request.app.state.db, raw,
        {k.lower(): v for k, v in request.headers.items()})
    return Received(id=event_id, outcome=outcome)

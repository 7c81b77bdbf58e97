"""Parse the collector's invocation events into a typed request, or reject them clearly.

Accepted shapes (see events/):
- by hand: ``{"date": "2021-06-01"}``, ``{"from": "2021-06-01", "to": "2021-06-07"}``,
  each with an optional ``"sources": ["x", "hackernews"]``;
- EventBridge Scheduler (ScheduleV2): ``{"scheduled_time": "2021-06-02T00:30:00Z"}``;
- a classic EventBridge scheduled event (``"detail-type": "Scheduled Event"``);
- an SQS event from the collect queue (``{"Records": [...]}``, ``eventSource`` ``aws:sqs``): each record's body
  is one of the shapes above naming ONE day (see `sqs_records` and `parse_collect_record`).
The publisher's: the same by hand, ``{"all": true}``, "Collect Finished" events, and from the publish queue
those events or one shard of a full rebuild (`RebuildShard`, ``{"rebuild": {"id", "shard", "from", "to"}}``).
Scheduled invocations collect the UTC day before the scheduled time, so a
retry of the same schedule collects the same day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hotpapers.core.source_names import SOURCE_NAMES

# A direct invocation ({"from","to"}) must fit the 15-minute Lambda limit. Backfills of any span go through
# the collect queue instead, one message per day (`hotpapers backfill`); the limit stays for direct calls.
# Our deepest event (an SQS record's body inside the mapping's event) nests about 6 levels.
MAX_EVENT_DEPTH = 32
MAX_RANGE_DAYS = 31
EARLIEST_DAY = date(1991, 8, 14)  # arXiv's first paper
# EventBridge's PutEvents entry and Lambda's asynchronous invocation payload limit. Every event we accept
# is well under 1 KB; a bigger one is a mistake, refused before it is read any further.
MAX_EVENT_BYTES = 256 * 1024
# An SQS event carries a batch (the publish queue's mapping hands over up to 100 messages): Lambda's
# synchronous payload limit, 6 MB, bounds it; each body is then held to MAX_EVENT_BYTES like any event.
MAX_SQS_EVENT_BYTES = 6 * 1024 * 1024
# ASCII digits only, exactly YYYY-MM-DD: date.fromisoformat also takes ISO week dates ("2021-W22-2", ten
# characters too) and, from Python 3.11, the basic form "20210601".
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# RFC 3339 (an offset-less time is read as UTC, as before): datetime.fromisoformat alone also takes week dates,
# a bare date and the basic form.
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?\Z"
)
# The keys each hand-written form may have: a misspelt key ("soruces") must not be ignored silently (it would
# collect every source). EventBridge's own envelopes are not limited: AWS decides their keys.
_MANUAL_COLLECT_KEYS = frozenset({"date", "from", "to", "sources"})
_SCHEDULER_KEYS = frozenset({"scheduled_time", "sources"})
_MANUAL_PUBLISH_KEYS = frozenset({"date", "from", "to", "all"})
_SHARD_KEYS = frozenset({"id", "shard", "from", "to"})
_REBUILD_ID = re.compile(r"[A-Za-z0-9-]{1,64}\Z")
MAX_SHARDS = 100_000


class InvalidEvent(ValueError):
    """The event does not say which day(s) to collect in a form we accept."""


@dataclass(frozen=True)
class SqsRecord:
    """One message of an SQS event, as Lambda's event source mapping hands it over."""

    message_id: str
    body: str


@dataclass(frozen=True)
class RejectedRecord:
    """An SQS record that holds no event we accept: reported as a batch item failure, so after the queue's
    maxReceiveCount it lands in the dead-letter queue, where an operator can read it."""

    message_id: str
    reason: str


def is_sqs_event(event: Any) -> bool:
    """Whether `event` is Lambda's SQS event (`Records` from `aws:sqs`), not one of the direct shapes."""
    if not isinstance(event, dict) or "Records" not in event:
        return False
    records = event["Records"]
    return isinstance(records, list) and any(
        isinstance(record, dict) and record.get("eventSource") == "aws:sqs" for record in records
    )


def sqs_records(event: Any) -> list[SqsRecord]:
    """The records of an SQS event; a broken envelope (no message ids, not SQS) is refused as a whole,
    since there is no message id to report it under."""
    event = _check_event(event, MAX_SQS_EVENT_BYTES)
    _check_keys(event, frozenset({"Records"}), "an SQS event")
    records = event["Records"]
    if not isinstance(records, list) or not records:
        raise InvalidEvent('an SQS event needs a non-empty "Records" list')
    parsed = []
    for position, record in enumerate(records):
        if not isinstance(record, dict) or record.get("eventSource") != "aws:sqs":
            raise InvalidEvent(f'record {position} is not an SQS record ("eventSource": "aws:sqs")')
        message_id, body = record.get("messageId"), record.get("body")
        if not isinstance(message_id, str) or not message_id:
            raise InvalidEvent(f'record {position} has no "messageId"')
        if not isinstance(body, str):
            raise InvalidEvent(f'record {position} ({_shown(message_id)}) has no string "body"')
        parsed.append(SqsRecord(message_id, body))
    return parsed


def _record_body(record: SqsRecord) -> Any:
    try:
        return json.loads(record.body)
    except ValueError:
        raise InvalidEvent(f"message {_shown(record.message_id)}: the body is not JSON") from None


@dataclass(frozen=True)
class CollectRequest:
    days: tuple[date, ...]
    sources: tuple[str, ...] | None  # None: the configured default
    trigger: str  # manual | schedule


def _check_event(event: Any, limit: int = MAX_EVENT_BYTES) -> dict[str, Any]:
    """The event as a dict, refused early when it is not a JSON object or is larger than any event we send."""
    if not isinstance(event, dict):
        shown = "null" if event is None else type(event).__name__
        raise InvalidEvent(f"the event must be a JSON object, got {shown}")
    if _deeper_than(event, MAX_EVENT_DEPTH):
        raise InvalidEvent("the event is nested too deeply to be one this handler accepts")
    try:
        size = len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    except RecursionError:  # past the interpreter's own limit: refused all the same
        raise InvalidEvent("the event is nested too deeply to be one this handler accepts") from None
    except ValueError:  # an integer past Python's 4300-digit int-to-str limit
        raise InvalidEvent("the event holds a number too large to be one this handler accepts") from None
    except TypeError as error:  # only a direct call can pass a value JSON cannot hold
        raise InvalidEvent(f"the event is not JSON: {error}") from None
    if size > limit:
        raise InvalidEvent(f"the event is {size} bytes, over the {limit}-byte limit of an event")
    return event


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest past `limit` levels: walked without recursion, so a hostile event
    costs no stack (Python 3.13's json encoder no longer stops at 1,000 levels)."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def _check_keys(event: dict[str, Any], allowed: frozenset[str], form: str) -> None:
    unknown = sorted(str(key) for key in event if key not in allowed)
    if unknown:
        raise InvalidEvent(
            f"unknown key(s) {', '.join(_shown(key) for key in unknown[:5])} in {form}; "
            f"expected only {', '.join(sorted(allowed))}"
        )


def _shown(value: Any, limit: int = 60) -> str:
    """A value's repr for an error message: short, and safe for any JSON value.

    repr() of a string of 300 KB would fill the log; repr() of an integer of more than
    4300 digits raises ValueError (Python's int-to-str limit) instead of the InvalidEvent.
    """
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_collect_event(event: Any, today: date) -> CollectRequest:
    event = _check_event(event)
    classic = event.get("detail-type") == "Scheduled Event"
    if "scheduled_time" in event and not classic:
        _check_keys(event, _SCHEDULER_KEYS, "a scheduler event")
    elif not classic:
        _check_keys(event, _MANUAL_COLLECT_KEYS, "a collect event")

    sources = _parse_sources(event.get("sources"))

    if "scheduled_time" in event or classic:
        field = "scheduled_time" if "scheduled_time" in event else "time"
        scheduled = _parse_timestamp(event.get(field), field)
        # The day before the scheduled time, held to the same bounds as a day given by hand: a scheduled
        # time of 0001-01-01 used to raise OverflowError, and 9999-12-31 to ask for a day far in the future.
        if scheduled.date() <= EARLIEST_DAY:
            raise InvalidEvent(f'"{field}" is {scheduled.date()}: the day before it is before arXiv existed')
        return CollectRequest((_check_day(scheduled.date() - timedelta(days=1), field, today),), sources, "schedule")

    days = _parse_days(event, today)
    if days is None:
        raise InvalidEvent(
            'the event names no day: expected {"date": "YYYY-MM-DD"}, {"from": …, "to": …}, '
            'or a scheduled event with "scheduled_time"'
        )
    return CollectRequest(days, sources, "manual")


def parse_collect_record(record: SqsRecord, today: date) -> CollectRequest:
    """One collect-queue message: a collect event (by hand, scheduler) for exactly one day.

    One day per message is what lets a backfill of any span survive the 15-minute limit: a range in a
    message would bring the problem back, so it is refused (enqueue one message per day instead).
    """
    try:
        request = parse_collect_event(_record_body(record), today)
    except InvalidEvent as error:
        raise InvalidEvent(f"message {_shown(record.message_id)}: {error}") from None
    if len(request.days) != 1:
        raise InvalidEvent(
            f"message {_shown(record.message_id)} names {len(request.days)} days; a queue message names one day"
        )
    trigger = "schedule" if request.trigger == "schedule" else "queue"
    return CollectRequest(request.days, request.sources, trigger)


def _parse_days(event: dict[str, Any], today: date) -> tuple[date, ...] | None:
    """The day(s) of {"date"} or {"from", "to"} (inclusive), or None when the event names none."""
    if "date" in event:
        if "from" in event or "to" in event:
            raise InvalidEvent('give either "date" or "from"/"to", not both')
        return (_parse_day(event["date"], "date", today),)
    if "from" in event or "to" in event:
        if "from" not in event or "to" not in event:
            raise InvalidEvent('a range needs both "from" and "to" (YYYY-MM-DD, inclusive)')
        first = _parse_day(event["from"], "from", today)
        last = _parse_day(event["to"], "to", today)
        if last < first:
            raise InvalidEvent(f'"to" ({last}) is before "from" ({first})')
        span = (last - first).days + 1
        if span > MAX_RANGE_DAYS:
            raise InvalidEvent(
                f"a range covers at most {MAX_RANGE_DAYS} days per invocation, this one covers {span}; split it"
            )
        return tuple(first + timedelta(days=n) for n in range(span))
    return None


def _parse_day(value: Any, field: str, today: date) -> date:
    if not isinstance(value, str):
        raise InvalidEvent(f'"{field}" must be a YYYY-MM-DD string, got {_shown(value)}')
    if not _DAY.match(value):
        raise InvalidEvent(f'"{field}" must be a date as YYYY-MM-DD, got {_shown(value)}')
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f'"{field}" is {_shown(value)}: YYYY-MM-DD, but not a calendar date') from None
    return _check_day(day, field, today)


def _check_day(day: date, field: str, today: date) -> date:
    if day > today:
        raise InvalidEvent(f'"{field}" is {day}, a day that has not begun yet (today is {today} UTC)')
    if day < EARLIEST_DAY:
        raise InvalidEvent(f'"{field}" is {day}, before arXiv existed')
    return day


def _parse_timestamp(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise InvalidEvent(f'"{field}" must be an RFC 3339 timestamp, got {_shown(value)}')
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. 2021-02-30, or 0001-01-01T00:00:00+01:00 (before year 1 in UTC)
        raise InvalidEvent(f'"{field}" is {_shown(value)}, not a time that exists') from None


def _parse_sources(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value):
        raise InvalidEvent('"sources" must be a non-empty list of source names')
    unknown = [name for name in value if name not in SOURCE_NAMES]
    if unknown:
        shown = ", ".join(_shown(name, 30) for name in unknown[:5])  # not the whole of a huge list
        raise InvalidEvent(f"unknown source(s) {shown}; choose from {', '.join(SOURCE_NAMES)}")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class RebuildShard:
    """One shard of a full rebuild, a publish-queue message: the collected days from `first` to `last`.

    `rebuild_id` names the rebuild and `number` (1, 2, ...) the shard in it: together the message's identity,
    so a shard delivered twice is recognised (publish/rebuild.py).
    """

    rebuild_id: str
    number: int
    first: date
    last: date

    def body(self) -> str:
        shard = {"id": self.rebuild_id, "shard": self.number, "from": str(self.first), "to": str(self.last)}
        return json.dumps({"rebuild": shard}, separators=(",", ":"))


@dataclass(frozen=True)
class PublishRequest:
    days: tuple[date, ...]
    everything: bool  # rebuild every collected day and the whole archive
    trigger: str  # collect-finished | queue | manual | rebuild
    # From the publish queue: the records that were not Collect Finished events (batch item failures).
    rejected: tuple[RejectedRecord, ...] = ()
    shards: tuple[RebuildShard, ...] = ()  # from the publish queue: shards of a full rebuild to run
    # Also render what the bucket lacks beyond these days (pages of other stored days, of papers, of periods):
    # a rebuild's shards leave that to their last one, else the first shard into an empty bucket did it all.
    repair_missing: bool = True


def parse_publish_event(event: Any, today: date) -> PublishRequest:
    """The collector's "Collect Finished" event, a batch of them from the publish queue (SQS), or by hand
    {"date"}, {"from","to"} or {"all": true}.

    From the queue, the days of every good record are published together in one run (many days collected
    close together make one rebuild, not one each); a bad record is listed in `rejected`, the rest go on.
    """
    if is_sqs_event(event):
        return _parse_publish_batch(event, today)
    event = _check_event(event)
    if event.get("detail-type") == "Collect Finished":
        return PublishRequest((_collect_finished_day(event, today),), False, "collect-finished")
    if "sources" in event:
        raise InvalidEvent('"sources" is for the collector; the publisher ranks every collected source')
    _check_keys(event, _MANUAL_PUBLISH_KEYS, "a publish event")
    if event.get("all") is True:
        if "date" in event or "from" in event or "to" in event:
            raise InvalidEvent('give "all" alone, without "date" or "from"/"to"')
        return PublishRequest((), True, "manual")
    if "all" in event:
        raise InvalidEvent(f'"all" must be true, got {_shown(event["all"])}')
    days = _parse_days(event, today)
    if days is None:
        raise InvalidEvent(
            'the event names no day: expected {"date": "YYYY-MM-DD"}, {"from": …, "to": …}, {"all": true}, '
            'or a "Collect Finished" event'
        )
    return PublishRequest(days, False, "manual")


def _collect_finished_day(event: dict[str, Any], today: date) -> date:
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise InvalidEvent('a "Collect Finished" event needs a "detail" object')
    return _parse_day(detail.get("date"), "detail.date", today)


def _parse_publish_batch(event: Any, today: date) -> PublishRequest:
    days: set[date] = set()
    shards: dict[RebuildShard, None] = {}  # a shard delivered twice in one batch runs once
    rejected: list[RejectedRecord] = []
    for record in sqs_records(event):
        try:
            found = parse_publish_record(record, today)
        except InvalidEvent as error:
            rejected.append(RejectedRecord(record.message_id, str(error)))
            continue
        if isinstance(found, RebuildShard):
            shards[found] = None
        else:
            days.add(found)
    return PublishRequest(tuple(sorted(days)), False, "queue", tuple(rejected), tuple(shards))


def parse_publish_record(record: SqsRecord, today: date) -> date | RebuildShard:
    """One publish-queue message: the day of the "Collect Finished" event it holds, or a rebuild's shard.

    InvalidEvent's message is the reason alone (not prefixed with the message id, which is logged beside it).
    """
    try:
        body = _record_body(record)
        if isinstance(body, dict) and "rebuild" in body:
            return parse_rebuild_shard(body, today)
        if not isinstance(body, dict) or body.get("detail-type") != "Collect Finished":
            raise InvalidEvent('the body is neither a "Collect Finished" event nor a rebuild shard')
        return _collect_finished_day(body, today)
    except InvalidEvent as error:
        raise InvalidEvent(str(error).removeprefix(f"message {_shown(record.message_id)}: ")) from None


def parse_rebuild_shard(body: dict[str, Any], today: date) -> RebuildShard:
    """``{"rebuild": {"id": "…", "shard": N, "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}}``, as `RebuildShard.body`."""
    _check_keys(body, frozenset({"rebuild"}), "a rebuild shard")
    shard = body["rebuild"]
    if not isinstance(shard, dict):
        raise InvalidEvent('"rebuild" must be an object with "id", "shard", "from" and "to"')
    _check_keys(shard, _SHARD_KEYS, "a rebuild shard")
    missing = sorted(_SHARD_KEYS - set(shard))
    if missing:
        raise InvalidEvent(f"a rebuild shard needs {', '.join(missing)}")
    rebuild_id, number = shard["id"], shard["shard"]
    if not isinstance(rebuild_id, str) or not _REBUILD_ID.match(rebuild_id):
        raise InvalidEvent(f'"rebuild.id" must be 1 to 64 letters, digits or dashes, got {_shown(rebuild_id)}')
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_SHARDS:
        raise InvalidEvent(f'"rebuild.shard" must be a whole number from 1 to {MAX_SHARDS}, got {_shown(number)}')
    first, last = _parse_day(shard["from"], "rebuild.from", today), _parse_day(shard["to"], "rebuild.to", today)
    if last < first:
        raise InvalidEvent(f'"rebuild.to" ({last}) is before "rebuild.from" ({first})')
    return RebuildShard(rebuild_id, number, first, last)

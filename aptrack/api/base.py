"""What every API view shares: the body-size limit, ETag / If-Match, and Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import Conflict, PreconditionFailed, RequestTooLarge, Unprocessable
from .models import IdempotencyKey
from .schema import ApiAutoSchema

REPLAYED_HEADERS = ("Location", "ETag")


def check_body_size(request: Any) -> None:
    """413 when the declared or actual body is larger than ``MAX_BODY_BYTES``."""
    limit = settings.APTRACK_API["MAX_BODY_BYTES"]
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError("Content-Length is not a number.") from None
    if declared > limit:
        raise RequestTooLarge(f"The request body is {declared} bytes; the most accepted is "
                              f"{limit} bytes.")
    if len(request._request.body) > limit:  # read now, so it can be fingerprinted later
        raise RequestTooLarge(f"The request body is larger than {limit} bytes.")


# --- ETag and If-Match -------------------------------------------------------------------------

def etag_of(obj: models.Model, data: Any = None) -> str:
    """A strong ETag: the record's version where it keeps one, else a hash of what is shown."""
    version = getattr(obj, "version", None)
    if version is not None:
        return f'"{obj._meta.model_name}-{obj.pk}-v{version}"'
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{obj._meta.model_name}-{obj.pk}-{digest[:16]}"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def if_match(request: Any, current: str) -> bool:
    """True when the request carries If-Match; 412 when none of its tags is ``current``."""
    header = request.headers.get("If-Match")
    if header is None:
        return False
    tags = _tags(header)
    if "*" in tags or current in tags:
        return True
    raise PreconditionFailed()


def not_modified(request: Any, current: str) -> bool:
    header = request.headers.get("If-None-Match")
    return header is not None and ("*" in _tags(header) or current in _tags(header))


# --- Idempotency-Key -------------------------------------------------------------------------

def _fingerprint(request: Any) -> str:
    body = request._request.body
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True,
                               separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                          + canonical).hexdigest()


def idempotent(request: Any, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per ``Idempotency-Key``: the same key and body replay the first
    (successful) answer, another body is 422, a first request still running is 409. An error
    answer frees the key. Keys are kept ``IDEMPOTENCY_HOURS`` hours."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return handler()
    if not 1 <= len(key) <= 255:
        raise exceptions.ValidationError({"Idempotency-Key": ["Give 1 to 255 characters."]})
    fingerprint = _fingerprint(request)
    hours = settings.APTRACK_API["IDEMPOTENCY_HOURS"]
    mine = IdempotencyKey.objects.filter(user=request.user, key=key)
    mine.filter(created_at__lt=timezone.now() - timedelta(hours=hours)).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=request.user, key=key,
                                                   request_hash=fingerprint)
    except IntegrityError:
        record = mine.get()
        if record.request_hash != fingerprint:
            raise Unprocessable() from None
        if record.state == IdempotencyKey.IN_PROGRESS:
            raise Conflict() from None
        replay = Response(json.loads(record.response_body or "null"),
                          status=record.response_status, headers=record.response_headers)
        replay["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = handler()
    except BaseException:
        record.delete()
        raise
    if response.status_code >= 400:
        record.delete()
        return response
    record.state = IdempotencyKey.DONE
    record.response_status = response.status_code
    record.response_body = JSONRenderer().render(response.data).decode()
    record.response_headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
    record.save(update_fields=["state", "response_status", "response_body", "response_headers"])
    return response


class ApiViewMixin:
    """Mixed into every API view: body limit first, then DRF's authentication and checks; its
    OpenAPI description lists the error answers these give (``ApiAutoSchema``)."""

    schema = ApiAutoSchema()

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        check_body_size(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

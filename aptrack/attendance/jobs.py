"""Web uploads of attendance files: small files load at once, large ones in the background.

A background load runs in a thread of the web process and reports progress through Django's
cache (the load itself is one transaction, so its progress cannot be read from the database
until it commits). With several web processes, point CACHES at a shared cache.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, transaction
from django.utils import timezone

from aptrack.accounts import audit

from .choices import ImportStatus
from .imports import ImportFailed, import_marks
from .models import AttendanceImport

log = logging.getLogger(__name__)


def upload_dir() -> Path:
    """Uploaded files wait outside the web root, readable only by the service."""
    path = Path(settings.VAR_DIR) / "uploads" / "attendance"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def progress_key(job_id: int) -> str:
    return f"attendance-import-{job_id}"


def progress_of(job: AttendanceImport) -> tuple[int, int]:
    done, total = cache.get(progress_key(job.pk), (job.rows_done, job.rows_total))
    return int(done), int(total)


def start(*, actor: Any, setting: Any, upload: UploadedFile, dry_run: bool) -> AttendanceImport:
    """Save the upload, record the job and load it (now, or in the background when large)."""
    stored = upload_dir() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = AttendanceImport.objects.create(setting=setting, uploaded_by=actor,
                                          filename=Path(upload.name).name[:200],
                                          result={"dry_run": dry_run, "path": stored.name})
    audit.record(actor=actor, action="attendance.import_upload", obj=job,
                 changes={"filename": job.filename, "bytes": upload.size})
    if upload.size <= settings.ATTENDANCE["UPLOAD_INLINE_MAX_BYTES"]:
        run(job.pk, actor=actor)
    else:
        thread = threading.Thread(target=_run_in_thread, args=(job.pk, actor), daemon=True,
                                  name=f"attendance-import-{job.pk}")
        transaction.on_commit(thread.start)
    job.refresh_from_db()
    return job


ABANDONED = ("line 0: file: the server loading this file stopped before it finished; nothing "
             "was loaded: upload the file again")


def expire_abandoned(*, now: Any = None) -> int:
    """Mark failed the loads left pending or running by a server that stopped (the thread died
    with its process, so nothing else ever will); returns how many. Their marks were never
    committed: each load is one transaction."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.ATTENDANCE["IMPORT_ABANDONED_MINUTES"])
    return AttendanceImport.objects.filter(
        status__in=(ImportStatus.PENDING, ImportStatus.RUNNING), created_at__lt=limit,
    ).update(status=ImportStatus.FAILED, problems=[ABANDONED], finished_at=now)


def _run_in_thread(job_id: int, actor: Any) -> None:
    close_old_connections()
    try:
        run(job_id, actor=actor)
    except Exception:  # the thread must record its failure, never die silently
        log.exception("attendance import %s failed", job_id)
        AttendanceImport.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, problems=["line 0: file: the import stopped because "
                                                  "of an error in AP Track; nothing was loaded"],
            finished_at=timezone.now())
    finally:
        close_old_connections()


def run(job_id: int, *, actor: Any) -> None:
    job = AttendanceImport.objects.get(pk=job_id)
    path = upload_dir() / job.result["path"]
    AttendanceImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job.pk), (done, total), 3600)

    try:
        with path.open("rb") as stream:
            report = import_marks(job.filename, stream, setting=job.setting, actor=actor,
                                  dry_run=bool(job.result.get("dry_run")), progress=progress)
    except ImportFailed as exc:
        AttendanceImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, problems=exc.problems, finished_at=timezone.now())
    else:
        AttendanceImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE, rows_total=report.rows, rows_done=report.rows,
            result={**job.result, **report.result.as_dict(), "lines": report.lines()},
            finished_at=timezone.now())
    finally:
        path.unlink(missing_ok=True)
        cache.delete(progress_key(job.pk))

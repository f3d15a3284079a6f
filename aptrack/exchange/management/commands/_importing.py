"""Shared behaviour of the import commands: read the file, report problems, exit 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.exchange.errors import ImportRefused


def read(path_text: str) -> tuple[Path, bytes]:
    path = Path(path_text)
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def run(command: BaseCommand, path: Path, call: Callable[[], Any]) -> Any:
    """Call the import; on ``ImportRefused`` print each problem and exit 1."""
    try:
        return call()
    except ImportRefused as exc:
        for problem in exc.problems:
            command.stdout.write(str(problem))
        command.stderr.write(f"{path.name}: {len(exc.problems)} problem(s); nothing imported.")
        raise SystemExit(1) from None


def la_by_code(code: str | None) -> LocalAuthority | None:
    if not code:
        return None
    la = LocalAuthority.objects.filter(code=code).first()
    if la is None:
        raise CommandError(f"no LA with code {code}")
    return la


def establishment_by_urn(urn: str | None) -> Establishment | None:
    if not urn:
        return None
    establishment = Establishment.objects.filter(urn=urn).first()
    if establishment is None:
        raise CommandError(f"no establishment with URN {urn}")
    return establishment

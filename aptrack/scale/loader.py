"""Streaming bulk loads: rows buffered per table and written with COPY on PostgreSQL
(psycopg 3 ``cursor.copy``) or ``executemany`` on SQLite, with ids allocated by the loader.

Rows are plain tuples in the order of the fields named when a table is opened; every other
concrete field of the model takes its default, so a field another area adds later (with a
default) does not break the generator. Ids are allocated here (max id + 1), so foreign keys can
be written without reading anything back, and the sequences are moved past them at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

Converter = Callable[[Any], Any]


class NoDefault(Exception):
    """A required field of the model was not given and has no default."""


class Table:
    """One model's buffer of rows: given fields first, the defaults of the others after."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        self.model = model
        self.rows: list[tuple[Any, ...]] = []
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        given = [by_attname[name] for name in fields]
        # An auto primary key that is not given is left to the database.
        rest = [f for f in model._meta.concrete_fields if f.attname not in fields
                and not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))]
        defaults: list[Any] = []
        for f in rest:
            if f.has_default():
                defaults.append(f.get_db_prep_save(f.get_default(), connection))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults.append(timezone.now() if isinstance(f, models.DateTimeField)
                                else timezone.localdate())
            elif f.null:
                defaults.append(None)
            elif isinstance(f, models.CharField | models.TextField) and f.blank:
                defaults.append("")
            else:
                raise NoDefault(f"{model.__name__}.{f.attname} has no default: give it")
        self.fields = [*given, *rest]
        self.defaults = tuple(defaults)
        self.columns = [f.column for f in self.fields]
        self.converters = [_sqlite_converter(f) for f in self.fields]
        self.written = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.defaults)

    def __len__(self) -> int:
        return len(self.rows)


def _sqlite_converter(field: models.Field[Any, Any]) -> Converter | None:
    """SQLite stores dates, times and decimals as text: convert as Django would."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return lambda v: v.isoformat() if isinstance(v, dt.date) else v
    if isinstance(field, models.DecimalField):
        return lambda v: str(v) if isinstance(v, Decimal) else v
    return None


class BulkWriter:
    """Buffers rows per table and writes them in the order the tables were opened.

    Open tables parents first (foreign keys point to tables opened earlier): on SQLite the
    constraint checks are immediate, on PostgreSQL Django's foreign keys are deferred to commit.
    """

    def __init__(self, chunk: int = 50_000) -> None:
        self.chunk = chunk
        self.tables: dict[type[models.Model], Table] = {}
        self.next_ids: dict[type[models.Model], int] = {}
        self.vendor = connection.vendor

    def skip_foreign_key_checks(self) -> bool:
        """Inside a transaction on PostgreSQL as a superuser: skip the row-by-row foreign key
        triggers until it ends (``session_replication_role = replica``, as ``pg_restore
        --disable-triggers`` does). Only for rows consistent by construction; returns whether
        it could. Elsewhere every row is checked at commit."""
        if self.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not row or not row[0]:
                return False
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True

    def drop_secondary_indexes(self, model: type[models.Model]) -> list[str]:
        """PostgreSQL, inside a transaction: drop the table's indexes that back no constraint
        (they are rebuilt in one pass by :meth:`create_indexes`, much faster than kept up to
        date row by row); return their definitions. Unique and primary keys stay."""
        if self.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM "
                "pg_constraint k WHERE k.conname = i.indexname) ORDER BY i.indexname",
                [model._meta.db_table])
            found = cursor.fetchall()
            for name, _ in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return [definition for _, definition in found]

    def create_indexes(self, definitions: list[str]) -> None:
        with connection.cursor() as cursor:
            if definitions:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in definitions:
                cursor.execute(definition)

    def open(self, model: type[models.Model], fields: Sequence[str]) -> Table:
        table = Table(model, fields)
        self.tables[model] = table
        return table

    def new_id(self, model: type[models.Model]) -> int:
        """The next free primary key of ``model`` (the loader writes ids itself)."""
        if model not in self.next_ids:
            top = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            self.next_ids[model] = top + 1
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        table = self.tables[model]
        table.add(row)
        if len(table) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for table in self.tables.values():
            if table.rows:
                self._write(table)
                table.written += len(table.rows)
                table.rows = []

    def _write(self, table: Table) -> None:
        name = connection.ops.quote_name(table.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
                with raw.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                convert = list(enumerate(table.converters))
                rows = [tuple(c(v) if c and v is not None else v for (_, c), v in
                              zip(convert, row, strict=True)) for row in table.rows]
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})",  # noqa: S608
                                   rows)

    def finish(self) -> dict[str, int]:
        """Write what is left and move each table's id sequence past the ids written."""
        self.flush()
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        return {t.model._meta.label: t.written for t in self.tables.values()}


def insert_rows(model: type[models.Model], fields: Sequence[str],
                rows: Iterable[tuple[Any, ...]], chunk: int = 50_000) -> int:
    """Insert plain tuples (values of ``fields``, other fields at their defaults) in one
    stream: COPY on PostgreSQL, ``executemany`` elsewhere. No model instances are built and no
    ids come back: for bulk loads such as attendance imports. Runs inside the caller's
    transaction; returns the number of rows written."""
    writer = BulkWriter(chunk=chunk)
    writer.open(model, fields)
    for row in rows:
        writer.add(model, row)
    writer.flush()
    return writer.tables[model].written

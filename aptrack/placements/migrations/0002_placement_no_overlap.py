"""No two placements of one learner with the same provider overlap in time (cancelled ones
aside). PostgreSQL holds it with an exclusion constraint (safe under concurrent writers);
SQLite, which serialises writers, with triggers."""

from django.db import migrations

CONDITION = """EXISTS (
    SELECT 1 FROM placements_placement p
    WHERE p.learner_id = NEW.learner_id AND p.provider_id = NEW.provider_id
      AND p.id IS NOT NEW.id AND p.status <> 'cancelled' AND NEW.status <> 'cancelled'
      AND p.start_date <= COALESCE(NEW.end_date, '9999-12-31')
      AND NEW.start_date <= COALESCE(p.end_date, '9999-12-31'))"""
SQLITE = [
    f"""CREATE TRIGGER placement_no_overlap_insert BEFORE INSERT ON placements_placement
        WHEN {CONDITION}
        BEGIN SELECT RAISE(ABORT, 'placement_no_overlap: overlapping placement'); END""",
    f"""CREATE TRIGGER placement_no_overlap_update BEFORE UPDATE ON placements_placement
        WHEN {CONDITION}
        BEGIN SELECT RAISE(ABORT, 'placement_no_overlap: overlapping placement'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS placement_no_overlap_insert",
                  "DROP TRIGGER IF EXISTS placement_no_overlap_update"]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE placements_placement ADD CONSTRAINT placement_no_overlap
       EXCLUDE USING gist (learner_id WITH =, provider_id WITH =,
                           daterange(start_date, end_date, '[]') WITH &&)
       WHERE (status <> 'cancelled')""",
]
POSTGRES_REVERSE = ["ALTER TABLE placements_placement DROP CONSTRAINT IF EXISTS "
                    "placement_no_overlap"]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    reverse = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in reverse:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("placements", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

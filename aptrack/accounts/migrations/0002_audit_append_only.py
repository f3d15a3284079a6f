"""The database refuses to update or delete audit rows (ARCHITECTURE.md "Audit"), on PostgreSQL
and on SQLite alike, so that not even a bug in the application can rewrite history."""

from django.db import migrations

from aptrack.accounts import db_guards


def forwards(apps, schema_editor):
    db_guards.install(schema_editor.connection)


def backwards(apps, schema_editor):
    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

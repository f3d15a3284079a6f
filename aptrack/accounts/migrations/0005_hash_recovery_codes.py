"""Recovery codes were stored in clear (django-otp's StaticToken.token held the 10 digits): store
each one as its keyed hash instead, as ``services.recovery_code_hash`` does for new codes
(HMAC-SHA256 keyed from SECRET_KEY, salt "aptrack.recovery-code", hex, first 16 characters).

A token of exactly 10 digits is a clear code; a hash is 16 hex characters, so running this again
changes nothing. The hashes are made with the SECRET_KEY of the machine that runs the migration,
which must be the key the app servers use.

Backwards is a no-op: a hash cannot be turned back into its code. After migrating back, the
hashed codes no longer work with the older release; users make new ones on their account page.
"""

import re

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

SALT = "aptrack.recovery-code"  # the same as services.RECOVERY_CODE_SALT
CLEAR = re.compile(r"\d{10}")


def hash_code(code):
    return salted_hmac(SALT, code, secret=settings.SECRET_KEY,
                       algorithm="sha256").hexdigest()[:16]


def hash_clear_tokens(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    db = schema_editor.connection.alias
    for token in StaticToken.objects.using(db).only("pk", "token").iterator():
        if CLEAR.fullmatch(token.token):
            StaticToken.objects.using(db).filter(pk=token.pk).update(token=hash_code(token.token))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_provider_dsl_role"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(hash_clear_tokens, migrations.RunPython.noop, elidable=False),
    ]

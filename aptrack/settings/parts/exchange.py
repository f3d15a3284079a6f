"""Settings of the exchange area (imported at the end of aptrack.settings.base)."""

import os

#: Largest file accepted by the upload pages (a national GIAS file is about 60 MB).
EXCHANGE_MAX_UPLOAD_BYTES = int(os.environ.get("APTRACK_EXCHANGE_MAX_UPLOAD_BYTES",
                                               str(200 * 1024 * 1024)))

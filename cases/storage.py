"""Where case documents are kept: PRIVATE_MEDIA_ROOT, never the web root, and never by URL.

Files are read back only through ``cases.views.document_download``, which checks the reader
every time. The location is read from settings on each use, so tests can point it elsewhere.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL")


private_storage = PrivateStorage()

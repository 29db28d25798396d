from typing import Any

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.compress import Compressor

class CompressedManifestStaticFilesStorage(ManifestStaticFilesStorage):
    # The keyword arguments are Compressor's.
    def create_compressor(self, **kwargs: Any) -> Compressor: ...

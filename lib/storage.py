"""Static files storage: hashed, compressed names once `collectstatic` has written its manifest
(as `make run` and deployments do), plain names before that (tests, a fresh checkout)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest yet
            return name
        return super().stored_name(name)

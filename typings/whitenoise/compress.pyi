from collections.abc import Callable, Iterable

class Compressor:
    SKIP_COMPRESS_EXTENSIONS: tuple[str, ...]
    def __init__(
        self,
        extensions: Iterable[str] | None = ...,
        use_gzip: bool = ...,
        use_brotli: bool = ...,
        log: Callable[..., object] = ...,
        quiet: bool = ...,
    ) -> None: ...
    def should_compress(self, filename: str) -> bool: ...

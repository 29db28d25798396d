import pytest

from indicators.matcher import reset_matcher


@pytest.fixture(autouse=True, scope="session")
def _warm_caches():
    # Load the suffix list, the bank index and the phone metadata before any property test
    # runs, so that loading them never counts against an example's deadline.
    from indicators.extract import extract

    extract("Vietcombank: 0071000986547, gọi 0912345678, xem cốccốc.vn hoặc ehoaq.com/x")


@pytest.fixture(autouse=True)
def _fresh_matcher():
    # The process-wide index outlives a test's rolled-back transaction: start every test afresh.
    reset_matcher()
    yield
    reset_matcher()

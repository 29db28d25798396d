import pytest

from indicators.matcher import reset_matcher
from lookup import feeds, limits


@pytest.fixture(autouse=True)
def _fresh_state():
    # The matcher, the reserved rate-limit tokens, remembered keys and the expiry marker live
    # in the process and outlive a test's rolled-back transaction: start every test afresh.
    reset_matcher()
    limits.reset()
    feeds.reset()
    yield
    reset_matcher()
    limits.reset()
    feeds.reset()


@pytest.fixture
def partner(world):
    """A partner key (raw string) with a generous limit."""
    from orgs.models import PartnerKey

    _key, raw = PartnerKey.issue(name="Nhà mạng thử", unit=world.unit("P"), rate_per_minute=1000)
    return raw


@pytest.fixture
def still_clock():
    """The rate-limit windows stand still (lib.ratelimit.fixed_clock): a test's requests never
    fall on both sides of a minute boundary, where the count would start again."""
    from lib.ratelimit import fixed_clock

    with fixed_clock() as now:
        yield now

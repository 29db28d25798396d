"""The settings of the several-machines test (test_many_machines.py): the project's own, with the
anonymous check API's per-address limit lowered so that the test reaches it in a few requests.
settings.py reads no environment variable for LOOKUP_API_RATE_PER_IP (lib.gates reads the
setting at each request), hence a settings module that both app servers load."""

from canhgiac.settings import *  # noqa: F403

# Under 100 a minute, lib.ratelimit.allow_reserved reserves one token at a time: every request
# is counted in Redis, so the limit is exact across the two servers.
LOOKUP_API_RATE_PER_IP = 6

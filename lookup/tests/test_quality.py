"""Issue 12, point 5: what single checks answer, measured through the API's code on shared data."""

from io import StringIO

import pytest
from django.core.management import call_command

from lib.shared_data import shared_file

TRANCO = "tranco/tranco_top_50k.csv"
BLACKLIST = "chongluadao/typed-blacklist-2021.json"


def need(relative: str):
    path = shared_file(relative)
    if path is None:
        pytest.skip(f"../shared/data/{relative} is absent on this machine")
    return path


def result_line(output: str) -> dict[str, float]:
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


@pytest.mark.slow
@pytest.mark.django_db
def test_single_checks_warn_about_bank_and_agency_fakes_and_rarely_about_popular_sites():
    out = StringIO()
    call_command("evaluate_checks", good=str(need(TRANCO)), bad=str(need(BLACKLIST)), stdout=out)
    result = result_line(out.getvalue())
    assert result["good"] == 50_000
    assert result["bank_agency"] >= 50
    # An empty list here: only the look-alike verdict counts, not "listed".
    assert result["tranco_suspicious_pct"] <= 0.5, out.getvalue()
    assert result["bank_agency_flagged_pct"] >= 90, out.getvalue()

"""The scorer's pre-check (detection.lookalike._nothing_to_find) answers exactly what the full
scorer answers, for every host it lets through.

Compared, for each host: host, registrable domain, score, level, brand, official flag and every
finding (code, score, parameters, brand, template, foreign flag) and the reasons as rendered,
between _score(host, quick=True) (the pre-check, then the full scorer only when it says "maybe")
and _score(host, quick=False) (always the full scorer). Hosts: synthetic names (as the benchmark
makes them, and brand words, tokens and their typos, leet spellings, risky endings, free hosting,
IPs, IDNs, gov.vn imitations), every host and URL written in the look-alike tests, and, when
../shared/data is there, the Tranco top 50k and the ChongLuaDao lists.
"""

from __future__ import annotations

import ast
import json
import random
import sys
from pathlib import Path

import pytest

from detection import lookalike
from detection.brands import brands, token_index, word_index
from indicators.urlcanon import canonical_parts

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
TEST_FILES = [
    ROOT / "detection" / "tests" / "test_lookalike.py",
    ROOT / "lookup" / "tests" / "test_lookalikes.py",
    ROOT / "lookup" / "tests" / "test_verdicts.py",
]
TLDS = ["com", "net", "vn", "com.vn", "xyz", "top", "info", "online", "co", "me", "com.br", "de"]


def _answer(result) -> tuple:
    findings = [
        (f.code, f.score, f.params, f.brand, f.template, f.foreign) for f in result.findings
    ]
    return (
        result.host,
        result.registrable,
        result.score,
        result.level,
        result.brand,
        result.official,
        findings,
        result.reasons,
    )


def _host(value: str) -> str:
    value = value.strip()
    if "://" not in value:
        value = "http://" + value.lstrip("/")
    return canonical_parts(value).host


def _differences(hosts) -> tuple[int, list[str]]:
    hosts = sorted({h for h in map(_host, hosts) if h})
    differ = [
        h
        for h in hosts
        if _answer(lookalike._score(h, quick=True)) != _answer(lookalike._score(h, quick=False))
    ]
    return len(hosts), differ


def _typos(word: str, rng: random.Random) -> list[str]:
    """One edit of each kind, at a random place."""
    i = rng.randrange(len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    swapped = word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]
    return [
        word[:i] + word[i + 1 :],
        word[:i] + letter + word[i:],
        word[:i] + letter + word[i + 1 :],
        swapped,
        word.replace("m", "rn", 1),
        word.replace("o", "0").replace("l", "1").replace("e", "3"),
    ]


def _synthetic() -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from support.synthetic import Synthetic  # type: ignore[import-not-found]  # bench/, put on the path just above
    finally:
        sys.path.remove(str(ROOT / "bench"))
    syn, rng = Synthetic(5, longest_name=14), random.Random(6)
    hosts = [syn.domain() for _ in range(4000)]
    hosts += [f"www.{syn.domain(n)}" for n in range(1000)]
    words = [*word_index(), *token_index()]
    for word in words:
        for spelling in [word, *_typos(word, rng)]:
            tld = rng.choice(TLDS)
            glue = rng.choice(["", "-", "-xacthuc", "online", "-24", "v-", "my"])
            hosts += [f"{spelling}{glue}.{tld}", f"{glue.strip('-') or 'x'}-{spelling}.{tld}"]
            hosts += [f"{spelling}.{syn.domain()}", f"{spelling}.github.io"]
    for brand in brands().values():
        for domain in brand.domains:
            hosts += [domain, f"www.{domain}", f"{domain}.secure-login.xyz"]
            name = domain.split(".")[0]
            hosts += [f"{name}.{tld}" for tld in TLDS]
    hosts += [f"{w}.gov.vn.{t}" for t in TLDS for w in ("dichvucong", "abc", "www.thue")]
    hosts += ["govvn-dichvucong.top", "a.gov.vn", "gov.vn.abc.com", "xyz-gov.vn.net"]
    hosts += ["1.2.3.4", "192.168.0.1", "xn--vietcombnk-6qi.com.vn", "xn--80ak6aa92e.com"]
    hosts += ["truong.edu.vn", "agribanks.edu.vn", "shop.onelink.me", "vietcombank.go.link"]
    hosts += ["nhanqua-freefire.site", "xac-minh-tai-khoan.com", "trian-khach-hang.xyz"]
    return hosts


def _written_in_tests() -> list[str]:
    """Every string literal of the look-alike tests that looks like a host or a URL."""
    found = []
    for path in TEST_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if "." in text and " " not in text and len(text) < 300:
                    found.append(text.split("@")[-1])
    return found


def test_synthetic_and_tested_hosts_answer_as_the_full_scorer():
    hosts = _synthetic() + _written_in_tests()
    count, differ = _differences(hosts)
    assert count > 10_000
    assert differ == []


def test_the_pre_check_lets_most_ordinary_hosts_through_and_stops_the_telling_ones():
    # Without this, an always-"maybe" pre-check would pass the comparisons above unnoticed.
    for host in ["example.com", "www.nhasachphuongnam.vn", "abc123.xyz", "shop.co"]:
        assert lookalike._nothing_to_find(host, host.split(".", host.count(".") - 1)[-1])
    maybe = [
        "vietcombank-xacthuc.com",  # brand word
        "vietcornbank.com",  # typo (rn for m)
        "v1etinbank.com",  # digits for letters
        "v-acb.com",  # token
        "dichvucong.gov.vn.com",  # gov.vn inside
        "xn--vietcombnk-6qi.com.vn",  # IDN
        "abc.github.io",  # free hosting
        "xacminh-abc.com",  # account words
        "nhanqua123.com",  # prize words
        "truong.edu.vn",  # a school: official when nothing is found
    ]
    for host in maybe:
        assert not lookalike._nothing_to_find(host, None), host
    # A risky ending alone is what the pre-check answers itself, as the scorer would.
    quick = lookalike._score("abc123.xyz", quick=True)
    assert quick.codes == ["risky_tld"] and quick.score == 0.3 and not quick.flagged


def _lines(path: Path) -> list[str]:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared/data): nothing to compare on")
    return path.read_text(encoding="utf-8").splitlines()


def test_tranco_top_50k_answers_as_the_full_scorer():
    lines = _lines(DATA / "tranco" / "tranco_top_50k.csv")
    count, differ = _differences(line.split(",", 1)[1] for line in lines if "," in line)
    assert count > 40_000
    assert differ == []


def test_chongluadao_lists_answer_as_the_full_scorer():
    urls = _lines(DATA / "chongluadao" / "urls.txt")
    typed = DATA / "chongluadao" / "typed-blacklist-2021.json"
    white = DATA / "chongluadao" / "whitelist-2021.json"
    for path in (typed, white):
        if path.exists():
            urls += [item["url"].replace("*", "") for item in json.loads(path.read_text())]
    count, differ = _differences(u for u in urls if u.strip())
    assert count > 1_000
    assert differ == []

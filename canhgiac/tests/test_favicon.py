"""A favicon: /favicon.ico answers and every page links the icon."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_a_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/canhgiac/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    path = finders.find("canhgiac/favicon.ico")
    assert isinstance(path, str)
    with open(path, "rb") as icon:
        header = icon.read(6)
    assert header[:4] == b"\x00\x00\x01\x00" and header[4] >= 2  # an ICO with 2+ sizes


def test_pages_link_the_icon(client):
    page = client.get("/").content.decode()
    links = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert links == ["/static/canhgiac/favicon.ico", "/static/canhgiac/icon.svg"]

"""Nothing with a person's record in it is kept by a browser or a proxy: every response says no-store.

A care worker signs out of a shared tablet; the next person must not find Ada's record, her MAR chart or its
PDF in the back button or the disk cache. Static files (styles, scripts) are the only exception.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from carebook.medication.api.testing import api_as


def no_store(response) -> bool:
    return response.get("Cache-Control") == "no-store"


@pytest.fixture
def carla(client, world):
    client.force_login(world.carla)
    return client


def test_every_page_carla_sees_says_no_store(carla, world):
    pages = [
        reverse("home"),
        reverse("people:list"),
        reverse("people:person", args=[world.ada.pk]),
        reverse("medication:mar", args=[world.ada.pk]) + "?month=2026-06",
        reverse("people:picture", args=[world.ada.pk]),
        reverse("medication:round_start"),
    ]
    for path in pages:
        response = carla.get(path, follow=True)
        assert response.status_code == 200, path
        assert no_store(response), (path, response.get("Cache-Control"))


def test_the_mar_pdf_from_the_page_says_no_store(carla, world):
    response = carla.get(reverse("medication:mar_pdf", args=[world.ada.pk]), {"month": "2026-06"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert no_store(response)


def test_the_mar_pdf_from_the_api_says_no_store_by_path_and_by_accept_header(world):
    api = api_as(world.carla)
    by_path = api.get(f"/people/{world.ada.pk}/mar.pdf", {"month": "2026-06"})
    by_accept = api.get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"}, headers={"Accept": "application/pdf"})
    for response in (by_path, by_accept):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert no_store(response)


def test_api_json_says_no_store_answers_and_errors_alike(world):
    api = api_as(world.carla)
    for response in (
        api.get("/people"),
        api.get(f"/people/{world.ada.pk}"),
        api.get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"}),
        api.get(f"/people/{world.stranger.pk}"),  # 404
        api_as(None).get("/people"),  # 401
    ):
        assert response["Content-Type"].startswith("application/json")
        assert no_store(response), response.status_code


def test_the_sign_in_page_and_a_refused_page_say_no_store_too(client, world):
    assert no_store(client.get(reverse("access:sign_in")))
    assert no_store(client.get(reverse("people:person", args=[world.ada.pk])))  # a redirect to sign in


def test_static_files_may_be_cached(world):
    response = Client().get("/static/carebook/carebook.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")

"""The campaign workflow's pages. A placeholder: the Campaigns list (h1 "Campaigns") until the
workflow (steps 1-7 of issue 11) replaces this module; `routes` is all create_app needs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from briefcast.console.pages import render, require


def campaigns_page(request: Request) -> Response:
    require(request)
    return render(request, "campaigns/index.html", title="Campaigns")


routes = [Route("/", campaigns_page, methods=["GET"])]

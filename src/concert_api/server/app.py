"""The local API server: an ASGI app (Starlette, served by uvicorn) in front of the five Lambda handlers.

Each request becomes an API Gateway REST event and is passed to the same handler function Lambda runs: a handler
whose work is short and bounded (`inline_routes`) is called on the event loop itself; the others run in
worker threads, at most `handler_threads()` at a time (a bounded pool sized to the cores: more threads than cores
only queue for the GIL). `/openapi.json` serves the generated OpenAPI document, `/docs` an interactive page for
it, and `/` the web console (the static files of `concert_api/server/console/`, assets under `/console/`; see
docs/console.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.routing import Route as StarletteRoute
from starlette.staticfiles import StaticFiles

from concert_api import composition
from concert_api.errors import error_body
from concert_api.routes import ROUTES, Route, load_handler
from concert_api.server.lambda_bridge import LocalContext, response_body, rest_event
from concert_api.settings import get_settings

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's own payload limit; the handlers enforce the API's smaller one."""

ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})
"""The methods an API path passes to its handler (which answers a 405 for those its route does not serve)."""


def inline_routes(settings: Any) -> frozenset[str]:
    """Routes whose handler may run on the event loop, skipping the hop to a worker thread: those whose work is
    short and bounded. The shallow health check reads a few `stat`s. A venue ranking on the embedded DuckDB
    warehouse is answered from memory (tenths of a millisecond) or, once per data version, from the
    `venue_metrics` summary table (a few milliseconds at the large scale, see docs/benchmarks.md): less than the
    hop costs a request under load. On a remote warehouse a ranking may wait on the network, so it hops. (The
    first ranking also loads the model for its forecasts, once per process.)"""
    routes = {"health-check"}
    if settings.warehouse_backend == "duckdb":
        routes.add("venue-popularity")
    return frozenset(routes)


def handler_threads() -> int:
    """How many handlers run at once in worker threads: two per usable core, so that one waiting on the
    warehouse does not leave its core idle, and no more (more threads only queue for the GIL)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 * cores


def runs_inline(route: Route, query: Any, inline: frozenset[str]) -> bool:
    """Whether `route`'s handler runs on the event loop (`inline`, see `inline_routes`) for a request with this
    query: a deep health check waits on every backend, so it hops."""
    return route.key in inline and "deep" not in query


class HandlerPool:
    """The app's bounded pool of handler threads (its limiter is made in the event loop that serves)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._limiter: CapacityLimiter | None = None

    async def run(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)` in a worker thread, waiting for a free one when `size` are busy."""
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.size)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)


class HandlerEndpoint:
    """The ASGI app of one API route: the request becomes an API Gateway event for `route`'s Lambda handler, and
    the handler's proxy response becomes the HTTP response.

    Plain ASGI rather than a Starlette endpoint: it reads the scope's headers and query string once, as the event
    needs them, instead of building Starlette's `Request` and `Response` around them (a third of the server's own
    time per request on a fast route)."""

    def __init__(self, route: Route, pool: HandlerPool, inline: frozenset[str]) -> None:
        self.route, self.pool, self.inline = route, pool, inline
        self.handler = load_handler(route)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:  # first value of a repeated header, as Starlette's `Headers` gives
            headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
        if int(headers.get("content-length") or 0) > MAX_PAYLOAD_BYTES:
            await _too_large(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            await _too_large(scope, receive, send)
            return
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        head = scope["method"] == "HEAD" and self.route.method == "GET"  # HEAD is GET without the body
        client = scope.get("client")
        event = rest_event(
            self.route,
            method="GET" if head else scope["method"],
            path=scope["path"],
            headers=headers,
            query=query,
            body=body,
            source_ip=client[0] if client else "127.0.0.1",
        )
        context = LocalContext.for_route(self.route, event["requestContext"]["requestId"])
        if runs_inline(self.route, {key for key, _ in query}, self.inline):
            result = self.handler(event, context)
        else:
            result = await self.pool.run(self.handler, event, context)
        content = response_body(result)
        raw_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1"))
                       for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"]  # fmt: skip
        raw_headers.append((b"content-length", str(len(content)).encode("latin-1")))
        await send({"type": "http.response.start", "status": result["statusCode"], "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if head else content})


async def _read_body(receive: Any) -> bytes | None:
    """The request's body, or None when it grows past `MAX_PAYLOAD_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_PAYLOAD_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _too_large(scope: Any, receive: Any, send: Any) -> None:
    await JSONResponse(error_body("Payload too large", "The request body exceeds 10 MB."), 413)(scope, receive, send)


@lru_cache(maxsize=1)
def _openapi_json() -> bytes:
    from concert_api.openapi import render

    return render().encode()


async def openapi(_: Request) -> Response:
    return Response(_openapi_json(), media_type="application/json")


async def docs(_: Request) -> Response:
    page = resources.files("concert_api.server").joinpath("docs.html").read_text(encoding="utf-8")
    return HTMLResponse(page)


CONSOLE_CSP = (
    "default-src 'self'; connect-src 'self' https: http:; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
"""The console runs only its own files; it may call another API base URL (a deployed stage) set by its user."""


async def console(_: Request) -> Response:
    page = resources.files("concert_api.server").joinpath("console", "index.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Content-Security-Policy": CONSOLE_CSP, "Cache-Control": "no-cache"})


async def not_found(request: Request, _: Exception) -> Response:
    paths = ", ".join(f"{r.method} {r.path}" for r in ROUTES)
    return JSONResponse(error_body("Not found", f"No route for {request.url.path}; the API serves {paths}."), 404)


def allowed_methods(request: Request) -> list[str]:
    """The methods the route table serves at the request's path: an API route's method (and OPTIONS, HEAD with
    GET), else those of the page or document mounted there."""
    path = request.url.path
    api = [r for r in ROUTES if r.path == path]
    if api:
        methods = [api[0].method, *(["HEAD"] if api[0].method == "GET" else []), "OPTIONS"]
        return methods
    for mounted in request.app.routes:
        if getattr(mounted, "path", None) == path and getattr(mounted, "methods", None):
            return sorted(mounted.methods)
    return ["GET"]


async def method_not_allowed(request: Request, _: Exception) -> Response:
    methods = allowed_methods(request)
    details = f"{request.url.path} accepts {', '.join(methods)}; got {request.method}."
    return JSONResponse(error_body("Method not allowed", details), 405, headers={"Allow": ",".join(methods)})


class AllowedHosts:
    """ASGI middleware: answer only requests whose Host header is listed (CONCERT_ALLOWED_HOSTS), so a web page
    on another name that resolves to 127.0.0.1 (DNS rebinding) cannot use the local API. Others get a 400 in
    the error format."""

    def __init__(self, app: Any, hosts: list[str]) -> None:
        self.app = app
        self.hosts = {h.strip().lower() for h in hosts if h.strip()}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "*" not in self.hosts:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1").lower()
            if host not in self.hosts and host.rsplit(":", 1)[0] not in self.hosts:
                details = f"Host {host or '(none)'} is not served; allowed: {', '.join(sorted(self.hosts))}."
                await JSONResponse(error_body("Invalid host", details), 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ApiRoutes:
    """ASGI middleware: a request for one of the API's paths goes straight to its `HandlerEndpoint` (one dict
    lookup); everything else (the console, the documents, 404s, methods outside `ALL_METHODS`) to the Starlette
    app, whose routing it only spares the linear matching of each path's pattern. An API path takes every method
    of `ALL_METHODS`, and its handler answers the ones its route does not serve with a 405."""

    def __init__(self, app: Any, endpoints: dict[str, HandlerEndpoint]) -> None:
        self.app = app
        self.endpoints = endpoints

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        endpoint = self.endpoints.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is not None and scope["method"] not in ALL_METHODS:
            endpoint = None
        if endpoint is None:
            await self.app(scope, receive, send)
        else:
            await endpoint(scope, receive, send)


@contextlib.asynccontextmanager
async def _lifespan(_app: Starlette) -> AsyncIterator[None]:
    """At start, before the first request is accepted: open the warehouse (see `composition.warm_up`)."""
    await anyio.to_thread.run_sync(composition.warm_up)
    yield


def create_app() -> Starlette:
    """The ASGI application (a factory, so `uvicorn --factory` can run several workers)."""
    pool, inline = HandlerPool(handler_threads()), inline_routes(get_settings())
    endpoints = {r.path: HandlerEndpoint(r, pool, inline) for r in ROUTES}
    # `ApiRoutes` serves these paths; their Starlette routes answer only the methods it passes on (405).
    routes: list[BaseRoute] = [StarletteRoute(path, endpoint, methods=sorted(ALL_METHODS))
                               for path, endpoint in endpoints.items()]  # fmt: skip
    routes += [
        StarletteRoute("/openapi.json", openapi, methods=["GET"]),
        StarletteRoute("/docs", docs, methods=["GET"]),
        StarletteRoute("/", console, methods=["GET", "HEAD"]),
        Mount("/console", StaticFiles(packages=[("concert_api.server", "console")]), name="console"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: method_not_allowed}, lifespan=_lifespan)
    app.add_middleware(ApiRoutes, endpoints=endpoints)  # inside Starlette's error middleware, before its routing
    hosts = get_settings().allowed_hosts
    if hosts:
        app.add_middleware(AllowedHosts, hosts=hosts.split(","))
    return app


def describe(host: str, port: int) -> str:
    """The lines printed when the server starts."""
    lines = [f"Concert Data Platform API on http://{host}:{port}  (console: http://{host}:{port}/  "
             f"docs: http://{host}:{port}/docs)"]
    lines += [f"  {r.method:<5} http://{host}:{port}{r.path}" for r in ROUTES]
    return "\n".join(lines)

"""The dashboard's web server: a Starlette app served by uvicorn (``pip install "neuronkit[dashboard]"``).

Every route and the websocket need the run's token (the cookie ``neuronkit_token``, set by
``/?token=T``, or ``?token=``, or the header ``X-Neuronkit-Token``); the ``Host`` header must
name this server (127.0.0.1, localhost or [::1] with its port, or the ``--host`` given), and a
request that carries an ``Origin`` must come from such a page: a web page elsewhere cannot reach
the dashboard, not even by DNS rebinding. Errors are JSON ``{"error": message}`` (400 bad
input, 403 token/Host/Origin, 404, 413 too large) and never carry a traceback.

:func:`serve` runs the server in the foreground (Ctrl-C stops it cleanly); :class:`BackgroundServer`
runs it on a daemon thread (the :class:`~.callback.Dashboard` callback uses it).

Routes: ``GET /``, ``GET /static/{path}``, ``GET /api/hello``, ``GET /api/neuron?layer=&index=&sample=&frame=``,
``POST /api/control``, ``POST /api/config``, ``POST /api/upload?name=F&target=COL`` (the CSV file as the
raw body), ``GET /api/export``, ``GET /api/replay``, ``GET /api/replay/{k}?sample=N&pages={"hidden1": 1}``
(the view as the websocket's "view" message gives it), ``WS /ws``.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import logging
import math
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from ..errors import MissingDependencyError, NeuronkitError, ParameterError
from ..validation import check_bool, check_int
from .session import ClientView, Session, UploadTooLarge
from .state import Hub, json_safe

try:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect
except ImportError:  # pragma: no cover - the [dashboard] extra is installed in the test environment
    raise MissingDependencyError('the dashboard needs starlette and uvicorn; install them with: '
                                 'pip install "neuronkit[dashboard]"') from None

__all__ = ["BackgroundServer", "PortInUseError", "allowed_hosts", "create_app", "serve"]

log = logging.getLogger("neuronkit.dashboard")
#: how often a websocket looks for a new frame (a cheap check in the event loop; the frame is built only when new)
_POLL_SECONDS = 0.01

#: where the page's files are (packaged in the wheel)
STATIC_DIR = Path(__file__).with_name("static")
COOKIE = "neuronkit_token"
HEADER = "x-neuronkit-token"
#: the largest JSON body a route reads (config, control)
MAX_JSON_BYTES = 64 * 1024
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                     "Referrer-Policy": "no-referrer", "Content-Security-Policy": "frame-ancestors 'none'"}


class PortInUseError(NeuronkitError, OSError):
    """The port the dashboard should listen on is taken (by another dashboard?); ``errno`` says why."""

    def __init__(self, message: str, code: int = errno.EADDRINUSE) -> None:
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.strerror)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` header values a request may carry: loopback names with ``port``, and ``host`` itself.

    >>> sorted(allowed_hosts("127.0.0.1", 8765))
    ['127.0.0.1:8765', '[::1]:8765', 'localhost:8765']
    """
    names = {"127.0.0.1", "localhost", "[::1]", _bracket(host)}
    if _is_wildcard(host):  # listening everywhere: the machine's own names too
        names.update({socket.gethostname(), socket.getfqdn()})
    return {f"{n.lower()}:{int(port)}" for n in names if n and not _is_wildcard(n)}


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("", "0.0.0.0", "::")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (only this machine can connect)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _json_text(message: Any) -> str:
    try:
        return json.dumps(message, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a NaN somewhere: null instead (JSON has no NaN)
        return json.dumps(json_safe(message), allow_nan=False, separators=(",", ":"))


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(_SECURITY_HEADERS))


def _status_for(exc: BaseException) -> int:
    return 413 if isinstance(exc, UploadTooLarge) else 400


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` on a worker thread (NumPy work never blocks the event loop)."""
    return await run_in_threadpool(fn, *args)


def _handler(fn: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Errors as JSON: neuronkit's as 400 (413 too large), ours with their status, anything else 500 (logged)."""

    async def route(request: Request) -> Response:
        try:
            response = await fn(request)
        except _HTTPError as exc:
            return _error(exc.status, str(exc))
        except NeuronkitError as exc:
            return _error(_status_for(exc), str(exc))
        except Exception as exc:  # a bug: logged on the server, a short message to the page
            log.exception("dashboard: %s %s failed", request.method, request.url.path)
            return _error(500, f"internal error ({type(exc).__name__}); see the dashboard's terminal")
        response.headers.update(_SECURITY_HEADERS)
        return response

    return route


class _Guard:
    """ASGI middleware: Host, Origin and token checks on every HTTP request and websocket handshake."""

    def __init__(self, app: Any, *, token: str, hosts: Iterable[str]) -> None:
        self.app, self.token = app, token
        self.hosts = {h.lower() for h in hosts}

    def _refusal(self, scope: dict[str, Any]) -> str | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            return (f"Host {host!r} is not this dashboard's address; open the URL the dashboard printed "
                    "(DNS rebinding protection)")
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.hosts}:
            return f"Origin {origin!r} is not this dashboard's page; requests from other sites are refused"
        return None if self._token_ok(scope, headers) else \
            "missing or wrong token: open the URL with ?token=... that the dashboard printed"

    def _token_ok(self, scope: dict[str, Any], headers: dict[str, str]) -> bool:
        given: list[str] = []
        if HEADER in headers:
            given.append(headers[HEADER])
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given.extend(query.get("token", [])[:1])
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                given.append(value)
        # every token given must be right (a wrong ?token= is refused even with a good cookie)
        return bool(given) and all(secrets.compare_digest(g.encode(), self.token.encode()) for g in given)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            await _error(403, refusal)(scope, receive, send)
            return
        ws = WebSocket(scope, receive, send)
        if "websocket.http.response" in scope.get("extensions", {}):
            await ws.send_denial_response(_error(403, refusal))
        else:
            await ws.close(code=1008, reason=refusal[:120])


async def _read_body(request: Request, limit: int, what: str, error: Callable[[str], Exception]) -> bytes:
    """The request body, refused (``error``) as soon as it passes ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise error(f"{what} is {int(length):,} bytes; at most {limit:,} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise error(f"{what} is larger than {limit:,} bytes, the most accepted")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large_json(message: str) -> _HTTPError:
    return _HTTPError(413, message)


async def _json_body(request: Request) -> Any:
    body = await _read_body(request, MAX_JSON_BYTES, "the request body", _too_large_json)
    try:
        return json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ParameterError("the request body must be JSON, e.g. {\"action\": \"pause\"}") from None


def _int_param(request: Request, name: str, default: int | None = None, *, required: bool = False) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if required:
            raise ParameterError(f"{name} is missing: pass ?{name}=N")
        return default
    try:
        return int(raw)
    except ValueError:
        raise ParameterError(f"{name} must be an integer; got {raw!r}") from None


def create_app(session: Session, *, token: str, hosts: Iterable[str],
               static_dir: str | Path | None = None) -> Starlette:
    """The dashboard's Starlette app for ``session``, guarded by ``token`` and the allowed ``hosts``
    (``Host`` header values, e.g. ``{"127.0.0.1:8765"}``; see :func:`allowed_hosts`).

    ``static_dir``: where the page's files are (the package's ``static/`` by default).

    >>> from neuronkit.dashboard import Hub
    >>> app = create_app(Session.watch(Hub()), token="x" * 32, hosts=allowed_hosts("127.0.0.1", 8765))
    >>> [route.path for route in app.routes][:4]
    ['/', '/api/hello', '/api/neuron', '/api/control']
    """
    if not isinstance(token, str) or len(token) < 16:
        raise ParameterError("token must be a string of at least 16 characters (secrets.token_urlsafe(24))")
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    rate = session.hub.rate

    @_handler
    async def index(request: Request) -> Response:
        if "token" in request.query_params:  # the printed URL: keep the token in a cookie, drop it from the URL
            response: Response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
            return response
        page = static / "index.html"
        if not page.is_file():
            return HTMLResponse("<!doctype html><title>neuronkit dashboard</title><p>The dashboard's page is not "
                                "installed (static/index.html is missing); the API works.</p>")
        return FileResponse(page, headers={"Cache-Control": "no-store"})

    @_handler
    async def hello(request: Request) -> Response:
        return JSONResponse(await _call(session.hello))

    @_handler
    async def neuron(request: Request) -> Response:
        layer = request.query_params.get("layer", "")
        index = _int_param(request, "index", required=True)
        sample = _int_param(request, "sample", 0)
        frame = _int_param(request, "frame", None)
        return JSONResponse(await _call(session.neuron, layer, index, sample, frame))

    @_handler
    async def control(request: Request) -> Response:
        return JSONResponse(await _call(session.control, await _json_body(request)))

    @_handler
    async def config(request: Request) -> Response:
        return JSONResponse(await _call(session.configure, await _json_body(request)))

    @_handler
    async def upload(request: Request) -> Response:
        name = request.query_params.get("name", "")
        target = request.query_params.get("target") or None
        data = await _read_body(request, session.limits.bytes, "the uploaded file", UploadTooLarge)
        return JSONResponse(await _call(session.upload, name, data, target))

    @_handler
    async def export(request: Request) -> Response:
        data, filename = await _call(session.export)
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})

    @_handler
    async def replay_index(request: Request) -> Response:
        return JSONResponse(await _call(session.replay_index))

    @_handler
    async def replay_frame(request: Request) -> Response:
        k = request.path_params["k"]
        view = ClientView()  # the page's view: ?sample=N&pages={"hidden1": 1} (JSON)
        try:
            pages = json.loads(request.query_params.get("pages") or "{}")
        except ValueError:
            raise ParameterError('pages must be JSON, e.g. {"hidden1": 1}') from None
        view.set_view({"pages": pages, "sample": _int_param(request, "sample", 0)})
        return JSONResponse(json_safe(await _call(session.replay_frame, k, view)))

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        client = ClientView()
        interval = 1.0 / rate
        try:
            await websocket.send_text(_json_text(await _call(session.hello)))
            reader = asyncio.ensure_future(_read_views(websocket, client))
            try:
                sent = asked = -math.inf
                while not reader.done():
                    # a new frame goes out as soon as it is published (at most `rate` a second); anything else
                    # (status, curves, a new view) at the latest after one interval. A fixed poll every interval
                    # beat against the publisher's own interval and halved the rate at times.
                    now = time.monotonic()
                    frame = session.hub.latest()
                    fresh = frame is not None and frame.seq != client.seq
                    if (fresh and now - sent >= interval) or client.dirty or now - asked >= interval:
                        asked = now
                        message = await _call(session.update, client)
                        if message is not None:
                            await websocket.send_text(_json_text(message))
                            sent = now
                    await asyncio.wait([reader], timeout=_POLL_SECONDS)
            finally:
                if reader.done() and not reader.cancelled():
                    reader.exception()  # retrieved: the page went away (WebSocketDisconnect)
                reader.cancel()
        except (WebSocketDisconnect, RuntimeError):  # the page went away (a send after the close: RuntimeError)
            return
        except Exception:  # a bug: logged; the page reconnects
            log.exception("dashboard: the websocket failed")
            await _close_quietly(websocket)

    async def _read_views(websocket: WebSocket, client: ClientView) -> None:
        while True:
            text = await websocket.receive_text()
            try:
                message = json.loads(text)
                if isinstance(message, dict) and message.get("type") == "view":
                    client.set_view(message)
            except (ValueError, NeuronkitError) as exc:
                await websocket.send_text(_json_text({"type": "error", "error": str(exc)}))

    routes = [
        Route("/", index), Route("/api/hello", hello), Route("/api/neuron", neuron),
        Route("/api/control", control, methods=["POST"]), Route("/api/config", config, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]), Route("/api/export", export),
        Route("/api/replay", replay_index), Route("/api/replay/{k:int}", replay_frame),
        WebSocketRoute("/ws", ws),
        Mount("/static", app=StaticFiles(directory=static, check_dir=False), name="static"),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "error")
        return _error(status, f"{request.url.path}: {detail}")

    app = Starlette(routes=routes, exception_handlers={404: http_error, 405: http_error})
    app.add_middleware(_Guard, token=token, hosts=hosts)
    return app


async def _close_quietly(websocket: WebSocket) -> None:
    try:
        await websocket.close(code=1011)
    except Exception:  # already closed
        pass


# ---------------------------------------------------------------------- running it
def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port), or :class:`PortInUseError`."""
    port = check_int(port, "port", low=0, high=65535)
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(f"port {port} is in use (another dashboard?); pass --port N, or --port 0 for a "
                                 "free one") from None
        raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", exc.errno or 0) from None
    return sock


def _url(host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if _is_wildcard(host) else _bracket(host)
    return f"http://{shown}:{port}/?token={token}"


def _uvicorn_server(app: Starlette) -> Any:
    try:
        import uvicorn
    except ImportError:  # pragma: no cover
        raise MissingDependencyError('the dashboard needs uvicorn; install it with: '
                                     'pip install "neuronkit[dashboard]"') from None
    # wsproto and h11 import cleanly with warnings as errors; no lifespan events are used. No per-message deflate:
    # the page is on this machine, and compressing every update (in the training process) cost watched training
    # about a fifth of the server's time
    config = uvicorn.Config(app, ws="wsproto", http="h11", lifespan="off", log_level="warning",
                            timeout_graceful_shutdown=3, ws_per_message_deflate=False)
    return uvicorn.Server(config)


def serve(session: Session, *, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          quiet: bool = False) -> None:
    """Serve ``session`` in the foreground until Ctrl-C (then the session is closed and this returns).

    Prints ``neuronkit dashboard: http://127.0.0.1:PORT/?token=...``; warns when ``host`` is not a loopback
    address; opens the page in the browser unless ``open_browser=False``. A busy port raises
    :class:`PortInUseError` before anything starts:

    >>> import socket
    >>> from neuronkit.dashboard import Hub
    >>> taken = socket.socket(); taken.bind(("127.0.0.1", 0)); taken.listen(1)
    >>> try:
    ...     serve(Session.watch(Hub()), port=taken.getsockname()[1], open_browser=False)
    ... except PortInUseError as exc:
    ...     print("in use (another dashboard?); pass --port N" in str(exc))
    True
    >>> taken.close()
    """
    open_browser, quiet = check_bool(open_browser, "open_browser"), check_bool(quiet, "quiet")
    sock = bind(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(session, token=token, hosts=allowed_hosts(host, port))
    server = _uvicorn_server(app)
    url = _url(host, port, token)
    if not quiet:
        print(f"neuronkit dashboard: {url}", flush=True)
        if not is_loopback(host):
            print(f"warning: the dashboard listens on {host}: anyone who can reach this machine can open the page "
                  "(the token still guards it); use --host 127.0.0.1 to keep it private", file=sys.stderr,
                  flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        session.close()


class BackgroundServer:
    """The dashboard served on a daemon thread: ``start()`` (returns once it listens), ``url``, ``stop()``.

    ``hub_or_session``: a :class:`Session`, or a :class:`~.state.Hub` that a run publishes to (served as
    :meth:`Session.watch`). ``port=0`` takes a free port (``.port`` tells which, once started).

    >>> import httpx
    >>> from neuronkit.dashboard import Hub
    >>> server = BackgroundServer(Hub(), port=0).start()
    >>> base = server.url.split("/?")[0]
    >>> httpx.get(base + "/api/hello", headers={"X-Neuronkit-Token": server.token}).json()["mode"]
    'watch'
    >>> httpx.get(base + "/api/hello").status_code  # no token
    403
    >>> server.stop()
    """

    def __init__(self, hub_or_session: Hub | Session, *, host: str = "127.0.0.1", port: int = 8765) -> None:
        self.session = hub_or_session if isinstance(hub_or_session, Session) else Session.watch(hub_or_session)
        self.host, self.port = host, check_int(port, "port", low=0, high=65535)
        self.token = secrets.token_urlsafe(24)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        """The page's address with the token."""
        return _url(self.host, self.port, self.token)

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        if self._thread is not None:
            return self
        self._sock = bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        app = create_app(self.session, token=self.token, hosts=allowed_hosts(self.host, self.port))
        self._server = _uvicorn_server(app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="neuronkit-dashboard-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise PortInUseError(f"the dashboard server did not start on {self.host}:{self.port}", 0)
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (the session's run, if any, is left as it is)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive() and self._server is not None:
                # a connection or task that outlived the graceful timeout and its cancellation: stop waiting for
                # it, so that the process can exit (the server's worker threads end with its event loop)
                self._server.force_exit = True
                self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def open_browser(self) -> None:
        webbrowser.open(self.url)

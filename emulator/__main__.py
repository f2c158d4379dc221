"""``luma-emulator``: serve the emulator with uvicorn.

    luma-emulator [--host 127.0.0.1] [--port 8080] [--db PATH] [--complete-after SECONDS]
                  [--rate-limit N] [--rate-window SECONDS] [--url-ttl SECONDS]
                  [--max-body BYTES] [--api-key KEY]... [--log-level LEVEL]

Exit codes: 0 after a clean stop (Ctrl-C; SIGTERM ends it as the signal does), 2 for bad options, a database that cannot be opened or an
address that cannot be bound.
"""

from __future__ import annotations

import argparse
import sys

from .config import API_PREFIX, EmulatorConfig


def _parser() -> argparse.ArgumentParser:
    defaults = EmulatorConfig()
    p = argparse.ArgumentParser(
        prog="luma-emulator",
        description=(
            "A local stand-in for the Luma Agents API. Point the SDK at "
            f"base_url=http://HOST:PORT{API_PREFIX}. See emulator/README.md for the test markers."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on, 0 for any free one (default: %(default)s)")
    p.add_argument(
        "--db",
        default=defaults.db,
        metavar="PATH",
        help="SQLite file holding the jobs, or :memory: (default: %(default)s)",
    )
    p.add_argument(
        "--complete-after",
        type=float,
        default=defaults.complete_after,
        metavar="SECONDS",
        help="seconds from creation until a job is completed (default: %(default)s)",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit,
        metavar="N",
        help="API requests allowed per caller per window, 0 for no limit (default: %(default)s)",
    )
    p.add_argument(
        "--rate-window",
        type=float,
        default=defaults.rate_window,
        metavar="SECONDS",
        help="length of the rate-limit window (default: %(default)s)",
    )
    p.add_argument(
        "--url-ttl",
        type=int,
        default=defaults.url_ttl,
        metavar="SECONDS",
        help="how long an output URL stays valid (default: %(default)s)",
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=defaults.max_body,
        metavar="BYTES",
        help="largest request body accepted; larger: 413 (default: %(default)s, 10 MiB)",
    )
    p.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only this bearer token (repeat for more; printable ASCII, inner spaces allowed); default: any well-formed token",
    )
    p.add_argument(
        "--at-root",
        action="store_true",
        help="also answer at the server's root (/generations beside /v1/generations), as the official SDK's test suite expects",
    )
    p.add_argument(
        "--mock-unknown-ids",
        action="store_true",
        help="answer a read of an id nobody created with a completed generation, as a stateless mock would (default: 404)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default: %(default)s)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), open the database, serve until stopped.

    Returns the exit code (2 for a bad option value or an unusable database).
    """
    from .app import create_app
    from .guard import valid_api_key
    from .serve import bind, server
    from .store import StoreError

    args = _parser().parse_args(argv)
    try:
        for key in args.api_key:
            if not valid_api_key(key):
                raise ValueError("an --api-key must be printable ASCII with no leading or trailing space (inner spaces are allowed)")
        config = EmulatorConfig(
            db=args.db,
            complete_after=args.complete_after,
            rate_limit=args.rate_limit,
            rate_window=args.rate_window,
            url_ttl=args.url_ttl,
            max_body=args.max_body,
            api_keys=frozenset(args.api_key),
            at_root=args.at_root,
            mock_unknown_ids=args.mock_unknown_ids,
        )
        app = create_app(config)
    except (ValueError, StoreError) as exc:
        print(f"luma-emulator: error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"luma-emulator: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"luma-emulator: serving http://{shown}:{port}{API_PREFIX} (db {args.db})", file=sys.stderr)
    running = server(app, log_level=args.log_level)
    try:
        running.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        pass
    return 0 if running.started else 1


if __name__ == "__main__":
    sys.exit(main())

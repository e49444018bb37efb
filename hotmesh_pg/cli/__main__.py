"""`hotmesh-pg`: parse the command line, run one subcommand, print JSON, exit with a code
scripts can trust (see ``exits``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from . import commands, exits, loader
from .output import emit, say

LOG_LEVELS = {
    "silly": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "silent": logging.CRITICAL + 10,
}

EPILOG = """\
connection: --connection postgresql://... | redis://...; without it $HOTMESH_DSN, else an
embedded Postgres in a per-user data folder (migrated automatically).

JSON arguments may be '-' (read stdin) or '@FILE'.

exit codes: 0 ok; 1 the engine refused the request or the job failed (unknown topic, job
or version, duplicate job, pubsub timeout); 2 bad usage or input (arguments, JSON, YAML,
payload too large); 3 database unreachable or schema not migrated (run `hotmesh-pg db
upgrade`).
"""


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The shared options; on subcommands their default is SUPPRESS so that a value given
    before the subcommand is not reset by the subparser."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection options")
    group.add_argument(
        "--connection", "-c", metavar="DSN", default=default(None),
        help="postgresql://... or redis://... (default: $HOTMESH_DSN, else embedded Postgres)",
    )
    group.add_argument(
        "--app", "-a", metavar="APP_ID", default=default(os.environ.get("HOTMESH_APP")),
        help="app id (default: $HOTMESH_APP; deploy reads it from the YAML)",
    )
    group.add_argument(
        "--namespace", "-n", default=default("hmsh"), help="namespace (default: hmsh)"
    )
    group.add_argument(
        "--schema", default=default("hotmesh"), help="Postgres schema (default: hotmesh)"
    )
    group.add_argument(
        "--migrate", action="store_true", default=default(False),
        help="upgrade the schema first if it is behind, instead of failing with exit code 3",
    )
    group.add_argument(
        "--log-level", choices=sorted(LOG_LEVELS), default=default("warn"),
        help="engine log level, written to stderr (default: warn)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotmesh-pg",
        description="HotMesh workflows on PostgreSQL: run the demo, deploy apps, start jobs, "
        "inspect them, run workers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_common(p, suppress=True)
        return p

    p = command("demo", "deploy the sample order app, run a few orders, show what happened")
    p.add_argument("--orders", type=int, default=3, metavar="N",
                   help="how many orders to place (default: 3)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for each order (default: 30)")

    p = command("db", "database schema commands")
    db_sub = p.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    up = db_sub.add_parser("upgrade", help="run the migrations up to the newest revision")
    _add_common(up, suppress=True)

    p = command("deploy", "compile a YAML app and store it as a new version")
    p.add_argument("file", metavar="FILE", help="the app's hotmesh.yaml")
    p.add_argument("--activate", action="store_true", help="activate the version after deploying")
    p.add_argument("--manifest", action="store_true", help="include the compiled manifest")

    p = command("activate", "switch every engine of the app to VERSION")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--delay", type=float, default=None, metavar="SECONDS",
                   help="quorum wait between steps (default: 0.25)")

    p = command("pub", "start a job; prints its id")
    p.add_argument("topic", metavar="TOPIC")
    p.add_argument("data", metavar="JSON", nargs="?", default="{}")

    p = command("pubsub", "start a job and wait for its output")
    p.add_argument("topic", metavar="TOPIC")
    p.add_argument("data", metavar="JSON", nargs="?", default="{}")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="give up after this long (default: 10), exit code 1")

    p = command("status", "a job's status semaphore (0 done, > 0 running, < 0 interrupted)")
    p.add_argument("job_id", metavar="JOB_ID")

    p = command("state", "a job's output (metadata and data)")
    p.add_argument("topic", metavar="TOPIC")
    p.add_argument("job_id", metavar="JOB_ID")

    p = command("export", "a job's full history")
    p.add_argument("job_id", metavar="JOB_ID")

    p = command("worker", "run worker callbacks from MODULE:ATTR until interrupted")
    p.add_argument("target", metavar="MODULE:ATTR",
                   help="a callback, a {topic: callback} dict or a list of worker dicts; "
                   "MODULE may be a dotted name or a path to a .py file")
    p.add_argument("--topic", help="the topic of a single callback, or pick one from a list")
    p.add_argument("--engine", action="store_true", help="also run an engine in this process")
    p.add_argument("--reclaim-delay", type=int, default=None, metavar="MS",
                   help="reclaim messages another consumer left unacknowledged this long")
    p.add_argument("--reclaim-count", type=int, default=None, metavar="N",
                   help="deliveries before a message is dead-lettered")
    return parser


def _options(args: argparse.Namespace) -> commands.Options:
    return commands.Options(
        connection=args.connection,
        app=args.app,
        namespace=args.namespace,
        schema=args.schema,
        log_level=args.log_level,
        migrate=args.migrate,
    )


def _configure_logging(level_name: str) -> None:
    # platformdirs warns when $XDG_RUNTIME_DIR is unset (containers, CI); it changes nothing
    # for the embedded server's data folder, and a first-time user should not see it.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    logging.basicConfig(
        stream=sys.stderr,
        level=LOG_LEVELS[level_name],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def _run(args: argparse.Namespace) -> Any:
    opts = _options(args)
    name = args.command
    if name == "demo":
        from . import demo

        return await demo.run(opts, orders=args.orders, wait_s=args.timeout)
    if name == "db":
        return await commands.db_upgrade(opts)
    if name == "deploy":
        return await commands.deploy(opts, args.file, activate=args.activate,
                                     manifest=args.manifest)
    if name == "activate":
        return await commands.activate(opts, args.version, args.delay)
    if name == "pub":
        return await commands.pub(opts, args.topic, loader.parse_json_object(args.data, "JSON"))
    if name == "pubsub":
        data = loader.parse_json_object(args.data, "JSON")
        return await commands.pubsub(opts, args.topic, data, args.timeout)
    if name == "status":
        return await commands.status(opts, args.job_id)
    if name == "state":
        return await commands.state(opts, args.topic, args.job_id)
    if name == "export":
        return await commands.export(opts, args.job_id)
    if name == "worker":
        await commands.worker(
            opts, args.target, topic=args.topic, with_engine=args.engine,
            reclaim_delay=args.reclaim_delay, reclaim_count=args.reclaim_count,
        )
        return None
    raise exits.UsageError(f"unknown command {name}")  # argparse already refuses these


async def _run_and_close(args: argparse.Namespace) -> Any:
    try:
        return await _run(args)
    finally:
        # Close every pool and listener this process opened, even after an error.
        if "hotmesh_pg.hotmesh" in sys.modules:
            from hotmesh_pg.hotmesh import HotMesh

            try:
                await HotMesh.stop_all()
            except Exception as exc:  # a failed shutdown must not hide the real outcome
                logging.getLogger("hotmesh_pg.cli").debug("stop_all failed: %s", exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hotmesh-pg`` script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on bad usage, as argparse does
    _configure_logging(args.log_level)
    try:
        result = asyncio.run(_run_and_close(args))
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as exc:
        code = exits.exit_code_for(exc)
        payload: dict[str, Any] = {"error": exits.describe(exc)}
        summary = getattr(exc, "summary", None)
        if isinstance(summary, dict):
            payload["result"] = summary  # e.g. the demo's orders, some of which failed
        emit(payload)
        say(f"hotmesh-pg {args.command}: {type(exc).__name__}: {exc}")
        if code == exits.CONNECTION and "SchemaNotReady" not in type(exc).__name__:
            say("hint: check --connection / $HOTMESH_DSN and that the server is running")
        elif code == exits.CONNECTION:
            say("hint: run `hotmesh-pg db upgrade` (same --connection/--schema) or pass --migrate")
        if args.log_level in ("debug", "silly"):
            logging.getLogger("hotmesh_pg.cli").exception("traceback")
        return code
    if result is not None:
        emit(result)
    return exits.OK


if __name__ == "__main__":
    sys.exit(main())

"""LSP benchmark: our server against a bare pygls server, the same workload, in one run.

Both servers are driven over stdio by `bench/rpc.py` (no pytest-lsp). Per server it measures:
startup (spawn to the initialize response, median of fresh starts); completion, hover and
formatting round trips (p50 and p95) on 1,000- and 5,000-line pascal_like programs; the edit
storm (2,000 single-character incremental edits sent at once, then a completion: the time
from the first edit to the completion's answer); and the cancellation flood (200 hovers, each
followed at once by its `$/cancelRequest`, then one normal hover: the time from the first
flooded message to the normal hover's answer; every flooded request must get one response).
The two sessions stay open side by side and take turns (request by request for the round
trips, repetition by repetition for the storm and the flood), so load from other processes
hits both alike. Ratios are ours / bare; the targets apply on 5,000 lines. The exit status is
1 only when a check of the answers fails (an error response, a flooded request answered other
than once), never because of a time.

Run: `.venv/bin/python bench/lsp.py [--quick] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from programs import program  # noqa: E402
from rpc import Client  # noqa: E402

SERVERS = {
    "ours": [sys.executable, "-m", "server", "serve"],
    "bare": [sys.executable, str(BENCH / "bare_server.py")],
}
SIZES = (1_000, 5_000)
TARGETS = {  # metric -> the largest ratio ours/bare that meets it
    "startup_ms": 1.5,
    "completion_p95_ms_5000": 5.0,
    "hover_p95_ms_5000": 3.0,
    "edit_storm_ms": 1.5,
    "cancel_flood_ms": 1.0,
}
PROJECT = """[[language]]
name = "pascal"
config = "preset:pascal_like"
extensions = [".pas"]
"""
_WORD = re.compile(r"[A-Za-z_]\w*")
# The cursor goes on user symbols and builtins, where the server has something to look up.
_KEYWORDS = frozenset(("PROGRAM", "PROCEDURE", "VAR", "BEGIN", "END", "IF", "THEN", "WHILE", "DO"))
FORMAT_OPTIONS = {"tabSize": 4, "insertSpaces": True}


def words(text: str) -> list[tuple[int, int, int]]:
    """(line, start, end) of every non-keyword identifier in `text`."""
    found = []
    for number, line in enumerate(text.split("\n")):
        for match in _WORD.finditer(line):
            if match.group(0) not in _KEYWORDS:
                found.append((number, match.start(), match.end()))
    return found


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def init_params(root: Path) -> dict[str, Any]:
    """initialize params of a plain editor with a workspace folder at `root`."""
    return {
        "processId": os.getpid(),
        "clientInfo": {"name": "bench-lsp"},
        "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {
                "synchronization": {"dynamicRegistration": False},
                "completion": {"completionItem": {"snippetSupport": True}},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "formatting": {"dynamicRegistration": False},
                "publishDiagnostics": {"versionSupport": True},
            },
        },
    }


class Session:
    """One running server with its open benchmark documents."""

    def __init__(self, name: str, client: Client, root: Path) -> None:
        self.name = name
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    @property
    def is_ours(self) -> bool:
        """Whether this is our server (which publishes diagnostics)."""
        return self.name == "ours"

    async def open(self, path: Path) -> str:
        """didOpen `path`; for our server, wait for its first diagnostics."""
        uri = path.as_uri()
        self.versions[uri] = 1
        self.texts[uri] = path.read_text()
        doc = {"uri": uri, "languageId": "pascal", "version": 1, "text": self.texts[uri]}
        self.client.notify("textDocument/didOpen", {"textDocument": doc})
        if self.is_ours:
            await self.client.wait_published(uri, 1)
        return uri

    async def settle(self, uri: str) -> bool:
        """For our server, wait for the diagnostics of the latest version (the debounce)."""
        if self.is_ours:
            try:
                await self.client.wait_published(uri, self.versions[uri], 30.0)
            except TimeoutError:
                return False
        return True


async def start(name: str, root: Path, log: Any) -> tuple[Client, float]:
    """Spawn a server and initialize it; the client and the spawn-to-response time (s)."""
    client = await Client.spawn(SERVERS[name], str(ROOT), log)
    response = await client.request("initialize", init_params(root))
    elapsed = time.perf_counter() - client.spawned_at
    if "error" in response:
        raise RuntimeError(f"{name}: initialize failed: {response['error']}")
    return client, elapsed


async def startup(name: str, root: Path, log: Any) -> float:
    """One fresh start: spawn to the initialize response, in seconds."""
    client, elapsed = await start(name, root, log)
    await client.close()
    return elapsed


async def round_trip(client: Client, method: str, params: dict[str, Any]) -> tuple[float, bool]:
    """One request: its round trip (s), and whether it was answered with an error."""
    t0 = time.perf_counter()
    response = await client.request(method, params)
    return time.perf_counter() - t0, "error" in response


async def take_turns(
    sessions: dict[str, Session], method: str, params: dict[str, list[Any]], warm_up: int
) -> dict[str, list[tuple[float, bool]]]:
    """The servers take turns request by request, so a burst of load hits both alike.

    The first `warm_up` requests of each server are sent but not kept.
    """
    timed: dict[str, list[tuple[float, bool]]] = {name: [] for name in sessions}
    for i in [*range(warm_up), *range(len(next(iter(params.values()))))]:
        for name, s in sessions.items():
            timed[name].append(await round_trip(s.client, method, params[name][i]))
    return {name: rows[warm_up:] for name, rows in timed.items()}


def feature_params(uri: str, spots: list[tuple[int, int, int]]) -> dict[str, list[Any]]:
    """Completion at the end of each identifier, hover inside it, whole-document formatting."""
    doc = {"uri": uri}
    return {
        "textDocument/completion": [
            {"textDocument": doc, "position": {"line": ln, "character": end}}
            for ln, _, end in spots
        ],
        "textDocument/hover": [
            {"textDocument": doc, "position": {"line": ln, "character": (s + e) // 2}}
            for ln, s, e in spots
        ],
        "textDocument/formatting": [{"textDocument": doc, "options": FORMAT_OPTIONS}] * len(spots),
    }


async def text_matches(s: Session, uri: str) -> bool:
    """Whether our server's copy of `uri` is the opened text at the latest version (bare: True)."""
    if not s.is_ours:
        return True
    args = {"command": "parsercraft.documentText", "arguments": [{"uri": uri}]}
    result = (await s.client.request("workspace/executeCommand", args)).get("result") or {}
    return result.get("text") == s.texts[uri] and result.get("version") == s.versions[uri]


async def edit_storm(
    s: Session, uri: str, spots: list[tuple[int, int, int]], edits: int, rng: random.Random
) -> dict[str, Any]:
    """`edits` one-character edits (an insert, then its delete) sent at once, then a completion.

    Every insert is deleted again, so the text ends as it began (checked on our server).
    """
    chunks = []
    for i in range(edits):
        if i % 2 == 0:  # insert "x" inside a random identifier ...
            line, start, end = spots[rng.randrange(len(spots))]
            col = rng.randint(start, end)
            at = {"line": line, "character": col}
            change = {"range": {"start": at, "end": at}, "text": "x"}
        else:  # ... then delete it again, so positions stay valid
            after = {"line": line, "character": col + 1}
            change = {"range": {"start": at, "end": after}, "text": ""}
        s.versions[uri] += 1
        versioned = {"uri": uri, "version": s.versions[uri]}
        params = {"textDocument": versioned, "contentChanges": [change]}
        chunks.append(s.client.notification("textDocument/didChange", params))
    line, _, end = spots[rng.randrange(len(spots))]
    _, data, future = s.client.new_request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": end}},
    )
    chunks.append(data)
    t0 = time.perf_counter()
    s.client.write_many(chunks)
    response = await asyncio.wait_for(future, 120.0)
    elapsed = time.perf_counter() - t0
    settled = await s.settle(uri)
    result = response.get("result") or {}
    items = result.get("items", result) if isinstance(result, dict) else result
    return {
        "ms": 1e3 * elapsed,
        "error": response.get("error"),
        "items": len(items or []),
        "is_incomplete": isinstance(result, dict) and result.get("isIncomplete", False),
        "settled": settled,
        "text_ok": await text_matches(s, uri),
    }


async def cancel_flood(
    s: Session, uri: str, spots: list[tuple[int, int, int]], count: int, rng: random.Random
) -> dict[str, Any]:
    """`count` hovers each followed by its cancel, then a normal hover."""
    chunks, flooded = [], []
    for _ in range(count):
        line, start, _ = spots[rng.randrange(len(spots))]
        params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": start}}
        msg_id, data, future = s.client.new_request("textDocument/hover", params)
        flooded.append((msg_id, future))
        chunks += [data, s.client.notification("$/cancelRequest", {"id": msg_id})]
    line, start, _ = spots[rng.randrange(len(spots))]
    params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": start}}
    _, data, last = s.client.new_request("textDocument/hover", params)
    chunks.append(data)
    t0 = time.perf_counter()
    s.client.write_many(chunks)
    response = await asyncio.wait_for(last, 60.0)
    elapsed = time.perf_counter() - t0
    answers = await asyncio.wait_for(asyncio.gather(*(f for _, f in flooded)), 60.0)
    await s.client.request("textDocument/hover", params)  # any duplicate arrives before this
    cancelled = sum(a.get("error", {}).get("code") == -32800 for a in answers)
    return {
        "ms": 1e3 * elapsed,
        "final_error": response.get("error"),
        "cancelled": cancelled,
        "answered": len(answers) - cancelled,
        "exactly_once": all(s.client.responses[i] == 1 for i, _ in flooded),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every phase against both servers; the figures by metric and the raw samples."""
    quick = args.quick
    starts, requests = (2, 20) if quick else (5, 100)
    edits, flood, repeats = (200, 50, 1) if quick else (2_000, 200, 3)
    samples: dict[str, dict[str, Any]] = {name: {} for name in SERVERS}
    with tempfile.TemporaryDirectory(prefix="bench-lsp-") as tmp:
        root = Path(tmp)
        (root / "parsercraft.toml").write_text(PROJECT)
        texts = {n: program("pascal_like", n) for n in SIZES}
        paths = {n: root / f"bench{n}.pas" for n in SIZES}
        for n, path in paths.items():
            path.write_text(texts[n])
        logs = {name: open(root / f"{name}.log", "wb") for name in SERVERS}  # noqa: SIM115
        try:
            print(f"startup: 1 warm-up + {starts} fresh starts each ...", flush=True)
            for name in SERVERS:
                await startup(name, root, logs[name])
            for _ in range(starts):
                for name in SERVERS:
                    elapsed = await startup(name, root, logs[name])
                    samples[name].setdefault("startup_ms", []).append(1e3 * elapsed)
            sessions = {}
            for name in SERVERS:
                client, _ = await start(name, root, logs[name])
                client.notify("initialized", {})
                sessions[name] = Session(name, client, root)
            uris: dict[str, dict[int, str]] = {name: {} for name in SERVERS}
            for name, s in sessions.items():
                t0 = time.perf_counter()
                uris[name] = {n: await s.open(paths[n]) for n in SIZES}
                samples[name]["open_ms"] = 1e3 * (time.perf_counter() - t0)
            for n in SIZES:
                spots = words(texts[n])
                chosen = random.Random(n).choices(spots, k=requests)
                for method in (
                    "textDocument/completion",
                    "textDocument/hover",
                    "textDocument/formatting",
                ):
                    kind = method.split("/")[1]
                    print(f"{kind} x{requests} on {n} lines ...", flush=True)
                    params = {
                        name: feature_params(uris[name][n], chosen)[method] for name in SERVERS
                    }
                    timed = await take_turns(sessions, method, params, warm_up=3)
                    for name, rows in timed.items():
                        samples[name][f"{kind}_ms_{n}"] = [1e3 * t for t, _ in rows]
                        samples[name][f"{kind}_errors_{n}"] = sum(e for _, e in rows)
            n = SIZES[-1]
            spots = words(texts[n])
            for phase, fn, size in (
                ("edit_storm", edit_storm, edits),
                ("cancel_flood", cancel_flood, flood),
            ):
                print(f"{phase} ({size}) on {n} lines x{repeats} ...", flush=True)
                for rep in range(repeats):
                    for name, s in sessions.items():
                        out = await fn(s, uris[name][n], spots, size, random.Random(rep))
                        samples[name].setdefault(phase, []).append(out)
            for s in sessions.values():
                await s.client.close()
        finally:
            for handle in logs.values():
                handle.close()
    counts = {
        "starts": starts,
        "requests": requests,
        "edits": edits,
        "flood": flood,
        "repeats": repeats,
    }
    return summarize(samples, counts)


def summarize(samples: dict[str, dict[str, Any]], counts: dict[str, int]) -> dict[str, Any]:
    """The metrics table (ours, bare, ratio, target, met) and the raw samples."""

    def figure(name: str, key: str) -> float:
        data = samples[name]
        if key == "startup_ms":
            return float(statistics.median(data[key]))
        if key == "startup_min_ms":  # the least disturbed start, to read next to the median
            return float(min(data["startup_ms"]))
        if key in ("edit_storm_ms", "cancel_flood_ms"):
            return float(statistics.median(r["ms"] for r in data[key.removesuffix("_ms")]))
        kind, stat, _, n = key.split("_")
        return percentile(data[f"{kind}_ms_{n}"], 0.5 if stat == "p50" else 0.95)

    keys = ["startup_ms", "startup_min_ms"]
    keys += [
        f"{k}_{p}_ms_{n}"
        for n in SIZES
        for k in ("completion", "hover", "formatting")
        for p in ("p50", "p95")
    ]
    keys += ["edit_storm_ms", "cancel_flood_ms"]
    metrics = {}
    for key in keys:
        ours, bare = figure("ours", key), figure("bare", key)
        ratio = ours / bare if bare > 0 else float("inf")
        target = TARGETS.get(key)
        metrics[key] = {
            "ours": ours,
            "bare": bare,
            "ratio": ratio,
            "target": target,
            "met": None if target is None else ratio <= target,
        }
    return {"counts": counts, "metrics": metrics, "samples": samples}


def report(figures: dict[str, Any]) -> bool:
    """Print the table and the checks of the answers; whether every check passed."""
    print(f"\n{'metric':<28} {'ours':>10} {'bare':>10} {'ratio':>8} {'target':>8}  result")
    for key, m in figures["metrics"].items():
        target = f"<={m['target']:g}x" if m["target"] is not None else ""
        result = "" if m["met"] is None else ("met" if m["met"] else "NOT met")
        print(
            f"{key:<28} {m['ours']:>10.2f} {m['bare']:>10.2f} {m['ratio']:>7.2f}x "
            f"{target:>8}  {result}"
        )
    ok = True
    print()
    for name, data in figures["samples"].items():
        errors = {k: v for k, v in data.items() if "errors" in k and v}
        storms = data["edit_storm"]
        floods = data["cancel_flood"]
        ok &= not errors and all(
            r["error"] is None and r["settled"] and r["text_ok"] for r in storms
        )
        ok &= all(r["exactly_once"] and r["final_error"] is None for r in floods)
        print(f"{name}: error responses: {errors or 'none'}")
        print(
            f"{name}: storms (ms, completion items, isIncomplete, text intact): "
            f"{[(round(r['ms']), r['items'], r['is_incomplete'], r['text_ok']) for r in storms]}"
        )
        flood_rows = [
            (round(r["ms"]), r["cancelled"], r["answered"], r["exactly_once"]) for r in floods
        ]
        print(f"{name}: floods (ms, cancelled, answered, each answered once): {flood_rows}")
    open_ms = figures["samples"]["ours"]["open_ms"]
    print(f"ours: open both documents + first diagnostics: {open_ms:.0f} ms")
    print("checks of the answers:", "passed" if ok else "FAILED")
    return ok


def main() -> int:
    """Run the benchmark, print the table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke check")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(run(args))
    figures["wall_s"] = time.perf_counter() - started
    ok = report(figures)
    print(f"wall time {figures['wall_s']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

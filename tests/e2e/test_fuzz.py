"""Malformed and random JSON-RPC over the raw stdio pipe: every request is answered, once.

A seeded generator writes 3,000 framed messages straight into the server's stdin: invalid
JSON, binary bodies, non-objects, wrong versions, bad ids, unknown methods, huge ids, params
of the wrong shape, stray responses, garbage and negative Content-Length headers, and valid
requests with out-of-range arguments. Each message carries its expectation (an error code
for its id, an error with id null, a result, or silence); afterwards the server must still
answer a request correctly.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs

from tests.e2e.support.pipe import ROOT, RawServer, frame

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SEED = 20_241_201
COUNT = 3_000
WAIT_S = 60.0  # bounds a broken run; a passing one ends when the last answer arrives

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
INTERNAL_ERROR, REQUEST_FAILED = -32603, -32803
HELLO = ROOT / "examples" / "src" / "hello.pas"
HELLO_URI = HELLO.as_uri()
URIS = (HELLO_URI, "file:///no/such/file.pas", "untitled:Untitled-1", "file:///%E2%98%83.calc")
OWN_IDS = ("1", '"ready"', '"health"', '"hover"', '"audit"')
"""Ids of the test's own requests (initialize is 1; fuzzed ids start at 1000)."""
POSITIONED = (
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/signatureHelp",
    "textDocument/prepareRename",
)


@attrs.frozen
class Expect:
    """What one message must produce: `code` for `msg_id` (None: a result), or nothing."""

    kind: str  # "error" | "null-error" | "answer" | "silence"
    msg_id: object = None
    code: int | None = None


@attrs.frozen
class Message:
    """Bytes to write and what they must produce."""

    category: str
    data: bytes
    expect: Expect


class Fuzzer:
    """Generates messages from a seeded random source; ids are unique across the run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = itertools.count(1_000)

    def new_id(self) -> object:
        """A fresh id: usually an int, sometimes a (unicode) string, a huge or negative int."""
        n = next(self.ids)
        pick = self.rng.random()
        if pick < 0.1:
            return f"fuzz-{n}-é𝄞"
        if pick < 0.15:
            return n * 10**30  # far beyond int64
        if pick < 0.2:
            return -n
        return n

    def json(self, value: object) -> bytes:
        """A compact JSON body (no newlines, so framing stays line-clean)."""
        return json.dumps(value, ensure_ascii=self.rng.random() < 0.5).encode("utf-8")

    def junk_value(self) -> object:
        """A random JSON value of no particular shape."""
        return self.rng.choice(
            ["text", "", 42, -1.5, True, None, [1, "a"], {"x": {"y": []}}, "𝄞" * 3]
        )

    def position(self, *, negative: bool = False) -> dict[str, int]:
        """A position, often far outside the document (or negative, which LSP forbids)."""
        big = (0, 1, 20, 21, 22, 500, 2**31 - 1)
        line = self.rng.choice(big)
        character = self.rng.choice(big)
        if negative:
            line = -self.rng.randint(1, 2**31)
        return {"line": line, "character": character}

    # -- categories ------------------------------------------------------------------------

    def invalid_json(self) -> Message:
        """Truncated or corrupted JSON, or random bytes: ParseError with id null."""
        valid = self.json({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover"})
        choice = self.rng.randrange(4)
        if choice == 0:
            body = valid[: self.rng.randrange(1, len(valid) - 1)]
        elif choice == 1:
            body = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 300)))
        elif choice == 2:
            body = b"{'single': 'quotes'}" if self.rng.random() < 0.5 else b"{,}"
        else:
            body = b"\xff\xfe" + valid  # a BOM-like prefix: not UTF-8 JSON
        return Message("invalid-json", frame(body), parse_expectation(body))

    def empty_body(self) -> Message:
        """Content-Length 0: an empty body is not JSON."""
        return Message("empty-body", frame(b""), Expect("null-error", None, PARSE_ERROR))

    def not_an_object(self) -> Message:
        """Valid JSON that is not a message object (batches are not LSP): InvalidRequest, null."""
        value = self.rng.choice([[], [1, 2], 7, "request", None, True, [{"jsonrpc": "2.0"}]])
        return Message("not-object", frame(self.json(value)), Expect("null-error", None, -32600))

    def wrong_version(self) -> Message:
        """A request without `"jsonrpc": "2.0"`: InvalidRequest for its id."""
        msg_id = self.new_id()
        message: dict[str, Any] = {"id": msg_id, "method": "textDocument/hover", "params": {}}
        version = self.rng.choice(["1.0", 2.0, None, "2"])
        if version is not None:
            message["jsonrpc"] = version
        return Message(
            "wrong-version", frame(self.json(message)), Expect("error", msg_id, INVALID_REQUEST)
        )

    def bad_id(self) -> Message:
        """A request whose id is not a string or an integer: InvalidRequest with id null."""
        msg_id = self.rng.choice([1.5, None, [], {"n": 1}, True, False])
        message = {"jsonrpc": "2.0", "id": msg_id, "method": "fuzz/bad-id", "params": {}}
        return Message("bad-id", frame(self.json(message)), Expect("null-error", None, -32600))

    def unknown_request(self) -> Message:
        """An unknown method with an id: MethodNotFound."""
        msg_id = self.new_id()
        method = self.rng.choice(["fuzz/", "$/fuzz", "textDocument/fuzz", "workspace/x"])
        method += str(self.rng.randrange(10**6))
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": self.junk_obj()}
        return Message(
            "unknown-method", frame(self.json(message)), Expect("error", msg_id, METHOD_NOT_FOUND)
        )

    def junk_obj(self) -> object:
        """Params for an unknown method: an object or an array (both allowed by JSON-RPC)."""
        return self.rng.choice([{}, {"a": 1}, [1, 2], {"deep": [[[{}]]]}])

    def unknown_notification(self) -> Message:
        """An unknown notification (including `$/` ones): silence."""
        method = self.rng.choice(["fuzz/note", "$/fuzzNote", "$/progress-ish"])
        message = {"jsonrpc": "2.0", "method": method, "params": self.junk_obj()}
        return Message("unknown-notification", frame(self.json(message)), Expect("silence"))

    def wrong_params(self) -> Message:
        """A known request with params of the wrong shape: InvalidParams for its id."""
        msg_id = self.new_id()
        method = self.rng.choice([*POSITIONED, "textDocument/formatting", "workspace/symbol"])
        params = self.rng.choice(
            [
                "text",
                42,
                [1, 2],
                None,
                {},
                {"textDocument": 5, "position": {"line": 0, "character": 0}},
                {"textDocument": {"uri": HELLO_URI}, "position": {"line": "abc", "character": 0}},
                {"textDocument": {"uri": HELLO_URI}, "position": [0, 0]},
                {"textDocument": {"uri": HELLO_URI}},
            ]
        )
        if method == "workspace/symbol":
            params = self.rng.choice(["text", 42, [1], None, {}])
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
        return Message(
            "wrong-params", frame(self.json(message)), Expect("error", msg_id, INVALID_PARAMS)
        )

    def wrong_command(self) -> Message:
        """executeCommand without a command name, or an unknown one: InvalidParams."""
        msg_id = self.new_id()
        params = self.rng.choice(
            [
                {"command": "parsercraft.noSuchCommand"},
                {"command": 17},
                {"arguments": []},
                {"command": None},
                "parsercraft.health",
            ]
        )
        message = {
            "jsonrpc": "2.0",
            "id": msg_id,
            "method": "workspace/executeCommand",
            "params": params,
        }
        return Message(
            "wrong-command", frame(self.json(message)), Expect("error", msg_id, INVALID_PARAMS)
        )

    def wrong_notification(self) -> Message:
        """A known notification with broken params: silence (there is nobody to answer)."""
        method = self.rng.choice(
            ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose"]
        )
        params = self.rng.choice(["x", 3, [], None, {}, {"textDocument": {"uri": 5}}])
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        return Message("wrong-notification", frame(self.json(message)), Expect("silence"))

    def stray_response(self) -> Message:
        """A response to a request the server never sent: silence."""
        msg_id = self.new_id()
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id}
        if self.rng.random() < 0.5:
            message["result"] = self.junk_value()
        else:
            message["error"] = {"code": -1, "message": "client-side failure"}
        return Message("stray-response", frame(self.json(message)), Expect("silence", msg_id))

    def cancel_unknown(self) -> Message:
        """`$/cancelRequest` for an id that was never sent: silence."""
        message = {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": self.new_id()}}
        return Message("cancel-unknown", frame(self.json(message)), Expect("silence"))

    def garbage_headers(self) -> Message:
        """A header block with no usable Content-Length (and no body): silently skipped."""
        block = self.rng.choice(
            [
                b"Content-Length: -12\r\n\r\n",
                b"Content-Length: abc\r\n\r\n",
                b"Content-Length:\r\n\r\n",
                b"X-Fuzz: 1\r\nContent-Type: text/plain\r\n\r\n",
                b"no colon at all\r\n\r\n",
                b"\r\n\r\n",
                b"\xff\xfe\xfd: \x00\r\n\r\n",
            ]
        )
        return Message("garbage-headers", block, Expect("silence"))

    def negative_length(self) -> Message:
        """A request framed with a negative Content-Length is dropped: its id gets nothing."""
        msg_id = self.new_id()
        body = self.json({"jsonrpc": "2.0", "id": msg_id, "method": "fuzz/never"})
        data = b"Content-Length: -%d\r\n\r\n" % len(body) + body + b"\r\n"
        return Message("negative-length", data, Expect("silence", msg_id))

    def extra_headers(self) -> Message:
        """Unknown headers next to a valid Content-Length: the message is handled normally."""
        msg_id = self.new_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": "fuzz/extra-headers", "params": {}}
        body = self.json(message)
        head = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Fuzz: yes\r\n"
        data = head + b"content-length: %d\r\n\r\n" % len(body) + body
        return Message("extra-headers", data, Expect("error", msg_id, METHOD_NOT_FOUND))

    def out_of_range(self) -> Message:
        """A valid request with out-of-range arguments: an answer, never an internal error."""
        msg_id = self.new_id()
        uri = self.rng.choice(URIS)
        doc = {"uri": uri}
        kind = self.rng.randrange(6)
        if kind == 0:
            method = self.rng.choice(POSITIONED)
            params: dict[str, Any] = {"textDocument": doc, "position": self.position()}
        elif kind == 1:
            method = "textDocument/references"
            params = {
                "textDocument": doc,
                "position": self.position(),
                "context": {"includeDeclaration": self.rng.random() < 0.5},
            }
        elif kind == 2:
            method = self.rng.choice(
                ["textDocument/rangeFormatting", "textDocument/semanticTokens/range"]
            )
            start, end = self.position(), self.position()
            params = {"textDocument": doc, "range": {"start": start, "end": end}}
            if method == "textDocument/rangeFormatting":
                params["options"] = {
                    "tabSize": self.rng.choice([1, 4, 2**31 - 1]),
                    "insertSpaces": True,
                }
        elif kind == 3:
            method = "textDocument/rename"
            params = {
                "textDocument": doc,
                "position": self.position(),
                "newName": self.rng.choice(["", "x y", "𝄞", "BEGIN", "ok_name", "a" * 5000]),
            }
        elif kind == 4:
            method = self.rng.choice(
                [
                    "textDocument/documentSymbol",
                    "textDocument/foldingRange",
                    "textDocument/semanticTokens/full",
                ]
            )
            params = {"textDocument": doc}
        else:
            method = "textDocument/hover"
            params = {"textDocument": doc, "position": self.position(negative=True)}
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
        return Message("out-of-range", frame(self.json(message)), Expect("answer", msg_id))

    def generate(self, count: int) -> list[Message]:
        """`count` messages drawn from the categories with fixed weights."""
        weighted: list[tuple[Callable[[], Message], int]] = [
            (self.invalid_json, 12),
            (self.empty_body, 2),
            (self.not_an_object, 6),
            (self.wrong_version, 6),
            (self.bad_id, 6),
            (self.unknown_request, 10),
            (self.unknown_notification, 6),
            (self.wrong_params, 14),
            (self.wrong_command, 4),
            (self.wrong_notification, 6),
            (self.stray_response, 4),
            (self.cancel_unknown, 4),
            (self.garbage_headers, 5),
            (self.negative_length, 3),
            (self.extra_headers, 2),
            (self.out_of_range, 10),
        ]
        makers = [maker for maker, _ in weighted]
        weights = [weight for _, weight in weighted]
        return [self.rng.choices(makers, weights)[0]() for _ in range(count)]


def parse_expectation(body: bytes) -> Expect:
    """What a body that may or may not be JSON must produce (random bytes rarely parse)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Expect("null-error", None, PARSE_ERROR)
    if not isinstance(value, dict):
        return Expect("null-error", None, INVALID_REQUEST)
    raise AssertionError(f"the generator made a JSON object by accident: {body!r}")


def check(server: RawServer, messages: list[Message]) -> list[str]:
    """Every way the server's answers differ from the messages' expectations."""
    problems: list[str] = []
    by_id = {key: list(replies) for key, replies in server.by_id.items()}
    expected_null = [m.expect.code for m in messages if m.expect.kind == "null-error"]
    got_null = [r["error"]["code"] for r in by_id.pop("null", []) if "error" in r]
    if got_null != expected_null:
        problems.append(
            f"id-null errors: expected {Counter(expected_null)}, got {Counter(got_null)}"
        )
    for message in messages:
        expect = message.expect
        if expect.kind == "null-error" or (expect.kind == "silence" and expect.msg_id is None):
            continue
        replies = by_id.pop(json.dumps(expect.msg_id), [])
        where = f"{message.category} {message.data[:160]!r}"
        if expect.kind == "silence":
            if replies:
                problems.append(f"{where}: expected no response, got {replies}")
            continue
        if len(replies) != 1:
            problems.append(f"{where}: expected one response, got {len(replies)}")
            continue
        error = replies[0].get("error")
        if expect.kind == "error" and (error is None or error["code"] != expect.code):
            problems.append(f"{where}: expected error {expect.code}, got {replies[0]}")
        allowed = (INVALID_PARAMS, REQUEST_FAILED)  # negative positions; refused renames
        if expect.kind == "answer" and error is not None and error["code"] not in allowed:
            problems.append(f"{where}: expected a result, got {error}")
    for msg_id, replies in by_id.items():
        if msg_id not in OWN_IDS:
            problems.append(f"responses to ids never sent: {msg_id}: {replies}")
    return problems


def test_fuzzed_messages_each_get_the_right_answer(tmp_path: Path) -> None:
    """3,000 seeded malformed and random messages: each request answered once, correctly."""
    messages = Fuzzer(SEED).generate(COUNT)
    with (tmp_path / "server.log").open("wb") as log, RawServer(stderr=log) as server:
        server.initialize()
        text = HELLO.read_text(encoding="utf-8")
        document = {"uri": HELLO_URI, "languageId": "pascal", "version": 1, "text": text}
        server.notify("textDocument/didOpen", {"textDocument": document})
        server.request("workspace/executeCommand", {"command": "parsercraft.health"}, "ready")
        server.response("ready")
        server.write(b"".join(m.data for m in messages))
        answered = [m.expect.msg_id for m in messages if m.expect.kind in ("error", "answer")]
        server.wait(
            lambda: all(server.responses(i) for i in answered), "every request answered", WAIT_S
        )
        after = server.request(
            "workspace/executeCommand", {"command": "parsercraft.health"}, "health"
        )
        health = server.response(after)
        assert "result" in health, health
        assert health["result"]["status"] in ("healthy", "degraded")
        position = {"line": 14, "character": 3}
        params = {"textDocument": {"uri": HELLO_URI}, "position": position}
        hover = server.response(server.request("textDocument/hover", params, "hover"))
        assert "WriteLn" in hover["result"]["contents"]["value"]
        assert server.process.poll() is None, "the server died"
        assert server.unparsable == [], "the server wrote frames that are not JSON"
        audit = {"command": "parsercraft.audit", "arguments": [{"kind": "unexpected"}]}
        unexpected = server.response(server.request("workspace/executeCommand", audit, "audit"))
        assert unexpected["result"]["events"] == []
        problems = check(server, messages)
        categories = Counter(m.category for m in messages)
        assert problems == [], f"{len(problems)} problems over {dict(categories)}:\n" + "\n".join(
            problems[:40]
        )


EDGE_CASES = [
    # (what, body, expected error code for id 7)
    ("method is not a string", {"jsonrpc": "2.0", "id": 7, "method": 123}, INVALID_REQUEST),
    ("unknown method without params", {"jsonrpc": "2.0", "id": 7, "method": "fuzz/x"}, -32601),
    (
        "a notification method sent with an id",
        {"jsonrpc": "2.0", "id": 7, "method": "initialized", "params": {}},
        None,
    ),
    (
        "$/cancelRequest sent with an id",
        {"jsonrpc": "2.0", "id": 7, "method": "$/cancelRequest", "params": {"id": 99}},
        None,
    ),
]


def test_malformed_request_edge_cases_get_an_error_response() -> None:
    """Requests malformed in less common ways still get exactly one error response each."""
    problems = []
    with RawServer() as server:
        server.initialize()
        for n, (what, message, code) in enumerate(EDGE_CASES):
            msg_id = 7000 + n
            server.send({**message, "id": msg_id})
            server.request("workspace/executeCommand", {"command": "parsercraft.health"}, -msg_id)
            server.response(-msg_id)  # answered after the case was dispatched
            replies = server.responses(msg_id)
            errors = [r["error"]["code"] for r in replies if "error" in r]
            if len(replies) != 1 or len(errors) != 1 or (code is not None and errors != [code]):
                wanted = "an error" if code is None else f"error {code}"
                problems.append(f"{what}: expected one response with {wanted}, got {replies}")
    assert problems == [], "\n".join(problems)

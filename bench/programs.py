"""Generated programs in each preset language, for the benchmarks.

Each language has a repeating unit of about ten lines (a function definition, conditionals,
loops, calls of builtins and of the defined function); `program(preset, lines)` repeats it
until the program has the requested number of lines.
"""

from __future__ import annotations

from collections.abc import Callable

PRESETS = ("pascal_like", "python_like", "basic_like", "lisp_like", "js_like")


def _pascal(k: int) -> list[str]:
    return [
        f"PROCEDURE P{k}(a : INTEGER);",
        "VAR",
        "  t : INTEGER;",
        "BEGIN",
        f"  t := a * {k} + 1;",
        "  IF t > 10 THEN",
        "    WriteLn('big ', IntToStr(t));",
        "  WHILE t < 100 DO",
        "  BEGIN",
        "    t := t + Length('abc');",
        "  END;",
        "END;",
    ]


def _python(k: int) -> list[str]:
    return [
        f"def f{k}(a, b):",
        f"    total = a + b * {k}",
        "    if total > 10:",
        '        print("big", total)',
        "    while total < 100:",
        '        total = total + len("abc")',
        "    return total",
        "",
        f"x{k} = f{k}(1, 2)",
    ]


def _basic(k: int) -> list[str]:
    n = k * 100
    return [
        f"{n + 10} LET X{k} = {k} * 2",
        f"{n + 20} IF X{k} > 10 THEN",
        f'{n + 30}   PRINT "big"; X{k}',
        f"{n + 40} ENDIF",
        f"{n + 50} FOR I = 1 TO 10",
        f"{n + 60}   LET S = S + I",
        f"{n + 70} NEXT",
        f"{n + 80} WHILE X{k} < 100",
        f'{n + 90}   LET X{k} = X{k} + LEN("abc")',
        f"{n + 95} WEND",
    ]


def _lisp(k: int) -> list[str]:
    return [
        f"(define (f{k} a b)",
        "  (if (> a b)",
        "      (display a)",
        f"      (display (+ a b {k}))))",
        f"(define x{k} (f{k} 1 2))",
        f"(display (length (list x{k} 2 3)))",
        "; a comment line",
    ]


def _js(k: int) -> list[str]:
    return [
        f"function f{k}(a, b) {{",
        f"  let total = a + b * {k};",
        "  if (total > 10) {",
        '    print("big", total);',
        "  }",
        "  while (total < 100) {",
        '    total = total + parseInt("3");',
        "  }",
        "  return total;",
        "}",
        f"const x{k} = f{k}(1, 2);",
    ]


UNITS: dict[str, Callable[[int], list[str]]] = {
    "pascal_like": _pascal,
    "python_like": _python,
    "basic_like": _basic,
    "lisp_like": _lisp,
    "js_like": _js,
}


def program(preset: str, lines: int) -> str:
    """A program of exactly `lines` lines (the last unit is cut) in the preset's language."""
    unit = UNITS[preset]
    out: list[str] = []
    if preset == "pascal_like":
        out.append("PROGRAM Bench;")
    k = 0
    while len(out) < lines:
        out.extend(unit(k))
        k += 1
    if preset == "pascal_like":
        out[lines - 2 :] = ["BEGIN", "END."]
    return "\n".join(out[:lines]) + "\n"


def statements(preset: str, count: int) -> str:
    """A program with `count` simple statements (assignments and calls), one per line."""
    if preset == "pascal_like":
        body = [f"  x := x + {i} * 2;" if i % 2 else f"  WriteLn(x, {i});" for i in range(count)]
        return "PROGRAM S;\nVAR\n  x : INTEGER;\nBEGIN\n" + "\n".join(body) + "\nEND.\n"
    if preset == "python_like":
        return "x = 0\n" + "".join(
            f"x = x + {i} * 2\n" if i % 2 else f"print(x, {i})\n" for i in range(count)
        )
    if preset == "basic_like":
        return "".join(
            f"{10 * (i + 1)} LET X = X + {i} * 2\n" if i % 2 else f'{10 * (i + 1)} PRINT X; "{i}"\n'
            for i in range(count)
        )
    if preset == "lisp_like":
        return "(define x 0)\n" + "".join(
            f"(set! x (+ x (* {i} 2)))\n" if i % 2 else "(display x)\n" for i in range(count)
        )
    return "let x = 0;\n" + "".join(
        f"x = x + {i} * 2;\n" if i % 2 else f"print(x, {i});\n" for i in range(count)
    )

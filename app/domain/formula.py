"""A small, safe evaluator for quota formulas held in agreement files.

Formulas are data (docs/semantics.md section 3): "one per 60 units or portion
thereof, at most 15" is ``min(15, ceil(units / 60))``. Python's ``eval`` is
never used on file content. The grammar is deliberately tiny:

    expr    := compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"

Arithmetic is exact (``Fraction``) so that "15 % of 40, rounded up" is 6 and
never 7 through a floating-point residue. Functions: ceil, floor, min, max,
and ``if(condition, then, else)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from app.domain.errors import DomainError

MAX_LENGTH = 500
MAX_DEPTH = 40

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|[-+*/(),<>]))")


class FormulaError(DomainError):
    """A formula that does not parse or cannot be evaluated."""


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


Node = Number | Name | Call | Binary | Negate


# A value as programs compute it: a whole number stays an int, and only a division that
# does not come out whole makes a Fraction. Both are exact, and ints are several times
# faster: a limit formula is evaluated for hundreds of pairs of parties in a year.
Exact = int | Fraction


def _fn_if(cond: Exact, then: Exact, other: Exact) -> Exact:
    return then if cond else other


_FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Exact]]] = {
    "ceil": (1, 1, math.ceil),
    "floor": (1, 1, math.floor),
    "min": (2, None, min),
    "max": (2, None, max),
    "if": (3, 3, _fn_if),
}

Program = Callable[[Mapping[str, int | Fraction]], Exact]

_ARITHMETIC: dict[str, Callable[[Exact, Exact], Exact]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}

_COMPARE: dict[str, Callable[[Exact, Exact], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed formula. ``names`` are the variables it needs; ``program`` is the tree
    compiled once, at load time, into nested closures (a limit is evaluated for every
    party and year, and walking the tree each time was most of the engine's work)."""

    text: str
    tree: Node
    names: frozenset[str]
    program: Program = field(compare=False, repr=False)

    def evaluate(self, variables: Mapping[str, int | Fraction]) -> Fraction:
        return Fraction(self.program(variables))

    def evaluate_int(self, variables: Mapping[str, int | Fraction]) -> int:
        """Evaluate a limit: a quota is a whole number of activities."""
        value = self.program(variables)
        if value.denominator != 1:
            raise FormulaError(
                f"formula {self.text!r} gives {float(value):g}, not a whole number; "
                "wrap it in ceil() or floor() to say how it rounds"
            )
        return int(value)


def parse_formula(text: str) -> Formula:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    parser = _Parser(text, _tokenize(text))
    tree = parser.expression(0)
    if parser.position != len(parser.tokens):
        raise FormulaError(f"unexpected {parser.tokens[parser.position]!r} in formula {text!r}")
    return Formula(text=text, tree=tree, names=frozenset(_names(tree)), program=_compile(tree, text))


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            bad = text[position:].lstrip()[:1]
            raise FormulaError(f"unexpected character {bad!r} in formula {text!r}")
        tokens.append(match.group(match.lastindex or 0))
        position = match.end()
    if not tokens:
        raise FormulaError("formula is empty")
    return tokens


class _Parser:
    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise FormulaError(f"formula {self.text!r} ends too early")
        if expected is not None and token != expected:
            raise FormulaError(f"expected {expected!r} but found {token!r} in formula {self.text!r}")
        self.position += 1
        return token

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula {self.text!r} nests too deeply")
        left = self.sum(depth)
        if self.peek() in _COMPARE:
            op = self.take()
            left = Binary(op, left, self.sum(depth))
        return left

    def sum(self, depth: int) -> Node:
        return self.left_to_right(depth, ("+", "-"), self.product)

    def product(self, depth: int) -> Node:
        return self.left_to_right(depth, ("*", "/"), self.unary)

    def left_to_right(self, depth: int, operators: tuple[str, str], operand: Callable[[int], Node]) -> Node:
        """Operands joined by operators of one precedence, left-associative: a - b - c is (a - b) - c."""
        node = operand(depth)
        while self.peek() in operators:
            op = self.take()
            node = Binary(op, node, operand(depth))
        return node

    def unary(self, depth: int) -> Node:
        if self.peek() == "-":
            self.take()
            return Negate(self.unary(depth + 1))
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        token = self.take()
        if token == "(":
            node = self.expression(depth + 1)
            self.take(")")
            return node
        if token[0].isdigit():
            return Number(Fraction(token))
        if token[0].isalpha() or token[0] == "_":
            if self.peek() == "(":
                return self.call(token, depth)
            return Name(token)
        raise FormulaError(f"unexpected {token!r} in formula {self.text!r}")

    def call(self, function: str, depth: int) -> Node:
        if function not in _FUNCTIONS:
            known = ", ".join(sorted(_FUNCTIONS))
            raise FormulaError(f"unknown function {function!r} in formula {self.text!r} (known: {known})")
        self.take("(")
        args = [self.expression(depth + 1)]
        while self.peek() == ",":
            self.take()
            args.append(self.expression(depth + 1))
        self.take(")")
        least, most, _ = _FUNCTIONS[function]
        if len(args) < least or (most is not None and len(args) > most):
            raise FormulaError(f"{function}() takes {least}{'' if most == least else '+'} arguments, got {len(args)}")
        return Call(function, tuple(args))


def _names(node: Node) -> set[str]:
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Call):
        return set().union(*(_names(arg) for arg in node.args))
    if isinstance(node, Binary):
        return _names(node.left) | _names(node.right)
    if isinstance(node, Negate):
        return _names(node.operand)
    return set()


def _compile(node: Node, text: str) -> Program:
    """The node as a function of the variables, exact as the tree: ints where values are
    whole, Fractions where a division is not."""
    if isinstance(node, Number):
        value: Exact = int(node.value) if node.value.denominator == 1 else node.value
        return lambda variables: value
    if isinstance(node, Name):
        return _variable(node.name, text)
    if isinstance(node, Negate):
        operand = _compile(node.operand, text)
        return lambda variables: -operand(variables)
    if isinstance(node, Call):
        function, args = _FUNCTIONS[node.function][2], [_compile(arg, text) for arg in node.args]
        return lambda variables: function(*(arg(variables) for arg in args))
    return _binary(node.op, _compile(node.left, text), _compile(node.right, text), text)


def _variable(name: str, text: str) -> Program:
    def value(variables: Mapping[str, int | Fraction]) -> Exact:
        if name not in variables:
            raise FormulaError(f"formula {text!r} needs {name!r}, which has no value")
        return variables[name]

    return value


def _binary(op: str, left: Program, right: Program, text: str) -> Program:
    if op in _COMPARE:
        compare = _COMPARE[op]
        return lambda variables: int(compare(left(variables), right(variables)))
    if op == "/":

        def divide(variables: Mapping[str, int | Fraction]) -> Exact:
            a, b = left(variables), right(variables)
            if b == 0:
                raise FormulaError(f"formula {text!r} divides by zero")
            if isinstance(a, int) and isinstance(b, int):
                whole, rest = divmod(a, b)
                return Fraction(a, b) if rest else whole
            return Fraction(a) / b

        return divide
    arithmetic = _ARITHMETIC[op]
    return lambda variables: arithmetic(left(variables), right(variables))

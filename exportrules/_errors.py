"""The error hierarchy. Every error the library raises on purpose derives from ExportRulesError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "EvaluationError",
    "ExportRulesError",
    "InvalidJSON",
    "InvalidTransaction",
    "Problem",
    "RuleSetError",
]


class ExportRulesError(Exception):
    """Base class of every error raised by exportrules."""


class Problem(tuple[str, str]):
    """One problem in an input: a JSON path and a message."""

    __slots__ = ()

    def __new__(cls, path: str, message: str) -> Problem:
        return super().__new__(cls, (path, message))

    @property
    def path(self) -> str:
        return self[0]

    @property
    def message(self) -> str:
        return self[1]

    def __getnewargs__(self) -> tuple[str, str]:
        return (self[0], self[1])  # pickles (worker processes, Dask) as Problem(path, message)

    def __str__(self) -> str:
        return f"{self[0]}: {self[1]}" if self[0] else self[1]


class InvalidTransaction(ExportRulesError, ValueError):
    """The transaction does not meet the contract. ``problems`` lists every problem found."""

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        index: int | None = None,
        transaction: str | None = None,
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        #: in ``Engine.evaluate_many``: the position of the record in the input, and its id
        self.index = index
        self.transaction = transaction
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        where = ""
        if self.index is not None:
            where = f" at index {self.index}"
            if self.transaction is not None:
                where += f" (id {self.transaction!r})"
        head = f"invalid transaction{where}: {n} problem{'s' if n != 1 else ''}"
        return head + "\n" + "\n".join(f"  {p}" for p in self.problems)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.problems, self.index, self.transaction))

    def to_dict(self) -> dict[str, object]:
        return {
            "error": "invalid_transaction",
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
        }


def _rebuild(
    cls: type[InvalidTransaction],
    problems: tuple[Problem, ...],
    index: int | None,
    transaction: str | None,
) -> InvalidTransaction:
    return cls(problems, index=index, transaction=transaction)


class InvalidJSON(InvalidTransaction):
    """The input is not JSON text at all (a kind of ``InvalidTransaction``)."""

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "error": "invalid_json"}


class RuleSetError(ExportRulesError):
    """A regime failed to load or validate. ``problems`` holds 'file:line: message' strings."""

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type[RuleSetError], tuple[tuple[str, ...]]]:
        return (type(self), (self.problems,))


class EvaluationError(ExportRulesError):
    """A fault inside the engine while evaluating (a bug, or a broken plug-in)."""

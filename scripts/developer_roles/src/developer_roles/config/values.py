"""Values that parse from one configuration text, and the error that lists every problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ConfigError(ValueError):
    """A configuration with one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str], source: str = "configuration") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.report())

    def report(self, consequence: str = "nothing was synthesized") -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun}; {consequence}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class ManagedPolicyRef:
    """An AWS managed policy by name, or any managed policy by ARN."""

    name_or_arn: str
    reason: str | None = None

    @property
    def is_aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.name_or_arn or not self.name_or_arn.startswith("arn:")


@dataclass(frozen=True)
class PrincipalArn:
    arn: str
    partition: str
    account: str
    kind: str
    path: str
    name: str

    @property
    def construct_id(self) -> str:
        """An ID that derives from the principal alone: never from its position in a list.

        A space cannot occur in an IAM name or path, so the ID is unique per ARN.
        """
        parts = [self.kind.capitalize(), self.name, self.account, *self.path.strip("/").split("/")]
        if self.partition != "aws":
            parts.append(self.partition)
        return " ".join(part for part in parts if part)

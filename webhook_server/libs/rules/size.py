"""Size buckets: the `size/<bucket>` label of a PR from additions + deletions (`pr-workflow.md` §3)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webhook_server.libs.rules.colors import FALLBACK_CSS_COLOR, color_to_hex

SIZE_LABEL_PREFIX = "size/"
INFINITE_THRESHOLD = "inf"


@dataclass(frozen=True)
class SizeBucket:
    """One bucket: PRs whose size is below `threshold` (exclusive; `None` = no limit) get `size/<name>`."""

    name: str
    threshold: int | None
    color: str

    @property
    def label(self) -> str:
        """The label name, `size/<name>`."""
        return f"{SIZE_LABEL_PREFIX}{self.name}"


DEFAULT_SIZE_BUCKETS: tuple[SizeBucket, ...] = (
    SizeBucket("XS", 20, "ededed"),
    SizeBucket("S", 50, "0E8A16"),
    SizeBucket("M", 100, "F09C74"),
    SizeBucket("L", 300, "F5621C"),
    SizeBucket("XL", 500, "D93F0B"),
    SizeBucket("XXL", None, "B60205"),
)


@dataclass(frozen=True)
class SizeThresholds:
    """Parsed `pr-size-thresholds`: the buckets in use and a warning per skipped entry."""

    buckets: tuple[SizeBucket, ...]
    warnings: tuple[str, ...] = ()
    custom: bool = False


def pr_size(additions: int, deletions: int) -> int:
    """The size of a PR: additions plus deletions."""
    return additions + deletions


def size_bucket(size: int, buckets: Sequence[SizeBucket] = DEFAULT_SIZE_BUCKETS) -> SizeBucket:
    """The first bucket (by threshold) whose threshold is strictly greater than `size`, else the largest."""
    ordered = _sorted_buckets(buckets)
    for bucket in ordered:
        if bucket.threshold is None or size < bucket.threshold:
            return bucket
    return ordered[-1]


def is_size_label(label: str) -> bool:
    """Whether a label is a size label (`size/*`)."""
    return label.startswith(SIZE_LABEL_PREFIX)


def parse_size_thresholds(raw: Mapping[str, object] | None) -> SizeThresholds:
    """Turn the `pr-size-thresholds` mapping into buckets (`config.md` §4.5).

    Invalid entries are skipped with a warning; with no valid entry the built-in buckets apply.
    Colours are CSS3 names (default `lightgray`) converted to hex.
    """
    if not raw:
        return SizeThresholds(buckets=DEFAULT_SIZE_BUCKETS)
    buckets: list[SizeBucket] = []
    warnings: list[str] = []
    for name, entry in raw.items():
        bucket_or_error = _parse_bucket(str(name), entry)
        if isinstance(bucket_or_error, SizeBucket):
            buckets.append(bucket_or_error)
        else:
            warnings.append(bucket_or_error)
    if not buckets:
        warnings.append("no valid pr-size-thresholds entry; using the built-in size buckets")
        return SizeThresholds(buckets=DEFAULT_SIZE_BUCKETS, warnings=tuple(warnings))
    return SizeThresholds(buckets=_sorted_buckets(buckets), warnings=tuple(warnings), custom=True)


def _parse_bucket(name: str, entry: object) -> SizeBucket | str:
    """One entry as a bucket, or the warning text explaining why it is skipped."""
    if not name.strip():
        return "pr-size-thresholds: an entry has an empty name; skipped"
    if not isinstance(entry, Mapping):
        return f"pr-size-thresholds.{name}: expected a mapping with 'threshold'; skipped"
    threshold = entry.get("threshold")
    if threshold == INFINITE_THRESHOLD:
        parsed_threshold: int | None = None
    elif isinstance(threshold, int) and not isinstance(threshold, bool) and threshold >= 1:
        parsed_threshold = threshold
    else:
        return f"pr-size-thresholds.{name}: threshold must be an integer >= 1 or 'inf'; skipped"
    color = entry.get("color", FALLBACK_CSS_COLOR)
    if not isinstance(color, str):
        return f"pr-size-thresholds.{name}: color must be a CSS3 colour name; skipped"
    return SizeBucket(name=name, threshold=parsed_threshold, color=color_to_hex(color))


def _sorted_buckets(buckets: Sequence[SizeBucket]) -> tuple[SizeBucket, ...]:
    """Buckets by threshold, the unbounded one last (stable for equal thresholds)."""
    return tuple(sorted(buckets, key=lambda bucket: (bucket.threshold is None, bucket.threshold or 0)))

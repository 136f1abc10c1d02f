"""Rule inputs derived from the typed repository config: label categories, size buckets, enabled checks."""

import math

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config import SizeBucket as ConfiguredSizeBucket
from webhook_server.libs.rules.checks import CustomCheck, EnabledChecks
from webhook_server.libs.rules.colors import color_to_hex
from webhook_server.libs.rules.labels import LabelCategory, enabled_categories
from webhook_server.libs.rules.size import DEFAULT_SIZE_BUCKETS, SizeBucket


def label_categories(config: RepositoryConfig) -> frozenset[LabelCategory]:
    """The enabled `labels.enabled-labels` categories."""
    return enabled_categories(config.labels.enabled_categories)


def _size_bucket(bucket: ConfiguredSizeBucket) -> SizeBucket:
    threshold = None if math.isinf(bucket.threshold) else int(bucket.threshold)
    return SizeBucket(name=bucket.suffix, threshold=threshold, color=color_to_hex(bucket.color))


def size_buckets(config: RepositoryConfig) -> tuple[SizeBucket, ...]:
    """`pr-size-thresholds` as rule buckets, or the built-in buckets when none are configured."""
    if not config.pr_size_thresholds:
        return DEFAULT_SIZE_BUCKETS
    return tuple(_size_bucket(bucket) for bucket in config.pr_size_thresholds)


def enabled_checks(config: RepositoryConfig) -> EnabledChecks:
    """Which checks the repository's effective config enables (`checks.md` §1)."""
    security = config.security_checks
    return EnabledChecks(
        tox=config.tox is not None,
        pre_commit=config.pre_commit,
        python_module_install=config.pypi_token is not None,
        build_container=config.container is not None,
        conventional_title=bool(config.conventional_title),
        verified=config.verified_job,
        suspicious_paths=bool(security.suspicious_paths),
        committer_identity=security.committer_identity_check,
        security_mandatory=security.mandatory,
        custom_checks=tuple(CustomCheck(check.name, check.mandatory) for check in config.custom_check_runs),
    )

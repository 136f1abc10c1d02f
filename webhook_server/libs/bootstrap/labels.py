"""Phase 3: create missing static labels and re-colour existing ones (`bootstrap.md` §3.1)."""

import logging
import math

from webhook_server.libs.bootstrap.model import RepositoryTarget
from webhook_server.libs.bootstrap.rest import path_segment, rest_write
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config import SizeBucket as ConfiguredSizeBucket
from webhook_server.libs.github.labels import create_label
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.rules.colors import color_to_hex
from webhook_server.libs.rules.label_sync import RepoLabel, bootstrap_labels, plan_label_sync
from webhook_server.libs.rules.labels import enabled_categories
from webhook_server.libs.rules.size import DEFAULT_SIZE_BUCKETS, SizeBucket, SizeThresholds

LOGGER = logging.getLogger(__name__)


def _size_bucket(bucket: ConfiguredSizeBucket) -> SizeBucket:
    threshold = None if math.isinf(bucket.threshold) else int(bucket.threshold)
    return SizeBucket(name=bucket.suffix, threshold=threshold, color=color_to_hex(bucket.color))


def size_thresholds(config: RepositoryConfig) -> SizeThresholds:
    """The size buckets of the repository's server config in the form the label rules use."""
    if config.pr_size_thresholds is None:
        return SizeThresholds(buckets=DEFAULT_SIZE_BUCKETS)
    return SizeThresholds(buckets=tuple(_size_bucket(bucket) for bucket in config.pr_size_thresholds), custom=True)


def desired_labels(config: RepositoryConfig) -> tuple[RepoLabel, ...]:
    """Every static label of an enabled category (plus `lgtm`/`approve`) with its computed colour."""
    categories = enabled_categories(config.labels.enabled_categories)
    return bootstrap_labels(categories, config.labels.colors, size_thresholds(config))


async def sync_labels(target: RepositoryTarget) -> None:
    """List the labels once, then create what is missing and re-colour what differs; nothing else.

    A label created meanwhile by someone else (the PR workflow, a person) counts as created, in its colour.
    """
    url = f"/repos/{target.full_name}/labels"
    existing = [RepoLabel(item["name"], item["color"]) for item in await get_all_pages(target.github, url)]
    plan = plan_label_sync(existing, desired_labels(target.config), target.config.labels.colors)
    for label in plan.create:
        if await create_label(target.github, target.full_name, label.name, label.color):
            LOGGER.info("%s: created label %s (#%s)", target.full_name, label.name, label.color)
        else:
            LOGGER.info("%s: label %s was created meanwhile; colour #%s", target.full_name, label.name, label.color)
    for label in plan.recolor:
        await rest_write(target.github, "PATCH", f"{url}/{path_segment(label.name)}", {"color": label.color})
        LOGGER.info("%s: re-coloured label %s to #%s", target.full_name, label.name, label.color)

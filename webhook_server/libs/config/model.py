"""Typed, immutable per-repository configuration objects (the effective view handlers read)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from webhook_server.libs.rules.security import DEFAULT_SUSPICIOUS_PATHS

TOX_ALL_ENVS = "all"


@dataclass(frozen=True)
class ProtectedBranch:
    """Required-check rule of one protected branch: `include_runs` verbatim, else automatic minus excludes."""

    include_runs: tuple[str, ...] | None = None
    exclude_runs: tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchProtection:
    """GitHub branch protection settings after the field-by-field merge."""

    strict: bool = True
    require_code_owner_reviews: bool = False
    dismiss_stale_reviews: bool = True
    required_approving_review_count: int = 0
    required_linear_history: bool = True
    required_conversation_resolution: bool = True


@dataclass(frozen=True)
class ToxConfig:
    """The `tox` check: envs per exact base branch, extra args, and the Python version for uvx."""

    branch_envs: Mapping[str, str]
    args: tuple[str, ...] = ()
    python_version: str | None = None

    def envs_for_branch(self, base_branch: str) -> str | None:
        """The `-e` value for PRs to `base_branch`; None means run every env (no `-e`)."""
        envs = self.branch_envs.get(base_branch)
        if not envs or envs == TOX_ALL_ENVS:
            return None
        return envs


@dataclass(frozen=True)
class OciAnnotations:
    """OCI annotations added to built images."""

    enabled: bool = False
    static: Mapping[str, str] = field(default_factory=dict)
    auto_created: bool = True
    auto_source: bool = True
    auto_revision: bool = True
    auto_version: bool = True
    auto_title: bool = True


@dataclass(frozen=True)
class ContainerConfig:
    """Container build and push settings."""

    username: str
    password: str
    repository: str
    tag: str = "latest"
    release: bool = False
    build_args: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    context: str = ""
    dockerfile: str = "Dockerfile"
    oci_annotations: OciAnnotations = field(default_factory=OciAnnotations)


@dataclass(frozen=True)
class LabelsConfig:
    """Enabled label categories and colour overrides (label name or `prefix-` -> CSS3 name, config order)."""

    enabled_categories: frozenset[str]
    colors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SizeBucket:
    """One size label bucket: `size/<suffix>` for sizes strictly below `threshold` (may be `math.inf`)."""

    suffix: str
    threshold: float
    color: str = "lightgray"


@dataclass(frozen=True)
class TestOracleConfig:
    """Test-oracle integration (server config only, never repo-local)."""

    __test__ = False  # not a pytest test class

    server_url: str
    ai_provider: str
    ai_model: str
    test_patterns: tuple[str, ...] | None = None
    triggers: frozenset[str] = frozenset({"approved"})


@dataclass(frozen=True)
class AiConventionalTitle:
    """AI help for invalid conventional titles."""

    enabled: bool
    mode: str = "suggest"
    timeout_minutes: int = 10


@dataclass(frozen=True)
class AiCherryPickConflicts:
    """AI resolution of cherry-pick conflicts."""

    enabled: bool
    timeout_minutes: int = 10


@dataclass(frozen=True)
class AiFeatures:
    """The `ai-features` block."""

    ai_provider: str
    ai_model: str
    conventional_title: AiConventionalTitle | None = None
    resolve_cherry_pick_conflicts: AiCherryPickConflicts | None = None


@dataclass(frozen=True)
class SecurityChecks:
    """PR security checks. `trusted_committers` holds only the configured logins, lower-cased."""

    mandatory: bool = True
    suspicious_paths: tuple[str, ...] = DEFAULT_SUSPICIOUS_PATHS
    committer_identity_check: bool = True
    trusted_committers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CustomCheckRun:
    """A validated user-defined check."""

    name: str
    command: str
    mandatory: bool = True
    timeout_minutes: int = 30
    network: bool = True


@dataclass(frozen=True)
class RepositoryConfig:
    """Effective configuration of one repository for one delivery (repo-local > repository > root)."""

    full_name: str
    short_name: str
    github_tokens: tuple[str, ...]
    github_app_id: int | None
    events: tuple[str, ...]
    default_status_checks: tuple[str, ...]
    protected_branches: Mapping[str, ProtectedBranch]
    branch_protection: BranchProtection
    conversation_resolution_required: bool
    slack_webhook_url: str | None
    verified_job: bool
    pypi_token: str | None
    tox: ToxConfig | None
    pre_commit: bool
    container: ContainerConfig | None
    auto_verified_users: tuple[str, ...]
    auto_verify_cherry_picked_prs: bool
    set_auto_merge_prs: tuple[str, ...]
    can_be_merged_required_labels: tuple[str, ...]
    welcome_extra_info: str
    conventional_title: str | None
    minimum_lgtm: int
    create_issue_for_new_pr: bool
    cherry_pick_assign_to_pr_author: bool
    allow_commands_on_draft_prs: tuple[str, ...] | None
    labels: LabelsConfig
    pr_size_thresholds: tuple[SizeBucket, ...] | None
    test_oracle: TestOracleConfig | None
    ai_features: AiFeatures | None
    security_checks: SecurityChecks
    custom_check_runs: tuple[CustomCheckRun, ...]
    check_timeout_minutes: int
    check_environment_passthrough: tuple[str, ...]
    check_network: Mapping[str, bool]
    log_level: str
    log_file: str | None
    mask_sensitive_data: bool
    ignored_local_keys: tuple[str, ...]

    def network_for(self, check_name: str) -> bool:
        """Whether the check's sandbox has network: unless `check-network` or the custom entry says false."""
        custom = next((check for check in self.custom_check_runs if check.name == check_name), None)
        return self.check_network.get(check_name, True) and (custom is None or custom.network)

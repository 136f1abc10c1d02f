"""Which token a request uses: the delivery's current choice for a pool, switchable mid-delivery.

A delivery selects one token per pool when it starts (`choose_token`). The PyGithub client of the
pool authenticates each request with the delivery's current choice, so a failover (rate limit) moves
every later call of the delivery, including calls on objects fetched earlier, to the next token.
"""

from contextvars import ContextVar
from dataclasses import dataclass, field

from github import Auth

from webhook_server.libs.github.token_pool import TokenPool, TokenState


@dataclass
class TokenChoices:
    """The delivery's chosen token per pool (mutable: failover updates it in place)."""

    by_pool: dict[int, TokenState] = field(default_factory=dict)


TOKEN_CHOICES: ContextVar[TokenChoices | None] = ContextVar("token_choices", default=None)


def choose_token(pool: TokenPool) -> TokenState:
    """The token this delivery uses for `pool` (selected once, then sticky until failover)."""
    choices = TOKEN_CHOICES.get()
    if choices is None:
        choices = TokenChoices()
        TOKEN_CHOICES.set(choices)
    state = choices.by_pool.get(id(pool))
    if state is None:
        state = pool.select()
        choices.by_pool[id(pool)] = state
    return state


def switch_token(pool: TokenPool, state: TokenState) -> None:
    """Fail over: later calls of this delivery on `pool` use `state`."""
    choices = TOKEN_CHOICES.get()
    if choices is not None:
        choices.by_pool[id(pool)] = state


class PoolAuth(Auth.Auth):
    """PyGithub auth that asks the pool for the delivery's current token on every request."""

    def __init__(self, pool: TokenPool) -> None:
        self.pool = pool

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        choices = TOKEN_CHOICES.get()
        if choices is not None and id(self.pool) in choices.by_pool:
            return choices.by_pool[id(self.pool)].token
        return self.pool.select().token

    @property
    def _masked_token(self) -> str:
        return "*****"

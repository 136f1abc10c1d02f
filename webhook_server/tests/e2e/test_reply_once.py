"""A comment processed twice (a resumed or repeated delivery) is answered once."""

from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"


async def test_same_comment_processed_twice_is_answered_once(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"bot-user": "admin", "carol": "write"})
    fake_github.install_app(REPO)
    server = github_servers.start({"repo": {"name": REPO}}, [fake_github.create_token("bot-user")])
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
    fake_github.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["issue_comment"])  # record, do not send
    fake_github.comment(REPO, number, "/help", author="carol")
    fake_github.wait_for_deliveries_sent()
    [delivery] = fake_github.deliveries("issue_comment", action="created")

    def replies() -> list[str]:
        return [
            str(comment["body"])
            for comment in fake_github.comments(REPO, number)
            if comment["user"]["login"] == "bot-user"
        ]

    first = await server.deliver("issue_comment", delivery.payload)
    answered = replies()
    second = await server.deliver("issue_comment", delivery.payload)  # a new delivery id, the same comment
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert len(answered) >= 1
    assert replies() == answered

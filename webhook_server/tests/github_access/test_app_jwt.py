"""The App JWT comes from PyGithub's `Auth.AppAuth`, is accepted by GitHub (the fake) and is signed once
and reused for every App request until close to its expiry."""

import jwt

from webhook_server.libs.github.app import JWT_LIFETIME_SECONDS, GithubApp
from webhook_server.tests.fake_github.api import FakeGitHub


async def test_one_jwt_serves_every_app_request(fake_github: FakeGitHub) -> None:
    for full_name in ("acme/one", "acme/two"):
        fake_github.create_repo(full_name, {"README.md": "x\n"})
        fake_github.install_app(full_name)
    app = GithubApp(fake_github.base_url, fake_github.app_id, fake_github.app_private_key_pem)

    await app.installation_id("acme/one")
    await app.installation_id("acme/two")
    assert await app.bot_login() == fake_github.bot_login

    app_calls = fake_github.calls(identity="app")
    assert [call.status for call in app_calls] == [200, 200, 200]
    assert len({call.token for call in app_calls}) == 1
    token = app_calls[0].token
    assert token is not None
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == str(fake_github.app_id)
    assert claims["exp"] - claims["iat"] == JWT_LIFETIME_SECONDS + 60

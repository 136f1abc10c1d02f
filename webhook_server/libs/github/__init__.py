"""Everything that talks to GitHub's API: `github_api_call` (thread offloading, retry,
token failover), the HTTP transport under PyGithub (pacing, counting, quota, delivery header), token
pools and choice, the write pacer, App authentication, clients per repository, URL derivation, label
creation that tolerates `already_exists`, pagination (`pages`, follows `Link`) and GraphQL through gql
(`graphql_client`, `graphql_sessions`). May import `config/`, `rules/` and `utils/`.
"""

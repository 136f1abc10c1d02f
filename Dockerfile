# github-webhook-server: the server plus every tool its checks, release flows and AI features start.
#
# Build:  podman build --format docker -t github-webhook-server .     (or: docker build -t github-webhook-server .)
#         podman/buildah write OCI images by default, which drop HEALTHCHECK: keep `--format docker`
#         (podman-compose: BUILDAH_FORMAT=docker). --build-arg BASE_IMAGE=<image> picks another Debian trixie
#         base (the tests build one locally with mmdebstrap).
#
# Run (see README "Container deployment"): the data dir holds config.yaml and
# webhook-server.private-key.pem and is a volume; the container user is `podman` (uid 1000).
#   podman run -d --name github-webhook-server -p 5000:5000 --stop-timeout 45 \
#     -v ./data:/home/podman/data:Z,U github-webhook-server
# Run flags the features need:
#   - builds inside the container (/build-and-push-container, build-container check: rootless podman/buildah
#     in this container): --privileged. (--cap-add SYS_ADMIN --device /dev/fuse lets podman build, but the
#     added capabilities make bubblewrap refuse to start.)
#   - the PR-code sandbox (bubblewrap): works with no extra flag without a private /proc; `bwrap --proc /proc`
#     needs --security-opt unmask=ALL (or --privileged).
#   - graceful stop: tini is PID 1 and forwards SIGTERM to the server, which gives running deliveries up to
#     30 s: stop with more than that (`--stop-timeout 45`, `podman stop -t 45`, compose `stop_grace_period`).

ARG BASE_IMAGE=docker.io/library/debian:trixie-slim
FROM ${BASE_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive
# System tools: git, rootless podman/buildah/skopeo (uidmap, fuse-overlayfs, crun, netavark, passt),
# bubblewrap (the PR-code sandbox), tini (PID 1), Python 3.13 (server and tools), Node.js (the AI CLIs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates curl git openssh-client tini \
        python3 python3-venv \
        podman buildah skopeo crun netavark aardvark-dns passt slirp4netns fuse-overlayfs uidmap \
        containers-storage catatonit \
        bubblewrap \
        nodejs npm \
    && rm -rf /var/lib/apt/lists/*

# The non-root user, with subordinate ids inside the container's own 0-65535 range (nested rootless podman).
RUN useradd --create-home --uid 1000 --shell /bin/bash podman \
    && printf 'podman:1:999\npodman:1001:64535\n' > /etc/subuid \
    && cp /etc/subuid /etc/subgid

# uv, tox, prek, pre-commit and twine at the versions of container/tools-constraints.txt. The checks start
# them as `uvx tox` / `uvx prek` / `uvx twine`: uvx uses the installed, pinned tool (UV_TOOL_DIR is passed
# to every subprocess the server starts). uvx writes temporary files into UV_TOOL_DIR even to run an
# installed tool, so the server's user owns it.
ENV UV_TOOL_DIR=/opt/uv-tools \
    UV_TOOL_BIN_DIR=/usr/local/bin \
    UV_PYTHON_DOWNLOADS=manual \
    UV_PYTHON=/usr/bin/python3
COPY container/tools-constraints.txt /opt/container/tools-constraints.txt
RUN python3 -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir --constraint /opt/container/tools-constraints.txt uv \
    && ln -s /opt/uv/bin/uv /opt/uv/bin/uvx /usr/local/bin/ \
    && for tool in tox prek pre-commit twine; do \
        uv tool install --no-cache --constraints /opt/container/tools-constraints.txt "$tool" || exit 1; \
    done \
    && chown -R podman:podman /opt/uv-tools

# The AI CLIs (claude, gemini) at the versions of container/ai-clis/package-lock.json.
COPY container/ai-clis/package.json container/ai-clis/package-lock.json /opt/ai-clis/
RUN cd /opt/ai-clis \
    && npm ci --omit=dev --no-audit --no-fund \
    && ln -s /opt/ai-clis/node_modules/.bin/claude /opt/ai-clis/node_modules/.bin/gemini /usr/local/bin/ \
    && npm cache clean --force \
    && claude --version && gemini --version

# podman/buildah settings for running rootless inside a container.
COPY container/containers.conf /etc/containers/containers.conf
COPY --chown=podman:podman container/storage.conf /home/podman/.config/containers/storage.conf

ENV WEBHOOK_SERVER_DATA_DIR=/home/podman/data \
    UV_PROJECT_ENVIRONMENT=/home/podman/.venv \
    UV_NO_CACHE=1 \
    BUILDAH_ISOLATION=chroot \
    PATH=/home/podman/.venv/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUNBUFFERED=1

USER podman
WORKDIR /home/podman/app
# Dependencies first (a layer that changes only with uv.lock), then the project.
COPY --chown=podman:podman pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY --chown=podman:podman README.md entrypoint.py ./
COPY --chown=podman:podman container/healthcheck.py ./container/healthcheck.py
COPY --chown=podman:podman webhook_server ./webhook_server
RUN uv sync --locked --no-dev \
    && mkdir -p /home/podman/data

VOLUME ["/home/podman/data"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/home/podman/.venv/bin/python", "/home/podman/app/container/healthcheck.py"]

# tini reaps the children of checks and forwards SIGTERM/SIGINT to the server; the server re-raises the
# signal after its graceful shutdown, so 143 (128 + SIGTERM) is the clean exit and is reported as 0.
ENTRYPOINT ["/usr/bin/tini", "-e", "143", "--"]
CMD ["python", "entrypoint.py"]

FROM python:3.13-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends git podman buildah skopeo ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv \
    && useradd --create-home podman

ENV WEBHOOK_SERVER_DATA_DIR=/home/podman/data \
    UV_PROJECT_ENVIRONMENT=/home/podman/.venv \
    PYTHONUNBUFFERED=1

WORKDIR /home/podman/app
COPY pyproject.toml uv.lock README.md ./
COPY entrypoint.py ./
COPY webhook_server ./webhook_server
RUN uv sync --locked --no-dev \
    && mkdir -p /home/podman/data \
    && chown -R podman:podman /home/podman

USER podman
VOLUME ["/home/podman/data"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:5000/webhook_server/healthcheck || exit 1

CMD ["uv", "run", "--no-dev", "entrypoint.py"]

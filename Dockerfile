# syntax=docker/dockerfile:1
# The bot as a container: long polling by default, webhook mode with WEBHOOK_URL (see README, Operations).
#
# Base image: the official python:3.11.14-slim-bookworm, pinned by tag and by the digest of its multi-platform
# index (as published in late 2025), so that every build starts from the same bytes. To take a newer patch
# release or Debian's security fixes: `docker buildx imagetools inspect python:3.11-slim-bookworm`, put the
# version it reports in the tag and its "Digest:" after the @, rebuild and run the tests.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

# ---- build: the dependencies, exactly as locked (versions and hashes), into a virtual environment ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
# --without-pip plus the base image's pip (--python): the environment carries no installer of its own;
# --only-binary: wheels only, nothing compiled here, so no compiler in any stage.
RUN python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install --require-hashes --only-binary=:all: \
        -r /tmp/requirements.lock

# ---- runtime: the environment and the source, run as an unprivileged user ---------------------------------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DATABASE_PATH=/data/bot.sqlite3
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /data --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY webapp ./webapp
RUN python -m compileall -q /app

# numeric, so that a runtime can tell it is not root without reading /etc/passwd
USER 10001:10001
VOLUME ["/data"]
# webhook mode (WEBHOOK_PORT) and, in long polling, METRICS_PORT and WEBAPP_PORT (the Mini App) if you use them
EXPOSE 8080
# SIGTERM: the bot stops taking updates, gives those in flight 20 s, closes everything and exits 0. Give it
# 30 s before the kill: `docker stop -t 30`, compose `stop_grace_period: 30s`.
STOPSIGNAL SIGTERM
# The database answers and Telegram was heard from recently (polling), or the webhook server answers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]

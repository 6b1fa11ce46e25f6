# One image for every process of the back office (docker-compose.yml gives each its command).

# Build stage: a virtual environment with the pinned dependencies and the project, and pip to make it.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/coop
COPY requirements.lock /src/requirements.lock
# Every dependency has a wheel for this platform, so nothing is compiled; --no-deps keeps to the lock.
RUN /opt/coop/bin/pip install --no-deps -r /src/requirements.lock
COPY pyproject.toml /src/
COPY coop /src/coop
COPY shared /src/shared
COPY services /src/services
RUN /opt/coop/bin/pip install --no-deps /src \
    && /opt/coop/bin/pip check \
    && /opt/coop/bin/pip uninstall --yes pip \
    && find /opt/coop -name '__pycache__' -prune -exec rm -rf {} +

# Run stage: the virtual environment alone; no source tree, no pip in it, and not root.
FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --home-dir /var/lib/coop --create-home coop
COPY --from=build /opt/coop /opt/coop
ENV PATH=/opt/coop/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COOP_DATA_DIR=/var/lib/coop
USER coop
WORKDIR /var/lib/coop
EXPOSE 8000 9100
# docker-compose.yml names the command of each process: coop migrate, serve or worker SERVICE.
CMD ["coop", "--help"]

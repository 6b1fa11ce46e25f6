# A first image for docker-compose.yml; hardening (multi-stage, pinned lock) comes with issue 6.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 coop
WORKDIR /app
COPY pyproject.toml README.md ./
COPY coop coop
COPY shared shared
COPY services services
RUN pip install --no-cache-dir .
USER coop
ENV COOP_DATA_DIR=/home/coop/data
EXPOSE 8000
CMD ["coop", "serve", "members"]

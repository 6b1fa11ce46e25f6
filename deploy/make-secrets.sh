#!/usr/bin/env bash
# Make the secrets docker-compose.yml needs, once, on the machine that runs it (never in the repo):
#   .env                          passwords for RabbitMQ and PostgreSQL (read by docker compose)
#   deploy/secrets/jwt-private.pem  the members service's token-signing key (RS256)
# Existing files are kept: run it again and nothing changes. Needs openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077

password() { openssl rand -hex 24; }

if [ -e .env ]; then
  echo ".env exists: kept"
else
  cat > .env <<ENV
RABBITMQ_PASSWORD=$(password)
POSTGRES_PASSWORD=$(password)
MEMBERS_DB_PASSWORD=$(password)
CONTRACTS_DB_PASSWORD=$(password)
MARKETPLACE_DB_PASSWORD=$(password)
BROKERING_DB_PASSWORD=$(password)
NOTIFICATIONS_DB_PASSWORD=$(password)
ENV
  echo "wrote .env"
fi

mkdir -p deploy/secrets
if [ -e deploy/secrets/jwt-private.pem ]; then
  echo "deploy/secrets/jwt-private.pem exists: kept"
else
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out deploy/secrets/jwt-private.pem 2>/dev/null
  # The members service runs as uid 10001 in the image; the secret is mounted read-only for it.
  chmod 644 deploy/secrets/jwt-private.pem
  echo "wrote deploy/secrets/jwt-private.pem"
fi
